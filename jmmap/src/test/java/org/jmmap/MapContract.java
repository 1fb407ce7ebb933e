package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every kind of map must do. Each subclass makes one kind of map in {@link #newMap}; the tests
 * compare it with a plain {@code byte[]} and a position, the model of Python's semantics.
 */
abstract class MapContract {
  @TempDir Path dir;
  private Mmap open;

  /** {@return a map whose bytes are {@code initial}, position 0} */
  abstract Mmap create(byte[] initial) throws IOException;

  /** {@return whether the maps this kind makes accept writes} */
  boolean writable() {
    return true;
  }

  /** {@return the lengths to test; some kinds can only make certain lengths} */
  int[] lengths() {
    return new int[] {1, 7, 8, 9, 100, Mmap.PAGESIZE, Mmap.PAGESIZE + 1};
  }

  final Mmap newMap(byte[] initial) throws IOException {
    if (open != null) {
      open.close();
    }
    open = create(initial);
    return open;
  }

  @AfterEach
  void closeMap() {
    if (open != null) {
      open.close();
    }
  }

  static byte[] data(int n, long seed) {
    byte[] b = new byte[n];
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    for (int i = 0; i < n; i++) {
      b[i] = (byte) "abc\n\u00ff0".charAt(r.nextInt(6)); // few symbols, so searches hit
    }
    return b;
  }

  @Test
  void lengthAndBytesAreTheInitialContent() throws IOException {
    for (int n : lengths()) {
      byte[] d = data(n, n);
      Mmap m = newMap(d);
      assertEquals(n, m.length());
      assertArrayEquals(d, m.slice(0, n));
      assertArrayEquals(d, m.read());
      assertEquals(n, m.tell());
    }
  }

  @Test
  void getCountsNegativeIndexesFromTheEnd() throws IOException {
    for (int n : lengths()) {
      byte[] d = data(n, 1);
      Mmap m = newMap(d);
      for (int i = -n; i < n; i++) {
        assertEquals(d[i < 0 ? i + n : i], m.get(i), "index " + i);
      }
      assertThrows(IndexOutOfBoundsException.class, () -> m.get(n));
      assertThrows(IndexOutOfBoundsException.class, () -> m.get(-n - 1));
      assertThrows(IndexOutOfBoundsException.class, () -> m.get(Long.MAX_VALUE));
      assertThrows(IndexOutOfBoundsException.class, () -> m.get(Long.MIN_VALUE));
    }
  }

  @Test
  void setChangesOneByteOrIsRefused() throws IOException {
    for (int n : lengths()) {
      byte[] d = data(n, 2);
      Mmap m = newMap(d);
      if (!writable()) {
        assertThrows(ReadOnlyMmapException.class, () -> m.set(0, (byte) 1));
        assertThrows(ReadOnlyMmapException.class, () -> m.set(n + 5, (byte) 1));
        assertArrayEquals(d, m.slice(0, n));
        continue;
      }
      m.set(-1, (byte) 0x7F);
      d[n - 1] = 0x7F;
      m.set(0, (byte) 0x80);
      d[0] = (byte) 0x80;
      assertArrayEquals(d, m.slice(0, n));
      assertThrows(IndexOutOfBoundsException.class, () -> m.set(n, (byte) 1));
      assertThrows(IndexOutOfBoundsException.class, () -> m.set(-n - 1, (byte) 1));
    }
  }

  @Test
  void readLineStopsAfterEachNewlineAndReturnsEmptyAtTheEnd() throws IOException {
    for (int n : lengths()) {
      byte[] d = data(n, 3);
      Mmap m = newMap(d);
      int p = 0;
      while (p < n) {
        int e = p;
        while (e < n && d[e] != '\n') {
          e++;
        }
        e = Math.min(e + 1, n);
        assertArrayEquals(Arrays.copyOfRange(d, p, e), m.readLine());
        p = e;
        assertEquals(p, m.tell());
      }
      assertEquals(0, m.readLine().length);
      assertEquals(n, m.tell());
    }
  }

  @Test
  void readIntoAnArrayOrABufferCopiesUpToTheEndThenAnswersMinusOne() throws IOException {
    for (int n : lengths()) {
      byte[] d = data(n, 12);
      Mmap m = newMap(d);
      byte[] got = new byte[n + 9];
      int at = 0;
      for (int chunk = 1; ; chunk = chunk * 2 + 1) {
        int k = m.read(got, 3 + at, Math.min(chunk, got.length - 3 - at));
        if (k < 0) {
          break;
        }
        at += k;
        assertEquals(at, m.tell());
      }
      assertEquals(n, at);
      assertArrayEquals(d, java.util.Arrays.copyOfRange(got, 3, 3 + n));
      assertEquals(0, m.read(got, 0, 0), "len 0 at the end");
      assertEquals(-1, m.read(java.nio.ByteBuffer.allocate(4)));
      assertThrows(IndexOutOfBoundsException.class, () -> m.read(got, got.length, 1));
      assertThrows(IndexOutOfBoundsException.class, () -> m.read(got, -1, 1));
      m.seek(0);
      for (java.nio.ByteBuffer b :
          new java.nio.ByteBuffer[] {
            java.nio.ByteBuffer.allocate(n + 5), java.nio.ByteBuffer.allocateDirect(n + 5)
          }) {
        m.seek(0);
        b.position(2);
        assertEquals(n, m.read(b));
        assertEquals(n + 2, b.position());
        assertEquals(n, m.tell());
        byte[] copy = new byte[n];
        b.get(2, copy);
        assertArrayEquals(d, copy);
        assertEquals(0, m.read(b.limit(b.position())), "no room");
      }
      assertThrows(
          java.nio.ReadOnlyBufferException.class,
          () -> m.read(java.nio.ByteBuffer.allocate(1).asReadOnlyBuffer()));
    }
  }

  @Test
  void readByteWalksToTheEndThenUnderflows() throws IOException {
    for (int n : lengths()) {
      byte[] d = data(n, 4);
      Mmap m = newMap(d);
      for (int i = 0; i < n; i++) {
        assertEquals(d[i] & 0xFF, m.readByte());
      }
      assertThrows(BufferUnderflowException.class, m::readByte);
      assertEquals(n, m.tell());
    }
  }

  @Test
  void writeIsAllOrNothing() throws IOException {
    for (int n : lengths()) {
      byte[] d = data(n, 5);
      Mmap m = newMap(d);
      if (!writable()) {
        assertThrows(ReadOnlyMmapException.class, () -> m.write(new byte[0]));
        assertThrows(ReadOnlyMmapException.class, () -> m.writeByte((byte) 0));
        continue;
      }
      m.seek(n - 1);
      assertThrows(BufferOverflowException.class, () -> m.write(new byte[2]));
      assertEquals(n - 1, m.tell());
      assertArrayEquals(d, m.slice(0, n));
      assertEquals(1, m.write(new byte[] {9}));
      assertEquals(n, m.tell());
      assertEquals(0, m.write(new byte[0]));
      assertThrows(BufferOverflowException.class, () -> m.writeByte((byte) 1));
      d[n - 1] = 9;
      assertArrayEquals(d, m.slice(0, n));
    }
  }

  @Test
  void seekAcceptsZeroToLengthFromEachWhence() throws IOException {
    for (int n : lengths()) {
      Mmap m = newMap(data(n, 6));
      assertEquals(n, m.seek(0, Whence.END));
      assertEquals(0, m.seek(-n, Whence.CUR));
      assertEquals(n, m.seek(n, Whence.SET));
      assertThrows(IllegalArgumentException.class, () -> m.seek(1, Whence.CUR));
      assertThrows(IllegalArgumentException.class, () -> m.seek(-n - 1, Whence.END));
      assertThrows(IllegalArgumentException.class, () -> m.seek(Long.MAX_VALUE, Whence.CUR));
      assertThrows(IllegalArgumentException.class, () -> m.seek(Long.MIN_VALUE, Whence.END));
      assertThrows(IllegalArgumentException.class, () -> m.seek(-1));
      assertEquals(n, m.tell());
    }
  }

  @Test
  void findAndRfindAgreeWithABruteForceSearch() throws IOException {
    for (int n : lengths()) {
      byte[] d = data(n, 7);
      Mmap m = newMap(d);
      RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(n);
      for (int k = 0; k < 300; k++) {
        int len = r.nextInt(Math.min(n, 12) + 2);
        int at = r.nextInt(n);
        byte[] sub = Arrays.copyOfRange(d, at, Math.min(n, at + len));
        if (r.nextInt(4) == 0 && sub.length > 0) {
          sub[r.nextInt(sub.length)] ^= 1;
        }
        long start = r.nextInt(2 * n + 3) - n - 1;
        long end = r.nextInt(2 * n + 3) - n - 1;
        String what = "n=" + n + " sub=" + Arrays.toString(sub) + " start=" + start + " end=" + end;
        assertEquals(Model.find(d, sub, start, end), m.find(sub, start, end), what);
        assertEquals(Model.rfind(d, sub, start, end), m.rfind(sub, start, end), what);
      }
    }
  }

  @Test
  void moveCopiesOverlappingRanges() throws IOException {
    for (int n : lengths()) {
      byte[] d = data(n, 8);
      Mmap m = newMap(d);
      if (!writable()) {
        assertThrows(ReadOnlyMmapException.class, () -> m.move(0, 0, 0));
        continue;
      }
      m.move(n / 3, 0, n - n / 3);
      System.arraycopy(d.clone(), 0, d, n / 3, n - n / 3);
      assertArrayEquals(d, m.slice(0, n));
      m.move(0, n / 2, n - n / 2);
      System.arraycopy(d.clone(), n / 2, d, 0, n - n / 2);
      assertArrayEquals(d, m.slice(0, n));
      m.move(n, n, 0);
      assertThrows(IllegalArgumentException.class, () -> m.move(1, 0, n));
      assertThrows(IllegalArgumentException.class, () -> m.move(0, 1, n));
      assertThrows(IllegalArgumentException.class, () -> m.move(0, 0, -1));
      assertThrows(IllegalArgumentException.class, () -> m.move(Long.MAX_VALUE, 0, 1));
    }
  }

  @Test
  void flushChecksTheRangeFirst() throws IOException {
    for (int n : lengths()) {
      Mmap m = newMap(data(n, 9));
      m.flush();
      m.flush(0, n);
      m.flush(0, 0);
      assertThrows(IllegalArgumentException.class, () -> m.flush(0, n + 1));
      assertThrows(IllegalArgumentException.class, () -> m.flush(-1, 1));
      assertThrows(IllegalArgumentException.class, () -> m.flush(0, -1));
      assertThrows(IllegalArgumentException.class, () -> m.flush(1, Long.MAX_VALUE));
    }
  }

  @Test
  void everyMethodThrowsIllegalStateAfterClose() throws IOException {
    Mmap m = newMap(data(16, 10));
    m.close();
    m.close();
    assertTrue(m.isClosed());
    assertEquals("Mmap[closed=true]", m.toString());
    for (ThrowingRunnable op : ClosedOps.all(m)) {
      assertThrows(IllegalStateException.class, op::run);
    }
  }

  /** Random operations against the model; the seed is in every failure message. */
  @Test
  void randomOperationsMatchTheModel() throws IOException {
    long seed = Long.getLong("jmmap.seed", System.nanoTime());
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    for (int n : lengths()) {
      byte[] d = data(n, seed);
      Model model = new Model(d.clone(), writable());
      Mmap m = newMap(d);
      for (int k = 0; k < 400; k++) {
        String op = model.step(m, r);
        String why =
            "seed="
                + seed
                + " (rerun with -Djmmap.seed="
                + seed
                + ") n="
                + n
                + " op#"
                + k
                + " "
                + op;
        assertArrayEquals(model.bytes, m.slice(0, n), why);
        assertEquals(model.pos, m.tell(), why);
      }
    }
  }

  /** A runnable that may throw anything. */
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
