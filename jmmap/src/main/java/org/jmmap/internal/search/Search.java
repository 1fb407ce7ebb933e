package org.jmmap.internal.search;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.LongConsumer;

/**
 * Substring and byte search over a segment, in Java only: a file-backed segment must never reach
 * native code, where a fault on a truncated file would kill the JVM. Nor may it reach a load that
 * the JVM does not guard against that fault: {@link ChunkScanner} reads the segment only with the
 * JDK's copy and with scalar loads, both of which turn the fault into an {@link InternalError}, and
 * the kernels scan heap copies.
 *
 * <p>Two kernels: the Vector API one ({@link VectorSearch}) when the application runs with {@code
 * --add-modules jdk.incubator.vector}, otherwise the portable word-at-a-time one ({@link
 * SwarSearch}). {@code -Djmmap.search=swar} forces the portable one. {@link #kernel()} says which
 * runs.
 */
public final class Search {
  /**
   * Bytes that a byte search scans in place, a word at a time with scalar segment loads, before its
   * first chunk: lines are short, and this costs no copy, and no kernel (so a fresh JVM's first
   * short line loads none of the chunked search).
   */
  static final int NEAR = 256;

  private static final ValueLayout.OfLong WORD =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  private Search() {}

  /**
   * The kernel, chosen when the first search needs one: a byte search that ends within its first
   * bytes (a short line, for {@code readLine}) needs none, and choosing one loads and tests it.
   */
  private static final class Chosen {
    static final boolean VECTOR = vectorUsable();

    /** A constant, so the JIT inlines its scan into the chunk loops. */
    static final HeapKernel KERNEL = VECTOR ? VectorSearch.KERNEL : SwarSearch.KERNEL;

    private Chosen() {}
  }

  private static boolean vectorUsable() {
    if ("swar".equals(System.getProperty("jmmap.search")) || !inBootLayer("jdk.incubator.vector")) {
      return false;
    }
    try {
      VectorSearch.selfTest();
      return true;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  /**
   * {@return whether the boot layer holds the module {@code name}}, by a plain loop: {@link
   * ModuleLayer#findModule} runs a stream, whose lambdas a fresh JVM spends milliseconds on
   */
  private static boolean inBootLayer(String name) {
    for (Module m : ModuleLayer.boot().modules()) {
      if (name.equals(m.getName())) {
        return true;
      }
    }
    return false;
  }

  /** {@return the kernel in use, e.g. {@code "vector (512-bit)"} or {@code "SWAR (64-bit)"}} */
  public static String kernel() {
    return Chosen.VECTOR ? "vector (" + VectorSearch.bits() + "-bit)" : "SWAR (64-bit)";
  }

  /**
   * {@return the lowest i in [from, to - needle.length] where needle occurs, or -1}
   *
   * @param needle at least one byte
   */
  public static long find(MemorySegment s, long from, long to, byte[] needle) {
    return ChunkScanner.find(Chosen.KERNEL, s, from, to, needle);
  }

  /**
   * {@return the highest i in [from, to - needle.length] where needle occurs, or -1}
   *
   * @param needle at least one byte
   */
  public static long rfind(MemorySegment s, long from, long to, byte[] needle) {
    return ChunkScanner.rfind(Chosen.KERNEL, s, from, to, needle);
  }

  /** {@return the lowest index in [from, to) that holds {@code b}, or -1} */
  public static long indexOf(MemorySegment s, long from, long to, byte b) {
    // the first bytes in place first, which needs no kernel: a short line never makes this class
    // choose one
    long near = Math.min(to, from + NEAR);
    long at = nearIndexOf(s, from, near, b);
    if (at >= 0 || near == to) {
      return at;
    }
    return ChunkScanner.indexOf(Chosen.KERNEL, s, near, to, b);
  }

  /**
   * Hands {@code sink} every occurrence of {@code needle} that starts in [from, startEnd) and ends
   * by {@code to}, left to right and without overlap (each at or after the end of the one before,
   * the first at or after {@code from}), as {@code bytes.count} counts them.
   *
   * @param needle at least one byte
   * @return how many occurrences
   */
  public static long forEach(
      MemorySegment s, long from, long startEnd, long to, byte[] needle, LongConsumer sink) {
    return ChunkScanner.forEach(Chosen.KERNEL, s, from, startEnd, to, needle, sink);
  }

  /**
   * Writes the indexes in [lo, hi) of the heap array {@code buf} that hold {@code b} into {@code
   * out}, lowest first, with the selected kernel. {@return how many}: when fewer than {@code
   * out.length - 64}, all were written; else the caller goes on from the last one
   */
  public static int indexAll(byte[] buf, int lo, int hi, byte b, int[] out) {
    return Chosen.KERNEL.indexAll(buf, lo, hi, b, out, 0);
  }

  /**
   * {@return the lowest index in [lo, hi) of the heap array {@code buf} that holds {@code b}, or
   * -1}, with the selected kernel
   */
  public static int indexOf(byte[] buf, int lo, int hi, byte b) {
    return Chosen.KERNEL.indexOf(buf, lo, hi, b);
  }

  /**
   * {@return the high bit set in every lane of {@code x} that is zero, and maybe in a lane just
   * above one that is}
   */
  private static long zeroish(long x) {
    return (x - ONES) & ~x & HIGHS;
  }

  /** {@return the lowest index in [from, end) that holds {@code b}, or -1}, in place */
  private static long nearIndexOf(MemorySegment s, long from, long end, byte b) {
    long w = (b & 0xFF) * ONES;
    long i = from;
    for (; i <= end - 8; i += 8) {
      long m = zeroish(s.get(WORD, i) ^ w);
      if (m != 0) {
        return i + (Long.numberOfTrailingZeros(m) >>> 3); // the lowest flagged lane is a match
      }
    }
    for (; i < end; i++) {
      if (s.get(ValueLayout.JAVA_BYTE, i) == b) {
        return i;
      }
    }
    return -1;
  }
}
