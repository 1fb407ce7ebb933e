package org.jmmap.benchmarks;

import java.io.RandomAccessFile;
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

  static final byte[] RARE = "NEEDLE-7f3a9c2e1".getBytes(StandardCharsets.US_ASCII);
  static final byte[] COMMON = "INFO".getBytes(StandardCharsets.US_ASCII);
  static final byte[] EARLY = "EARLY-MARK-0042!".getBytes(StandardCharsets.US_ASCII);

  interface Work {
    /** {@return the amount of work done: bytes, or operations} */
    double run() throws Exception;
  }

  static void report(String name, String unit, int runs, Work w) throws Exception {
    double[] rates = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      double amount = w.run();
      rates[i] = amount / ((System.nanoTime() - t0) / 1e9);
    }
    Arrays.sort(rates);
    System.out.printf("%s %.3f %s%n", name, rates[runs / 2] / 1e9 * (unit.equals("Mops/s")
        ? 1000 : 1), unit);
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
    try (Mmap m = Mmap.map(text, 0, Access.READ)) {
      long size = m.length();
      report("find_rare", "GB/s", runs, () -> m.find(RARE, 0) + RARE.length);
      report("find_common_count", "GB/s", runs, () -> {
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
      report("readline", "GB/s", runs, () -> {
        m.seek(0);
        while (m.readLine().length > 0) {
          // every line
        }
        return size;
      });
      report("read_64k", "GB/s", runs, () -> {
        m.seek(0);
        while (m.read(65536).length > 0) {
          // every block
        }
        return size;
      });
      Pattern p = Pattern.compile("NEEDLE-[0-9a-f]+");
      report("regex", "GB/s", 3, () -> {
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
    try (Mmap m = Mmap.map(bin, 0, Access.WRITE)) {
      long words = m.length() / 8;
      report("random_rw", "Mops/s", runs, () -> {
        SplittableRandom r = new SplittableRandom(7);
        long sum = 0;
        for (long i = 0; i < randomOps; i++) {
          long o = r.nextLong(words) * 8;
          sum += m.getLong(o, ByteOrder.LITTLE_ENDIAN);
          m.putLong(o, ByteOrder.LITTLE_ENDIAN, sum);
        }
        m.flush();
        return 2.0 * randomOps;
      });
    }
    Path small = Files.write(Files.createTempFile("jmmap-small", ".bin"), new byte[4096]);
    try {
      report("map_close_4k", "Mops/s", runs, () -> {
        for (int i = 0; i < 20_000; i++) {
          try (Mmap m = Mmap.map(small, 0, Access.READ)) {
            m.get(4095);
          }
        }
        return 20_000;
      });
      byte[] buf = new byte[4096];
      report("raf_open_read_close_4k", "Mops/s", runs, () -> {
        for (int i = 0; i < 20_000; i++) {
          try (RandomAccessFile raf = new RandomAccessFile(small.toFile(), "r")) {
            raf.readFully(buf);
          }
        }
        return 20_000;
      });
    } finally {
      Files.delete(small);
    }
  }
}
