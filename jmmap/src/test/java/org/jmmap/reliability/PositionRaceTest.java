package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CyclicBarrier;
import org.jmmap.Mmap;
import org.jmmap.Whence;
import org.junit.jupiter.api.Test;

/**
 * Positions shared by threads. The map's own position belongs to one thread at a time, like a
 * {@link ByteBuffer}'s: misuse from several threads may leave it anywhere, but never outside {@code
 * [0, length()]}, and the calls throw only what they document. A {@link SeekableByteChannel} from
 * {@code channel()} serializes its reads and writes, as the interface requires, so that threads
 * sharing one never read or write the same bytes twice.
 */
class PositionRaceTest {
  static final long SEED = Long.getLong("jmmap.seed", System.nanoTime());
  static final int THREADS = 4;

  /** One call that moves the map's position, and the one exception it may throw. */
  private record Op(String name, Class<? extends RuntimeException> documented, Call call) {}

  private interface Call {
    Object run(Mmap m, SplittableRandom rnd, long length);
  }

  private static final List<Op> OPS =
      List.of(
          new Op(
              "read(n)", null, (m, rnd, len) -> checkRead(m.read(rnd.nextLong(-1, 2 * len)), len)),
          new Op("read()", null, (m, rnd, len) -> checkRead(m.read(), len)),
          new Op("readLine()", null, (m, rnd, len) -> checkRead(m.readLine(), len)),
          new Op("readByte()", BufferUnderflowException.class, (m, rnd, len) -> m.readByte()),
          new Op(
              "write(data)",
              BufferOverflowException.class,
              (m, rnd, len) -> m.write(new byte[rnd.nextInt(64)])),
          new Op(
              "writeByte(b)",
              BufferOverflowException.class,
              (m, rnd, len) -> {
                m.writeByte((byte) '\n');
                return null;
              }),
          new Op(
              "seek(pos)",
              IllegalArgumentException.class,
              (m, rnd, len) -> checkPosition("seek", m.seek(rnd.nextLong(-8, len + 8)), len)),
          new Op(
              "seek(dist, CUR)",
              IllegalArgumentException.class,
              (m, rnd, len) ->
                  checkPosition("seek", m.seek(rnd.nextLong(-len / 2, len / 2), Whence.CUR), len)),
          new Op(
              "seek(dist, END)",
              IllegalArgumentException.class,
              (m, rnd, len) ->
                  checkPosition("seek", m.seek(-rnd.nextLong(-8, len + 8), Whence.END), len)),
          new Op("tell()", null, (m, rnd, len) -> checkPosition("tell", m.tell(), len)));

  private static Object checkRead(byte[] b, long length) {
    if (b.length > length) {
      throw new AssertionError("read " + b.length + " bytes from a map of " + length);
    }
    return b;
  }

  private static Object checkPosition(String what, long pos, long length) {
    if (pos < 0 || pos > length) {
      throw new AssertionError(what + " gave position " + pos + " outside [0, " + length + "]");
    }
    return pos;
  }

  /** Runs {@code body(thread index)} in {@link #THREADS} threads that start together. */
  private interface Body {
    void run(int thread) throws Exception;
  }

  private static List<Throwable> together(Body body) throws InterruptedException {
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int id = t;
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      start.await();
                      body.run(id);
                    } catch (Throwable e) {
                      failures.add(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    return failures;
  }

  @Test
  void fourThreadsMovingOnePositionGetOnlyDocumentedExceptionsAndPositionsInsideTheMap()
      throws Exception {
    int length = 4096;
    try (Mmap m = Mmap.anonymous(length)) {
      // the first problem of each kind: which call, and which exception or wrong position
      Map<String, String> problems = new ConcurrentSkipListMap<>();
      for (int round = 0; round < 200 && problems.isEmpty(); round++) {
        byte[] lines = new byte[length];
        SplittableRandom fill = new SplittableRandom(SEED + round);
        for (int i = 0; i < length; i++) {
          lines[i] = fill.nextInt(16) == 0 ? (byte) '\n' : (byte) 'x';
        }
        m.setSlice(0, length, lines);
        m.seek(0);
        int r = round;
        List<Throwable> crashed =
            together(
                t -> {
                  SplittableRandom rnd = new SplittableRandom(SEED * 31 + r * THREADS + t);
                  for (int i = 0; i < 2000; i++) {
                    Op op = OPS.get(rnd.nextInt(OPS.size()));
                    try {
                      op.call().run(m, rnd, length);
                      checkPosition("tell() after " + op.name(), m.tell(), length);
                    } catch (RuntimeException e) {
                      if (op.documented() == null || !op.documented().isInstance(e)) {
                        problems.putIfAbsent(
                            op.name() + " threw " + e.getClass().getName(),
                            op.name() + " threw " + e + " (round " + r + ")");
                      }
                    } catch (AssertionError e) {
                      problems.putIfAbsent(
                          op.name() + " position",
                          op.name() + ": " + e.getMessage() + " (round " + r + ")");
                    }
                  }
                });
        assertEquals(List.of(), crashed, "seed " + SEED);
      }
      assertEquals(List.of(), List.copyOf(problems.values()), "seed " + SEED);
    }
  }

  @Test
  void fourThreadsReadingOneChannelReadEveryByteExactlyOnce() throws Exception {
    int counters = 2048;
    try (Mmap m = Mmap.anonymous(8L * counters)) {
      ByteBuffer all = ByteBuffer.allocate(8 * counters).order(ByteOrder.BIG_ENDIAN);
      for (int i = 0; i < counters; i++) {
        all.putLong(i);
      }
      m.setSlice(0, 8L * counters, all.array());
      for (int round = 0; round < 300; round++) {
        SeekableByteChannel ch = m.channel();
        List<List<Long>> got = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          got.add(new ArrayList<>());
        }
        int r = round;
        List<Throwable> failures =
            together(
                t -> {
                  SplittableRandom rnd = new SplittableRandom(SEED * 31 + r * THREADS + t);
                  while (true) {
                    int size = 8 * (1 + rnd.nextInt(16));
                    ByteBuffer b =
                        rnd.nextBoolean()
                            ? ByteBuffer.allocate(size)
                            : ByteBuffer.allocateDirect(size);
                    int n = ch.read(b);
                    if (n < 0) {
                      return;
                    }
                    if (n % 8 != 0) {
                      throw new AssertionError(
                          "a read of 8-byte counters returned " + n + " bytes");
                    }
                    b.flip();
                    while (b.remaining() >= 8) {
                      got.get(t).add(b.getLong());
                    }
                  }
                });
        assertEquals(List.of(), failures, "seed " + SEED + ", round " + round);
        int[] seen = new int[counters];
        List<String> wrong = new ArrayList<>();
        for (List<Long> g : got) {
          for (long v : g) {
            if (v < 0 || v >= counters) {
              wrong.add("read " + v + ", which is no counter of the map");
            } else if (++seen[(int) v] == 2) {
              wrong.add("counter " + v + " (bytes " + 8 * v + "..) was read twice");
            }
          }
        }
        for (int i = 0; i < counters; i++) {
          if (seen[i] == 0) {
            wrong.add("counter " + i + " was never read");
          }
        }
        assertEquals(
            List.of(),
            wrong.subList(0, Math.min(10, wrong.size())),
            "seed " + SEED + ", round " + round + ": " + THREADS + " threads reading one channel");
      }
    }
  }

  @Test
  void fourThreadsWritingOneChannelWriteEveryByteExactlyOnce() throws Exception {
    int chunk = 64;
    int chunks = 512;
    long length = (long) chunk * chunks;
    try (Mmap m = Mmap.anonymous(length)) {
      for (int round = 0; round < 300; round++) {
        m.setSlice(0, length, new byte[(int) length]);
        SeekableByteChannel ch = m.channel();
        List<List<Long>> written = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          written.add(new ArrayList<>());
        }
        int r = round;
        List<Throwable> failures =
            together(
                t -> {
                  for (long j = 0; ; j++) {
                    // values that are never 0 and tell the thread and the chunk apart
                    ByteBuffer b = ByteBuffer.allocate(chunk);
                    List<Long> values = new ArrayList<>();
                    for (int k = 0; k < chunk / 8; k++) {
                      long v = ((long) (t + 1) << 48) | (j << 8) | k;
                      b.putLong(v);
                      values.add(v);
                    }
                    b.flip();
                    try {
                      ch.write(b);
                    } catch (IOException e) {
                      return; // the channel is full; it never grows the map
                    }
                    if (b.hasRemaining()) {
                      throw new AssertionError(
                          "a write returned with " + b.remaining() + " bytes left");
                    }
                    written.get(t).addAll(values);
                  }
                });
        assertEquals(List.of(), failures, "seed " + SEED + ", round " + r);
        Set<Long> expected = new HashSet<>();
        for (List<Long> w : written) {
          expected.addAll(w);
        }
        List<String> wrong = new ArrayList<>();
        Set<Long> found = new HashSet<>();
        for (long off = 0; off < length; off += 8) {
          long v = m.getLong(off, ByteOrder.BIG_ENDIAN);
          if (v == 0) {
            wrong.add("bytes " + off + ".." + (off + 8) + " were never written");
          } else if (!found.add(v)) {
            wrong.add("value " + Long.toHexString(v) + " is in the map twice");
          }
        }
        for (long v : expected) {
          if (!found.contains(v)) {
            wrong.add("a successful write of " + Long.toHexString(v) + " is not in the map");
          }
        }
        assertEquals(
            List.of(),
            wrong.subList(0, Math.min(10, wrong.size())),
            "seed " + SEED + ", round " + r + ": " + THREADS + " threads writing one channel");
      }
    }
  }
}
