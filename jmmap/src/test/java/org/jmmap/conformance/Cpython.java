package org.jmmap.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The CPython that the tests ask: {@code JMMAP_PYTHON} if it is set, else CPython 3.13 if this
 * machine has one (jmmap follows 3.13), else the newest CPython found. Every comparison with
 * CPython (grids, traces, soak, shared memory) runs this one, so that a machine with only an older
 * CPython still gets one answer, and says which.
 */
public final class Cpython {
  /** The release whose semantics jmmap follows. */
  private static final int[] PREFERRED = {3, 13};

  private static final Map<Integer, String> SIGNALS =
      Map.of(
          1, "SIGHUP", 2, "SIGINT", 4, "SIGILL", 6, "SIGABRT", 7, "SIGBUS", 8, "SIGFPE", 9,
          "SIGKILL", 11, "SIGSEGV", 13, "SIGPIPE", 15, "SIGTERM");

  private static volatile Cpython oracle;

  private final String executable;
  private final int[] version;
  private final String source;

  private Cpython(String executable, int[] version, String source) {
    this.executable = executable;
    this.version = version;
    this.source = source;
  }

  /**
   * {@return the CPython the tests ask}, chosen once per JVM and printed then.
   *
   * @throws IllegalStateException if {@code JMMAP_PYTHON} is not a CPython 3, or none is found
   */
  public static Cpython oracle() {
    Cpython o = oracle;
    if (o == null) {
      synchronized (Cpython.class) {
        o = oracle;
        if (o == null) {
          o = choose(System.getenv("JMMAP_PYTHON"), System.getProperty("user.home"));
          System.out.println("CPython oracle: " + o + ", " + o.source);
          for (String w : o.workarounds()) {
            System.out.println("CPython oracle: " + w);
          }
          oracle = o;
        }
      }
    }
    return o;
  }

  static Cpython choose(String override, String home) {
    if (override != null && !override.isBlank()) {
      Cpython c = probe(override, "from JMMAP_PYTHON");
      if (c == null) {
        throw new IllegalStateException(
            "JMMAP_PYTHON=" + override + " does not run as a CPython 3 with the mmap module");
      }
      return c;
    }
    List<Cpython> found = new ArrayList<>();
    for (String candidate : candidates(home)) {
      Cpython c = probe(candidate, "the newest CPython found (JMMAP_PYTHON overrides)");
      if (c == null) {
        continue;
      }
      if (c.version[0] == PREFERRED[0] && c.version[1] == PREFERRED[1]) {
        return c;
      }
      found.add(c);
    }
    return found.stream()
        .max(Comparator.comparing(c -> c.version, Arrays::compare))
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no CPython 3 found: set JMMAP_PYTHON, or install python3 (looked at "
                        + candidates(home)
                        + ")"));
  }

  /** The places to look, 3.13 first, each only once. */
  private static List<String> candidates(String home) {
    List<String> c = new ArrayList<>();
    Path versions = Path.of(home == null ? "/nonexistent" : home, ".pyenv", "versions");
    c.addAll(pyenv(versions, "3.13"));
    c.add("python3.13");
    c.add("python3.12");
    c.addAll(pyenv(versions, "3.12"));
    c.add("python3");
    c.add("/usr/bin/python3");
    return c.stream().distinct().toList();
  }

  /** {@return the pyenv installs of a release, newest first} */
  private static List<String> pyenv(Path versions, String release) {
    if (!Files.isDirectory(versions)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(versions)) {
      return s.filter(p -> p.getFileName().toString().startsWith(release + "."))
          .map(p -> p.resolve("bin").resolve("python3"))
          .filter(Files::isExecutable)
          .map(Path::toString)
          .sorted(Comparator.reverseOrder())
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** {@return the CPython at {@code executable}, or null if it does not run as one} */
  static Cpython probe(String executable, String source) {
    String script =
        "import mmap, platform, sys; "
            + "print(platform.python_implementation(), *sys.version_info[:3])";
    try {
      Process p =
          new ProcessBuilder(executable, "-c", script)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      String[] f = out.split(" ");
      if (p.exitValue() != 0 || f.length != 4 || !f[0].equals("CPython") || !f[1].equals("3")) {
        return null;
      }
      int[] v = {Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3])};
      return new Cpython(executable, v, source);
    } catch (IOException | NumberFormatException e) {
      return null; // not there, or not a CPython: the next candidate
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** {@return a CPython at a path, for tests that stand a fake one in} */
  static Cpython fake(String executable, int major, int minor, int micro) {
    return new Cpython(executable, new int[] {major, minor, micro}, "a stand-in");
  }

  /**
   * {@return what the runners do instead of an operation this release is known to crash on}, the
   * same tests as {@code run_trace.py} and {@code grids.py} make
   */
  public List<String> workarounds() {
    if (Arrays.compare(version, new int[] {3, 11, 7}) < 0) {
      return List.of(
          "CPython "
              + version()
              + "'s mmap.find and mmap.rfind can read past the map and die of SIGSEGV (fixed in"
              + " 3.11.7): find and rfind are answered on a copy of the map's bytes");
    }
    return List.of();
  }

  /** {@return the command that runs this CPython with the given arguments} */
  public List<String> command(String... args) {
    List<String> c = new ArrayList<>();
    c.add(executable);
    c.addAll(List.of(args));
    return c;
  }

  /** {@return the path or name it runs as} */
  public String executable() {
    return executable;
  }

  /** {@return the release, e.g. {@code 3.13.0}} */
  public String version() {
    return version[0] + "." + version[1] + "." + version[2];
  }

  /**
   * {@return why a process of this CPython ended}: the signal it died of (a Java {@link
   * Process#exitValue} of 128 + N), or its exit status
   */
  public String death(int exitValue) {
    if (exitValue > 128 && exitValue < 128 + 65) {
      int signal = exitValue - 128;
      return "CPython "
          + version()
          + " died of "
          + SIGNALS.getOrDefault(signal, String.format(Locale.ROOT, "signal %d", signal));
    }
    return "CPython " + version() + " exited with status " + exitValue;
  }

  @Override
  public String toString() {
    return "CPython " + version() + " (" + executable + ")";
  }
}
