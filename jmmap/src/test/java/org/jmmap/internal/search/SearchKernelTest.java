package org.jmmap.internal.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

/**
 * Both search kernels, through the chunked scan, against a naive search: random haystacks over
 * small alphabets, needles planted at every chunk boundary, ranges that start and end anywhere.
 */
class SearchKernelTest {
  /** Distances from the start of a range where the scan changes how it reads. */
  private static final int[] BOUNDARIES = boundaries();

  private final long seed = Long.getLong("jmmap.seed", System.nanoTime());
  private final RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);

  private static int[] boundaries() {
    // chunks of candidates start at FIRST_CHUNK and double; a byte search scans NEAR bytes first
    int f = ChunkScanner.FIRST_CHUNK;
    int near = Search.NEAR;
    return new int[] {
      0,
      1,
      7,
      8,
      31,
      32,
      33,
      63,
      64,
      65,
      127,
      128,
      129,
      f - 1,
      f,
      f + 1,
      3 * f - 1,
      3 * f,
      3 * f + 1,
      7 * f - 1,
      7 * f,
      7 * f + 1,
      near + f - 1,
      near + f,
      near + 3 * f,
      near + 3 * f + 1
    };
  }

  static long naiveFind(byte[] d, long from, long to, byte[] sub) {
    outer:
    for (long i = from; i + sub.length <= to; i++) {
      for (int k = 0; k < sub.length; k++) {
        if (d[(int) i + k] != sub[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  static long naiveRfind(byte[] d, long from, long to, byte[] sub) {
    outer:
    for (long i = to - sub.length; i >= from; i--) {
      for (int k = 0; k < sub.length; k++) {
        if (d[(int) i + k] != sub[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void theVectorKernelIsInUseInTheseTests() {
    // the test JVM runs with --add-modules jdk.incubator.vector, as the README suggests
    assertTrue(Search.kernel().startsWith("vector"), Search.kernel());
  }

  @Test
  void theFilterBytesAreTheNeedlesRarest() {
    Needle p = new Needle("NEEDLE-7f3a9c2e1".getBytes(StandardCharsets.US_ASCII));
    assertEquals("DL", "" + (char) p.b1 + (char) p.b2, "needle NEEDLE-7f3a9c2e1");
    assertEquals(List.of(3, 4), List.of(p.off1, p.off2));
    Needle one = new Needle(new byte[] {'x'});
    assertEquals(List.of(0, 0, 1), List.of(one.off1, one.off2, one.span));
    Needle same = new Needle("eeee".getBytes(StandardCharsets.US_ASCII));
    assertTrue(same.off1 != same.off2, "two offsets even when the bytes are equal");
    byte[] longNeedle = new byte[70_000];
    longNeedle[69_999] = '!';
    assertTrue(
        new Needle(longNeedle).span <= Needle.MAX_FILTER_REACH,
        "the filter of a long needle stays near its start");
  }

  @Test
  void bothKernelsAgreeWithANaiveSearchOnSmallHaystacks() {
    for (int round = 0; round < 3000; round++) {
      int n = 1 + r.nextInt(round % 10 == 0 ? 2000 : 300);
      byte[] d = haystack(n, round % 3 == 0 ? "ab" : round % 3 == 1 ? "ab\n" : "abcdefgh");
      byte[] sub = needle(d, 1 + r.nextInt(Math.min(n, round % 7 == 0 ? 300 : 20)));
      long from = r.nextInt(n + 1);
      long to = from + r.nextInt((int) (n - from) + 1);
      checkAll(d, from, to, sub, "round " + round);
    }
  }

  @Test
  void bothKernelsFindNeedlesPlantedAtEveryChunkBoundary() {
    int round = 0;
    for (int distance : BOUNDARIES) {
      for (int len : new int[] {1, 2, 3, 8, 9, 33, 300}) {
        for (int shift = 0; shift < 3; shift++, round++) {
          int from = r.nextInt(64);
          int n = from + distance + len + r.nextInt(3) + shift * 40;
          byte[] d = haystack(n, "ab");
          byte[] sub = haystack(len, "ab");
          sub[len - 1] = 'c'; // occurs only where planted
          System.arraycopy(sub, 0, d, from + distance, len);
          String why = "distance " + distance + " length " + len + " round " + round;
          checkAll(d, from, n, sub, why);
          // and the same distance from the end, for rfind
          byte[] e = haystack(n, "ab");
          System.arraycopy(sub, 0, e, n - distance - len, len);
          checkAll(e, from, n, sub, why + " from the end");
        }
      }
    }
  }

  @Test
  void bothKernelsAgreeOnLargeHaystacksAndNeedlesLongerThanAChunk() {
    for (int round = 0; round < 40; round++) {
      int len =
          switch (round % 4) {
            case 0 -> 1 + r.nextInt(64);
            case 1 -> ChunkScanner.WHOLE_NEEDLE - 2 + r.nextInt(5);
            case 2 -> Needle.MAX_FILTER_REACH - 2 + r.nextInt(5);
            default -> 5_000 + r.nextInt(70_000);
          };
      int n = len + 20_000 + r.nextInt(150_000);
      byte[] d = haystack(n, round % 2 == 0 ? "ab" : "abc\n");
      int at = r.nextInt(n - len + 1);
      byte[] sub = Arrays.copyOfRange(d, at, at + len);
      if (r.nextBoolean()) {
        // an almost-match: differs only in its last byte, so verification runs to the end
        sub[len - 1] = (byte) (sub[len - 1] == 'a' ? 'b' : 'a');
        int twin = r.nextInt(n - len + 1);
        System.arraycopy(sub, 0, d, twin, len - 1);
      }
      long from = r.nextInt(1 + n / 4);
      long to = n - r.nextInt(1 + n / 4);
      checkAll(d, from, to, sub, "round " + round + " length " + len);
    }
  }

  @Test
  void bothKernelsFindTheByteOfEveryLineEnd() {
    for (int round = 0; round < 300; round++) {
      int n = 1 + r.nextInt(round % 10 == 0 ? 100_000 : 3_000);
      byte[] d = haystack(n, "abcdefghijklmnopqrstuvwxyz");
      for (int k = r.nextInt(4); k > 0; k--) {
        d[r.nextInt(n)] = '\n';
      }
      long from = r.nextInt(n + 1);
      long to = from + r.nextInt((int) (n - from) + 1);
      for (MemorySegment s : segments(d)) {
        String why = "seed " + seed + " round " + round + " [" + from + ", " + to + ")";
        long expected = naiveFind(d, from, to, new byte[] {'\n'});
        assertEquals(
            expected, ChunkScanner.indexOf(SwarSearch.KERNEL, s, from, to, (byte) '\n'), why);
        assertEquals(
            expected, ChunkScanner.indexOf(VectorSearch.KERNEL, s, from, to, (byte) '\n'), why);
        assertEquals(expected, Search.indexOf(s, from, to, (byte) '\n'), why);
      }
    }
  }

  @Test
  void bothKernelsListEveryLineEndInBatches() {
    for (int round = 0; round < 300; round++) {
      int n = r.nextInt(round % 10 == 0 ? 20_000 : 500);
      byte[] d = haystack(n, round % 3 == 0 ? "\n" : "ab\n\013\212\t");
      int lo = r.nextInt(n + 1);
      int hi = lo + r.nextInt(n - lo + 1);
      List<Integer> expected = new ArrayList<>();
      for (int i = lo; i < hi; i++) {
        if (d[i] == '\n') {
          expected.add(i);
        }
      }
      int[] out = new int[65 + r.nextInt(100)];
      for (HeapKernel k : List.of(SwarSearch.KERNEL, VectorSearch.KERNEL)) {
        List<Integer> got = new ArrayList<>();
        // a kernel may stop when fewer than 65 slots are left: go on from the last index
        for (int from = lo, c = out.length; c >= out.length - 64; ) {
          c = k.indexAll(d, from, hi, (byte) '\n', out, 0);
          for (int j = 0; j < c; j++) {
            got.add(out[j]);
          }
          from = c == 0 ? hi : out[c - 1] + 1;
        }
        assertEquals(expected, got, "seed " + seed + " round " + round + " " + k);
      }
    }
  }

  @Test
  void bothKernelsCountWithoutOverlapAsAPlainScan() {
    for (int round = 0; round < 300; round++) {
      int n = 1 + r.nextInt(round % 10 == 0 ? 200_000 : 3_000);
      byte[] d = haystack(n, round % 2 == 0 ? "a" : "ab");
      byte[] sub =
          round % 5 == 0 ? haystack(1 + r.nextInt(5000), "a") : haystack(1 + r.nextInt(4), "ab");
      long from = r.nextInt(n + 1);
      long startEnd = from + r.nextInt((int) (n - from) + 1);
      long to = startEnd + r.nextInt((int) (n - startEnd) + 1);
      List<Long> expected = new ArrayList<>();
      for (long i = from; i < startEnd && i + sub.length <= to; ) {
        if (naiveFind(d, i, i + sub.length, sub) == i) {
          expected.add(i);
          i += sub.length;
        } else {
          i++;
        }
      }
      for (MemorySegment s : segments(d)) {
        for (HeapKernel k : List.of(SwarSearch.KERNEL, VectorSearch.KERNEL)) {
          List<Long> got = new ArrayList<>();
          long c = ChunkScanner.forEach(k, s, from, startEnd, to, sub, got::add);
          String why = "seed " + seed + " round " + round + " " + k + " needle " + sub.length;
          assertEquals(expected, got, why);
          assertEquals(expected.size(), c, why);
        }
      }
    }
  }

  private void checkAll(byte[] d, long from, long to, byte[] sub, String what) {
    long f = naiveFind(d, from, to, sub);
    long b = naiveRfind(d, from, to, sub);
    for (MemorySegment s : segments(d)) {
      String why =
          "seed "
              + seed
              + " "
              + what
              + ": ["
              + from
              + ", "
              + to
              + ") of "
              + d.length
              + " bytes, needle of "
              + sub.length
              + " on "
              + (s.isNative() ? "native" : "heap")
              + " memory";
      assertEquals(f, ChunkScanner.find(SwarSearch.KERNEL, s, from, to, sub), why + ", find, SWAR");
      assertEquals(
          f, ChunkScanner.find(VectorSearch.KERNEL, s, from, to, sub), why + ", find, vector");
      assertEquals(
          b, ChunkScanner.rfind(SwarSearch.KERNEL, s, from, to, sub), why + ", rfind, SWAR");
      assertEquals(
          b, ChunkScanner.rfind(VectorSearch.KERNEL, s, from, to, sub), why + ", rfind, vector");
      if (sub.length == 1) {
        assertEquals(
            f,
            ChunkScanner.indexOf(SwarSearch.KERNEL, s, from, to, sub[0]),
            why + ", indexOf, SWAR");
        assertEquals(
            f,
            ChunkScanner.indexOf(VectorSearch.KERNEL, s, from, to, sub[0]),
            why + ", indexOf, vector");
      }
    }
  }

  /** {@return the bytes on the heap and the same in native memory} */
  private static List<MemorySegment> segments(byte[] d) {
    MemorySegment heap = MemorySegment.ofArray(d);
    return List.of(heap, Arena.ofAuto().allocate(Math.max(1, d.length)).copyFrom(heap));
  }

  private byte[] haystack(int n, String alphabet) {
    byte[] d = new byte[n];
    for (int i = 0; i < n; i++) {
      d[i] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
    }
    return d;
  }

  /** {@return a piece of d, sometimes with a byte changed, or random bytes} */
  private byte[] needle(byte[] d, int len) {
    if (r.nextInt(8) == 0) {
      return haystack(len, "abz");
    }
    int at = r.nextInt(d.length - len + 1);
    byte[] sub = Arrays.copyOfRange(d, at, at + len);
    if (r.nextInt(4) == 0) {
      sub[r.nextInt(len)] = 'z';
    }
    return sub;
  }
}
