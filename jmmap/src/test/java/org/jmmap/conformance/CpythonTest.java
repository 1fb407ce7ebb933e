package org.jmmap.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which CPython the tests ask, and what they say when it dies. */
class CpythonTest {
  @TempDir Path dir;

  /** A script that answers like a CPython of that release, and does nothing else. */
  private Path fakeInterpreter(Path at, String release) throws IOException {
    Files.createDirectories(at.getParent());
    Files.writeString(at, "#!/bin/sh\necho CPython " + release.replace('.', ' ') + "\n");
    Files.setPosixFilePermissions(at, PosixFilePermissions.fromString("rwx------"));
    return at;
  }

  @Test
  void aPyenvCpython313IsPreferredToANewerOrOlderOne() throws IOException {
    Path versions = dir.resolve(".pyenv/versions");
    fakeInterpreter(versions.resolve("3.12.9/bin/python3"), "3.12.9");
    Path chosen = fakeInterpreter(versions.resolve("3.13.1/bin/python3"), "3.13.1");
    fakeInterpreter(versions.resolve("3.13.0/bin/python3"), "3.13.0");
    Cpython c = Cpython.choose(null, dir.toString());
    assertEquals(chosen.toString(), c.executable());
    assertEquals("3.13.1", c.version());
  }

  @Test
  void jmmapPythonOverridesTheSearchAndMustBeACpython() throws IOException {
    fakeInterpreter(dir.resolve(".pyenv/versions/3.13.0/bin/python3"), "3.13.0");
    Path old = fakeInterpreter(dir.resolve("old/python3"), "3.11.2");
    Cpython c = Cpython.choose(old.toString(), dir.toString());
    assertEquals("3.11.2", c.version());
    assertEquals(1, c.workarounds().size(), c.workarounds().toString());
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Cpython.choose(dir.resolve("nothing").toString(), dir.toString()));
    assertTrue(e.getMessage().contains("JMMAP_PYTHON="), e.getMessage());
  }

  @Test
  void theOracleIsACpythonWithMmap() {
    Cpython c = Cpython.oracle();
    assertEquals(c.version(), Cpython.probe(c.executable(), "again").version());
  }

  @Test
  void aDeathNamesTheSignalOrTheStatus() {
    Cpython c = Cpython.fake("python3", 3, 11, 2);
    assertEquals("CPython 3.11.2 died of SIGSEGV", c.death(128 + 11));
    assertEquals("CPython 3.11.2 died of SIGBUS", c.death(128 + 7));
    assertEquals("CPython 3.11.2 died of signal 35", c.death(128 + 35));
    assertEquals("CPython 3.11.2 exited with status 1", c.death(1));
  }

  /**
   * A stand-in for run_trace.py that answers every op and kills itself with SIGSEGV on an op that
   * has a "die" field, as CPython 3.11.2 does on some finds.
   */
  private Cpython dyingOracle() throws IOException {
    Path script = dir.resolve("dying.py");
    Files.writeString(
        script,
        """
        import os, signal, sys
        for line in sys.stdin:
            if '"die"' in line:
                os.kill(os.getpid(), signal.SIGSEGV)
            print("---" if line.strip() == "---" else "ok none", flush=True)
        """);
    Path exe = dir.resolve("dying");
    Files.writeString(
        exe, "#!/bin/sh\nexec '" + Cpython.oracle().executable() + "' '" + script + "'\n");
    Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
    return Cpython.fake(exe.toString(), 3, 11, 2);
  }

  @Test
  void anOracleThatDiesIsReportedByItsSignalWithTheShortestTraceThatKillsIt() throws IOException {
    PythonRunner python = new PythonRunner(dir, dyingOracle());
    List<Op> fine = List.of(Op.of("op", "new", "kind", "anon", "length", 3L), Op.of("op", "len"));
    List<Op> deadly = new ArrayList<>(fine);
    deadly.add(Op.of("op", "tell"));
    deadly.add(Op.of("op", "find", "sub", "61", "die", 1L));
    deadly.add(Op.of("op", "len"));
    List<String> answered = new ArrayList<>();
    PythonRunner.OracleDied e =
        assertThrows(
            PythonRunner.OracleDied.class,
            () ->
                python.runAll(
                    List.of(fine, deadly, fine).iterator(), (t, lines) -> answered.addAll(lines)));
    assertEquals("CPython 3.11.2 died of SIGSEGV", e.death);
    assertEquals(deadly, e.trace);
    assertEquals(List.of("ok none", "ok none"), answered);
    assertEquals(
        List.of(deadly.getFirst(), deadly.get(3)), Conformance.shrinkDeath(e.trace, python));
  }
}
