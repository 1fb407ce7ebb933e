package org.jmmap;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java snippet of the README compiles and runs, the first one in a JVM started with no flag
 * at all, which must print nothing on standard error; and its Python line reads what Java wrote
 * into shared memory with each CPython this machine has, leaving the memory for Java to unlink.
 * With the portable backing forced, the snippets run on it, but for those of {@link SharedMemory},
 * which needs the Linux layer.
 */
class ReadmeTest {
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL);
  private static final Pattern PYTHON_LINE = Pattern.compile("// (python3 -c '.*')");
  private static final Pattern NUMPY_LINE = Pattern.compile("// (python3 -c 'import numpy.*')");

  @TempDir Path dir;

  private static String readme() throws IOException {
    Path p = Path.of("..", "README.md"); // surefire runs in the module's directory
    return Files.readString(Files.exists(p) ? p : Path.of("README.md"));
  }

  private static List<String> javaBlocks() throws IOException {
    List<String> blocks = new ArrayList<>();
    Matcher m = JAVA_BLOCK.matcher(readme());
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  /** {@return the test's class path, with the library's classes, as a child JVM takes it} */
  private static String classPath() {
    return System.getProperty("java.class.path");
  }

  private static String shmName() {
    return "jmmap_readme_" + ProcessHandle.current().pid();
  }

  /** The snippet in a class of its own; snippets that use {@code m} get a map of data.bin. */
  private static String source(String name, String block) {
    String body =
        block
            .replace("\"jobs\"", "\"" + shmName() + "\"")
            .replace("\"vectors\"", "\"" + shmName() + "_v\"");
    if (!body.contains("Mmap m =") && body.contains("m.")) {
      body = "try (Mmap m = Mmap.map(Path.of(\"data.bin\"), 0, Access.WRITE)) {\n" + body + "}\n";
    }
    return "import static java.nio.charset.StandardCharsets.ISO_8859_1;\n"
        + "import static java.nio.charset.StandardCharsets.US_ASCII;\n"
        + "import java.nio.*;\nimport java.nio.channels.*;\nimport java.nio.file.*;\n"
        + "import java.lang.foreign.*;\nimport java.util.regex.*;\nimport org.jmmap.*;\n"
        + "public class "
        + name
        + " {\n  public static void main(String[] args) throws Exception {\n"
        + body
        + "\n  }\n}\n";
  }

  private static String run(Path cwd, List<String> command) throws Exception {
    return run(cwd, command, true);
  }

  /** {@return the output of {@code command}}, which must succeed, or fail if not {@code succeed} */
  private static String run(Path cwd, List<String> command, boolean succeed) throws Exception {
    Process p =
        new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), US_ASCII);
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "timed out: " + command);
    if (succeed) {
      assertEquals(0, p.exitValue(), command + ":\n" + out);
    } else {
      assertNotEquals(0, p.exitValue(), command + ":\n" + out);
    }
    return out;
  }

  /**
   * {@return whether the snippet uses what the portable backing refuses}: named shared memory,
   * locked pages
   */
  private static boolean needsTheLinuxLayer(String block) {
    return block.contains("SharedMemory.") || block.contains(".lock(");
  }

  /** Runs {@code command} and checks that it succeeds with nothing on standard error. */
  private static void runSilently(Path cwd, List<String> command) throws Exception {
    Path err = Files.createTempFile(cwd, "stderr", ".txt");
    Process p =
        new ProcessBuilder(command)
            .directory(cwd.toFile())
            .redirectError(ProcessBuilder.Redirect.to(err.toFile()))
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), US_ASCII);
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "timed out: " + command);
    String what = command + ":\nstdout:\n" + out + "\nstderr:\n" + Files.readString(err);
    assertEquals(0, p.exitValue(), what);
    assertEquals(0, Files.size(err), what);
  }

  @Test
  void everyJavaSnippetCompilesAndRuns() throws Exception {
    List<String> blocks = javaBlocks();
    assertTrue(blocks.size() >= 5, "README java blocks: " + blocks.size());
    Files.writeString(dir.resolve("hello.txt"), "Hello Python!\n");
    byte[] data = new byte[4096];
    byte[] text = "ERROR disk full\nphone 555-1234\n".getBytes(US_ASCII);
    System.arraycopy(text, 0, data, 64, text.length);
    Files.write(dir.resolve("data.bin"), data);
    String javac = Path.of(System.getProperty("java.home"), "bin", "javac").toString();
    List<String> names = new ArrayList<>();
    List<String> compile =
        new ArrayList<>(List.of(javac, "-d", dir.toString(), "-cp", classPath()));
    for (int i = 0; i < blocks.size(); i++) {
      String name = "ReadmeSnippet" + i;
      Path src = dir.resolve(name + ".java");
      Files.writeString(src, source(name, blocks.get(i)));
      compile.add(src.toString());
      names.add(name);
    }
    run(dir, compile);
    String javaBin = ProcessHandle.current().info().command().orElseThrow();
    String cp = dir + java.io.File.pathSeparator + classPath();
    // the first example needs no JVM flag: it runs on the portable backing, and silently
    runSilently(dir, List.of(javaBin, "-cp", cp, names.get(0)));
    assertEquals("Hello  world!\n", Files.readString(dir.resolve("hello.txt")));
    String out = "";
    int refused = 0;
    for (int i = 1; i < names.size(); i++) {
      List<String> java = new ArrayList<>(List.of(javaBin, "--enable-native-access=ALL-UNNAMED"));
      java.addAll(Backings.childOptions()); // the snippets run on this JVM's backing
      java.addAll(List.of("-cp", cp, names.get(i)));
      if (Backings.portable() && needsTheLinuxLayer(blocks.get(i))) {
        String failed = run(dir, java, false);
        assertTrue(
            failed.contains("UnsupportedOperationException")
                && failed.contains("not supported by the portable backing")
                && failed.contains(Backings.HOW),
            "the portable backing must refuse what snippet "
                + i
                + " needs, saying how:\n"
                + failed);
        refused++;
      } else {
        out += run(dir, java) + "\n";
      }
    }
    assertEquals(
        Backings.portable() ? blocks.stream().filter(ReadmeTest::needsTheLinuxLayer).count() : 0,
        refused);
    assertTrue(out.contains("555-1234") && out.contains("64"), out);
    assertFalse(Files.exists(Path.of("/dev/shm", shmName())), "the snippet left its memory");
  }

  @Test
  void thePythonLineReadsWhatJavaWroteWithEveryCpythonAndLeavesItToJava() throws Exception {
    assumeFalse(Backings.portable(), "SharedMemory needs the Linux layer");
    Matcher m = PYTHON_LINE.matcher(readme());
    assertTrue(m.find(), "no python3 line in the README");
    String line = m.group(1).replace("\"jobs\"", "\"" + shmName() + "\"");
    String script = line.substring("python3 -c '".length(), line.length() - 1);
    List<String> pythons = new ArrayList<>(List.of("python3"));
    if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
      pythons.add("/usr/bin/python3");
    }
    Path pyenv = Path.of(System.getProperty("user.home"), ".pyenv", "versions");
    if (Files.isDirectory(pyenv)) {
      try (var versions = Files.list(pyenv)) {
        versions
            .filter(v -> v.getFileName().toString().matches("3\\.1[1-9].*"))
            .map(v -> v.resolve("bin/python3"))
            .filter(Files::isExecutable)
            .forEach(v -> pythons.add(v.toString()));
      }
    }
    Backings.assumeSharedMemory();
    for (String python : pythons) {
      try (SharedMemory shm = SharedMemory.create(shmName(), 4096)) {
        shm.mmap().write("Hello world!".getBytes(US_ASCII));
        String out = run(dir, List.of(python, "-c", script));
        assertEquals("b'Hello world!'", out.strip(), python);
        shm.unlink(); // still there: Python did not unlink what it only attached to
      }
    }
  }

  @Test
  void theNumpyLineSumsAndDoublesTheArrayJavaWrote() throws Exception {
    assumeFalse(Backings.portable(), "SharedMemory needs the Linux layer");
    org.jmmap.interop.Numpy numpy = org.jmmap.interop.Numpy.require();
    Matcher m = NUMPY_LINE.matcher(readme());
    assertTrue(m.find(), "no numpy line in the README");
    String name = shmName() + "_v";
    String line = m.group(1).replace("\"vectors\"", "\"" + name + "\"");
    String script = line.substring("python3 -c '".length(), line.length() - 1);
    try (SharedMemory shm = SharedMemory.create(name, 8 * 1024)) {
      double[] v = new double[1024];
      for (int i = 0; i < v.length; i++) {
        v[i] = i * 0.5;
      }
      shm.mmap().putDoubles(0, v, 0, v.length, java.nio.ByteOrder.LITTLE_ENDIAN);
      String out = run(dir, List.of(numpy.python, "-c", script));
      assertEquals("261888.0", out.strip(), numpy.versions);
      shm.mmap().getDoubles(0, v, 0, v.length, java.nio.ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < v.length; i++) {
        assertEquals(i * 1.0, v[i], "element " + i);
      }
      shm.unlink();
    }
  }
}
