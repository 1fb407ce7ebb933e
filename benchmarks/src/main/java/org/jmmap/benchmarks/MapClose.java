package org.jmmap.benchmarks;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.MmapOptions;

/**
 * The cost of a short-lived map: {@code map} + one read + {@code close} of a 4 KiB file, through a
 * confined map ({@link MmapOptions#confined()}) and through the default shared one, against {@link
 * RandomAccessFile} open + read + close of the same file.
 *
 * <p>{@code MapClose [RUNS]} (default 7) prints the median of each in {@code compare.sh}'s {@code
 * workload value unit} lines, then the ratio of the confined map's time to {@code
 * RandomAccessFile}'s as a comment. The jmmap rows of a JVM without native access, where jmmap maps
 * through its portable backing, end in {@code _portable}. Each run is 20,000 cycles (2,000 for the
 * shared map, whose close waits for a handshake with every thread), each loop a method of its own
 * that the JIT compiles on its own; the runs of the three alternate, after five rounds that are not
 * counted.
 */
public final class MapClose {
  private MapClose() {}

  private static final int CYCLES = 20_000;
  private static final int SHARED_CYCLES = 2_000;
  private static final int WARMUP = 5;

  /**
   * Runs the three loops and prints their medians.
   *
   * @param args the number of runs (optional)
   * @throws Exception if the file cannot be written or mapped
   */
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    Path small = Files.write(Files.createTempFile("jmmap-small", ".bin"), new byte[4096]);
    try {
      MmapOptions confined = Mmap.options().access(Access.READ).confined();
      MmapOptions shared = Mmap.options().access(Access.READ);
      String suffix;
      try (Mmap m = shared.map(small)) {
        suffix = m.toString().contains("backing=portable") ? "_portable" : "";
      }
      byte[] buf = new byte[4096];
      double[] conf = new double[runs];
      double[] sh = new double[runs];
      double[] raf = new double[runs];
      long sink = 0;
      // the first rounds run while the JIT compiles the map and close paths: not counted
      for (int r = -WARMUP; r < runs; r++) {
        long t0 = System.nanoTime();
        sink += confinedMaps(confined, small, CYCLES);
        long t1 = System.nanoTime();
        sink += randomAccessFiles(small, buf, CYCLES);
        long t2 = System.nanoTime();
        sink += sharedMaps(shared, small, SHARED_CYCLES);
        long t3 = System.nanoTime();
        if (r < 0) {
          continue;
        }
        conf[r] = (t1 - t0) / (double) CYCLES;
        raf[r] = (t2 - t1) / (double) CYCLES;
        sh[r] = (t3 - t2) / (double) SHARED_CYCLES;
      }
      double c = median(conf);
      double s = median(sh);
      double f = median(raf);
      // Mops/s, as Compare prints its rows; names of their own, so that both can be in one table
      System.out.printf(Locale.ROOT, "map_read_close_confined_4k%s %.3f Mops/s%n", suffix, 1e3 / c);
      System.out.printf(Locale.ROOT, "map_read_close_shared_4k%s %.3f Mops/s%n", suffix, 1e3 / s);
      System.out.printf(
          Locale.ROOT, "raf_open_read_close_4k_same_run%s %.3f Mops/s%n", suffix, 1e3 / f);
      System.out.printf(
          Locale.ROOT,
          "# map+close confined vs RandomAccessFile open+read+close%s: %.2fx the time"
              + " (shared: %.1fx; sink %d)%n",
          suffix.isEmpty() ? "" : " (portable backing)",
          c / f,
          s / f,
          sink);
    } finally {
      Files.delete(small);
    }
  }

  /**
   * {@return the sum of the last byte}, over {@code n} cycles of map, read one byte, close; a
   * method of its own, so that the JIT's profile of it sees confined maps only
   */
  private static long confinedMaps(MmapOptions options, Path file, int n) throws IOException {
    long sink = 0;
    for (int i = 0; i < n; i++) {
      try (Mmap m = options.map(file)) {
        sink += m.get(4095);
      }
    }
    return sink;
  }

  /** {@return the sum of the last byte}, as {@link #confinedMaps} for shared maps */
  private static long sharedMaps(MmapOptions options, Path file, int n) throws IOException {
    long sink = 0;
    for (int i = 0; i < n; i++) {
      try (Mmap m = options.map(file)) {
        sink += m.get(4095);
      }
    }
    return sink;
  }

  /** {@return the sum of the last byte}, over {@code n} cycles of open, read 4 KiB, close */
  private static long randomAccessFiles(Path file, byte[] buf, int n) throws IOException {
    long sink = 0;
    for (int i = 0; i < n; i++) {
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
        f.readFully(buf);
        sink += buf[4095];
      }
    }
    return sink;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
