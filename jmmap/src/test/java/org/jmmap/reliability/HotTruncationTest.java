package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jmmap.Backings;
import org.jmmap.interop.ProcessRunner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every path that reads or writes mapped memory, once C2 has compiled it, meets a file truncated
 * under the map, before the access and while it runs, in a child JVM ({@link HotTruncationChild}):
 * each access ends normally or with a documented exception, and the JVM never crashes. Run with and
 * without the Vector API module, which selects the search kernel.
 *
 * <p>A crash ends the child; the test then records the path and the hs_err file's problematic frame
 * and starts a new child at the next path, so that one run reports every path that crashes. {@code
 * -Djmmap.hot.seed=N} replays a run.
 */
class HotTruncationTest {
  /** Rounds per path and phase in {@code ./build test} (a tenth on the portable backing). */
  static final int ROUNDS = Backings.rounds(300);

  /** Rounds per path and phase in {@code ./build long}. */
  static final int LONG_ROUNDS = 5000;

  @TempDir Path dir;

  @Test
  void everyCompiledPathSurvivesATruncatedFileWithThePortableSearchKernel() throws Exception {
    run(false, ROUNDS);
  }

  @Test
  void everyCompiledPathSurvivesATruncatedFileWithTheVectorSearchKernel() throws Exception {
    // most of a run is waiting for C2, whatever the rounds: the portable run checks every path
    // once, with the other kernel
    assumeFalse(
        Backings.shortRun(),
        "the portable run of ./build test checks every path with the portable search kernel;"
            + " ./build long checks the vector kernel there too");
    run(true, ROUNDS);
  }

  @Tag("long")
  @Test
  void everyCompiledPathSurvivesThousandsOfTruncationsWithThePortableSearchKernel()
      throws Exception {
    run(false, LONG_ROUNDS);
  }

  @Tag("long")
  @Test
  void everyCompiledPathSurvivesThousandsOfTruncationsWithTheVectorSearchKernel() throws Exception {
    run(true, LONG_ROUNDS);
  }

  /** What one child printed, and how it ended. */
  private record Outcome(List<String> lines, int status, Path hsErr) {}

  private void run(boolean vector, int rounds) throws Exception {
    long seed = Long.getLong("jmmap.hot.seed", System.nanoTime());
    String mode =
        (vector ? "with" : "without")
            + " jdk.incubator.vector, seed "
            + seed
            + ", "
            + rounds
            + " rounds";
    List<String> problems = new ArrayList<>();
    int from = 0;
    while (true) {
      Outcome o = child(vector, seed, rounds, from);
      o.lines().stream().filter(l -> l.startsWith("path=")).forEach(System.out::println);
      String first = o.lines().stream().filter(l -> l.startsWith("seed ")).findFirst().orElse("");
      String kernel = vector ? "kernel vector" : "kernel SWAR";
      if (!first.contains(kernel)) {
        fail(
            mode
                + ": the child does not run the expected search kernel ("
                + kernel
                + "): "
                + String.join("\n", o.lines()));
      }
      if (o.status() == 0) {
        break;
      }
      if (o.hsErr() == null) {
        // the child listed what went wrong after a line "N failures, seed S:"
        List<String> rest =
            o.lines().stream().dropWhile(l -> !l.contains(" failures, seed ")).toList();
        problems.add(
            rest.isEmpty()
                ? "exit status " + o.status() + ": " + String.join("\n", o.lines())
                : String.join("\n", rest));
        break;
      }
      String path =
          o.lines().stream().filter(l -> l.startsWith("begin #")).reduce((a, b) -> b).orElse(null);
      String phase =
          o.lines().stream()
              .filter(l -> l.startsWith("truncated "))
              .reduce((a, b) -> b)
              .orElse("warm-up");
      problems.add(
          "JVM crash in "
              + (path == null ? "start-up" : path.substring(6))
              + " ("
              + (path != null && phase.contains(path.substring(6)) ? phase : "warm-up")
              + "): "
              + crashSummary(o.hsErr()));
      Files.delete(o.hsErr());
      if (path == null) {
        break;
      }
      from = Integer.parseInt(path.substring(7, path.indexOf(' ', 7))) + 1;
    }
    assertTrue(problems.isEmpty(), mode + ":\n" + String.join("\n", problems));
  }

  private Outcome child(boolean vector, long seed, int rounds, int from) throws Exception {
    List<String> c =
        new ArrayList<>(
            ProcessRunner.javaCommand(
                HotTruncationChild.class,
                dir.toString(),
                Long.toString(seed),
                Integer.toString(rounds),
                Integer.toString(from)));
    List<String> options =
        new ArrayList<>(
            List.of(
                "-Xmx256m",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                // each path's body gets C2 code of its own, which the child finds in the code list
                "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=dontinline,org.jmmap.reliability.HotTruncationChild::lambda$*",
                // where matches() copies the map to the heap, and where it searches the map: the
                // child waits for their C2 code
                "-XX:CompileCommand=dontinline,org.jmmap.WindowedMatches::load",
                "-XX:CompileCommand=dontinline,org.jmmap.WindowedMatches::hasNextCandidateInMap",
                "-XX:CompileCommand=dontinline,org.jmmap.LineSpliterator::forEachRemaining",
                "-XX:CompileCommand=dontinline,org.jmmap.internal.search.ChunkScanner::forEach"));
    if (vector) {
      options.add("--add-modules=jdk.incubator.vector");
      // C2 sometimes compiles the Vector API's load as code of its own, which HotSpot does not
      // mark as making unsafe accesses, so that a fault in it kills the JVM (seen in hs_err
      // files), and sometimes inlines it; this makes the first shape certain rather than a
      // matter of the JIT's inlining decisions
      options.add(
          "-XX:CompileCommand=dontinline," + "jdk.incubator.vector.ByteVector::fromMemorySegment");
    }
    c.addAll(1, options);
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("the child timed out: " + c + "\n" + out);
    }
    Path hsErr;
    try (Stream<Path> s = Files.list(dir)) {
      hsErr =
          s.filter(f -> f.getFileName().toString().startsWith("hs_err_")).findFirst().orElse(null);
    }
    return new Outcome(out.lines().toList(), p.exitValue(), hsErr);
  }

  /** {@return the signal, the problematic frame and the top Java frames of an hs_err file} */
  static String crashSummary(Path hsErr) throws IOException {
    List<String> lines = Files.readAllLines(hsErr, StandardCharsets.ISO_8859_1);
    List<String> keep = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.startsWith("#  SIG") || l.startsWith("#  Internal Error")) {
        keep.add(l.substring(1).trim());
      } else if (l.startsWith("# Problematic frame:") && i + 1 < lines.size()) {
        keep.add("problematic frame: " + lines.get(i + 1).substring(1).trim());
      } else if (l.startsWith("Native frames:")) {
        lines.stream()
            .skip(i + 1)
            .takeWhile(f -> !f.isBlank())
            .filter(f -> f.startsWith("J ") || f.startsWith("j ") || f.startsWith("v "))
            .limit(4)
            .forEach(f -> keep.add("  " + f));
        break;
      }
    }
    return String.join("\n", keep);
  }
}
