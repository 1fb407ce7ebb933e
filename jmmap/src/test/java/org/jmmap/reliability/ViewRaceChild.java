package org.jmmap.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * The race of {@link ViewRaceTest}: one thread per stream and channel call, calling it in a loop,
 * while the map is closed under them. Run as a main, it prints {@code ok} or a {@code FAIL} line
 * per call that threw something other than {@link IOException}, and exits with status 1 then.
 */
public final class ViewRaceChild {
  private ViewRaceChild() {}

  static final int LENGTH = 16 * Mmap.PAGESIZE;

  /** The views one thread uses; it makes new ones when one reaches the end of the map. */
  private static final class Views {
    final Mmap map;
    InputStream in;
    OutputStream out;
    SeekableByteChannel channel;

    Views(Mmap map) {
      this.map = map;
      in = map.inputStream();
      out = map.outputStream();
      channel = map.channel();
    }

    /** Starts every view again from the beginning of the map. */
    void restart() throws IOException {
      in = map.inputStream();
      out = map.outputStream();
      channel.position(0);
    }
  }

  /** One call on a view; returns false when the view is used up and must start again. */
  private interface Call {
    boolean run(Views v, byte[] buf, ByteBuffer bb) throws IOException;
  }

  private static final Map<String, Call> CALLS =
      Map.of(
          "InputStream.read", (v, buf, bb) -> v.in.read(buf) >= 0,
          "InputStream.skip", (v, buf, bb) -> v.in.skip(buf.length) > 0,
          "InputStream.available", (v, buf, bb) -> v.in.available() >= 0,
          "OutputStream.write",
              (v, buf, bb) -> {
                v.out.write(buf);
                return true;
              },
          "SeekableByteChannel.read", (v, buf, bb) -> v.channel.read(bb.clear()) >= 0,
          "SeekableByteChannel.write", (v, buf, bb) -> v.channel.write(bb.clear()) >= 0,
          "SeekableByteChannel.position",
              (v, buf, bb) -> v.channel.position(v.channel.position() + 1).position() >= 0,
          "SeekableByteChannel.size", (v, buf, bb) -> v.channel.size() == LENGTH);

  /**
   * Starts one thread per call, each calling it in a loop, closes the map after a random short
   * while, and returns the first unexpected exception of each call.
   */
  private static void round(
      Mmap m, SplittableRandom rnd, Map<String, String> problems, String where)
      throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(CALLS.size());
    for (Map.Entry<String, Call> c : CALLS.entrySet()) {
      Views v = new Views(m);
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    byte[] buf = new byte[64];
                    ByteBuffer bb = ByteBuffer.allocate(64);
                    started.countDown();
                    while (true) {
                      boolean more;
                      try {
                        more = c.getValue().run(v, buf, bb);
                      } catch (IOException e) {
                        if (m.isClosed()) {
                          return;
                        }
                        more = false; // the end of the map
                      } catch (Throwable e) {
                        problems.putIfAbsent(
                            c.getKey(),
                            c.getKey()
                                + " threw "
                                + e
                                + (m.isClosed()
                                    ? " instead of an IOException when the map was closed under it"
                                    : " though the map was open")
                                + " ("
                                + where
                                + ")");
                        return;
                      }
                      if (!more) {
                        try {
                          v.restart();
                        } catch (IllegalStateException | IOException e) {
                          // a new view of a closed map throws IllegalStateException, as documented
                          return;
                        }
                      }
                    }
                  }));
    }
    started.await();
    long until = System.nanoTime() + rnd.nextInt(300) * 1000L;
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    m.close();
    for (Thread t : threads) {
      t.join(30_000);
      if (t.isAlive()) {
        throw new IllegalStateException("a view thread did not stop after close(): " + t);
      }
    }
  }

  /**
   * Runs {@code rounds} rounds, alternating file and anonymous maps.
   *
   * @return the first unexpected exception of each call, by call
   */
  static Map<String, String> race(Path dir, int rounds, long seed) throws Exception {
    Path f = dir.resolve("views.bin");
    Files.write(f, new byte[LENGTH]);
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, String> problems = new ConcurrentSkipListMap<>();
    for (int r = 0; r < rounds; r++) {
      Mmap m = r % 2 == 0 ? Mmap.map(f, 0, Access.WRITE) : Mmap.anonymous(LENGTH);
      round(m, rnd, problems, "round " + r + (r % 2 == 0 ? ", file map" : ", anonymous map"));
    }
    return problems;
  }

  /**
   * Runs the race.
   *
   * @param args a directory for the file, the number of rounds, and the seed
   * @throws Exception if the set-up fails
   */
  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    Map<String, String> problems = race(Path.of(args[0]), rounds, seed);
    for (String p : problems.values()) {
      System.out.println("FAIL " + p);
    }
    System.out.println(
        (problems.isEmpty() ? "ok" : "failed") + " rounds=" + rounds + " seed=" + seed);
    System.exit(problems.isEmpty() ? 0 : 1);
  }
}
