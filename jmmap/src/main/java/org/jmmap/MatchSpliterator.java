package org.jmmap;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Spliterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jmmap.internal.map.Region;

/**
 * The source of the stream that {@link Mmap#matches(java.util.regex.Pattern)} returns: the matches
 * of a {@link WindowedMatches}, in order.
 *
 * <p>A parallel stream searches chunks of the map at once. Which matches a search takes from a
 * point on depends only on where it goes on searching: once it has reported every match that starts
 * before a chunk and none that ends inside it, it takes from the chunk the matches that a search
 * started at the chunk's first byte takes. So each chunk is searched from its first byte, in the
 * common pool, a few chunks ahead; the chunks are then taken in order, and where the last match
 * before a chunk ends inside it, the chunk is searched again from that end until the two searches
 * meet at a match, from which on they take the same matches (or to the chunk's end). The matches
 * are thus exactly the sequential ones, in order; each chunk's are handed to the stream as a batch.
 *
 * <p>Each batch checks, before every match it hands out, that the map is still open and not
 * remapped, as the matches themselves do: a match found before a close or a resize never comes out
 * after it. A map made with {@link MmapOptions#confined()} refuses to be split at all, so that a
 * parallel stream over it fails the same way every time, in the thread that started it, instead of
 * failing or not as the first thread to pull a match happens to be the owner or another.
 */
final class MatchSpliterator implements Spliterator<MmapMatch> {
  /** Bytes per chunk at least and at most. */
  static final long MIN_CHUNK = 1 << 20;

  static final long MAX_CHUNK = 32 << 20;

  /** What a search of part of the map needs, to make one. */
  record Searches(
      Region map,
      MemorySegment segment,
      Pattern pattern,
      long window,
      long overlap,
      boolean prefilter,
      int block) {
    /**
     * {@return the matches that start in [from, until), as the search of the whole map has them}
     */
    WindowedMatches from(long from, long until) {
      return new WindowedMatches(
          map, segment, pattern, window, overlap, prefilter, block, from, until);
    }
  }

  private final WindowedMatches matches;
  private final Searches searches;
  private final Region map;
  private final long chunkSize; // 0: chosen when the first split comes
  private boolean consumed; // a match was taken from matches
  // once split: the chunks from next on are left; the last match before next ends at reached
  private boolean split;
  private long next;
  private long reached;
  private long forked;
  private final ArrayDeque<Chunk> ahead = new ArrayDeque<>();
  private Batch current;

  MatchSpliterator(WindowedMatches matches, Searches searches, long chunkSize) {
    this.matches = matches;
    this.searches = searches;
    this.map = searches.map();
    this.chunkSize = chunkSize;
  }

  @Override
  public boolean tryAdvance(Consumer<? super MmapMatch> action) {
    Objects.requireNonNull(action, "action");
    if (split) {
      while (current == null || current.estimateSize() == 0) {
        current = nextChunk();
        if (current == null) {
          return false;
        }
      }
      return current.tryAdvance(action);
    }
    if (!matches.hasNext()) {
      return false;
    }
    consumed = true;
    action.accept(matches.next());
    return true;
  }

  @Override
  public void forEachRemaining(Consumer<? super MmapMatch> action) {
    Objects.requireNonNull(action, "action");
    if (split) {
      for (Batch b = current != null ? current : nextChunk(); b != null; b = nextChunk()) {
        current = b;
        b.forEachRemaining(action);
      }
      return;
    }
    while (matches.hasNext()) {
      consumed = true;
      action.accept(matches.next());
    }
  }

  /**
   * {@return the matches of the next chunk, for another thread}, or null when there are none
   *
   * @throws UnsupportedOperationException if the map is confined to one thread
   */
  @Override
  public Spliterator<MmapMatch> trySplit() {
    matches.checkLive(); // another thread than a confined map's owner: WrongThreadException
    if (map.isConfined()) {
      throw Faults.confinedParallel("matches()", map.describe());
    }
    if (consumed || searches.pattern().pattern().contains("\\G")) {
      // the iterator holds its place in the search, or \G matches where the search starts: the
      // rest stays one sequential search
      return null;
    }
    if (!split) {
      split = true;
      next = 0;
      reached = 0;
      forked = 0;
    }
    if (current != null && current.estimateSize() > 0) {
      Batch b = current;
      current = null;
      return b;
    }
    return nextChunk();
  }

  private long chunk() {
    if (chunkSize > 0) {
      return chunkSize;
    }
    long length = searches.segment().byteSize();
    int threads = ForkJoinPool.getCommonPoolParallelism();
    return Math.clamp(length / (4L * (threads + 1)), MIN_CHUNK, MAX_CHUNK);
  }

  /** Forks the searches of the chunks up to a few ahead of {@link #next}. */
  private void forkAhead() {
    long length = searches.segment().byteSize();
    int depth = ForkJoinPool.getCommonPoolParallelism() + 1;
    while (ahead.size() < depth && forked != Long.MAX_VALUE) {
      long from = forked;
      long until = until(from, length);
      Chunk c = new Chunk(searches, from, until);
      ahead.add(c);
      ForkJoinTask.adapt(c::search).fork();
      forked = until;
    }
  }

  /**
   * {@return the end of the chunk from {@code from}}: the last one takes every match to the end,
   * the empty match at the end included
   */
  private long until(long from, long length) {
    long until = from + chunk();
    return until >= length ? Long.MAX_VALUE : until;
  }

  /**
   * {@return the matches of the next chunk}, or null when none is left: its search from its first
   * byte, when the last match before it ends there or before, else the search again from that end
   * until it meets the first search
   */
  private Batch nextChunk() {
    matches.checkLive(); // as the one search checks, to the end
    long length = searches.segment().byteSize();
    if (next == Long.MAX_VALUE) {
      return null; // the last chunk was taken
    }
    forkAhead();
    Chunk chunk = ahead.poll();
    long from = next;
    long until = until(from, length);
    List<MmapMatch> found = take(chunk);
    List<MmapMatch> taken = reached <= from ? found : resume(found, until);
    next = until;
    if (!taken.isEmpty()) {
      reached = Math.max(reached, taken.getLast().endOffset());
    }
    return new Batch(taken.toArray(new MmapMatch[0]), taken.size());
  }

  /**
   * {@return the matches of the chunk ending at {@code until} that the search takes from {@link
   * #reached}}, given those it takes from the chunk's start ({@code found})
   */
  private List<MmapMatch> resume(List<MmapMatch> found, long until) {
    List<MmapMatch> taken = new ArrayList<>();
    if (reached >= until) {
      return taken; // a match before the chunk ends past it
    }
    WindowedMatches again = searches.from(reached, until);
    int k = 0;
    while (again.hasNext()) {
      MmapMatch m = again.next();
      while (k < found.size() && found.get(k).startOffset() < m.startOffset()) {
        k++;
      }
      if (k < found.size()
          && found.get(k).startOffset() == m.startOffset()
          && found.get(k).endOffset() == m.endOffset()) {
        taken.addAll(found.subList(k, found.size())); // the two searches go on alike
        return taken;
      }
      taken.add(m);
    }
    return taken;
  }

  /**
   * {@return the matches of {@code c}}: searched here if no other thread has begun it; while
   * another thread searches it, the chunks after it that no thread has begun are searched here, so
   * that this thread never waits while there is a search to do
   */
  private List<MmapMatch> take(Chunk c) {
    c.search();
    for (Chunk later : ahead) {
      if (c.done.isDone()) {
        break;
      }
      later.search();
    }
    try {
      return c.done.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /**
   * The search of one chunk from its first byte, by whichever thread comes first: a task of the
   * common pool, or the thread that takes the chunks in order.
   */
  private static final class Chunk {
    private final Searches searches;
    private final long from;
    private final long until;
    private final AtomicBoolean begun = new AtomicBoolean();
    final CompletableFuture<List<MmapMatch>> done = new CompletableFuture<>();

    Chunk(Searches searches, long from, long until) {
      this.searches = searches;
      this.from = from;
      this.until = until;
    }

    /** Searches the chunk, unless a thread has begun it. */
    void search() {
      if (!begun.compareAndSet(false, true)) {
        return;
      }
      try {
        List<MmapMatch> out = new ArrayList<>();
        WindowedMatches it = searches.from(from, until);
        while (it.hasNext()) {
          out.add(it.next());
        }
        done.complete(out);
      } catch (RuntimeException | Error e) {
        done.completeExceptionally(e);
      }
    }
  }

  @Override
  public long estimateSize() {
    return Long.MAX_VALUE;
  }

  @Override
  public int characteristics() {
    return ORDERED | NONNULL;
  }

  /** Matches already found, handed out only while the map is still the one they were found in. */
  private final class Batch implements Spliterator<MmapMatch> {
    private final MmapMatch[] found;
    private final int end;
    private int at;

    Batch(MmapMatch[] found, int end) {
      this.found = found;
      this.end = end;
    }

    @Override
    public boolean tryAdvance(Consumer<? super MmapMatch> action) {
      Objects.requireNonNull(action, "action");
      if (at >= end) {
        return false;
      }
      matches.checkLive();
      action.accept(found[at++]);
      return true;
    }

    @Override
    public Spliterator<MmapMatch> trySplit() {
      return null;
    }

    @Override
    public long estimateSize() {
      return end - at;
    }

    @Override
    public int characteristics() {
      return ORDERED | NONNULL | SIZED | SUBSIZED;
    }
  }
}
