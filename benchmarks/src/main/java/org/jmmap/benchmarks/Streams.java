package org.jmmap.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ForkJoinPool;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * The whole-map streams' side of {@code benchmarks/compare.sh}: line streams, counts and matches,
 * sequential and parallel, with the JDK's {@code Files.lines} as their peer in the same JVM. The
 * script runs it once per common-pool parallelism ({@code
 * -Djava.util.concurrent.ForkJoinPool.common.parallelism}), and the parallel rows carry it in their
 * name ({@code _p1}, {@code _p2}); the sequential rows run in the first JVM only. A parallel row
 * runs its stream from inside the pool, so that it uses exactly that many threads.
 */
public final class Streams {
  private Streams() {}

  /**
   * Runs the workloads.
   *
   * @param args the text file; {@code seq} to run the sequential rows too, or anything else; and
   *     optionally a regular expression that chooses the rows to run by name
   * @throws Exception if a workload fails
   */
  public static void main(String[] args) throws Exception {
    Path text = Path.of(args[0]);
    boolean sequential = args.length > 1 && args[1].equals("seq");
    rows = Pattern.compile(args.length > 2 ? args[2] : ".*");
    int runs = 5;
    String p = "_p" + ForkJoinPool.getCommonPoolParallelism();
    System.out.println(
        "# streams: search kernel "
            + org.jmmap.internal.search.Search.kernel()
            + ", common pool parallelism "
            + ForkJoinPool.getCommonPoolParallelism()
            + ", "
            + (Compare.CPU_CLOCK ? "process CPU time" : "wall clock"));
    Pattern errors = Pattern.compile("ERROR +worker-(\\d+) request id=(\\d{6}) status=500");
    try (Mmap m = Mmap.map(text, 0, Access.READ)) {
      long size = m.length();
      long lines = m.lineSegments().count();
      long infos = m.count(Compare.COMMON);
      long matches = m.matches(errors).count();
      System.out.println(
          "# streams: " + lines + " lines, " + infos + " INFO, " + matches + " regex matches");
      if (sequential) {
        report("files_lines_seq", "GB/s", runs, () -> filesLines(text, false, lines, size));
        report(
            "line_segments_seq", "GB/s", runs, () -> check(m.lineSegments().count(), lines, size));
        report(
            "lines_iso_seq",
            "GB/s",
            runs,
            () -> check(m.lines(StandardCharsets.ISO_8859_1).count(), lines, size));
        report("count_seq", "GB/s", runs, () -> check(m.count(Compare.COMMON), infos, size));
        report(
            "findall_seq",
            "GB/s",
            runs,
            () -> check(m.findAll(Compare.COMMON).count(), infos, size));
        report("matches_seq", "GB/s", 3, () -> check(m.matches(errors).count(), matches, size));
        report(
            "matcher_charsequence",
            "GB/s",
            3,
            () -> {
              var mt = errors.matcher(m.asCharSequence());
              long n = 0;
              while (mt.find()) {
                n++;
              }
              return check(n, matches, size);
            });
      }
      report(
          "files_lines_par" + p, "GB/s", runs, inPool(() -> filesLines(text, true, lines, size)));
      report(
          "line_segments_par" + p,
          "GB/s",
          runs,
          inPool(() -> check(m.lineSegments().parallel().count(), lines, size)));
      report(
          "lines_iso_par" + p,
          "GB/s",
          runs,
          inPool(
              () -> check(m.lines(StandardCharsets.ISO_8859_1).parallel().count(), lines, size)));
      report(
          "findall_par" + p,
          "GB/s",
          runs,
          inPool(() -> check(m.findAll(Compare.COMMON).parallel().count(), infos, size)));
      report(
          "matches_par" + p,
          "GB/s",
          3,
          inPool(() -> check(m.matches(errors).parallel().count(), matches, size)));
    }
  }

  /**
   * {@return {@code w} run as a task of the common pool}: a parallel stream started in the pool
   * runs on its threads only, as many as its parallelism, while one started outside adds the
   * calling thread to them
   */
  private static Compare.Work inPool(Compare.Work w) {
    return () ->
        ForkJoinPool.commonPool()
            .submit(
                () -> {
                  try {
                    return w.run();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                })
            .get();
  }

  private static Pattern rows;

  /** {@link Compare#report}, for the rows that the command line chose. */
  private static void report(String name, String unit, int runs, Compare.Work w) throws Exception {
    if (rows.matcher(name).matches()) {
      Compare.report(name, unit, runs, w);
    }
  }

  private static double filesLines(Path text, boolean parallel, long lines, long size)
      throws Exception {
    try (Stream<String> s = Files.lines(text, StandardCharsets.ISO_8859_1)) {
      return check((parallel ? s.parallel() : s).count(), lines, size);
    }
  }

  /** {@return size}, once {@code got} is the expected count: no workload may skip its work */
  private static double check(long got, long expected, long size) {
    if (got != expected) {
      throw new AssertionError("counted " + got + ", expected " + expected);
    }
    return size;
  }
}
