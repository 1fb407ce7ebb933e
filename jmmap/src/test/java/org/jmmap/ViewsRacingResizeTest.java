package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Streams and channels follow the live mapping: while the owner resizes the map again and again,
 * other threads read and write the bytes that every length keeps through {@code inputStream()},
 * {@code outputStream()} and {@code channel()}, and no call fails (the map is never closed: an
 * access that found the mapping replaced is made again on the new one) or reads anything but the
 * map's bytes.
 */
class ViewsRacingResizeTest {
  private static final int KEPT = 2 * Mmap.PAGESIZE;
  private static final byte[] CONTENT = MapContract.data(KEPT, 5);
  private static final int RESIZES = 1500;

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeMaps() throws Exception {
    MapKind.closeAll(opened);
  }

  /** One way of using a view over {@code [0, KEPT)}; returns a description of a wrong byte. */
  private interface Use {
    String run(Mmap m, SeekableByteChannel ch, SplittableRandom rnd) throws Exception;
  }

  private static final Map<String, Use> USES =
      Map.of(
          "InputStream.read",
          (m, ch, rnd) -> {
            int at = rnd.nextInt(KEPT - 64);
            int n = 1 + rnd.nextInt(64);
            byte[] b = new byte[n];
            try (InputStream in = m.inputStream()) {
              in.skipNBytes(at);
              int got = in.read(b, 0, n);
              return got == n && Arrays.equals(b, 0, n, CONTENT, at, at + n)
                  ? null
                  : "read " + got + " bytes at " + at + ": " + Arrays.toString(b);
            }
          },
          "OutputStream.write",
          (m, ch, rnd) -> {
            try (OutputStream out = m.outputStream()) {
              out.write(CONTENT, 0, 1 + rnd.nextInt(KEPT)); // the bytes that are there already
            }
            return null;
          },
          "SeekableByteChannel.read",
          (m, ch, rnd) -> {
            int at = rnd.nextInt(KEPT - 64);
            ByteBuffer b =
                rnd.nextBoolean() ? ByteBuffer.allocate(64) : ByteBuffer.allocateDirect(64);
            int got = ch.position(at).read(b);
            byte[] a = new byte[got];
            b.flip().get(a);
            return got == 64 && Arrays.equals(a, 0, 64, CONTENT, at, at + 64)
                ? null
                : "read " + got + " bytes at " + at + ": " + Arrays.toString(a);
          },
          "SeekableByteChannel.write",
          (m, ch, rnd) -> {
            int at = rnd.nextInt(KEPT - 64);
            int n = ch.position(at).write(ByteBuffer.wrap(CONTENT, at, 64));
            return n == 64 ? null : "wrote " + n + " bytes at " + at;
          });

  @ParameterizedTest
  @EnumSource(
      value = MapKind.class,
      names = {"SHARED_FILE", "OFFSET_FILE", "CHANNEL", "SHARED_ANONYMOUS"})
  void streamAndChannelCallsRacingResizesNeverFailAndReadOnlyTheMapsBytes(MapKind kind)
      throws Exception {
    long seed = System.nanoTime();
    Mmap m = kind.open(dir, CONTENT, opened);
    Map<String, String> problems = new ConcurrentSkipListMap<>();
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(USES.size());
    List<Thread> threads = new ArrayList<>();
    int t = 0;
    for (Map.Entry<String, Use> use : USES.entrySet()) {
      SplittableRandom rnd = new SplittableRandom(seed + t++);
      SeekableByteChannel ch = m.channel();
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    started.countDown();
                    try {
                      while (!done.get()) {
                        String wrong = use.getValue().run(m, ch, rnd);
                        if (wrong != null) {
                          problems.putIfAbsent(use.getKey(), wrong);
                          return;
                        }
                      }
                    } catch (Throwable e) {
                      problems.putIfAbsent(use.getKey(), "threw " + e);
                    }
                  }));
    }
    started.await();
    try {
      for (int i = 0; i < RESIZES && problems.isEmpty(); i++) {
        m.resize(i % 2 == 0 ? KEPT + Mmap.PAGESIZE : KEPT);
      }
    } finally {
      done.set(true);
      for (Thread thread : threads) {
        thread.join();
      }
    }
    assertEquals(Map.of(), problems, kind + " seed=" + seed);
  }
}
