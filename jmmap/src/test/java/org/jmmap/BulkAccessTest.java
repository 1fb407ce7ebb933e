package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bulk typed accessors ({@code getDoubles}, {@code putLongs}, ...) on every kind of map, over
 * the whole range of each argument: each call either copies exactly what a {@link ByteBuffer} over
 * a model of the bytes says, or throws the documented exception and changes nothing, neither the
 * map nor the array. The seed is in every failure; {@code -Djmmap.fuzz.seed=N} replays it.
 */
class BulkAccessTest {
  private static final int PS = Mmap.PAGESIZE;
  private static final int LENGTH = 2 * PS + 13;

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    MapKind.closeAll(opened);
  }

  /** One element type: its size, and how to read and write it through a ByteBuffer. */
  enum Type {
    SHORT(2, short.class),
    INT(4, int.class),
    LONG(8, long.class),
    FLOAT(4, float.class),
    DOUBLE(8, double.class);

    final int size;
    final Class<?> component;

    Type(int size, Class<?> component) {
      this.size = size;
      this.component = component;
    }

    Object newArray(int n, RandomGenerator r) {
      Object a = Array.newInstance(component, n);
      for (int i = 0; i < n; i++) {
        long bits = r.nextLong();
        switch (this) {
          case SHORT -> Array.setShort(a, i, (short) bits);
          case INT -> Array.setInt(a, i, (int) bits);
          case LONG -> Array.setLong(a, i, bits);
          // NaN payloads are kept by a copy but not by every arithmetic path: compare by bits
          case FLOAT -> Array.setFloat(a, i, Float.intBitsToFloat((int) bits));
          case DOUBLE -> Array.setDouble(a, i, Double.longBitsToDouble(bits));
        }
      }
      return a;
    }

    /** Reads element {@code i} of the array from {@code b} at {@code at}. */
    void read(ByteBuffer b, int at, Object a, int i) {
      switch (this) {
        case SHORT -> Array.setShort(a, i, b.getShort(at));
        case INT -> Array.setInt(a, i, b.getInt(at));
        case LONG -> Array.setLong(a, i, b.getLong(at));
        case FLOAT -> Array.setFloat(a, i, b.getFloat(at));
        case DOUBLE -> Array.setDouble(a, i, b.getDouble(at));
      }
    }

    /** Writes element {@code i} of the array into {@code b} at {@code at}. */
    void write(ByteBuffer b, int at, Object a, int i) {
      switch (this) {
        case SHORT -> b.putShort(at, Array.getShort(a, i));
        case INT -> b.putInt(at, Array.getInt(a, i));
        case LONG -> b.putLong(at, Array.getLong(a, i));
        case FLOAT -> b.putFloat(at, Array.getFloat(a, i));
        case DOUBLE -> b.putDouble(at, Array.getDouble(a, i));
      }
    }

    String name(boolean put) {
      String n = name().charAt(0) + name().substring(1).toLowerCase(java.util.Locale.ROOT);
      return (put ? "put" : "get") + n + "s";
    }

    /** Calls the accessor of this type on {@code m}. */
    void call(Mmap m, boolean put, long offset, Object a, int off, int len, ByteOrder o) {
      switch (this) {
        case SHORT -> {
          if (put) m.putShorts(offset, (short[]) a, off, len, o);
          else m.getShorts(offset, (short[]) a, off, len, o);
        }
        case INT -> {
          if (put) m.putInts(offset, (int[]) a, off, len, o);
          else m.getInts(offset, (int[]) a, off, len, o);
        }
        case LONG -> {
          if (put) m.putLongs(offset, (long[]) a, off, len, o);
          else m.getLongs(offset, (long[]) a, off, len, o);
        }
        case FLOAT -> {
          if (put) m.putFloats(offset, (float[]) a, off, len, o);
          else m.getFloats(offset, (float[]) a, off, len, o);
        }
        case DOUBLE -> {
          if (put) m.putDoubles(offset, (double[]) a, off, len, o);
          else m.getDoubles(offset, (double[]) a, off, len, o);
        }
      }
    }
  }

  /** The bytes of an array, for comparing arrays of any type, NaN payloads included. */
  static byte[] bytesOf(Type t, Object a) {
    int n = Array.getLength(a);
    ByteBuffer b = ByteBuffer.allocate(n * t.size);
    for (int i = 0; i < n; i++) {
      t.write(b, i * t.size, a, i);
    }
    return b.array();
  }

  static long[] specials(long len) {
    return new long[] {
      Long.MIN_VALUE,
      Long.MIN_VALUE + 1,
      Long.MAX_VALUE,
      Long.MAX_VALUE - 1,
      -1,
      0,
      1,
      2,
      3,
      7,
      8,
      PS - 1,
      PS,
      PS + 1,
      len - 8,
      len - 4,
      len - 2,
      len - 1,
      len,
      len + 1,
      -len,
      Integer.MAX_VALUE,
      Integer.MAX_VALUE - 1,
      Integer.MIN_VALUE,
      1L << 31,
      1L << 32,
      1L << 47,
      1L << 62,
      Long.MAX_VALUE - 7,
      Long.MAX_VALUE / 8 + 1,
      Long.MAX_VALUE / 2 + 1
    };
  }

  static long value(RandomGenerator r, long len) {
    long[] s = specials(len);
    return switch (r.nextInt(8)) {
      case 0, 1 -> s[r.nextInt(s.length)];
      case 2 -> r.nextLong();
      default -> r.nextLong(-2, len + 2);
    };
  }

  static int intValue(RandomGenerator r, long len) {
    long v = value(r, len);
    return r.nextInt(4) == 0
        ? (int) v
        : (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
  }

  private static long seed() {
    return Long.getLong("jmmap.fuzz.seed", System.nanoTime());
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void everyCallCopiesWhatTheModelSaysOrThrowsAndChangesNothing(MapKind kind) throws Exception {
    long seed = seed();
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    byte[] model = new byte[LENGTH];
    r.nextBytes(model);
    Mmap m = kind.open(dir, model, opened);
    int rounds = Backings.rounds(1000);
    for (int round = 0; round < rounds; round++) {
      Type t = Type.values()[r.nextInt(Type.values().length)];
      boolean put = r.nextBoolean();
      ByteOrder order = r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
      int arrayLength = r.nextInt(4) == 0 ? 0 : r.nextInt(LENGTH / t.size + 3);
      long offset = r.nextInt(3) == 0 ? value(r, LENGTH) : r.nextLong(-1, LENGTH + 2);
      int off = r.nextInt(3) == 0 ? intValue(r, arrayLength) : r.nextInt(-1, arrayLength + 2);
      int len =
          r.nextInt(3) == 0
              ? intValue(r, arrayLength)
              : (int)
                  r.nextLong(-1, Math.max(0, Math.min(arrayLength, (long) arrayLength - off)) + 2);
      Object array = t.newArray(arrayLength, r);
      byte[] arrayBefore = bytesOf(t, array);
      String what =
          String.format(
              java.util.Locale.ROOT,
              "seed=%d round=%d %s(%d, %s[%d], %d, %d, %s) on %s",
              seed,
              round,
              t.name(put),
              offset,
              t.component,
              arrayLength,
              off,
              len,
              order,
              kind);
      boolean arrayOk = off >= 0 && len >= 0 && off <= arrayLength - len;
      boolean mapOk =
          arrayOk && offset >= 0 && offset <= LENGTH && (long) len * t.size <= LENGTH - offset;
      try {
        t.call(m, put, offset, array, off, len, order);
        if (!mapOk || (put && !kind.writable)) {
          fail("no exception: " + what);
        }
        ByteBuffer b = ByteBuffer.wrap(model).order(order);
        if (put) {
          for (int i = 0; i < len; i++) {
            t.write(b, (int) offset + i * t.size, array, off + i);
          }
        } else {
          Object expected = Array.newInstance(t.component, arrayLength);
          System.arraycopy(array, 0, expected, 0, arrayLength); // every element, to keep the rest
          ByteBuffer a = ByteBuffer.wrap(arrayBefore);
          for (int i = 0; i < arrayLength; i++) {
            t.read(a, i * t.size, expected, i);
          }
          for (int i = 0; i < len; i++) {
            t.read(b, (int) offset + i * t.size, expected, off + i);
          }
          assertArrayEquals(bytesOf(t, expected), bytesOf(t, array), what);
        }
      } catch (ReadOnlyMmapException e) {
        assertTrue(put && !kind.writable, what + ": " + e);
        assertTrue(e.getMessage().contains(t.name(true)), what + ": " + e.getMessage());
      } catch (IndexOutOfBoundsException e) {
        assertTrue(!mapOk && (!put || kind.writable), what + ": " + e);
        String msg = e.getMessage();
        if (!arrayOk) {
          assertTrue(msg.contains("array range out of bounds"), what + ": " + msg);
          assertTrue(msg.contains("off=" + off + " len=" + len), what + ": " + msg);
        } else {
          assertTrue(
              msg.startsWith(t.name(put) + " out of range: offset=" + offset), what + ": " + msg);
        }
      }
      if (!put) {
        // a failed get leaves the array; a successful one was checked above
        if (!mapOk) {
          assertArrayEquals(arrayBefore, bytesOf(t, array), "array changed: " + what);
        }
      } else {
        assertArrayEquals(arrayBefore, bytesOf(t, array), "source array changed: " + what);
      }
      if (round % 50 == 0 || put) {
        assertArrayEquals(model, m.slice(0, LENGTH), "map differs from the model: " + what);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void everyOffsetAndOrderReadsBackWhatWasWritten(MapKind kind) throws Exception {
    byte[] content = new byte[LENGTH];
    Mmap m = kind.open(dir, content, opened);
    double[] d = {1.5, -0.0, Double.NaN, Double.MAX_VALUE, Math.PI};
    long[] l = {Long.MIN_VALUE, -1, 0, 0x0102030405060708L, Long.MAX_VALUE};
    for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
      for (long at : new long[] {0, 1, 3, 7, PS - 3, LENGTH - 40}) {
        if (!kind.writable) {
          assertThrows(ReadOnlyMmapException.class, () -> m.putDoubles(at, d, 0, 5, order));
          continue;
        }
        m.putDoubles(at, d, 0, 5, order);
        double[] back = new double[7];
        m.getDoubles(at, back, 1, 5, order);
        for (int i = 0; i < 5; i++) {
          assertEquals(d[i], back[i + 1], "at " + at + " " + order);
          assertEquals(d[i], m.getDouble(at + 8L * i, order), "scalar at " + at);
        }
        m.putLongs(at, l, 0, 5, order);
        long[] lb = new long[5];
        m.getLongs(at, lb, 0, 5, order);
        assertArrayEquals(l, lb);
        assertEquals(l[3], m.getLong(at + 24, order));
      }
    }
  }

  @Test
  void nullsAreRefusedByName() throws IOException {
    try (Mmap m = Mmap.anonymous(64)) {
      NullPointerException e =
          assertThrows(NullPointerException.class, () -> m.getInts(0, null, 0, 0, null));
      assertEquals("dst", e.getMessage());
      e = assertThrows(NullPointerException.class, () -> m.putFloats(0, null, 0, 0, null));
      assertEquals("src", e.getMessage());
      e = assertThrows(NullPointerException.class, () -> m.getLongs(0, new long[1], 0, 1, null));
      assertEquals("order", e.getMessage());
    }
  }

  @Test
  void aClosedMapRefusesEveryBulkCallFirst() throws IOException {
    Mmap m = Mmap.anonymous(64);
    m.close();
    for (Type t : Type.values()) {
      for (boolean put : new boolean[] {false, true}) {
        // bad arguments too: closed is checked first
        IllegalStateException e =
            assertThrows(
                IllegalStateException.class,
                () -> t.call(m, put, -1, Array.newInstance(t.component, 1), 5, 5, null));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
      }
    }
  }

  @Test
  void messagesNameTheCallTheArrayAndTheMap() throws IOException {
    try (Mmap m = Mmap.anonymous(16)) {
      IndexOutOfBoundsException e =
          assertThrows(
              IndexOutOfBoundsException.class,
              () -> m.getDoubles(0, new double[2], 1, 2, ByteOrder.LITTLE_ENDIAN));
      assertEquals(
          "getDoubles array range out of bounds: off=1 len=2 dst.length=2", e.getMessage());
      e =
          assertThrows(
              IndexOutOfBoundsException.class,
              () -> m.putLongs(9, new long[1], 0, 1, ByteOrder.LITTLE_ENDIAN));
      assertTrue(
          e.getMessage().startsWith("putLongs out of range: offset=9 size=8 length=16: "),
          e.getMessage());
    }
  }

  @Test
  void aHugeCountIsRefusedWithoutOverflow() throws IOException {
    try (Mmap m = Mmap.anonymous(PS)) {
      long[] big = new long[0];
      assertThrows(
          IndexOutOfBoundsException.class,
          () -> m.getLongs(0, big, 0, Integer.MAX_VALUE, ByteOrder.BIG_ENDIAN));
      assertThrows(
          IndexOutOfBoundsException.class,
          () -> m.getLongs(Long.MAX_VALUE, big, 0, 0, ByteOrder.BIG_ENDIAN));
      m.getLongs(PS, big, 0, 0, ByteOrder.BIG_ENDIAN); // an empty range at the end is inside
      assertArrayEquals(new long[0], big);
    }
  }

  @Test
  void arraysOfEveryTypeRoundTripInBothOrders() throws IOException {
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed());
    try (Mmap m = Mmap.anonymous(4 * PS)) {
      for (Type t : Type.values()) {
        for (ByteOrder o : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
          Object a = t.newArray(100, r);
          t.call(m, true, 5, a, 0, 100, o);
          ByteBuffer b = ByteBuffer.wrap(m.slice(5, 5 + 100L * t.size)).order(o);
          Object expected = Array.newInstance(t.component, 100);
          for (int i = 0; i < 100; i++) {
            t.read(b, i * t.size, expected, i);
          }
          assertArrayEquals(bytesOf(t, expected), bytesOf(t, a), t + " " + o);
          Object back = Array.newInstance(t.component, 100);
          t.call(m, false, 5, back, 0, 100, o);
          assertTrue(Arrays.equals(bytesOf(t, a), bytesOf(t, back)), t + " " + o);
        }
      }
    }
  }
}
