package org.jmmap.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jmmap.Backings;

/** Starting child processes: Python, or a JVM running one of the test mains. */
public final class ProcessRunner {
  private ProcessRunner() {}

  static List<String> javaCommand(String... args) {
    return javaCommand(Child.class, args);
  }

  /**
   * {@return the command that runs {@code main} in a JVM with this one's class path}, mapping
   * through this one's backing ({@link Backings#childOptions()})
   */
  public static List<String> javaCommand(Class<?> main, String... args) {
    List<String> c = new ArrayList<>();
    c.add(ProcessHandle.current().info().command().orElseThrow());
    c.add("--enable-native-access=ALL-UNNAMED");
    c.addAll(Backings.childOptions());
    c.add("-cp");
    c.add(System.getProperty("java.class.path"));
    c.add(main.getName());
    c.addAll(List.of(args));
    return c;
  }

  static List<String> javaCommandWithHeap(String heap, String... args) {
    List<String> c = javaCommand(args);
    c.add(1, "-Xmx" + heap);
    return c;
  }

  /** Runs a command to its end and returns its standard output; fails on a non-zero status. */
  public static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("exit status " + p.exitValue() + " of " + command + ": " + out);
    }
    return out;
  }
}
