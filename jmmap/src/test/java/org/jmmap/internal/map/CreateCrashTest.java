package org.jmmap.internal.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jmmap.interop.ProcessRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A process killed ({@code SIGKILL}) between any two system calls of creating shared memory leaves
 * no half-made object under the name: the name holds nothing or the whole object. Where the file
 * system makes unnamed files, as {@code /dev/shm} does, nothing else is left either; where it does
 * not, the only thing a crash can leave is a hidden temporary name of jmmap's own pattern.
 */
class CreateCrashTest {
  private static final long SIZE = 3 * 4096 + 5;
  private static final String TEMPORARY = "\\.jmmap-[0-9a-f]{16}";

  /** A directory of our own in /dev/shm, so that other processes' entries cannot confuse us. */
  private Path dir;

  @BeforeEach
  void makeDirectory() throws IOException {
    dir =
        Files.createDirectory(Path.of("/dev/shm", "jmmap_crash_" + ProcessHandle.current().pid()));
  }

  @AfterEach
  void removeDirectory() throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void aCrashBetweenAnyTwoStepsLeavesNothingOrTheWholeObjectAndNoTemporaryFile() throws Exception {
    List<String> problems = crashAtEveryStep("");
    assertEquals(List.of(), problems);
  }

  @Test
  void withoutUnnamedFilesACrashLeavesNoHalfMadeObjectAndOnlyAHiddenTemporaryName()
      throws Exception {
    List<String> problems = crashAtEveryStep("fallback");
    assertEquals(List.of(), problems);
  }

  /** Kills a child before its first, second, ... system call until one creates undisturbed. */
  private List<String> crashAtEveryStep(String how) throws Exception {
    Path name = dir.resolve("shm");
    List<String> problems = new ArrayList<>();
    for (int n = 0; ; n++) {
      String said = runAndKill(name, n, how);
      String where = (how.isEmpty() ? "" : how + ": ") + "child " + n + " said '" + said + "'";
      boolean finished = said.startsWith("done");
      if (Files.exists(name, LinkOption.NOFOLLOW_LINKS)) {
        BasicFileAttributes a =
            Files.readAttributes(name, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile() || a.size() != SIZE) {
          problems.add(where + ": the name holds " + a.size() + " of " + SIZE + " bytes");
        }
      } else if (finished) {
        problems.add(where + ": the child finished but made nothing");
      }
      try (Stream<Path> entries = Files.list(dir)) {
        for (Path e : entries.filter(e -> !e.equals(name)).toList()) {
          String file = e.getFileName().toString();
          if (how.isEmpty() || !file.matches(TEMPORARY)) {
            problems.add(where + ": left " + file);
          }
          Files.delete(e);
        }
      }
      Files.deleteIfExists(name);
      if (finished || said.isEmpty()) {
        assertTrue(finished, how + " before system call " + n + ": the child said nothing");
        assertTrue(n > 3, how + ": the child finished after " + n + " calls: " + said);
        return problems;
      }
    }
  }

  /** {@return what the child said}, having killed it if it stopped */
  private static String runAndKill(Path name, int n, String how) throws Exception {
    List<String> command =
        ProcessRunner.javaCommand(
            CreateCrashChild.class, name.toString(), Long.toString(SIZE), Integer.toString(n), how);
    Process child =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    child.getOutputStream().close();
    String line;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      line = out.readLine();
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not die");
    }
    return line == null ? "" : line;
  }
}
