package org.jmmap.reliability;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jmmap.interop.ProcessRunner;

/** What the reliability tests run in a second JVM. */
public final class RChild {
  private RChild() {}

  /** {@return the standard output of a child JVM run with {@code jvmOption} and {@code args}} */
  static String run(String jvmOption, String... args) throws Exception {
    List<String> c = new ArrayList<>(ProcessRunner.javaCommand(RChild.class, args));
    c.add(1, jvmOption);
    return ProcessRunner.run(c);
  }

  /**
   * Runs one check.
   *
   * @param args the check and its arguments
   * @throws Exception if it fails
   */
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "truncation" ->
          System.out.println(TruncationTest.everyPathFaults(Path.of(args[1]),
              Boolean.parseBoolean(args[2])));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
