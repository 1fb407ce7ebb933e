package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Runs a short Python script on the newest CPython found ({@code JMMAP_PYTHON}, else the newest
 * {@code ~/.pyenv/versions/3.*}/bin/python3} of 3.13 or later, else {@code python3}) and returns
 * its output lines.
 */
final class PortOracle {
  private PortOracle() {}

  private static String chosen;

  /** {@return the interpreter the oracle runs} */
  static synchronized String python() {
    if (chosen == null) {
      chosen = find();
    }
    return chosen;
  }

  private static String find() {
    String env = System.getenv("JMMAP_PYTHON");
    if (env != null && !env.isBlank()) {
      return env;
    }
    Path versions = Path.of(System.getProperty("user.home"), ".pyenv", "versions");
    if (Files.isDirectory(versions)) {
      try (Stream<Path> s = Files.list(versions)) {
        List<Path> found =
            s.filter(p -> minor(p.getFileName().toString()) >= 13)
                .map(p -> p.resolve("bin").resolve("python3"))
                .filter(Files::isExecutable)
                .sorted(Comparator.comparingInt(p -> -minor(p.getParent().getParent().toString())))
                .toList();
        if (!found.isEmpty()) {
          return found.getFirst().toString();
        }
      } catch (IOException e) {
        // fall back to the python3 on PATH
      }
    }
    return "python3";
  }

  /** The minor version of a directory named like {@code 3.13.0}, or -1. */
  private static int minor(String name) {
    String base = Path.of(name).getFileName().toString();
    String[] parts = base.split("\\.");
    if (parts.length < 2 || !parts[0].equals("3")) {
      return -1;
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return -1;
    }
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
