package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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

  static final byte[] LINE = "line\n".getBytes(StandardCharsets.ISO_8859_1);
  static final Pattern WORD_LINE = Pattern.compile("line");

  /**
   * The whole-map streams, sequential and parallel; each checks what it was handed: the map holds
   * only {@link #LINE} over and over, grown with zeros by a resize.
   */
  static final List<Use> STREAM_USES =
      List.of(
          m -> {
            m.seek(0);
            m.lines(StandardCharsets.ISO_8859_1)
                .forEach(l -> check(l.equals("line\n") || l.chars().allMatch(c -> c == 0), l));
          },
          m -> {
            m.seek(0);
            m.lineSegments()
                .parallel()
                .forEach(
                    l ->
                        check(
                            l.byteSize() == LINE.length
                                ? l.get(ValueLayout.JAVA_BYTE, 4) == '\n'
                                : l.get(ValueLayout.JAVA_BYTE, 0) == 0, // past the file's end
                            l));
          },
          m -> m.findAll(LINE).parallel().forEach(at -> check(at % LINE.length == 0, at)),
          m -> check(m.count(LINE) <= 8 * PS / LINE.length, m),
          m -> m.matches(WORD_LINE).parallel().forEach(r -> check(r.group().equals("line"), r)),
          m -> {
            var it = m.lineSegments().iterator();
            while (it.hasNext()) {
              it.next();
            }
          },
          m -> m.findAll(LINE).forEach(at -> check(at % LINE.length == 0, at)),
          m -> m.matches(WORD_LINE).forEach(r -> check(r.startOffset() % LINE.length == 0, r)));

  private static void check(boolean ok, Object what) {
    if (!ok) {
      throw new AssertionError("a stream handed out " + what);
    }
  }

  /** Runs every use in its own thread until each sees the map go away; collects the rest. */
  private static List<Throwable> hammer(Mmap m, Runnable whileRunning, boolean untilClosed)
      throws InterruptedException {
    return hammer(m, USES, whileRunning, untilClosed);
  }

  private static List<Throwable> hammer(
      Mmap m, List<Use> uses, Runnable whileRunning, boolean untilClosed)
      throws InterruptedException {
    List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch started = new CountDownLatch(THREADS);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      // thread t makes the uses t, t + THREADS, ... of its list in turn
      List<Use> mine = new ArrayList<>();
      for (int u = t % uses.size(); u < uses.size(); u += THREADS) {
        mine.add(uses.get(u));
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
  void closeAndResizeWhileEightThreadsConsumeStreams() throws Exception {
    Path f = Files.createTempFile(dir, "race", ".txt");
    byte[] content = new byte[8 * PS / LINE.length * LINE.length];
    for (int i = 0; i < content.length; i += LINE.length) {
      System.arraycopy(LINE, 0, content, i, LINE.length);
    }
    Files.write(f, content);
    for (int round = 0; round < Backings.rounds(50); round++) {
      Mmap m = Mmap.map(f, 0, Access.WRITE);
      int resizes = ThreadLocalRandom.current().nextInt(4);
      List<Throwable> unexpected =
          hammer(
              m,
              STREAM_USES,
              () -> {
                try {
                  for (int i = 0; i < resizes; i++) {
                    Thread.sleep(0, 50_000);
                    m.resize(i % 2 == 0 ? 64 * PS : content.length);
                  }
                  m.close();
                } catch (IOException | InterruptedException e) {
                  throw new IllegalStateException(e);
                }
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
