package org.jmmap.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Compares CPython's results with jmmap's, and shrinks a diverging trace. */
final class Conformance {
  private Conformance() {}

  /**
   * Where a trace first diverged.
   *
   * @param trace the trace
   * @param index the first op whose results differ
   * @param python CPython's result there
   * @param java jmmap's result there
   */
  record Divergence(List<Op> trace, int index, String python, String java) {
    String describe() {
      return "op #"
          + index
          + " "
          + trace.get(index)
          + ": CPython says '"
          + python
          + "', jmmap says '"
          + java
          + "'";
    }
  }

  /** {@return the first divergence, or null} */
  static Divergence compare(List<Op> trace, List<String> python, List<String> java) {
    int n = Math.max(python.size(), java.size());
    for (int i = 0; i < n; i++) {
      String p = i < python.size() ? python.get(i) : "(nothing)";
      String j = i < java.size() ? java.get(i) : "(nothing)";
      if (!p.equals(j)) {
        return new Divergence(trace, i, p, j);
      }
    }
    return null;
  }

  /**
   * {@return a short trace that still diverges}: the prefix up to the first diverging op, then
   * without every earlier op whose removal keeps a divergence.
   */
  static Divergence shrink(Divergence d, PythonRunner python, Path dir) {
    List<Op> t = new ArrayList<>(d.trace().subList(0, d.index() + 1));
    Divergence best = new Divergence(t, d.index(), d.python(), d.java());
    for (int i = t.size() - 2; i >= 1; i--) {
      List<Op> candidate = new ArrayList<>(best.trace());
      if (i >= candidate.size() - 1) {
        continue;
      }
      candidate.remove(i);
      Divergence again = run(candidate, python, dir);
      if (again != null) {
        best =
            new Divergence(
                new ArrayList<>(candidate.subList(0, again.index() + 1)),
                again.index(),
                again.python(),
                again.java());
      }
    }
    return best;
  }

  /**
   * {@return a short trace on which the oracle still dies}: without every op but the first whose
   * removal keeps it dying (each try runs in a fresh Python process)
   */
  static List<Op> shrinkDeath(List<Op> trace, PythonRunner python) {
    List<Op> t = new ArrayList<>(trace);
    for (int i = t.size() - 1; i >= 1; i--) {
      List<Op> candidate = new ArrayList<>(t);
      candidate.remove(i);
      if (python.dies(candidate)) {
        t = candidate;
      }
    }
    return t;
  }

  static Divergence run(List<Op> trace, PythonRunner python, Path dir) {
    try (JavaRunner java = new JavaRunner(dir)) {
      return compare(trace, python.run(trace), java.run(trace));
    }
  }

  /** {@return the trace as a file that the replay test and {@code run_trace.py} read} */
  static String render(List<Op> trace) {
    StringBuilder sb = new StringBuilder();
    for (Op op : trace) {
      sb.append(op).append('\n');
    }
    return sb.toString();
  }

  /** Reads the traces of a file: one op a line, "---" between traces, "#" starts a comment. */
  static List<List<Op>> read(Path file) throws IOException {
    List<List<Op>> traces = new ArrayList<>();
    List<Op> current = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.equals("---")) {
        if (!current.isEmpty()) {
          traces.add(current);
        }
        current = new ArrayList<>();
      } else {
        current.add(Op.parse(line));
      }
    }
    if (!current.isEmpty()) {
      traces.add(current);
    }
    return traces;
  }
}
