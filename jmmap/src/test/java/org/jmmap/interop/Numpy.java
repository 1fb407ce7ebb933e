package org.jmmap.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A CPython that has numpy, found once: {@code $JMMAP_NUMPY_PYTHON}, else {@code python3}, else
 * {@code /usr/bin/python3} ({@code JMMAP_NUMPY_PYTHON=none} acts as a machine without numpy). Tests
 * that need it and find none are skipped, and say so where {@code ./build test} prints its summary
 * ({@link #note}): a machine without numpy must not pass them silently.
 */
public final class Numpy {
  /** Where tests leave lines for the summary of {@code ./build test}, relative to the module. */
  public static final Path NOTES = Path.of("target", "test-notes");

  private static volatile Optional<Numpy> found;

  /** The command that starts this CPython. */
  public final String python;

  /** e.g. {@code CPython 3.11.7, numpy 2.4.6}. */
  public final String versions;

  private Numpy(String python, String versions) {
    this.python = python;
    this.versions = versions;
  }

  /** {@return the CPython with numpy}, or empty if this machine has none */
  public static synchronized Optional<Numpy> find() {
    if (found == null) {
      found = Optional.empty();
      List<String> candidates = new ArrayList<>();
      String env = System.getenv("JMMAP_NUMPY_PYTHON");
      if ("none".equals(env)) {
        return found; // as on a machine without numpy, to see what the build says then
      }
      if (env != null && !env.isEmpty()) {
        candidates.add(env);
      }
      candidates.add("python3");
      candidates.add("/usr/bin/python3");
      for (String c : candidates) {
        String v = versions(c);
        if (v != null) {
          found = Optional.of(new Numpy(c, v));
          break;
        }
      }
    }
    return found;
  }

  private static String versions(String python) {
    try {
      Process p =
          new ProcessBuilder(
                  python,
                  "-c",
                  "import platform, numpy; print('CPython', platform.python_version() + ',',"
                      + " 'numpy', numpy.__version__)")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      return p.exitValue() == 0 && out.startsWith("CPython") ? out : null;
    } catch (IOException e) {
      return null; // no such program
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** {@return what a test that needs numpy says when it is skipped} */
  public static String missing() {
    return "no CPython with numpy found (tried $JMMAP_NUMPY_PYTHON, python3, /usr/bin/python3):"
        + " install numpy (pip install numpy, or apt install python3-numpy) to run the numpy tests";
  }

  /**
   * Leaves a line for the summary of {@code ./build test}: {@code skip} and the reason for each
   * test skipped for want of numpy, {@code ran} and the versions for each that ran.
   */
  public static void note(String kind, String text) {
    try {
      Files.createDirectories(NOTES);
      Files.writeString(
          NOTES.resolve("numpy.txt"),
          kind + "\t" + text + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * {@return the CPython with numpy, after noting for the summary that this test ran with it}
   *
   * @throws org.opentest4j.TestAbortedException if there is none: the test is skipped, noted
   */
  public static Numpy require() {
    Optional<Numpy> n = find();
    if (n.isEmpty()) {
      note("skip", missing());
      org.junit.jupiter.api.Assumptions.abort(missing());
    }
    note("ran", n.get().versions + " (" + n.get().python + ")");
    return n.get();
  }
}
