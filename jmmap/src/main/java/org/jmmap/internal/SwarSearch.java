package org.jmmap.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The portable search kernel. Candidates are found eight bytes at a time (SWAR): a word is loaded at the candidate start
 * and one at the candidate end, each compared with the needle's first and last byte broadcast to
 * every lane, and only positions where both match are verified with {@link
 * MemorySegment#mismatch}.
 */
final class SwarSearch {
  private static final ValueLayout.OfLong WORD =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
  private static final long ONES = 0x0101010101010101L;

  private SwarSearch() {}

  /** {@return a word with the high bit set in exactly the lanes where {@code x} is zero} */
  private static long zeroLanes(long x) {
    return ~(((x & LOW7) + LOW7) | x | LOW7);
  }

  /**
   * {@return the lowest index i in [from, to - needle.length] where needle occurs, or -1}
   *
   * @param needle at least one byte
   */
  static long find(MemorySegment s, long from, long to, byte[] needle) {
    int n = needle.length;
    long last = to - n; // the last candidate start
    if (last < from) {
      return -1;
    }
    MemorySegment pattern = MemorySegment.ofArray(needle);
    long first = (needle[0] & 0xFF) * ONES;
    long end = (needle[n - 1] & 0xFF) * ONES;
    long i = from;
    // word-at-a-time while both words fit inside [from, to)
    for (; i + 8 <= last + 1; i += 8) {
      long mask = zeroLanes(s.get(WORD, i) ^ first) & zeroLanes(s.get(WORD, i + n - 1) ^ end);
      while (mask != 0) {
        long at = i + (Long.numberOfTrailingZeros(mask) >>> 3);
        if (n <= 2 || MemorySegment.mismatch(s, at, at + n, pattern, 0, n) < 0) {
          return at;
        }
        mask &= mask - 1;
      }
    }
    for (; i <= last; i++) {
      if (s.get(ValueLayout.JAVA_BYTE, i) == needle[0]
          && MemorySegment.mismatch(s, i, i + n, pattern, 0, n) < 0) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@return the highest index i in [from, to - needle.length] where needle occurs, or -1}
   *
   * @param needle at least one byte
   */
  static long rfind(MemorySegment s, long from, long to, byte[] needle) {
    int n = needle.length;
    long last = to - n;
    if (last < from) {
      return -1;
    }
    MemorySegment pattern = MemorySegment.ofArray(needle);
    long first = (needle[0] & 0xFF) * ONES;
    long end = (needle[n - 1] & 0xFF) * ONES;
    long i = last - 7; // the word [i, i + 8) holds candidates i .. last
    for (; i >= from; i -= 8) {
      long mask = zeroLanes(s.get(WORD, i) ^ first) & zeroLanes(s.get(WORD, i + n - 1) ^ end);
      while (mask != 0) {
        int lane = 7 - (Long.numberOfLeadingZeros(mask) >>> 3);
        long at = i + lane;
        if (n <= 2 || MemorySegment.mismatch(s, at, at + n, pattern, 0, n) < 0) {
          return at;
        }
        mask &= ~(0x80L << (lane << 3));
      }
    }
    for (long j = i + 7; j >= from; j--) {
      if (s.get(ValueLayout.JAVA_BYTE, j) == needle[0]
          && MemorySegment.mismatch(s, j, j + n, pattern, 0, n) < 0) {
        return j;
      }
    }
    return -1;
  }

  /** {@return the lowest index in [from, to) that holds {@code b}, or -1} */
  static long indexOf(MemorySegment s, long from, long to, byte b) {
    long pattern = (b & 0xFF) * ONES;
    long i = from;
    for (; i + 8 <= to; i += 8) {
      long mask = zeroLanes(s.get(WORD, i) ^ pattern);
      if (mask != 0) {
        return i + (Long.numberOfTrailingZeros(mask) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (s.get(ValueLayout.JAVA_BYTE, i) == b) {
        return i;
      }
    }
    return -1;
  }
}
