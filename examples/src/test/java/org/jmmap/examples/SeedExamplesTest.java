package org.jmmap.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java examples print exactly what Python's examples print. */
class SeedExamplesTest {
  @TempDir Path dir;

  private static String run(Path cwd, List<String> command) throws Exception {
    Process p =
        new ProcessBuilder(command)
            .directory(cwd.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), "exit status of " + command);
    return out;
  }

  @Test
  void javaExamplesPrintWhatPythonPrints() throws Exception {
    Path script = dir.resolve("seed_examples.py");
    try (InputStream in = SeedExamplesTest.class.getResourceAsStream("seed_examples.py")) {
      Files.copy(in, script);
    }
    String python = run(dir, List.of("python3", script.toString()));
    String java =
        run(
            dir,
            List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                SeedExamples.class.getName()));
    assertEquals(4, python.lines().count(), python);
    assertEquals(python, java);
  }

  @Test
  void bytesReprMatchesPython() {
    assertEquals("b'a\\'b\"'", Bytes.repr("a'b\"".getBytes(StandardCharsets.US_ASCII)));
    assertEquals("b\"it's\"", Bytes.repr("it's".getBytes(StandardCharsets.US_ASCII)));
    assertEquals("b'\\x00\\xff\\t\\\\'", Bytes.repr(new byte[] {0, (byte) 255, 9, '\\'}));
  }
}
