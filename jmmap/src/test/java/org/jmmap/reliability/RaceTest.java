package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.jmmap.Access;
import org.jmmap.Backings;
import org.jmmap.Mmap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Close and resize while eight threads use the map, each in turn in one or two ways: only the
 * documented exceptions.
 */
class RaceTest {
  static final int PS = Mmap.PAGESIZE;
  static final int THREADS = 8;
  @TempDir Path dir;

  /** One kind of use, run in a loop until the map goes away. */
  interface Use {
    void run(Mmap m) throws IOException;
  }

  static final Pattern WORD = Pattern.compile("needle");
  static final byte[] ABSENT = {0x7E, 0x7D, 0x7C};

  static final List<Use> USES =
      List.of(
          m -> m.get(PS + 3),
          m -> m.slice(0, 8 * PS),
          m -> m.find(ABSENT, 0),
          m -> {
            if (m.readLine().length == 0) {
              m.seek(0);
            }
          },
          m -> {
            try (InputStream in = m.inputStream()) {
              in.transferTo(java.io.OutputStream.nullOutputStream());
            }
          },
          m -> m.asCharSequence().charAt(5 * PS),
          m -> WORD.matcher(m.asCharSequence()).find(),
          m -> {
            m.putLong(16, ByteOrder.LITTLE_ENDIAN, m.getLong(24, ByteOrder.BIG_ENDIAN));
            m.getAndAddLong(32, 1);
            m.segment().get(ValueLayout.JAVA_INT, 40);
          },
          m -> {
            double[] d = new double[PS / 2];
            m.getDoubles(5, d, 0, PS / 2, ByteOrder.BIG_ENDIAN);
            m.putDoubles(PS + 3, d, 1, 128, ByteOrder.LITTLE_ENDIAN);
          },
          m -> {
            m.populate(1, 8 * PS - 1);
            m.residentFraction(0, 8 * PS);
            // now and then: mlock and munlock drain the kernel's page lists on every CPU
            if (!Backings.portable() && ThreadLocalRandom.current().nextInt(16) == 0) {
              m.lock(PS, 2 * PS);
              m.unlock(0, 8 * PS);
            }
            m.flushAsync(0, PS);
          });

  /** Runs every use in its own thread until each sees the map go away; collects the rest. */
  private static List<Throwable> hammer(Mmap m, Runnable whileRunning, boolean untilClosed)
      throws InterruptedException {
    List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch started = new CountDownLatch(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      // thread t makes the uses t, t + THREADS, ... in turn
      List<Use> mine = new ArrayList<>();
      for (int u = t; u < USES.size(); u += THREADS) {
        mine.add(USES.get(u));
      }
      int[] turn = {0};
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    started.countDown();
                    while (true) {
                      try {
                        mine.get(turn[0]++ % mine.size()).run(m);
                      } catch (IllegalStateException | IOException e) {
                        if (untilClosed || m.isClosed()) {
                          return;
                        }
                      } catch (Throwable e) {
                        unexpected.add(e);
                        return;
                      }
                      if (!untilClosed && m.isClosed()) {
                        return;
                      }
                    }
                  }));
    }
    started.await();
    whileRunning.run();
    for (Thread t : threads) {
      t.join(30_000);
      if (t.isAlive()) {
        fail("a thread did not stop: " + t);
      }
    }
    return unexpected;
  }

  /** Rounds of close, and resizes, in {@code ./build test} (a tenth on the portable backing). */
  static final int ROUNDS = Backings.rounds(1000);

  static final int RESIZES = Backings.rounds(300);

  @Test
  void closeWhileEightThreadsUseTheMapRoundAfterRound() throws Exception {
    Path f = Files.createTempFile(dir, "race", ".bin");
    byte[] content = new byte[8 * PS];
    java.util.Arrays.fill(content, (byte) 'x');
    content[PS] = '\n';
    Files.write(f, content);
    for (int round = 0; round < ROUNDS; round++) {
      Mmap m = Mmap.map(f, 0, Access.WRITE);
      int delay = ThreadLocalRandom.current().nextInt(200);
      List<Throwable> unexpected =
          hammer(
              m,
              () -> {
                long until = System.nanoTime() + delay * 1000L;
                while (System.nanoTime() < until) {
                  Thread.onSpinWait();
                }
                m.close();
              },
              true);
      assertEquals(List.of(), unexpected, "round " + round);
    }
  }

  @Test
  @SuppressWarnings("try") // the last resize is followed by close, inside the block
  void resizeWhileEightThreadsUseTheMap() throws Exception {
    Path f = Files.createTempFile(dir, "race", ".bin");
    Files.write(f, new byte[8 * PS]);
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      List<Throwable> unexpected =
          hammer(
              m,
              () -> {
                try {
                  for (int i = 0; i < RESIZES; i++) {
                    m.resize(i % 2 == 0 ? 64 * PS : 8 * PS);
                  }
                  m.close();
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              },
              false);
      assertEquals(List.of(), unexpected);
    }
  }
}
