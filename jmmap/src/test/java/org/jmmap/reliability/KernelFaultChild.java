package org.jmmap.reliability;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.MmapFaultException;
import org.jmmap.internal.search.Search;

/**
 * What {@link KernelFaultTest} runs in a child JVM: each search path is made hot until the JIT has
 * compiled it, then the file under the map is truncated again and again while the path runs. Writes
 * one line per path and a last line {@code done problems=N} to a report file (standard output
 * carries the JIT's compilation log); a crash shows as a non-zero exit without that line.
 */
public final class KernelFaultChild {
  private static final int PS = Mmap.PAGESIZE;
  private static final int[] NEEDLE_LENGTHS = {1, 2, 3, 8, 33, 300, 70_000};

  /** The data has no line end in the 64 KiB before its middle. */
  private static final int LONG_LINE = 64 << 10;

  private static PrintStream report;

  private KernelFaultChild() {}

  /** One search path over [from, to) of the map; its result is only there to be used. */
  interface SearchPath {
    long run(Mmap m, long from, long to);
  }

  /**
   * Runs the check.
   *
   * @param args the file, the paths ({@code find}, {@code rfind}, {@code readLine} or {@code all}),
   *     the truncation rounds per path, the milliseconds of the concurrent phase per path, the file
   *     size, the seed and the report file
   * @throws Exception if the file cannot be written
   */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    String which = args[1];
    int rounds = Integer.parseInt(args[2]);
    long concurrentMillis = Long.parseLong(args[3]);
    int size = Integer.parseInt(args[4]);
    long seed = Long.parseLong(args[5]);
    report = new PrintStream(Files.newOutputStream(Path.of(args[6])), true, StandardCharsets.UTF_8);
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    byte[] data = logLike(size, r);
    Files.write(file, data);
    report.println("kernel " + Search.kernel());
    List<String> problems = new ArrayList<>();
    try (Mmap m = Mmap.map(file, 0, Access.READ);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      for (int n : NEEDLE_LENGTHS) {
        byte[] needle = absentNeedle(data, n, r);
        if (which.equals("all") || which.equals("find")) {
          check(
              "find n=" + n,
              (mm, from, to) -> mm.find(needle, from, to),
              n,
              m,
              ch,
              data,
              rounds,
              concurrentMillis,
              r,
              problems);
        }
        if (which.equals("all") || which.equals("rfind")) {
          check(
              "rfind n=" + n,
              (mm, from, to) -> mm.rfind(needle, from, to),
              n,
              m,
              ch,
              data,
              rounds,
              concurrentMillis,
              r,
              problems);
        }
      }
      if (which.equals("all") || which.equals("readLine")) {
        check(
            "readLine",
            (mm, from, to) -> {
              mm.seek(from);
              return mm.readLine().length;
            },
            1,
            m,
            ch,
            data,
            rounds,
            concurrentMillis,
            r,
            problems);
        // a line longer than the in-place scan of the line end, cut by the truncation
        check(
            "readLine of a long line",
            (mm, from, to) -> {
              mm.seek(from);
              return mm.readLine().length;
            },
            1,
            m,
            ch,
            data,
            rounds,
            concurrentMillis,
            r,
            problems);
      }
    }
    for (String p : problems) {
      report.println("problem " + p);
    }
    report.println("done problems=" + problems.size());
  }

  /**
   * Warms one path, then truncates the file under it {@code rounds} times, then races it with a
   * thread that truncates and restores the file.
   */
  private static void check(
      String name,
      SearchPath path,
      int n,
      Mmap m,
      FileChannel ch,
      byte[] data,
      int rounds,
      long concurrentMillis,
      RandomGenerator r,
      List<String> problems)
      throws Exception {
    int size = data.length;
    boolean longLine = name.equals("readLine of a long line");
    long sum = warm(path, n, m, size, r, 20_000, longLine);
    for (int i = 0; i < 20; i++) {
      sum += path.run(m, 0, size); // whole-map calls, so that the loops compile too
    }
    long[] cuts = longLine ? new long[] {size / 2} : new long[] {0, 10, PS, size / 2};
    int faults = 0;
    for (int round = 0; round < rounds; round++) {
      long cut = cuts[round % cuts.length];
      long missing = (cut + PS - 1) / PS * PS; // the first byte the map can no longer read
      long from;
      long to;
      if (longLine) {
        from = size / 2 - LONG_LINE + r.nextInt(LONG_LINE - 4096);
        to = size;
      } else if (round % 3 == 2) { // a short range inside the missing part
        from = missing + r.nextLong(size - missing - n - 256);
        to = from + n + r.nextInt(256);
      } else {
        from = name.startsWith("readLine") ? missing + r.nextLong(size - missing) : 0;
        to = size;
      }
      ch.truncate(cut);
      try {
        long got = path.run(m, from, to);
        problems.add(
            String.format(
                Locale.ROOT,
                "%s returned %d over [%d, %d) after a truncation to %d in round %d",
                name,
                got,
                from,
                to,
                cut,
                round));
      } catch (MmapFaultException | InternalError e) {
        faults++;
      } catch (RuntimeException e) {
        problems.add(name + " threw " + e + " after a truncation to " + cut + " in round " + round);
      }
      restore(ch, data, cut);
      sum += warm(path, n, m, size, r, 50, longLine);
    }
    int[] concurrent = race(name, path, n, m, ch, data, concurrentMillis, r, problems);
    report.println(
        String.format(
            Locale.ROOT,
            "ok %s: %d of %d truncated calls faulted; racing a truncating thread: %d faults, %d"
                + " results (sum %d)",
            name,
            faults,
            rounds,
            concurrent[0],
            concurrent[1],
            sum));
  }

  /** Calls the path {@code calls} times over short random ranges; returns the results' sum. */
  private static long warm(
      SearchPath path, int n, Mmap m, int size, RandomGenerator r, int calls, boolean longLine) {
    long sum = 0;
    for (int i = 0; i < calls; i++) {
      long from =
          longLine
              ? size / 2 - LONG_LINE + r.nextInt(LONG_LINE - 4096)
              : r.nextLong(size - n - 4096);
      sum += path.run(m, from, from + n + 1 + r.nextInt(4096));
    }
    return sum;
  }

  /** Puts back the bytes from {@code cut} on, extending the file to its size again. */
  private static void restore(FileChannel ch, byte[] data, long cut) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data, (int) cut, data.length - (int) cut);
    for (long at = cut; b.hasRemaining(); ) {
      at += ch.write(b, at);
    }
  }

  /** {@return faults and normal results of the path while another thread truncates the file} */
  private static int[] race(
      String name,
      SearchPath path,
      int n,
      Mmap m,
      FileChannel ch,
      byte[] data,
      long millis,
      RandomGenerator r,
      List<String> problems)
      throws Exception {
    int size = data.length;
    AtomicBoolean stop = new AtomicBoolean();
    List<Throwable> truncatorFailed = new ArrayList<>();
    long truncatorSeed = r.nextLong();
    Thread truncator =
        new Thread(
            () -> {
              RandomGenerator tr =
                  RandomGeneratorFactory.of("L64X128MixRandom").create(truncatorSeed);
              try {
                while (!stop.get()) {
                  long cut = tr.nextInt(size);
                  ch.truncate(cut);
                  Thread.sleep(0, tr.nextInt(200_000));
                  restore(ch, data, cut);
                }
              } catch (IOException | InterruptedException e) {
                truncatorFailed.add(e);
              }
            });
    truncator.start();
    int[] counts = new int[2];
    long end = System.nanoTime() + millis * 1_000_000;
    try {
      while (System.nanoTime() < end) {
        long from = r.nextInt(4) == 0 ? 0 : r.nextLong(size - n);
        long to = r.nextBoolean() ? size : Math.min(size, from + n + r.nextInt(1 << 16));
        try {
          path.run(m, from, to);
          counts[1]++;
        } catch (MmapFaultException | InternalError e) {
          counts[0]++;
        } catch (RuntimeException e) {
          problems.add(name + " threw " + e + " while another thread truncated the file");
        }
      }
    } finally {
      stop.set(true);
      truncator.join();
    }
    if (!truncatorFailed.isEmpty()) {
      problems.add("the truncating thread failed: " + truncatorFailed.get(0));
    }
    restore(ch, data, 0);
    return counts;
  }

  /**
   * {@return log-like text: few line shapes, so that needle prefixes recur often; one line of
   * {@link #LONG_LINE} bytes ends in the middle}
   */
  static byte[] logLike(int size, RandomGenerator r) {
    String[] levels = {"INFO", "DEBUG", "WARN", "ERROR"};
    StringBuilder b = new StringBuilder(size + 200);
    while (b.length() < size) {
      b.append(
          String.format(
              Locale.ROOT,
              "2026-11-27T10:%02d:%02d.%03d %s worker-%d request id=%06d status=%d took=%dms%n",
              r.nextInt(60),
              r.nextInt(60),
              r.nextInt(1000),
              levels[r.nextInt(4)],
              r.nextInt(64),
              r.nextInt(1_000_000),
              r.nextBoolean() ? 200 : 404,
              r.nextInt(1000)));
    }
    b.setLength(size);
    for (int i = size / 2 - LONG_LINE; i < size / 2; i++) {
      if (b.charAt(i) == '\n') {
        b.setCharAt(i, ' ');
      }
    }
    return b.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * {@return a needle of n bytes that the data lacks: a piece of the data with one inner byte
   * changed to another common one, so that its ends match often and candidates need verifying}
   */
  static byte[] absentNeedle(byte[] data, int n, RandomGenerator r) {
    if (n == 1) {
      return new byte[] {'#'};
    }
    String text = new String(data, StandardCharsets.ISO_8859_1);
    for (int attempt = 0; attempt < 1000; attempt++) {
      int at = r.nextInt(data.length - n);
      byte[] needle = java.util.Arrays.copyOfRange(data, at, at + n);
      int k = n <= 2 ? n - 1 : 1 + r.nextInt(n - 2);
      needle[k] = (byte) "e0 1-".charAt(r.nextInt(5));
      if (!text.contains(new String(needle, StandardCharsets.ISO_8859_1))) {
        return needle;
      }
    }
    byte[] needle = java.util.Arrays.copyOfRange(data, 0, n);
    needle[n / 2] = '#';
    return needle;
  }
}
