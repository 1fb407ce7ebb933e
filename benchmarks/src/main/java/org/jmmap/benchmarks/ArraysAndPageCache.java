package org.jmmap.benchmarks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * The rows of {@code benchmarks/compare.sh} for bulk typed access and the page cache:
 *
 * <ul>
 *   <li>256 MiB of doubles read into, and written from, one array: {@code getDoubles} and {@code
 *       putDoubles} against a raw {@link MemorySegment#copy} of a JDK-mapped segment into the same
 *       array, and against a loop of {@code getDouble}/{@code putDouble};
 *   <li>{@code populate} of a 1 GiB file that is not in the page cache (dropped with {@code
 *       posix_fadvise(DONTNEED)} through CPython before each run, checked with {@code
 *       residentFraction}) against {@code cat FILE > /dev/null} from the same cold start; then the
 *       residency, and the major faults of a scan of the whole map ({@code /proc/self/stat}).
 * </ul>
 *
 * Prints {@code workload value unit} lines (GB/s, the median of the runs) and {@code #} notes.
 */
public final class ArraysAndPageCache {
  private ArraysAndPageCache() {}

  static final ValueLayout.OfDouble DOUBLE_LE =
      ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Sink for results, so that no loop is dead code. */
  static double sink;

  /**
   * Runs the rows.
   *
   * @param args the directory for the scratch files (256 MiB of doubles, a 1 GiB file that only
   *     this program maps, so that no other program's map keeps it in the page cache), the runs
   * @throws Exception if a workload fails
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int runs = Integer.parseInt(args[1]);
    bulk(dir.resolve("doubles-256m.bin"), runs);
    populate(gigabyte(dir.resolve("populate-1g.bin")), runs);
  }

  /** {@return {@code file}, made 1 GiB of varied bytes if it is not that already} */
  static Path gigabyte(Path file) throws IOException {
    long size = 1L << 30;
    if (Files.exists(file) && Files.size(file) == size) {
      return file;
    }
    byte[] block = new byte[1 << 20];
    new java.util.SplittableRandom(3).nextBytes(block);
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      for (long at = 0; at < size; at += block.length) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(block);
        while (b.hasRemaining()) {
          ch.write(b, at + b.position());
        }
      }
      ch.force(true); // dirty pages cannot be dropped from the page cache
    }
    return file;
  }

  static void bulk(Path file, int runs) throws Exception {
    long bytes = 256L << 20;
    int n = (int) (bytes / 8);
    if (!Files.exists(file) || Files.size(file) != bytes) {
      try (FileChannel ch =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        MemorySegment s = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, Arena.ofAuto());
        for (int i = 0; i < n; i++) {
          s.set(DOUBLE_LE, 8L * i, i * 0.5);
        }
      }
    }
    double[] a = new double[n];
    try (Mmap m = Mmap.map(file, 0, Access.WRITE);
        Arena arena = Arena.ofShared();
        FileChannel ch =
            FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MemorySegment raw = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
      m.populate(0, bytes);
      // a round unreported first, so that both are compiled when they are timed
      for (int round = 0; round < 2; round++) {
        report(
            round,
            "bulk_get_doubles_256m",
            "GB/s",
            runs,
            () -> {
              m.getDoubles(0, a, 0, n, ByteOrder.LITTLE_ENDIAN);
              sink += a[n - 1];
              return bytes;
            });
        report(
            round,
            "raw_segment_copy_get_doubles_256m",
            "GB/s",
            runs,
            () -> {
              MemorySegment.copy(raw, DOUBLE_LE, 0, a, 0, n);
              sink += a[n - 1];
              return bytes;
            });
      }
      Compare.report(
          "scalar_loop_get_double_256m",
          "GB/s",
          runs,
          () -> {
            for (int i = 0; i < n; i++) {
              a[i] = m.getDouble(8L * i, ByteOrder.LITTLE_ENDIAN);
            }
            sink += a[n - 1];
            return bytes;
          });
      for (int round = 0; round < 2; round++) {
        report(
            round,
            "bulk_put_doubles_256m",
            "GB/s",
            runs,
            () -> {
              m.putDoubles(0, a, 0, n, ByteOrder.LITTLE_ENDIAN);
              return bytes;
            });
        report(
            round,
            "raw_segment_copy_put_doubles_256m",
            "GB/s",
            runs,
            () -> {
              MemorySegment.copy(a, 0, raw, DOUBLE_LE, 0, n);
              return bytes;
            });
      }
      Compare.report(
          "scalar_loop_put_double_256m",
          "GB/s",
          runs,
          () -> {
            for (int i = 0; i < n; i++) {
              m.putDouble(8L * i, ByteOrder.LITTLE_ENDIAN, a[i]);
            }
            return bytes;
          });
      // big-endian: a byte swap of every element on the way
      Compare.report(
          "bulk_get_doubles_256m_swapped",
          "GB/s",
          runs,
          () -> {
            m.getDoubles(0, a, 0, n, ByteOrder.BIG_ENDIAN);
            sink += a[n - 1];
            return bytes;
          });
    }
  }

  /** Reports {@code w} as {@link Compare#report} does, but only in round 1; round 0 warms up. */
  static void report(int round, String name, String unit, int runs, Compare.Work w)
      throws Exception {
    if (round == 0) {
      for (int i = 0; i < 2; i++) {
        w.run();
      }
    } else {
      Compare.report(name, unit, runs, w);
    }
  }

  /** Drops {@code file} from the page cache: {@code posix_fadvise(POSIX_FADV_DONTNEED)}. */
  static void drop(Path file) throws IOException, InterruptedException {
    run(
        List.of(
            "python3",
            "-c",
            "import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY);"
                + " os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)",
            file.toString()));
  }

  static void run(List<String> command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    if (p.waitFor() != 0) {
      throw new IOException("failed: " + command);
    }
  }

  /** {@return this process's major faults so far}, field 12 of {@code /proc/self/stat} */
  static long majorFaults() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    // the fields after the command name, which is in parentheses and may hold spaces
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[9]); // field 12 of the whole line: majflt
  }

  static void populate(Path file, int runs) throws Exception {
    long size = Files.size(file);
    double[] populate = new double[runs];
    double[] cat = new double[runs];
    double before = 1;
    double after = 0;
    long faults = -1;
    for (int i = 0; i < runs; i++) {
      drop(file);
      try (Mmap m = Mmap.map(file, 0, Access.READ)) {
        before = Math.min(before, m.residentFraction(0, size));
        long t0 = System.nanoTime();
        m.populate(0, size);
        populate[i] = size / ((System.nanoTime() - t0) / 1e9) / 1e9;
        after = m.residentFraction(0, size);
        long f0 = majorFaults();
        long[] chunk = new long[1 << 16];
        long sum = 0;
        for (long at = 0; at + 8L * chunk.length <= size; at += 8L * chunk.length) {
          m.getLongs(at, chunk, 0, chunk.length, ByteOrder.LITTLE_ENDIAN);
          sum += chunk[chunk.length - 1];
        }
        faults = Math.max(faults, majorFaults() - f0);
        sink += sum;
      }
      drop(file);
      long t0 = System.nanoTime();
      run(List.of("cat", file.toString()));
      cat[i] = size / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }
    Arrays.sort(populate);
    Arrays.sort(cat);
    if (before > 0.01) {
      System.out.printf(
          "# populate: the file stayed %.0f%% in the page cache after posix_fadvise(DONTNEED)"
              + " (another program maps it?): no populate rows%n",
          before * 100);
      return;
    }
    System.out.printf(
        "# populate: resident before %.4f (at most), after %.4f; major faults of the scan after"
            + " it: %d (at most)%n",
        before, after, faults);
    System.out.printf("populate_1g_cold %.3f GB/s%n", populate[runs / 2]);
    System.out.printf("cat_1g_cold %.3f GB/s%n", cat[runs / 2]);
  }
}
