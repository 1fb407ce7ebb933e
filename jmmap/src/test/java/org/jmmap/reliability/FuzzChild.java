package org.jmmap.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jmmap.interop.ProcessRunner;

/**
 * The second JVM of the argument fuzz tests: what may crash the JVM (on a build with the defect
 * under test) runs here, so that a crash fails one test instead of ending the test run.
 */
public final class FuzzChild {
  private FuzzChild() {}

  /**
   * How a child ended.
   *
   * @param exit its exit status
   * @param out its standard output
   * @param err the end of its standard error
   * @param crash the signal and problematic frame from its hs_err file, or "" if it did not crash
   */
  record Run(int exit, String out, String err, String crash) {
    /** {@return every line of the output that starts with {@code prefix}} */
    List<String> lines(String prefix) {
      return out.lines().filter(l -> l.startsWith(prefix)).toList();
    }

    /** {@return the exit, the crash and the end of standard error, for a failure message} */
    String describe() {
      return "exit status "
          + exit
          + (crash.isEmpty() ? "" : ", JVM crash: " + crash)
          + (err.isBlank() ? "" : "\nstandard error ends with:\n" + err);
    }
  }

  /**
   * Runs {@code args} in a child JVM with {@code jvmOptions}; its hs_err file, if it crashes, goes
   * to {@code dir}, and it never writes a core file.
   */
  static Run run(Path dir, List<String> jvmOptions, String... args) throws Exception {
    List<String> c = new ArrayList<>(ProcessRunner.javaCommand(FuzzChild.class, args));
    List<String> options = new ArrayList<>(jvmOptions);
    options.add("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
    options.add("-XX:-CreateCoredumpOnCrash");
    options.add("-Xmx256m");
    c.addAll(1, options);
    Path err = Files.createTempFile(dir, "child", ".err");
    Process p = new ProcessBuilder(c).redirectError(err.toFile()).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the child JVM did not end within 15 minutes: " + c);
    }
    String errText = Files.readString(err);
    String tail = errText.length() > 3000 ? errText.substring(errText.length() - 3000) : errText;
    return new Run(p.exitValue(), out, tail, crash(dir, p.pid()));
  }

  /** {@return the signal and the problematic frame that the child's hs_err file reports} */
  private static String crash(Path dir, long pid) throws IOException {
    Path log = dir.resolve("hs_err_" + pid + ".log");
    if (!Files.exists(log)) {
      return "";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < lines.size() && i < 40; i++) {
      String l = lines.get(i);
      if (l.matches("#\\s+SIG\\w+.*") || l.startsWith("# Problematic frame:")) {
        b.append(l.substring(1).trim());
        if (l.startsWith("# Problematic frame:") && i + 1 < lines.size()) {
          b.append(' ').append(lines.get(i + 1).substring(1).trim());
        }
        b.append("; ");
      }
    }
    return b.isEmpty() ? "see " + log : b + "(" + log + ")";
  }

  /**
   * Runs one check and prints what it found.
   *
   * @param args the check and its arguments
   * @throws Exception if the check cannot run
   */
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "advice" ->
          AdviceFuzzTest.everyAdvice(
              Path.of(args[1]),
              Long.parseLong(args[2]),
              Integer.parseInt(args[3]),
              Boolean.parseBoolean(args[4]));
      case "channel-fault" -> ChannelMapTest.faultsOnAChannelMap(Path.of(args[1]));
      default -> throw new IllegalArgumentException("unknown check: " + args[0]);
    }
    System.out.flush();
  }
}
