package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jmmap.interop.ProcessRunner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search kernels behind find, rfind and readLine, compiled by the JIT, meet a file truncated
 * under the map: every call that reaches the missing pages throws {@link
 * org.jmmap.MmapFaultException} or the JVM's {@link InternalError}, and the JVM never dies. Each
 * check runs in a child JVM ({@link KernelFaultChild}), once with the Vector API module (the vector
 * kernel) and once without it (the portable kernel), because a fault the JVM does not guard kills
 * the process.
 */
class KernelFaultTest {
  /** A method compiled by C2: {@code id flags 4 class::method}, as -XX:+PrintCompilation says. */
  private static final Pattern C2_COMPILED =
      Pattern.compile(
          "^\\s*\\d+\\s+\\d+\\s+[%sbn! ]*\\s4\\s+(org\\.jmmap\\.[\\w.$]+::\\w+)",
          Pattern.MULTILINE);

  @TempDir Path dir;

  @Test
  void hotVectorKernelsSurviveTruncationsUnderTheMap() throws Exception {
    runChild(true, 200, 300, 2 << 20);
  }

  @Test
  void hotPortableKernelsSurviveTruncationsUnderTheMap() throws Exception {
    runChild(false, 200, 300, 2 << 20);
  }

  @Test
  @Tag("long")
  void hotVectorKernelsSurviveThousandsOfTruncations() throws Exception {
    runChild(true, 4000, 5000, 4 << 20);
  }

  @Test
  @Tag("long")
  void hotPortableKernelsSurviveThousandsOfTruncations() throws Exception {
    runChild(false, 4000, 5000, 4 << 20);
  }

  private void runChild(boolean vector, int rounds, int concurrentMillis, int size)
      throws Exception {
    long seed = Long.getLong("jmmap.seed", System.nanoTime());
    List<String> c =
        new ArrayList<>(
            ProcessRunner.javaCommand(
                KernelFaultChild.class,
                dir.resolve("data.txt").toString(),
                "all",
                Integer.toString(rounds),
                Integer.toString(concurrentMillis),
                Integer.toString(size),
                Long.toString(seed),
                dir.resolve("report.txt").toString()));
    // Mmap's methods stay out of their callers, so that each shows as compiled on its own
    List<String> options =
        new ArrayList<>(
            List.of(
                "-Xmx256m",
                "-XX:+PrintCompilation",
                "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=dontinline,org.jmmap.Mmap::*",
                "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log")));
    if (vector) {
      options.add("--add-modules=jdk.incubator.vector");
    }
    c.addAll(1, options);
    Path err = dir.resolve("stderr.txt");
    Process p = new ProcessBuilder(c).redirectError(err.toFile()).start();
    p.getOutputStream().close();
    String jit = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("the child timed out; seed " + seed);
    }
    Path report = dir.resolve("report.txt");
    String out = "\n" + (Files.exists(report) ? Files.readString(report) : "");
    String why = "seed " + seed + ", " + (vector ? "with" : "without") + " the vector module";
    if (p.exitValue() != 0 || !out.contains("\ndone problems=")) {
      fail(
          "the child did not finish (exit status "
              + p.exitValue()
              + "), "
              + why
              + "; problematic frame: "
              + problematicFrame()
              + "\nits report:\n"
              + tail(out)
              + "\nits standard output:\n"
              + tail(jit)
              + "\nits standard error:\n"
              + tail(Files.readString(err)));
    }
    assertTrue(out.contains("\nkernel " + (vector ? "vector" : "SWAR")), why + ": " + tail(out));
    assertTrue(out.contains("\ndone problems=0"), why + ":\n" + problems(out));
    Set<String> compiled = new TreeSet<>();
    for (Matcher m = C2_COMPILED.matcher(jit); m.find(); ) {
      compiled.add(m.group(1));
    }
    for (String hot :
        List.of("org.jmmap.Mmap::find", "org.jmmap.Mmap::rfind", "org.jmmap.Mmap::readLine")) {
      assertTrue(
          compiled.contains(hot), why + ": C2 never compiled " + hot + "; it did " + compiled);
    }
    assertTrue(
        compiled.stream().anyMatch(m -> m.startsWith("org.jmmap.internal.")),
        why + ": C2 compiled no kernel method; it did " + compiled);
  }

  /** {@return the frame that the JVM's error report blames, or why there is none} */
  private String problematicFrame() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().startsWith("hs_err")) {
          List<String> lines = Files.readAllLines(f, StandardCharsets.ISO_8859_1);
          for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("# Problematic frame:")) {
              return lines.get(i + 1)
                  + " ("
                  + lines.stream()
                      .filter(l -> l.startsWith("#  SIG"))
                      .findFirst()
                      .orElse("no signal line")
                  + ")";
            }
          }
          return "none in " + f;
        }
      }
    }
    return "no error report";
  }

  private static String problems(String out) {
    StringBuilder b = new StringBuilder();
    out.lines()
        .filter(l -> l.startsWith("problem ") || l.startsWith("ok "))
        .limit(40)
        .forEach(l -> b.append(l).append('\n'));
    return b.toString();
  }

  private static String tail(String s) {
    List<String> lines =
        s.lines()
            .filter(l -> !C2_COMPILED.matcher(l).find() && !l.matches("^\\s*\\d+\\s+\\d+ .*"))
            .toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }
}
