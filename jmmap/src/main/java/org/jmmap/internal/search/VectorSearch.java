package org.jmmap.internal.search;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The search kernel on the Vector API, used when the application runs with {@code --add-modules
 * jdk.incubator.vector}: a whole vector of candidate starts at a time, each compared at the
 * needle's two filter offsets with its filter bytes; only positions where both match are verified.
 * It scans heap copies of the segment ({@link ChunkScanner}): compiled vector loads from mapped
 * memory are not guarded against a truncated file. Loaded only when the module is present.
 */
final class VectorSearch implements HeapKernel {
  /** The kernel. */
  static final VectorSearch KERNEL = new VectorSearch();

  private static final VectorSpecies<Byte> SPECIES = ByteVector.SPECIES_PREFERRED;

  private VectorSearch() {}

  /** {@return the vector width in bits} */
  static int bits() {
    return SPECIES.vectorBitSize();
  }

  /** {@return the mask of the candidates from {@code c} that match both filter bytes} */
  private static VectorMask<Byte> mask(byte[] buf, int c, Needle p) {
    return ByteVector.fromArray(SPECIES, buf, c + p.off1)
        .eq(p.b1)
        .and(ByteVector.fromArray(SPECIES, buf, c + p.off2).eq(p.b2));
  }

  @Override
  public int forward(byte[] buf, int lo, int hi, int len, Needle p) {
    int lanes = SPECIES.length();
    int c = lo;
    // two vectors per step, one test for both
    for (; c <= hi - 2 * lanes; c += 2 * lanes) {
      VectorMask<Byte> m0 = mask(buf, c, p);
      VectorMask<Byte> m1 = mask(buf, c + lanes, p);
      if (m0.or(m1).anyTrue()) {
        int at = lowest(buf, c, m0.toLong(), len, p);
        if (at < 0) {
          at = lowest(buf, c + lanes, m1.toLong(), len, p);
        }
        if (at >= 0) {
          return at;
        }
      }
    }
    for (; c <= hi - lanes; c += lanes) {
      int at = lowest(buf, c, mask(buf, c, p).toLong(), len, p);
      if (at >= 0) {
        return at;
      }
    }
    return SwarSearch.KERNEL.forward(buf, c, hi, len, p);
  }

  private static int lowest(byte[] buf, int c, long bits, int len, Needle p) {
    for (; bits != 0; bits &= bits - 1) {
      int at = c + Long.numberOfTrailingZeros(bits);
      if (p.matchesAt(buf, at, len)) {
        return at;
      }
    }
    return -1;
  }

  private static int highest(byte[] buf, int c, long bits, int len, Needle p) {
    while (bits != 0) {
      int lane = 63 - Long.numberOfLeadingZeros(bits);
      if (p.matchesAt(buf, c + lane, len)) {
        return c + lane;
      }
      bits &= ~(1L << lane);
    }
    return -1;
  }

  @Override
  public int backward(byte[] buf, int lo, int hi, int len, Needle p) {
    int lanes = SPECIES.length();
    int c = hi - 2 * lanes;
    for (; c >= lo; c -= 2 * lanes) {
      VectorMask<Byte> m0 = mask(buf, c, p);
      VectorMask<Byte> m1 = mask(buf, c + lanes, p);
      if (m0.or(m1).anyTrue()) {
        int at = highest(buf, c + lanes, m1.toLong(), len, p);
        if (at < 0) {
          at = highest(buf, c, m0.toLong(), len, p);
        }
        if (at >= 0) {
          return at;
        }
      }
    }
    // candidates lo .. c + 2 * lanes - 1 are left
    for (c += lanes; c >= lo; c -= lanes) {
      int at = highest(buf, c, mask(buf, c, p).toLong(), len, p);
      if (at >= 0) {
        return at;
      }
    }
    return SwarSearch.KERNEL.backward(buf, lo, c + lanes, len, p);
  }

  @Override
  public int indexAll(byte[] buf, int lo, int hi, byte b, int[] out, int n) {
    int lanes = SPECIES.length();
    int room = out.length - lanes; // a vector adds up to lanes
    int i = lo;
    // as SwarSearch does: the lowest match of a vector written in any case, counted if there
    for (; i <= hi - lanes && n < room; i += lanes) {
      long m = ByteVector.fromArray(SPECIES, buf, i).eq(b).toLong();
      out[n] = i + Long.numberOfTrailingZeros(m);
      n += (int) ((m | -m) >>> 63);
      for (m &= m - 1; m != 0; m &= m - 1) {
        out[n++] = i + Long.numberOfTrailingZeros(m);
      }
    }
    if (n >= room) {
      return n;
    }
    return SwarSearch.KERNEL.indexAll(buf, i, hi, b, out, n);
  }

  @Override
  public int indexOf(byte[] buf, int lo, int hi, byte b) {
    int lanes = SPECIES.length();
    int i = lo;
    for (; i <= hi - lanes; i += lanes) {
      VectorMask<Byte> m = ByteVector.fromArray(SPECIES, buf, i).eq(b);
      if (m.anyTrue()) {
        return i + m.firstTrue();
      }
    }
    return SwarSearch.KERNEL.indexOf(buf, i, hi, b);
  }

  /** Runs each kernel once, so that a missing module or CPU feature shows at startup. */
  static void selfTest() {
    MemorySegment s = MemorySegment.ofArray(new byte[3 * SPECIES.length() + 5]);
    s.set(ValueLayout.JAVA_BYTE, s.byteSize() - 2, (byte) 1);
    if (ChunkScanner.indexOf(KERNEL, s, 0, s.byteSize(), (byte) 1) != s.byteSize() - 2
        || ChunkScanner.find(KERNEL, s, 0, s.byteSize(), new byte[] {1, 0}) != s.byteSize() - 2
        || ChunkScanner.rfind(KERNEL, s, 0, s.byteSize(), new byte[] {0, 1}) != s.byteSize() - 3) {
      throw new IllegalStateException("the vector search kernel gave a wrong answer");
    }
  }
}
