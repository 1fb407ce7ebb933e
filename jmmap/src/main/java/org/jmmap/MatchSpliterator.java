package org.jmmap;

import java.util.Objects;
import java.util.Spliterator;
import java.util.function.Consumer;
import org.jmmap.internal.map.Region;

/**
 * The source of the stream that {@link Mmap#matches(java.util.regex.Pattern)} returns: the matches
 * of a {@link WindowedMatches}, in order.
 *
 * <p>The matches are found one after the other, so a parallel stream can only hand batches of them
 * to other threads. Each batch checks, before every match it hands out, that the map is still open
 * and not remapped, as the matches themselves do: a match found before a close or a resize never
 * comes out after it. A map made with {@link MmapOptions#confined()} refuses to be split at all, so
 * that a parallel stream over it fails the same way every time, in the thread that started it,
 * instead of failing or not as the first thread to pull a match happens to be the owner or another.
 */
final class MatchSpliterator implements Spliterator<MmapMatch> {
  /** Matches in the first batch handed to another thread; each later batch holds this many more. */
  static final int BATCH = 1024;

  private static final int MAX_BATCH = 1 << 20;

  private final WindowedMatches matches;
  private final Region map;
  private int batch;

  MatchSpliterator(WindowedMatches matches, Region map) {
    this.matches = matches;
    this.map = map;
  }

  @Override
  public boolean tryAdvance(Consumer<? super MmapMatch> action) {
    Objects.requireNonNull(action, "action");
    if (!matches.hasNext()) {
      return false;
    }
    action.accept(matches.next());
    return true;
  }

  @Override
  public void forEachRemaining(Consumer<? super MmapMatch> action) {
    Objects.requireNonNull(action, "action");
    while (matches.hasNext()) {
      action.accept(matches.next());
    }
  }

  /**
   * {@return a batch of the next matches, for another thread}, or null when there are none
   *
   * @throws UnsupportedOperationException if the map is confined to one thread
   */
  @Override
  public Spliterator<MmapMatch> trySplit() {
    matches.checkLive(); // another thread than a confined map's owner: WrongThreadException
    if (map.isConfined()) {
      throw new UnsupportedOperationException(
          "matches() of a confined map cannot be a parallel stream: it would hand the map to"
              + " other threads, and a confined map answers only to the thread that made it; use"
              + " a sequential stream, or a map made without confined(): "
              + map.describe());
    }
    int n = Math.min(MAX_BATCH, batch + BATCH);
    MmapMatch[] found = new MmapMatch[n];
    int k = 0;
    while (k < n && matches.hasNext()) {
      found[k++] = matches.next();
    }
    if (k == 0) {
      return null;
    }
    batch = n;
    return new Batch(found, k);
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
    private int next;

    Batch(MmapMatch[] found, int end) {
      this.found = found;
      this.end = end;
    }

    @Override
    public boolean tryAdvance(Consumer<? super MmapMatch> action) {
      Objects.requireNonNull(action, "action");
      if (next >= end) {
        return false;
      }
      matches.checkLive();
      action.accept(found[next++]);
      return true;
    }

    @Override
    public Spliterator<MmapMatch> trySplit() {
      return null;
    }

    @Override
    public long estimateSize() {
      return end - next;
    }

    @Override
    public int characteristics() {
      return ORDERED | NONNULL | SIZED | SUBSIZED;
    }
  }
}
