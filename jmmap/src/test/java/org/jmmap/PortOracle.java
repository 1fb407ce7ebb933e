package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jmmap.conformance.Cpython;

/**
 * Runs a short Python script on the CPython that every comparison asks ({@link Cpython#oracle()}:
 * {@code JMMAP_PYTHON}, else CPython 3.13, else the newest found) and returns its output lines.
 */
final class PortOracle {
  private PortOracle() {}

  /** {@return the interpreter the oracle runs} */
  static String python() {
    return Cpython.oracle().executable();
  }

  /** {@return the {@code (major, minor)} of the oracle as e.g. 313} */
  static int version(Path dir) throws IOException, InterruptedException {
    return Integer.parseInt(
        run(dir, "import sys\nprint(sys.version_info[0] * 100 + sys.version_info[1])").getFirst());
  }

  /** {@return the lines the script prints}, failing the test if it exits non-zero. */
  static List<String> run(Path dir, String script, String... args)
      throws IOException, InterruptedException {
    Path file = Files.createTempFile(dir, "oracle", ".py");
    Files.writeString(file, script, StandardCharsets.UTF_8);
    String[] cmd = new String[args.length + 2];
    cmd[0] = python();
    cmd[1] = file.toString();
    System.arraycopy(args, 0, cmd, 2, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(
        0,
        p.waitFor(),
        String.format(Locale.ROOT, "%s %s failed:%n%s", python(), file.getFileName(), text));
    return text.lines().toList();
  }
}
