package org.jmmap.internal.search;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Finds line ends for {@code readLine} and {@code readLineSegment}, reading the segment in place
 * with scalar word loads, which HotSpot guards against a file truncated under the map (see {@link
 * ChunkScanner}).
 *
 * <p>Why in place: copying a block into a heap buffer first, scanning the copy and building the
 * line with {@link java.util.Arrays#copyOf} (which skips zeroing) measured slower for log lines of
 * about 80 bytes than this scan followed by one copy of the line: the block copy reads more than
 * the line, and its fixed cost is about that of the scan itself. Lines are short, so a scan that
 * starts in a chunked heap copy (as {@link Search#indexOf} does after its first bytes) buys nothing
 * either.
 */
public final class Lines {
  private static final ValueLayout.OfLong WORD =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long NEWLINES = '\n' * ONES;

  private Lines() {}

  /**
   * {@return the high bit set in every lane of {@code x} that is zero, and maybe in a lane just
   * above one that is}, so the lowest flagged lane is always a zero lane
   */
  private static long zeroish(long x) {
    return (x - ONES) & ~x & HIGHS;
  }

  /**
   * {@return the index just past the first {@code '\n'} in [from, to), or {@code to} if there is
   * none}, scanning the segment in place a word at a time
   */
  public static long lineEnd(MemorySegment s, long from, long to) {
    long i = from;
    for (; i <= to - 8; i += 8) {
      long m = zeroish(s.get(WORD, i) ^ NEWLINES);
      if (m != 0) {
        return i + (Long.numberOfTrailingZeros(m) >>> 3) + 1;
      }
    }
    for (; i < to; i++) {
      if (s.get(ValueLayout.JAVA_BYTE, i) == '\n') {
        return i + 1;
      }
    }
    return to;
  }
}
