package org.jmmap.internal.search;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The portable search kernel: candidates are found eight bytes at a time (SWAR), four words per
 * step. For each of the needle's two filter bytes, a word is loaded at that byte's offset from the
 * candidates and XORed with the byte in every lane; the two results ORed have a zero lane where
 * both match, and one test for zero lanes covers the four words. Only positions where both match
 * are checked further. It scans heap copies of the segment ({@link ChunkScanner}).
 */
final class SwarSearch implements HeapKernel {
  /** The kernel. */
  static final SwarSearch KERNEL = new SwarSearch();

  private static final VarHandle WORDS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long LOWS = 0x7F7F7F7F7F7F7F7FL;

  private SwarSearch() {}

  private static long word(byte[] buf, int i) {
    return (long) WORDS.get(buf, i);
  }

  /**
   * {@return the high bit set in every lane of {@code x} that is zero, and maybe in a lane just
   * above one that is} Three operations instead of the exact test's five; the lowest flagged lane
   * is always a zero one, and the candidates are checked byte by byte anyway.
   */
  private static long zeroish(long x) {
    return (x - ONES) & ~x & HIGHS;
  }

  @Override
  public int forward(byte[] buf, int lo, int hi, int len, Needle p) {
    int o1 = p.off1;
    int o2 = p.off2;
    long w1 = (p.b1 & 0xFF) * ONES;
    long w2 = (p.b2 & 0xFF) * ONES;
    int c = lo;
    for (; c <= hi - 32; c += 32) {
      // a lane of t is zero where both filter bytes match
      long t0 = (word(buf, c + o1) ^ w1) | (word(buf, c + o2) ^ w2);
      long t1 = (word(buf, c + 8 + o1) ^ w1) | (word(buf, c + 8 + o2) ^ w2);
      long t2 = (word(buf, c + 16 + o1) ^ w1) | (word(buf, c + 16 + o2) ^ w2);
      long t3 = (word(buf, c + 24 + o1) ^ w1) | (word(buf, c + 24 + o2) ^ w2);
      if ((((t0 - ONES) & ~t0 | (t1 - ONES) & ~t1 | (t2 - ONES) & ~t2 | (t3 - ONES) & ~t3) & HIGHS)
          != 0) {
        int at = lowest(buf, c, zeroish(t0), len, p);
        if (at < 0) {
          at = lowest(buf, c + 8, zeroish(t1), len, p);
          if (at < 0) {
            at = lowest(buf, c + 16, zeroish(t2), len, p);
            if (at < 0) {
              at = lowest(buf, c + 24, zeroish(t3), len, p);
            }
          }
        }
        if (at >= 0) {
          return at;
        }
      }
    }
    for (; c <= hi - 8; c += 8) {
      int at = lowest(buf, c, zeroish((word(buf, c + o1) ^ w1) | (word(buf, c + o2) ^ w2)), len, p);
      if (at >= 0) {
        return at;
      }
    }
    for (; c < hi; c++) {
      if (buf[c + o1] == p.b1 && buf[c + o2] == p.b2 && p.matchesAt(buf, c, len)) {
        return c;
      }
    }
    return -1;
  }

  /** {@return the lowest candidate among the lanes flagged in {@code mask} from c, or -1} */
  private static int lowest(byte[] buf, int c, long mask, int len, Needle p) {
    for (; mask != 0; mask &= mask - 1) {
      int at = c + (Long.numberOfTrailingZeros(mask) >>> 3);
      if (buf[at + p.off1] == p.b1 && buf[at + p.off2] == p.b2 && p.matchesAt(buf, at, len)) {
        return at;
      }
    }
    return -1;
  }

  @Override
  public int backward(byte[] buf, int lo, int hi, int len, Needle p) {
    int o1 = p.off1;
    int o2 = p.off2;
    long w1 = (p.b1 & 0xFF) * ONES;
    long w2 = (p.b2 & 0xFF) * ONES;
    int c = hi - 32;
    for (; c >= lo; c -= 32) {
      long t0 = (word(buf, c + o1) ^ w1) | (word(buf, c + o2) ^ w2);
      long t1 = (word(buf, c + 8 + o1) ^ w1) | (word(buf, c + 8 + o2) ^ w2);
      long t2 = (word(buf, c + 16 + o1) ^ w1) | (word(buf, c + 16 + o2) ^ w2);
      long t3 = (word(buf, c + 24 + o1) ^ w1) | (word(buf, c + 24 + o2) ^ w2);
      if ((((t0 - ONES) & ~t0 | (t1 - ONES) & ~t1 | (t2 - ONES) & ~t2 | (t3 - ONES) & ~t3) & HIGHS)
          != 0) {
        int at = highest(buf, c + 24, zeroish(t3), len, p);
        if (at < 0) {
          at = highest(buf, c + 16, zeroish(t2), len, p);
          if (at < 0) {
            at = highest(buf, c + 8, zeroish(t1), len, p);
            if (at < 0) {
              at = highest(buf, c, zeroish(t0), len, p);
            }
          }
        }
        if (at >= 0) {
          return at;
        }
      }
    }
    // candidates lo .. c + 31 are left
    for (c += 24; c >= lo; c -= 8) {
      int at =
          highest(buf, c, zeroish((word(buf, c + o1) ^ w1) | (word(buf, c + o2) ^ w2)), len, p);
      if (at >= 0) {
        return at;
      }
    }
    for (c += 7; c >= lo; c--) {
      if (buf[c + o1] == p.b1 && buf[c + o2] == p.b2 && p.matchesAt(buf, c, len)) {
        return c;
      }
    }
    return -1;
  }

  /** {@return the highest candidate among the lanes flagged in {@code mask} from c, or -1} */
  private static int highest(byte[] buf, int c, long mask, int len, Needle p) {
    while (mask != 0) {
      int lane = 7 - (Long.numberOfLeadingZeros(mask) >>> 3);
      int at = c + lane;
      if (buf[at + p.off1] == p.b1 && buf[at + p.off2] == p.b2 && p.matchesAt(buf, at, len)) {
        return at;
      }
      mask &= ~(0x80L << (lane << 3));
    }
    return -1;
  }

  @Override
  public int indexAll(byte[] buf, int lo, int hi, byte b, int[] out, int n) {
    long w = (b & 0xFF) * ONES;
    int i = lo;
    for (; i <= hi - 8; i += 8) {
      long x = word(buf, i) ^ w;
      // the high bit of every zero lane, exactly: no borrow runs from one lane into the next
      for (long m = ~(((x & LOWS) + LOWS) | x | LOWS); m != 0; m &= m - 1) {
        out[n++] = i + (Long.numberOfTrailingZeros(m) >>> 3);
        if (n == out.length) {
          return n;
        }
      }
    }
    for (; i < hi; i++) {
      if (buf[i] == b) {
        out[n++] = i;
        if (n == out.length) {
          return n;
        }
      }
    }
    return n;
  }

  @Override
  public int indexOf(byte[] buf, int lo, int hi, byte b) {
    long w = (b & 0xFF) * ONES;
    int i = lo;
    for (; i <= hi - 16; i += 16) {
      long m0 = zeroish(word(buf, i) ^ w);
      long m1 = zeroish(word(buf, i + 8) ^ w);
      if ((m0 | m1) != 0) {
        // the lowest flagged lane is always a real match
        return m0 != 0
            ? i + (Long.numberOfTrailingZeros(m0) >>> 3)
            : i + 8 + (Long.numberOfTrailingZeros(m1) >>> 3);
      }
    }
    for (; i < hi; i++) {
      if (buf[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
