package org.jmmap;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Spliterator;
import java.util.function.LongConsumer;
import org.jmmap.internal.map.Region;
import org.jmmap.internal.search.Search;

/**
 * The source of {@link Mmap#findAll(byte[])}: the offsets of the occurrences of a needle in one
 * generation of a map, without overlap, as a left-to-right scan finds them ({@code bytes.count}'s
 * rule): each occurrence starts at or after the end of the one before.
 *
 * <p>Which occurrences such a scan takes past a point depends on where the occurrence before the
 * point ended: in {@code "aaaa"}, {@code "aa"} occurs at 0, 1 and 2, and the scan takes 0 and 2. So
 * a split is made only at a point that no occurrence crosses (no occurrence starts less than a
 * needle's length before it): there the scan is free of its past, and the part after the point,
 * scanned on its own from the point, takes exactly what the scan of the whole would. A point near
 * the middle that an occurrence crosses moves to the end of that occurrence, as often as needed; a
 * needle that overlaps itself all the way through (zeros in zeros) may leave nothing to split.
 *
 * <p>Before it hands out an offset it checks that the map is still open and not remapped.
 */
final class OccurrenceSpliterator implements Spliterator.OfLong {
  /** Bytes left below which a spliterator does not split. */
  static final long MIN_SPLIT = 1 << 20;

  /** How often a split point may move past an occurrence that crosses it. */
  private static final int MOVES = 64;

  private final Region region;
  private final MemorySegment s;
  private final byte[] needle;
  private final long minSplit;
  private long pos; // where the scan goes on: free of its past
  private final long hi; // occurrences start before it
  private final long to; // the end of the data: occurrences end by it

  OccurrenceSpliterator(
      Region region, MemorySegment s, byte[] needle, long pos, long hi, long minSplit) {
    this.region = region;
    this.s = s;
    this.needle = needle;
    this.pos = pos;
    this.hi = hi;
    this.to = s.byteSize();
    this.minSplit = Math.max(1, minSplit);
  }

  @Override
  public boolean tryAdvance(LongConsumer action) {
    Objects.requireNonNull(action, "action");
    if (pos >= hi) {
      return false;
    }
    region.checkLive(s);
    long at;
    try {
      at = Search.find(s, pos, Math.min(to, hi - 1 + needle.length), needle);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, pos);
    }
    if (at < 0) {
      pos = hi;
      return false;
    }
    pos = at + needle.length;
    region.checkLive(s);
    action.accept(at);
    return true;
  }

  @Override
  public void forEachRemaining(LongConsumer action) {
    Objects.requireNonNull(action, "action");
    if (pos >= hi) {
      return;
    }
    region.checkLive(s);
    long from = pos;
    pos = hi;
    try {
      Search.forEach(
          s,
          from,
          hi,
          to,
          needle,
          at -> {
            region.checkLive(s);
            action.accept(at);
          });
    } catch (IllegalStateException | WrongThreadException | InternalError e) {
      throw Faults.translate(region, e, from);
    }
  }

  /** {@return how many occurrences are left}, found as {@link #forEachRemaining} finds them */
  long count() {
    if (pos >= hi) {
      return 0;
    }
    region.checkLive(s);
    long from = pos;
    pos = hi;
    long n;
    try {
      n = Search.forEach(s, from, hi, to, needle, at -> {});
    } catch (IllegalStateException | WrongThreadException | InternalError e) {
      throw Faults.translate(region, e, from);
    }
    region.checkLive(s); // counted in copies taken before a close or a resize: no answer
    return n;
  }

  /**
   * {@return the occurrences before a point near the middle of what is left, for another thread},
   * or null when too little is left or no point near the middle is free
   *
   * @throws UnsupportedOperationException if the map is confined to one thread
   */
  @Override
  public OfLong trySplit() {
    refuseIfConfined(); // on every map, however short: a parallel stream fails the same way
    if (hi - pos < 2 * minSplit) {
      return null;
    }
    return splitAt(pos + (hi - pos) / 2);
  }

  /**
   * {@return the occurrences that start before the first point at or after {@code mid} that no
   * occurrence crosses}, and this keeps the rest; null if no such point is found before {@link #hi}
   *
   * @throws UnsupportedOperationException if the map is confined to one thread
   */
  OfLong splitAt(long mid) {
    refuseIfConfined();
    long m = mid;
    for (int k = 0; m > pos && m < hi; k++) {
      long crossing;
      long lo = Math.max(pos, m - needle.length + 1);
      try {
        crossing = Search.rfind(s, lo, Math.min(to, m - 1 + needle.length), needle);
      } catch (RuntimeException | InternalError e) {
        throw Faults.translate(region, e, lo);
      }
      if (crossing < 0) {
        OccurrenceSpliterator prefix =
            new OccurrenceSpliterator(region, s, needle, pos, m, minSplit);
        pos = m;
        return prefix;
      }
      if (k == MOVES) {
        return null;
      }
      m = crossing + needle.length;
    }
    return null;
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
      throw Faults.confinedParallel("findAll()", region.describe());
    }
  }

  @Override
  public long estimateSize() {
    return hi - pos; // in bytes: what a split halves
  }

  @Override
  public int characteristics() {
    return ORDERED | NONNULL | DISTINCT;
  }
}
