package org.jmmap.modulepath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jmmap.Mmap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that uses only the portable subset ({@link NoFlagMain}) runs with no JVM flag at all,
 * and under {@code --illegal-native-access=deny}, with jmmap on the class path and on the module
 * path, and the JVM prints nothing on standard error: no warning about native access. With native
 * access granted to jmmap's module it maps through the Linux layer, again without a word.
 */
class NoFlagTest {
  @TempDir Path dir;

  private static String location(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }

  /** {@return the JVM options that put jmmap, and this test's classes, on the class path} */
  private static List<String> classPath() throws Exception {
    return List.of("-cp", location(Mmap.class) + File.pathSeparator + location(NoFlagMain.class));
  }

  /**
   * {@return the JVM options that put jmmap on the module path and this program on the class path}
   */
  private static List<String> modulePath() throws Exception {
    return List.of(
        "--module-path",
        location(Mmap.class),
        "--add-modules",
        "org.jmmap",
        "-cp",
        location(NoFlagMain.class));
  }

  /** Runs {@link NoFlagMain} in a child JVM and checks it succeeds with nothing on stderr. */
  private void run(String name, List<String> flags, List<String> path, String backing)
      throws Exception {
    List<String> c = new ArrayList<>(List.of(ProcessHandle.current().info().command().get()));
    c.addAll(flags);
    c.addAll(path);
    c.addAll(List.of(NoFlagMain.class.getName(), dir.resolve(name).toString(), backing));
    Process p = new ProcessBuilder(c).start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> err =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return p.getErrorStream().readAllBytes();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
    }
    String stderr = new String(err.join(), StandardCharsets.UTF_8);
    String what = name + " " + flags + "\nstdout:\n" + out + "\nstderr:\n" + stderr;
    assertEquals(0, p.exitValue(), what);
    assertEquals("", stderr, what);
    assertEquals(
        2, out.lines().filter(l -> l.endsWith(", backing=" + backing + "]")).count(), what);
  }

  @Test
  void onTheClassPathThePortableSubsetNeedsNoFlagAndPrintsNoWarning() throws Exception {
    run("cp", List.of(), classPath(), "portable");
    run("cp-deny", List.of("--illegal-native-access=deny"), classPath(), "portable");
  }

  @Test
  void onTheModulePathThePortableSubsetNeedsNoFlagAndPrintsNoWarning() throws Exception {
    run("mp", List.of(), modulePath(), "portable");
    run("mp-deny", List.of("--illegal-native-access=deny"), modulePath(), "portable");
  }

  @Test
  void onTheModulePathNativeAccessForJmmapSelectsTheLinuxLayerWithoutAWarning() throws Exception {
    assumeTrue("Linux".equals(System.getProperty("os.name")), "the Linux layer runs on Linux");
    run("mp-native", List.of("--enable-native-access=org.jmmap"), modulePath(), "native");
  }
}
