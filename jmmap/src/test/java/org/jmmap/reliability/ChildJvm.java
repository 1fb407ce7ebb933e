package org.jmmap.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jmmap.interop.ProcessRunner;

/**
 * Runs a test main in a second JVM, so that a check that may corrupt memory or crash cannot take
 * the test JVM with it. A crash is reported with the problematic frame of its hs_err file.
 */
final class ChildJvm {
  private ChildJvm() {}

  /** What a child JVM did: its exit status and its merged standard output and error. */
  record Result(int status, String output, String crash) {
    /** {@return a description for a failure message} */
    String describe() {
      return "exit status "
          + status
          + (crash.isEmpty() ? "" : "; JVM crash: " + crash)
          + "\n--- child output ---\n"
          + output;
    }
  }

  /**
   * Runs {@code main} with {@code args} in a JVM with this one's class path; hs_err files go to
   * {@code dir}.
   */
  static Result run(Path dir, Class<?> main, String... args)
      throws IOException, InterruptedException {
    return run(dir, List.of(), main, args);
  }

  /** As {@link #run(Path, Class, String...)}, with more options for the JVM. */
  static Result run(Path dir, List<String> jvmOptions, Class<?> main, String... args)
      throws IOException, InterruptedException {
    List<String> c = new ArrayList<>(ProcessRunner.javaCommand(main, args));
    c.addAll(1, jvmOptions);
    c.add(1, "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
    c.add(1, "-Xmx256m");
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the child JVM did not finish in 5 minutes: " + c);
    }
    return new Result(p.exitValue(), out, crash(dir));
  }

  /** {@return the problematic frames named by the hs_err files in {@code dir}, or ""} */
  private static String crash(Path dir) throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList()) {
        List<String> lines = Files.readAllLines(f, StandardCharsets.ISO_8859_1);
        String summary =
            lines.stream()
                .filter(
                    l ->
                        l.startsWith("# ")
                            && (l.contains("SIG")
                                || l.contains("Problematic")
                                || l.startsWith("# C ")
                                || l.startsWith("# J ")
                                || l.startsWith("# V ")
                                || l.startsWith("# j ")))
                .collect(Collectors.joining(" | "));
        found.add(f.getFileName() + ": " + summary);
      }
    }
    return String.join("; ", found);
  }
}
