package org.jmmap.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The search kernel on the Vector API, used when the application runs with {@code
 * --add-modules jdk.incubator.vector}: a whole vector of candidate starts at a time, each
 * compared with the needle's first byte and the bytes {@code n - 1} further with its last byte;
 * only positions where both match are verified. Loaded only when the module is present.
 */
final class VectorSearch {
  private static final VectorSpecies<Byte> SPECIES = ByteVector.SPECIES_PREFERRED;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

  private VectorSearch() {}

  /** {@return the vector width in bits} */
  static int bits() {
    return SPECIES.vectorBitSize();
  }

  /**
   * {@return one bit per lane for the starts {@code i ..} whose byte is the needle's first and
   * whose byte {@code n - 1} further is its last}
   */
  private static long candidates(MemorySegment s, long i, int n, byte first, byte end) {
    VectorMask<Byte> m = ByteVector.fromMemorySegment(SPECIES, s, i, LE).eq(first)
        .and(ByteVector.fromMemorySegment(SPECIES, s, i + n - 1, LE).eq(end));
    return m.anyTrue() ? m.toLong() : 0;
  }

  /** {@return whether the needle is at {@code at}; its first and last bytes are known to match} */
  private static boolean matches(MemorySegment s, long at, MemorySegment pattern, int n) {
    return n <= 2 || MemorySegment.mismatch(s, at, at + n, pattern, 0, n) < 0;
  }

  static long find(MemorySegment s, long from, long to, byte[] needle) {
    int n = needle.length;
    long last = to - n;
    if (last < from) {
      return -1;
    }
    MemorySegment pattern = MemorySegment.ofArray(needle);
    byte first = needle[0];
    byte end = needle[n - 1];
    int lanes = SPECIES.length();
    long i = from;
    for (; i + lanes - 1 <= last; i += lanes) {
      VectorMask<Byte> m = ByteVector.fromMemorySegment(SPECIES, s, i, LE).eq(first)
          .and(ByteVector.fromMemorySegment(SPECIES, s, i + n - 1, LE).eq(end));
      for (long bits = candidates(s, i, n, first, end); bits != 0; bits &= bits - 1) {
        long at = i + Long.numberOfTrailingZeros(bits);
        if (matches(s, at, pattern, n)) {
          return at;
        }
      }
    }
    return SwarSearch.find(s, i, to, needle);
  }

  static long rfind(MemorySegment s, long from, long to, byte[] needle) {
    int n = needle.length;
    long last = to - n;
    if (last < from) {
      return -1;
    }
    MemorySegment pattern = MemorySegment.ofArray(needle);
    byte first = needle[0];
    byte end = needle[n - 1];
    int lanes = SPECIES.length();
    long i = last - lanes + 1; // the vector at i holds candidates i .. last
    for (; i >= from; i -= lanes) {
      VectorMask<Byte> m = ByteVector.fromMemorySegment(SPECIES, s, i, LE).eq(first)
          .and(ByteVector.fromMemorySegment(SPECIES, s, i + n - 1, LE).eq(end));
      for (long bits = candidates(s, i, n, first, end); bits != 0; ) {
        int lane = 63 - Long.numberOfLeadingZeros(bits);
        long at = i + lane;
        if (matches(s, at, pattern, n)) {
          return at;
        }
        bits &= ~(1L << lane);
      }
    }
    // candidates from .. i + lanes - 1 are left
    return SwarSearch.rfind(s, from, Math.min(to, i + lanes - 1 + n), needle);
  }

  static long indexOf(MemorySegment s, long from, long to, byte b) {
    int lanes = SPECIES.length();
    long i = from;
    for (; i + lanes <= to; i += lanes) {
      VectorMask<Byte> m = ByteVector.fromMemorySegment(SPECIES, s, i, LE).eq(b);
      if (m.anyTrue()) {
        return i + m.firstTrue();
      }
    }
    return SwarSearch.indexOf(s, i, to, b);
  }

  /** Runs each kernel once, so that a missing module or CPU feature shows at startup. */
  static void selfTest() {
    MemorySegment s = MemorySegment.ofArray(new byte[3 * SPECIES.length() + 5]);
    s.set(ValueLayout.JAVA_BYTE, s.byteSize() - 2, (byte) 1);
    if (indexOf(s, 0, s.byteSize(), (byte) 1) != s.byteSize() - 2
        || find(s, 0, s.byteSize(), new byte[] {1, 0}) != s.byteSize() - 2
        || rfind(s, 0, s.byteSize(), new byte[] {0, 1}) != s.byteSize() - 3) {
      throw new IllegalStateException("the vector search kernel gave a wrong answer");
    }
  }
}
