package org.jmmap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
import java.util.Objects;
import java.util.Spliterator;
import java.util.function.Consumer;
import org.jmmap.internal.map.Region;
import org.jmmap.internal.search.Search;

/**
 * The source of {@link Mmap#lines} and {@link Mmap#lineSegments}: the lines of bytes {@code [pos,
 * hi)} of one generation of a map, each up to and including its {@code '\n'} (the last may have
 * none), as {@link Mmap#readLine()} returns them.
 *
 * <p>The bytes are copied to a heap block of {@link #BLOCK} bytes at a time and the line ends are
 * found there with the search kernel: a vector load on mapped memory is not guarded against a
 * truncated file, a copy is. A line longer than a block is found in the map with {@link
 * Search#indexOf(MemorySegment, long, long, byte)} and made from the map.
 *
 * <p>It splits at a line start near the middle of what is left, as the JDK's spliterator of {@code
 * Files.lines} does, so that a parallel stream gives each thread whole lines. Before it hands out a
 * line it checks that the map is still open and not remapped: a line copied before a close or a
 * resize never comes out after it.
 *
 * @param <T> what a line is made into
 */
final class LineSpliterator<T> implements Spliterator<T> {
  /** Bytes copied to the heap at a time. */
  static final int BLOCK = 64 << 10;

  /** Line ends found at a time. */
  private static final int ENDS = 256;

  /** Bytes left below which a spliterator does not split. */
  static final long MIN_SPLIT = 1 << 20;

  /** Makes the elements. */
  interface Maker<T> {
    /**
     * {@return the line of {@code len} bytes at {@code off} of a heap copy; {@code at} in the map}
     */
    T fromCopy(byte[] buf, int off, int len, long at);

    /** {@return the line of bytes {@code [at, end)} of the map's segment {@code s}} */
    T fromMap(MemorySegment s, long at, long end);
  }

  /** Lines as slices of the map. */
  record Segments(MemorySegment map) implements Maker<MemorySegment> {
    @Override
    public MemorySegment fromCopy(byte[] buf, int off, int len, long at) {
      return map.asSlice(at, len);
    }

    @Override
    public MemorySegment fromMap(MemorySegment s, long at, long end) {
      return map.asSlice(at, end - at);
    }
  }

  /** Lines decoded into strings. */
  record Strings(Charset charset) implements Maker<String> {
    @Override
    public String fromCopy(byte[] buf, int off, int len, long at) {
      return new String(buf, off, len, charset);
    }

    @Override
    public String fromMap(MemorySegment s, long at, long end) {
      if (end - at > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "a line of "
                + (end - at)
                + " bytes at offset "
                + at
                + " does not fit in a String; use lineSegments()");
      }
      byte[] line = new byte[(int) (end - at)];
      MemorySegment.copy(s, ValueLayout.JAVA_BYTE, at, line, 0, line.length);
      return new String(line, charset);
    }
  }

  private final Region region;
  private final MemorySegment s;
  private final Maker<T> maker;
  private final int block;
  private final long minSplit;
  private long pos; // the next line's start
  private final long hi; // a line start, or the end of the data
  private byte[] buf;
  private long bufBase; // buf holds [bufBase, bufBase + bufLen)
  private int bufLen;
  private int[] ends; // line ends found in buf, a batch at a time

  LineSpliterator(
      Region region, MemorySegment s, long pos, long hi, Maker<T> maker, int block, long minSplit) {
    this.region = region;
    this.s = s;
    this.pos = pos;
    this.hi = hi;
    this.maker = maker;
    this.block = block;
    this.minSplit = Math.max(1, minSplit);
  }

  /**
   * {@return a spliterator of the lines of {@code s} from {@code pos} as slices of {@code s}}. Made
   * here rather than in {@link Mmap}, so that linking Mmap loads no class of line streams.
   */
  static LineSpliterator<MemorySegment> ofSegments(
      Region region, MemorySegment s, long pos, int block, long minSplit) {
    return new LineSpliterator<>(region, s, pos, s.byteSize(), new Segments(s), block, minSplit);
  }

  /** {@return a spliterator of the lines of {@code s} from {@code pos}, decoded with {@code cs}} */
  static LineSpliterator<String> ofStrings(
      Region region, MemorySegment s, long pos, Charset cs, int block, long minSplit) {
    return new LineSpliterator<>(region, s, pos, s.byteSize(), new Strings(cs), block, minSplit);
  }

  /** Copies {@code [at, at + block)}, or up to {@link #hi}, to the heap. */
  private void fill(long at) {
    int n = (int) Math.min(block, hi - at);
    if (buf == null) {
      buf = new byte[block];
    }
    try {
      MemorySegment.copy(s, ValueLayout.JAVA_BYTE, at, buf, 0, n);
    } catch (IllegalStateException | WrongThreadException | InternalError e) {
      throw Faults.translate(region, e, at);
    }
    bufBase = at;
    bufLen = n;
  }

  @Override
  public boolean tryAdvance(Consumer<? super T> action) {
    Objects.requireNonNull(action, "action");
    try {
      return advance(action);
    } catch (InternalError e) {
      throw Faults.translate(region, e, pos); // as forEachRemaining
    }
  }

  private boolean advance(Consumer<? super T> action) {
    if (pos >= hi) {
      return false;
    }
    region.checkLive(s);
    if (buf == null || pos < bufBase || pos >= bufBase + bufLen) {
      fill(pos);
    }
    int off = (int) (pos - bufBase);
    int nl = Search.indexOf(buf, off, bufLen, (byte) '\n');
    if (nl < 0 && off > 0 && bufBase + bufLen < hi) {
      fill(pos); // the line goes on past the copy: copy from its start
      off = 0;
      nl = Search.indexOf(buf, 0, bufLen, (byte) '\n');
    }
    if (nl >= 0 || bufBase + bufLen == hi) {
      int end = nl >= 0 ? nl + 1 : bufLen;
      long at = pos;
      pos = bufBase + end;
      action.accept(maker.fromCopy(buf, off, end - off, at));
    } else {
      action.accept(longLine());
    }
    return true;
  }

  @Override
  public void forEachRemaining(Consumer<? super T> action) {
    Objects.requireNonNull(action, "action");
    try {
      lines(action);
    } catch (InternalError e) {
      // compiled code may raise a fault's InternalError after the copy, at the next safepoint
      // poll, out of fill's reach: this frame is where it surfaces
      throw Faults.translate(region, e, pos);
    }
  }

  private void lines(Consumer<? super T> action) {
    while (pos < hi) {
      region.checkLive(s);
      if (buf == null || pos < bufBase || pos >= bufBase + bufLen) {
        fill(pos);
      }
      byte[] b = buf;
      int len = bufLen;
      int first = (int) (pos - bufBase);
      int off = first;
      if (ends == null) {
        ends = new int[ENDS];
      }
      int[] e = ends;
      for (int k = ENDS; k >= ENDS - 64; ) {
        k = Search.indexAll(b, off, len, (byte) '\n', e);
        for (int j = 0; j < k; j++) {
          int nl = e[j];
          region.checkLive(s);
          action.accept(maker.fromCopy(b, off, nl + 1 - off, bufBase + off));
          off = nl + 1;
        }
      }
      pos = bufBase + off;
      if (bufBase + len == hi) {
        if (off < len) {
          region.checkLive(s);
          pos = hi;
          action.accept(maker.fromCopy(b, off, len - off, bufBase + off)); // no '\n' at the end
        }
      } else if (off == first) {
        if (first > 0) {
          fill(pos); // the line goes on past the copy: copy from its start
        } else {
          action.accept(longLine());
        }
      }
    }
  }

  /** {@return the line at {@link #pos}, which is longer than the block copied from there} */
  private T longLine() {
    long from = bufBase + bufLen;
    long nl;
    try {
      nl = Search.indexOf(s, from, hi, (byte) '\n');
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, from);
    }
    long end = nl < 0 ? hi : nl + 1;
    long at = pos;
    pos = end;
    try {
      return maker.fromMap(s, at, end);
    } catch (IllegalStateException | WrongThreadException | InternalError e) {
      throw Faults.translate(region, e, at);
    }
  }

  /**
   * {@return the lines before a line start near the middle of what is left, for another thread}, or
   * null when too little is left
   *
   * @throws UnsupportedOperationException if the map is confined to one thread
   */
  @Override
  public Spliterator<T> trySplit() {
    refuseIfConfined(); // on every map, however short: a parallel stream fails the same way
    if (hi - pos < 2 * minSplit) {
      return null;
    }
    return splitAt(pos + (hi - pos) / 2);
  }

  /**
   * {@return the lines that start before the first line start at or after {@code mid}}, and this
   * keeps the rest; null if no line starts in {@code [mid, hi)}
   *
   * @throws UnsupportedOperationException if the map is confined to one thread
   */
  Spliterator<T> splitAt(long mid) {
    refuseIfConfined();
    if (mid <= pos || mid >= hi) {
      return null;
    }
    long nl;
    try {
      nl = Search.indexOf(s, mid - 1, hi - 1, (byte) '\n');
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, mid - 1);
    }
    if (nl < 0) {
      return null;
    }
    LineSpliterator<T> prefix =
        new LineSpliterator<>(region, s, pos, nl + 1, maker, block, minSplit);
    pos = nl + 1;
    return prefix;
  }

  /**
   * Refuses to split the stream of a confined map.
   *
   * @throws UnsupportedOperationException if the map is confined to one thread
   * @throws WrongThreadException if called from another thread than a confined map's owner
   */
  private void refuseIfConfined() {
    region.checkLive(s); // another thread than a confined map's owner: WrongThreadException
    if (region.isConfined()) {
      throw Faults.confinedParallel("the lines", region.describe());
    }
  }

  @Override
  public long estimateSize() {
    return hi - pos; // in bytes: what a split halves
  }

  @Override
  public int characteristics() {
    return ORDERED | NONNULL;
  }
}
