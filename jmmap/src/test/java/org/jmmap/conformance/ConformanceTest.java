package org.jmmap.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jmmap.Backings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jmmap against CPython's mmap, op for op: the regression traces, then fresh random traces. {@code
 * -Djmmap.conformance.seed=N} replays a random run; {@code -Djmmap.conformance.ops=N} sets its
 * size.
 */
class ConformanceTest {
  @TempDir Path dir;

  @Test
  void regressionTracesAgreeWithCpython() throws IOException, URISyntaxException {
    Path folder = Path.of(ConformanceTest.class.getResource("regressions").toURI());
    List<List<Op>> traces = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        traces.addAll(Conformance.read(f));
      }
    }
    assertTrue(traces.size() >= 5, "the regression traces are missing");
    if (Backings.portable()) {
      // replayed without the ops the portable backing refuses by design
      int ops = traces.stream().mapToInt(List::size).sum();
      traces.replaceAll(TraceGenerator::withoutRefused);
      System.out.println(
          "conformance: "
              + (ops - traces.stream().mapToInt(List::size).sum())
              + " ops that the portable backing refuses left out of the regression traces");
    }
    PythonRunner python = new PythonRunner(dir);
    List<String> problems = new ArrayList<>();
    try (JavaRunner java = new JavaRunner(dir)) {
      python.runAll(
          traces.iterator(),
          (t, lines) -> {
            Conformance.Divergence d = Conformance.compare(t, lines, java.run(t));
            if (d != null) {
              problems.add(d.describe());
            }
          });
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void freshRandomTracesAgreeWithCpython() throws IOException {
    long seed = Long.getLong("jmmap.conformance.seed", System.nanoTime());
    long ops = Long.getLong("jmmap.conformance.ops", 4000);
    Soak.Result r = Soak.run(ops, seed, Path.of("target", "conformance"), false);
    System.out.println(
        "conformance: "
            + r.ops()
            + " ops in "
            + r.traces()
            + " traces, seed "
            + seed
            + ", "
            + r.divergences().size()
            + " divergences");
    if (!r.divergences().isEmpty()) {
      Conformance.Divergence d = r.divergences().getFirst();
      fail(
          "jmmap diverges from "
              + Cpython.oracle()
              + " (seed "
              + seed
              + ", replay with -Djmmap.conformance.seed="
              + seed
              + "): "
              + d.describe()
              + "\nshortest diverging trace:\n"
              + Conformance.render(d.trace()));
    }
    assertTrue(r.ops() >= ops);
  }

  @Test
  void opLinesRoundTrip() {
    String line = "{\"op\":\"find\",\"sub\":\"6869\",\"start\":-7,\"end\":null}";
    Op op = Op.parse(line);
    assertEquals(line, op.toString());
    assertEquals(-7L, op.num("start"));
    assertEquals(null, op.num("end"));
  }
}
