package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jmmap.interop.ProcessRunner;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Confined maps keep the promises of shared ones: dropped unclosed, even after their owner thread
 * ended, they are released by the garbage collector when descriptors run out; a file truncated
 * under them is an {@code MmapFaultException}, interpreted or compiled, never a dead JVM.
 */
class ConfinedReliabilityTest {
  private static final int OPEN_FILES = 256;
  private static final int COUNT = 3000;

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"file-confined", "anonymous-confined", "file-confined-owner-ended"})
  void threeThousandConfinedMapsDroppedUnclosedAllSucceedUnder256OpenFiles(String kind)
      throws Exception {
    String limit = "ulimit -n " + OPEN_FILES;
    ContractChild.Result r =
        ContractChild.run(
            dir,
            limit,
            java.util.Map.of(),
            List.of("-Xmx64m"),
            "reclaim",
            kind,
            Integer.toString(COUNT),
            dir.toString(),
            "4096");
    String report = kind + " under `" + limit + "`: exit status " + r.status() + ":\n" + r.output();
    assertTrue(r.output().contains("open files limit " + OPEN_FILES), report);
    assertEquals(0, r.status(), report);
    assertTrue(r.output().contains("ok " + kind + " " + COUNT), report);
  }

  /** {@return the child's output}, after checking that it exited normally and left no hs_err */
  private String child(String jvmOption, String... args) throws Exception {
    List<String> c = new ArrayList<>(ProcessRunner.javaCommand(ConfinedChild.class, args));
    c.add(1, "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
    if (!jvmOption.isEmpty()) {
      c.add(1, jvmOption);
    }
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + c + "\n" + out);
    }
    StringBuilder crash = new StringBuilder();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path hs : s.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList()) {
        for (String line : Files.readAllLines(hs)) {
          if (line.startsWith("# Problematic frame:") || line.matches("# [CJVj] .*")) {
            crash.append('\n').append(line);
          }
        }
      }
    }
    assertEquals(0, p.exitValue(), "exit status of " + String.join(" ", args) + ": " + out + crash);
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "channel"})
  void everyPathOfAConfinedMapFaultsWithATypedExceptionWhenTheFileIsTruncated(String kind)
      throws Exception {
    assertEquals("[]\n", child("-Xint", "paths", dir.toString(), kind));
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "channel"})
  void hotCompiledAccessesToATruncatedConfinedMapNeverCrash(String kind) throws Exception {
    String out = child("", "hot", dir.toString(), kind);
    assertTrue(out.startsWith("faults 2000 of 2000"), kind + ": " + out);
  }
}
