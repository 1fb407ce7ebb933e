package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jmmap.Backings;
import org.jmmap.interop.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jmmap binds its C library functions on first use: in a fresh JVM, that first use may come from
 * many threads at once, or while every descriptor is taken, and neither may leave jmmap broken.
 */
class BindingTest {
  @TempDir Path dir;

  /** How a child ended: its status and everything it printed, with a crash's frames. */
  private record Result(int status, String output) {}

  /** Runs {@link BindingChild} through {@code sh -c}, so that {@code limit} applies to it. */
  private Result child(String limit, List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    List<String> java = new ArrayList<>(ProcessRunner.javaCommand(BindingChild.class, args));
    java.add(1, "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
    java.addAll(2, jvmOptions);
    List<String> command = new ArrayList<>(List.of("sh", "-c", limit + " && exec \"$0\" \"$@\""));
    command.addAll(java);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return new Result(-1, out + "\n(timed out)");
    }
    String crash;
    try (Stream<Path> s = Files.list(dir)) {
      crash =
          s.filter(f -> f.getFileName().toString().startsWith("hs_err"))
              .flatMap(
                  f -> {
                    try {
                      return Files.readAllLines(f, StandardCharsets.ISO_8859_1).stream();
                    } catch (IOException e) {
                      return Stream.of("(unreadable " + f + ")");
                    }
                  })
              .filter(l -> l.startsWith("# Problematic frame:") || l.matches("# [CJVj] .*"))
              .collect(Collectors.joining("\n"));
    }
    return new Result(p.exitValue(), out + (crash.isEmpty() ? "" : "\nJVM crash:\n" + crash));
  }

  @Test
  void aFirstMapWhileEveryDescriptorIsTakenLeavesJmmapUsableOnceSomeAreFreed() throws Exception {
    Result r = child("ulimit -n 256", List.of(), "exhausted", dir.toString());
    String report = "under `ulimit -n 256`: exit status " + r.status() + ":\n" + r.output();
    assertTrue(r.output().contains("holding "), report);
    assertFalse(r.output().contains("JVM crash"), report);
    assertTrue(
        r.output().contains("map after 32 descriptors were freed: ok 7"),
        "a map made once descriptors are free again must work, whatever the first one did: "
            + report);
    assertEquals(0, r.status(), report);
    assertTrue(r.output().contains("ok exhausted 16"), report);
  }

  @Test
  void sixtyFourThreadsMakingTheJvmsFirstMapsAtOneInstantAllSucceed() throws Exception {
    Result r = child("true", List.of(), "together", dir.toString(), "64");
    String report = "exit status " + r.status() + ":\n" + r.output();
    assertEquals(0, r.status(), report);
    assertTrue(r.output().contains("ok together 64"), report);
  }

  /**
   * A program that only reads files through read-only maps never waits for the FFM linker, which a
   * fresh JVM takes over a hundred milliseconds to set up: the Linux layer makes those maps through
   * the JDK. The first call that needs a C function sets the linker up then.
   */
  @Test
  void readOnlyFileMapsSetUpNoNativeLinkerUntilACallNeedsIt() throws Exception {
    assumeFalse(Backings.portable(), "the portable backing never makes a native call");
    Result r = child("true", List.of("-Xlog:class+load"), "read-only", dir.toString());
    String out = r.output();
    String report = "exit status " + r.status() + ":\n" + out;
    assertEquals(0, r.status(), report);
    int readOnly = out.indexOf("\nphase read-only");
    int nativeCall = out.indexOf("\nphase native");
    assertTrue(readOnly >= 0 && nativeCall > readOnly && out.contains("ok read-only"), report);
    String before = out.substring(readOnly, nativeCall);
    String after = out.substring(nativeCall);
    assertTrue(
        before.contains("read first line 23 11 Mmap[") && before.contains("backing=native"),
        "the maps must be the Linux layer's and read the file: " + before);
    for (String linker : List.of("jdk.internal.foreign.abi.AbstractLinker ", "DowncallLinker ")) {
      assertFalse(before.contains(linker), "read-only maps loaded " + linker + ":\n" + before);
      assertTrue(
          after.contains(linker),
          "madvise must set the linker up, or this check sees nothing: " + linker + "\n" + after);
    }
  }
}
