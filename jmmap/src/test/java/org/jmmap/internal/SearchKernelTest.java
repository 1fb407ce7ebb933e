package org.jmmap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

/** Both search kernels against a brute-force search, at every alignment and boundary. */
class SearchKernelTest {

  static long bruteFind(byte[] d, long from, long to, byte[] sub) {
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

  static long bruteRfind(byte[] d, long from, long to, byte[] sub) {
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
  void bothKernelsAgreeWithBruteForce() {
    long seed = Long.getLong("jmmap.seed", System.nanoTime());
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    for (int round = 0; round < 3000; round++) {
      int n = 1 + r.nextInt(round % 10 == 0 ? 600 : 200);
      byte[] d = new byte[n];
      for (int i = 0; i < n; i++) {
        d[i] = (byte) "ab\n".charAt(r.nextInt(3));
      }
      MemorySegment s = MemorySegment.ofArray(d);
      int len = 1 + r.nextInt(Math.min(n, 20));
      int at = r.nextInt(n - len + 1);
      byte[] sub = java.util.Arrays.copyOfRange(d, at, at + len);
      if (r.nextInt(5) == 0) {
        sub[r.nextInt(len)] = 'z';
      }
      long from = r.nextInt(n + 1);
      long to = from + r.nextInt((int) (n - from) + 1);
      String why = "seed " + seed + " round " + round;
      long f = bruteFind(d, from, to, sub);
      long b = bruteRfind(d, from, to, sub);
      assertEquals(f, SwarSearch.find(s, from, to, sub), why);
      assertEquals(f, VectorSearch.find(s, from, to, sub), why);
      assertEquals(b, SwarSearch.rfind(s, from, to, sub), why);
      assertEquals(b, VectorSearch.rfind(s, from, to, sub), why);
      long nl = bruteFind(d, from, to, new byte[] {'\n'});
      assertEquals(nl, SwarSearch.indexOf(s, from, to, (byte) '\n'), why);
      assertEquals(nl, VectorSearch.indexOf(s, from, to, (byte) '\n'), why);
    }
  }
}
