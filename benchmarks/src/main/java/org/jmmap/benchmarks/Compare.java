package org.jmmap.benchmarks;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * jmmap's side of {@code benchmarks/compare.sh}: runs each workload several times over the files
 * the script made and prints {@code workload value unit}, the median, one line each.
 */
public final class Compare {
  private Compare() {}

  /** A constant, as the JIT needs a layout to be for a fast segment access. */
  static final java.lang.foreign.ValueLayout.OfLong LONG_LE =
      java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  static final byte[] RARE = "NEEDLE-7f3a9c2e1".getBytes(StandardCharsets.US_ASCII);
  static final byte[] COMMON = "INFO".getBytes(StandardCharsets.US_ASCII);
  static final byte[] EARLY = "EARLY-MARK-0042!".getBytes(StandardCharsets.US_ASCII);

  interface Work {
    /** {@return the amount of work done: bytes, or operations} */
    double run() throws Exception;
  }

  /**
   * Whether to time by the CPU time of the whole process (JIT and GC threads included) instead of
   * the wall clock: {@code COMPARE_CLOCK=cpu}, for a machine that other work shares.
   */
  static final boolean CPU_CLOCK = "cpu".equals(System.getenv("COMPARE_CLOCK"));

  static long now() {
    if (CPU_CLOCK) {
      return ((com.sun.management.OperatingSystemMXBean)
              java.lang.management.ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
    }
    return System.nanoTime();
  }

  static void report(String name, String unit, int runs, Work w) throws Exception {
    double[] rates = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = now();
      double amount = w.run();
      rates[i] = amount / ((now() - t0) / 1e9);
    }
    Arrays.sort(rates);
    System.out.printf(
        "%s %.3f %s%n", name, rates[runs / 2] / 1e9 * (unit.equals("Mops/s") ? 1000 : 1), unit);
  }

  /**
   * Random aligned 8-byte reads and writes: jmmap's typed access, a raw segment and a {@link
   * java.nio.MappedByteBuffer} on the same file. Each runs once without the final flush, which is
   * where the API's own cost shows, and once with it, as the C and Python references run.
   */
  static void randomAccess(Path bin, long ops, int runs) throws Exception {
    try (var ch =
            java.nio.channels.FileChannel.open(
                bin,
                java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE);
        var arena = java.lang.foreign.Arena.ofShared();
        Mmap m = Mmap.map(bin, 0, Access.WRITE)) {
      var seg = ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
      var mbb = ch.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, ch.size());
      mbb.order(ByteOrder.LITTLE_ENDIAN);
      long words = ch.size() / 8;
      for (boolean flush : new boolean[] {false, true}) {
        String suffix = flush ? "" : "_noflush";
        report(
            "random_rw_raw_segment" + suffix,
            "Mops/s",
            runs,
            () -> {
              SplittableRandom r = new SplittableRandom(7);
              long sum = 0;
              for (long i = 0; i < ops; i++) {
                long o = r.nextLong(words) * 8;
                sum += seg.get(LONG_LE, o);
                seg.set(LONG_LE, o, sum);
              }
              if (flush) {
                seg.force();
              }
              return 2.0 * ops;
            });
        report(
            "random_rw_mappedbytebuffer" + suffix,
            "Mops/s",
            runs,
            () -> {
              SplittableRandom r = new SplittableRandom(7);
              long sum = 0;
              for (long i = 0; i < ops; i++) {
                int o = (int) (r.nextLong(words) * 8);
                sum += mbb.getLong(o);
                mbb.putLong(o, sum);
              }
              if (flush) {
                mbb.force();
              }
              return 2.0 * ops;
            });
        report(
            "random_rw" + suffix,
            "Mops/s",
            runs,
            () -> {
              SplittableRandom r = new SplittableRandom(7);
              long sum = 0;
              for (long i = 0; i < ops; i++) {
                long o = r.nextLong(words) * 8;
                sum += m.getLong(o, ByteOrder.LITTLE_ENDIAN);
                m.putLong(o, ByteOrder.LITTLE_ENDIAN, sum);
              }
              if (flush) {
                m.flush();
              }
              return 2.0 * ops;
            });
      }
    }
  }

  /**
   * Runs the workloads.
   *
   * @param args the text file, the binary file and the number of random operations
   * @throws Exception if a workload fails
   */
  public static void main(String[] args) throws Exception {
    Path text = Path.of(args[0]);
    Path bin = Path.of(args[1]);
    long randomOps = Long.parseLong(args[2]);
    int runs = 5;
    System.out.println(
        "# search kernel: "
            + org.jmmap.internal.search.Search.kernel()
            + ", max heap "
            + (Runtime.getRuntime().maxMemory() >> 20)
            + " MiB, "
            + (CPU_CLOCK ? "process CPU time" : "wall clock"));
    try (Mmap m = Mmap.map(text, 0, Access.READ)) {
      long size = m.length();
      report("find_rare", "GB/s", runs, () -> m.find(RARE, 0) + RARE.length);
      report(
          "find_common_count",
          "GB/s",
          runs,
          () -> {
            long n = 0;
            for (long p = m.find(COMMON, 0); p >= 0; p = m.find(COMMON, p + 1)) {
              n++;
            }
            if (n == 0) {
              throw new AssertionError();
            }
            return size;
          });
      report("rfind_early", "GB/s", runs, () -> size - m.rfind(EARLY, 0));
      report(
          "readline",
          "GB/s",
          runs,
          () -> {
            m.seek(0);
            while (m.readLine().length > 0) {
              // every line
            }
            return size;
          });
      report(
          "readline_segment",
          "GB/s",
          runs,
          () -> {
            m.seek(0);
            long lines = 0;
            while (m.readLineSegment().byteSize() > 0) {
              lines++;
            }
            if (lines == 0) {
              throw new AssertionError();
            }
            return size;
          });
      report(
          "read_64k",
          "GB/s",
          runs,
          () -> {
            m.seek(0);
            while (m.read(65536).length > 0) {
              // every block
            }
            return size;
          });
      byte[] block = new byte[65536];
      report(
          "read_into_64k",
          "GB/s",
          runs,
          () -> {
            m.seek(0);
            while (m.read(block, 0, block.length) > 0) {
              // every block, into the same array
            }
            return size;
          });
      // every match of a pattern that starts with a literal found on a quarter of the lines
      Pattern errors = Pattern.compile("ERROR +worker-(\\d+) request id=(\\d{6}) status=500");
      long[] found = new long[1];
      report(
          "regex_matches_all",
          "GB/s",
          3,
          () -> {
            found[0] = m.matches(errors).count();
            if (found[0] == 0) {
              throw new AssertionError();
            }
            return size;
          });
      System.out.println("# regex_matches_all: " + found[0] + " matches of " + errors);
      Pattern p = Pattern.compile("NEEDLE-[0-9a-f]+");
      report(
          "regex",
          "GB/s",
          3,
          () -> {
            Matcher mt = p.matcher(m.asCharSequence());
            int n = 0;
            while (mt.find()) {
              n++;
            }
            if (n == 0) {
              throw new AssertionError();
            }
            return size;
          });
    }
    report(
        "bufferedreader_readline",
        "GB/s",
        3,
        () -> {
          long bytes = 0;
          try (var r = Files.newBufferedReader(text, StandardCharsets.ISO_8859_1)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
              bytes += line.length() + 1;
            }
          }
          return bytes;
        });
    randomAccess(bin, randomOps, runs);
    // map + close of a small file: MapClose, which uses the byte it reads
  }
}
