package org.jmmap.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import org.jmmap.Backings;

/**
 * Runs random traces through CPython and jmmap and prints {@code N ops, M divergences}. Each
 * divergence is shrunk and written to {@code target/conformance/} as a trace file, ready to add to
 * the regression traces.
 *
 * <p>Usage: {@code Soak OPS [SEED]}, or {@code ./build soak OPS [SEED]}; {@code
 * -Djmmap.backing=portable} ({@code JMMAP_BACKING=portable ./build soak …}) soaks the portable
 * backing, with traces that hold no op it refuses ({@link TraceGenerator#refusedByPortable}).
 */
public final class Soak {
  private Soak() {}

  /** What one soak found. */
  record Result(long ops, int traces, List<Conformance.Divergence> divergences) {}

  /**
   * Runs the soak.
   *
   * @param args the number of ops and, optionally, the seed
   * @throws IOException if a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    long ops = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
    System.out.println(
        "soak: "
            + ops
            + " ops, seed "
            + seed
            + ", backing "
            + Backings.current()
            + (Backings.portable() ? " (no op that it refuses)" : "")
            + ", oracle "
            + Cpython.oracle());
    Result r;
    try {
      r = run(ops, seed, Path.of("target", "conformance"), true);
    } catch (IllegalStateException e) {
      System.out.println("soak: " + e.getMessage());
      System.exit(2);
      return;
    }
    System.out.println(
        r.ops()
            + " ops, "
            + r.divergences().size()
            + " divergences ("
            + r.traces()
            + " traces, seed "
            + seed
            + ")");
    System.exit(r.divergences().isEmpty() ? 0 : 1);
  }

  static Result run(long ops, long seed, Path out, boolean progress) throws IOException {
    Files.createDirectories(out);
    Path work = Files.createTempDirectory("jmmap-soak");
    TraceGenerator gen = new TraceGenerator(seed, Backings.portable());
    PythonRunner python = new PythonRunner(work);
    long[] done = {0, 0};
    List<Conformance.Divergence> found = new java.util.ArrayList<>();
    Iterator<List<Op>> traces =
        new Iterator<>() {
          long planned;

          @Override
          public boolean hasNext() {
            return planned < ops;
          }

          @Override
          public List<Op> next() {
            List<Op> t = gen.next(100);
            planned += t.size();
            return t;
          }
        };
    try (JavaRunner java = new JavaRunner(work)) {
      runAll(python, java, traces, work, done, found, progress);
    } catch (PythonRunner.OracleDied e) {
      List<Op> shortest = Conformance.shrinkDeath(e.trace, python);
      Path f = out.resolve("death-" + seed + ".jsonl");
      Files.writeString(f, "# " + e.death + "\n" + Conformance.render(shortest));
      throw new IllegalStateException(
          e.death
              + " ("
              + python.python().executable()
              + ") on seed "
              + seed
              + " after "
              + done[0]
              + " ops; the shortest trace that kills it ("
              + shortest.size()
              + " ops) is in "
              + f
              + ":\n"
              + Conformance.render(shortest),
          e);
    } finally {
      deleteTree(work); // nothing of a soak stays in the temporary directory
    }
    for (int i = 0; i < found.size(); i++) {
      Conformance.Divergence d = found.get(i);
      Path f = out.resolve("divergence-" + seed + "-" + i + ".jsonl");
      Files.writeString(f, "# " + d.describe() + "\n" + Conformance.render(d.trace()));
      System.out.println("divergence: " + d.describe() + "\n  trace: " + f);
    }
    return new Result(done[0], (int) done[1], found);
  }

  private static void runAll(
      PythonRunner python,
      JavaRunner java,
      Iterator<List<Op>> traces,
      Path work,
      long[] done,
      List<Conformance.Divergence> found,
      boolean progress)
      throws IOException {
    python.runAll(
        traces,
        (t, lines) -> {
          Conformance.Divergence d = Conformance.compare(t, lines, java.run(t));
          done[0] += t.size();
          done[1]++;
          if (d != null && found.size() < 20) {
            found.add(Conformance.shrink(d, python, work));
          }
          if (progress && done[1] % 1000 == 0) {
            System.out.println("  " + done[0] + " ops, " + found.size() + " divergences");
          }
        });
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
