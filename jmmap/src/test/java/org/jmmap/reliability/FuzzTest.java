package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.regex.Pattern;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.SystemCallException;
import org.jmmap.Whence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public method with random, hostile arguments on every kind of map: only documented
 * exceptions, and a call that throws leaves the bytes, the length and the position as they were.
 * The seed is in every failure; {@code -Djmmap.fuzz.seed=N} replays it.
 */
class FuzzTest {
  static final int PS = Mmap.PAGESIZE;
  @TempDir Path dir;

  interface Maker {
    Mmap make(Path file) throws IOException;
  }

  static final List<Maker> KINDS =
      List.of(
          f -> Mmap.map(f, 0, Access.WRITE),
          f -> Mmap.map(f, 0, Access.READ),
          f -> Mmap.map(f, 0, Access.COPY),
          f -> Mmap.options().flags(Mmap.MAP_PRIVATE).map(f),
          f -> {
            try (FileChannel ch =
                FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
              return Mmap.map(ch, 0, Access.WRITE, 0);
            }
          },
          f -> Mmap.anonymous(3 * PS + 5),
          f -> Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(PS));

  private RandomGenerator r;

  private long arg() {
    return switch (r.nextInt(12)) {
      case 0 -> Long.MIN_VALUE;
      case 1 -> Long.MAX_VALUE;
      case 2 -> -1;
      case 3 -> 0;
      case 4 -> 1L << 62;
      case 5 -> -(1L << 40);
      case 6 -> PS;
      case 7 -> PS + 3;
      case 8 -> Integer.MAX_VALUE;
      default -> r.nextLong(-20, 4 * PS);
    };
  }

  private byte[] bytes() {
    return switch (r.nextInt(5)) {
      case 0 -> null;
      case 1 -> new byte[0];
      default -> new byte[r.nextInt(3 * PS)];
    };
  }

  private int advice() {
    int[] safe = {
      Mmap.MADV_NORMAL,
      Mmap.MADV_RANDOM,
      Mmap.MADV_SEQUENTIAL,
      Mmap.MADV_WILLNEED,
      Mmap.MADV_DONTNEED,
      Mmap.MADV_DONTDUMP,
      Mmap.MADV_DODUMP,
      -1,
      9999,
      Integer.MIN_VALUE
    };
    return safe[r.nextInt(safe.length)];
  }

  private ByteOrder order() {
    return r.nextInt(10) == 0
        ? null
        : r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
  }

  /** One random call; returns its name and arguments. */
  private String call(Mmap m) throws Exception {
    long a = arg();
    long b = arg();
    long c = arg();
    byte[] d = bytes();
    int op = r.nextInt(34);
    switch (op) {
      case 0 -> m.get(a);
      case 1 -> m.set(a, (byte) b);
      case 2 -> m.slice(a, b);
      case 3 -> m.slice(a, b, c);
      case 4 -> m.setSlice(a, b, d);
      case 5 -> m.setSlice(a, b, c, d);
      case 6 -> m.read(a);
      case 7 -> m.readByte();
      case 8 -> m.readLine();
      case 9 -> m.write(d);
      case 10 -> m.writeByte((byte) a);
      case 11 -> m.seek(a, r.nextInt(5) == 0 ? null : Whence.values()[r.nextInt(3)]);
      case 12 -> m.find(d, a, b);
      case 13 -> m.rfind(d, a, b);
      case 14 -> m.move(a, b, c);
      case 15 -> m.flush(a, b);
      case 16 -> m.resize(r.nextBoolean() ? a : r.nextLong(-2, 5 * PS));
      case 17 -> m.madvise(advice(), a, b);
      case 18 -> m.getLong(a, order());
      case 19 -> m.putInt(a, order(), 1);
      case 20 -> m.putDouble(a, order(), 1.0);
      case 21 -> m.getShort(a, order());
      case 22 -> m.getAndAddLong(a, 1);
      case 23 -> m.compareAndSetInt(a, 0, 1);
      case 24 -> m.getIntVolatile(a);
      case 25 -> m.putLongRelease(a, 3);
      case 26 -> m.asCharSequence(a, b);
      case 27 -> m.asByteBuffer(a, (int) b);
      case 28 -> m.matches(r.nextBoolean() ? null : Pattern.compile("a")).count();
      case 29 -> m.find(d);
      case 30 -> m.rfind(d, a);
      case 31 -> m.size();
      case 32 -> m.madvise(advice());
      default -> m.flush();
    }
    return "op "
        + op
        + " ("
        + a
        + ", "
        + b
        + ", "
        + c
        + ", "
        + (d == null ? "null" : d.length + " bytes")
        + ")";
  }

  private static boolean documented(Throwable e) {
    return e instanceof IllegalArgumentException
        || e instanceof IndexOutOfBoundsException
        || e instanceof BufferUnderflowException
        || e instanceof BufferOverflowException
        || e instanceof UnsupportedOperationException // ReadOnlyMmapException is one
        || e instanceof NullPointerException
        || e instanceof IOException
        || e instanceof UncheckedIOException;
  }

  @Test
  void hostileArgumentsOnlyEverGiveDocumentedExceptionsAndChangeNothing() throws Exception {
    long seed = Long.getLong("jmmap.fuzz.seed", System.nanoTime());
    r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    for (int k = 0; k < KINDS.size(); k++) {
      Path f = Files.write(dir.resolve("fuzz" + k), MapContractData.bytes(3 * PS + 5));
      try (Mmap m = KINDS.get(k).make(f)) {
        for (int i = 0; i < 3000; i++) {
          byte[] before = m.slice(0, m.length());
          long pos = m.tell();
          String what = "?";
          try {
            what = call(m);
          } catch (Throwable e) {
            String why = "seed " + seed + " kind " + k + " call " + i + ": " + e;
            if (!documented(e)) {
              fail("undocumented exception, " + why, e);
            }
            assertEquals(before.length, m.length(), why);
            assertArrayEquals(before, m.slice(0, m.length()), why);
            assertEquals(pos, m.tell(), why);
          }
          if (m.length() > 8 * PS) {
            m.resize(3 * PS); // keep the snapshots small
          }
        }
      }
    }
  }

  /** Mapping things that cannot be mapped: each a clear exception that names the problem. */
  @Test
  void badTargetsGiveClearErrors() throws Exception {
    Path fifo = dir.resolve("fifo");
    new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
    Path ten = Files.write(dir.resolve("ten"), new byte[10]);
    Path empty = Files.write(dir.resolve("empty"), new byte[0]);
    record Bad(String what, Maker make, Class<? extends Exception> type, String says) {}
    List<Bad> bad =
        List.of(
            new Bad(
                "a directory",
                f -> Mmap.map(dir, 0, Access.WRITE),
                SystemCallException.class,
                "Is a directory"),
            new Bad(
                "a directory, read-only",
                f -> Mmap.map(dir, 10, Access.READ),
                SystemCallException.class,
                "Is a directory"),
            new Bad(
                "/dev/null",
                f -> Mmap.map(Path.of("/dev/null"), 10, Access.READ),
                IOException.class,
                "ENODEV"),
            new Bad("a FIFO", f -> Mmap.map(fifo, 10, Access.READ), IOException.class, "ENODEV"),
            new Bad(
                "a missing file",
                f -> Mmap.map(dir.resolve("none"), 0, Access.READ),
                java.nio.file.NoSuchFileException.class,
                "ENOENT"),
            new Bad(
                "a length beyond the file",
                f -> Mmap.map(ten, 11, Access.READ),
                IllegalArgumentException.class,
                "mmap length is greater than file size"),
            new Bad(
                "an offset beyond the file",
                f -> Mmap.map(ten, 0, Access.READ, PS),
                IllegalArgumentException.class,
                "mmap offset is greater than file size"),
            new Bad(
                "an empty file",
                f -> Mmap.map(empty, 0, Access.READ),
                IllegalArgumentException.class,
                "cannot mmap an empty file"),
            new Bad(
                "MAP_FIXED",
                f -> Mmap.options().flags(Mmap.MAP_SHARED | 0x10).map(ten),
                IllegalArgumentException.class,
                "MAP_FIXED"));
    for (Bad b : bad) {
      Exception e =
          org.junit.jupiter.api.Assertions.assertThrows(
              Exception.class, () -> b.make().make(null), b.what());
      org.junit.jupiter.api.Assertions.assertTrue(
          b.type().isInstance(e) && e.getMessage().contains(b.says()), b.what() + ": " + e);
    }
  }

  /** Content with newlines and repeats, so searches and readLine have something to find. */
  static final class MapContractData {
    static byte[] bytes(int n) {
      byte[] b = new byte[n];
      for (int i = 0; i < n; i++) {
        b[i] = (byte) "ab\na\u0000".charAt(i % 5);
      }
      return b;
    }
  }
}
