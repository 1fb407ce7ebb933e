package org.jmmap.modulepath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jmmap.Mmap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jmmap as a named module, as applications on the module path use it: {@code module-info.java} must
 * grant what the library needs and export nothing but its API. The rest of the suite runs on the
 * class path, where neither is checked.
 */
class ModulePathTest {
  @TempDir Path dir;

  private static Path location(Class<?> c) throws Exception {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  @Test
  void aModulePathApplicationMapsFilesAndSeesOnlyTheApi() throws Exception {
    Path classes = location(Mmap.class);
    assertTrue(
        Files.exists(classes.resolve("module-info.class")),
        "jmmap's classes have no module-info.class: " + classes);
    List<String> c = new ArrayList<>();
    c.add(ProcessHandle.current().info().command().orElseThrow());
    c.add("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
    c.add("--module-path");
    c.add(classes.toString());
    c.add("--add-modules");
    c.add("org.jmmap");
    c.add("--enable-native-access=org.jmmap");
    c.add("--illegal-native-access=deny");
    c.add("-cp");
    c.add(location(ModuleMain.class).toString());
    c.add(ModuleMain.class.getName());
    c.add(dir.resolve("data").toString());
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
    }
    String crash;
    try (Stream<Path> s = Files.list(dir)) {
      crash =
          s.filter(f -> f.getFileName().toString().startsWith("hs_err"))
              .map(Path::toString)
              .findFirst()
              .orElse("none");
    } catch (IOException e) {
      crash = e.toString();
    }
    assertEquals(0, p.exitValue(), "child output:\n" + out + "\nhs_err: " + crash);
    assertTrue(out.contains("ok: an internal class cannot be used"), out);
    assertTrue(!out.contains("WARNING"), "the JVM warned:\n" + out);
  }
}
