package org.jmmap.interop;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jmmap.SharedMemory;
import org.jmmap.conformance.Cpython;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named shared memory, between JVMs and with Python's multiprocessing.shared_memory. */
class SharedMemoryTest {
  @TempDir Path dir;
  private final List<String> names = new ArrayList<>();

  private String name(String what) {
    String n = "jmmap_test_" + what + "_" + ProcessHandle.current().pid();
    names.add(n);
    return n;
  }

  @AfterEach
  void nothingIsLeftInDevShm() throws IOException {
    List<String> left = new ArrayList<>();
    for (String n : names) {
      if (Files.deleteIfExists(Path.of("/dev/shm", n))) {
        left.add(n);
      }
    }
    assertEquals(List.of(), left, "left in /dev/shm");
  }

  @Test
  void createOpenAndUnlinkLikePython() throws IOException {
    String n = name("basic");
    try (SharedMemory a = SharedMemory.create(n, 100)) {
      assertEquals(n, a.name());
      assertEquals(Path.of("/dev/shm", n), a.path());
      assertEquals(100, a.size());
      assertEquals(
          "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.path())));
      a.mmap().write("hello".getBytes(US_ASCII));
      try (SharedMemory b = SharedMemory.open(n)) {
        assertArrayEquals("hello".getBytes(US_ASCII), b.mmap().slice(0, 5));
        assertEquals(100, b.size());
      }
      assertThrows(FileAlreadyExistsException.class, () -> SharedMemory.create(n, 10));
      a.unlink();
      assertThrows(NoSuchFileException.class, () -> SharedMemory.open(n));
      assertThrows(NoSuchFileException.class, a::unlink);
      assertEquals('h', a.mmap().get(0)); // the memory lives on while mapped
    }
  }

  @Test
  void generatedNamesLookLikePythons() throws IOException {
    try (SharedMemory s = SharedMemory.create(null, 10)) {
      names.add(s.name());
      assertTrue(s.name().matches("psm_[0-9a-f]{8}"), s.name());
      s.unlink();
    }
  }

  @Test
  void anotherModeCanBeAsked() throws IOException {
    try (SharedMemory s = SharedMemory.create(name("mode"), 10, 0640)) {
      assertEquals(
          "rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.path())));
      s.unlink();
    }
  }

  @Test
  void badNamesAndSizesAreRefused() {
    for (String bad : new String[] {"", "a/b", "/x", ".", "..", "x\0y", "n".repeat(256)}) {
      var e = assertThrows(IllegalArgumentException.class, () -> SharedMemory.open(bad));
      assertTrue(e.getMessage().startsWith("not a valid shared memory name"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(bad, 1));
    }
    assertThrows(IllegalArgumentException.class, () -> SharedMemory.create(name("zero"), 0));
    assertThrows(
        IllegalArgumentException.class, () -> SharedMemory.create(name("mode2"), 1, 01777));
    assertThrows(NoSuchFileException.class, () -> SharedMemory.open(name("missing")));
  }

  /** The seed's parent/child example between two JVMs, through named shared memory. */
  @Test
  void aJavaChildReadsWhatTheParentWrote() throws Exception {
    String n = name("jchild");
    try (SharedMemory shm = SharedMemory.create(n, 64)) {
      shm.mmap().write("Hello world!".getBytes(US_ASCII));
      String out = ProcessRunner.run(ProcessRunner.javaCommand("read", n));
      assertEquals("Hello world!\n", out);
      assertArrayEquals("child".getBytes(US_ASCII), shm.mmap().slice(0, 5));
      shm.unlink();
    }
  }

  @Test
  void aPythonChildAttachesToJavaSharedMemory() throws Exception {
    String n = name("pychild");
    Path script = dir.resolve("child.py");
    Files.writeString(
        script,
        """
        import sys
        from multiprocessing import resource_tracker, shared_memory
        shm = shared_memory.SharedMemory(name=sys.argv[1])
        # the Java side created it and unlinks it: keep Python's tracker from doing so at exit
        resource_tracker.unregister(shm._name, "shared_memory")
        print(bytes(shm.buf[:12]).decode(), shm.size)
        shm.buf[:6] = b"python"
        shm.close()
        """);
    try (SharedMemory shm = SharedMemory.create(n, 4096)) {
      shm.mmap().write("Hello world!".getBytes(US_ASCII));
      String out = ProcessRunner.run(Cpython.oracle().command(script.toString(), n));
      assertEquals("Hello world! 4096\n", out);
      assertArrayEquals("python".getBytes(US_ASCII), shm.mmap().slice(0, 6));
      shm.unlink();
    }
  }

  @Test
  void javaAttachesToPythonSharedMemory() throws Exception {
    Path script = dir.resolve("parent.py");
    Files.writeString(
        script,
        """
        import sys
        from multiprocessing import shared_memory
        shm = shared_memory.SharedMemory(create=True, size=1000)
        shm.buf[:11] = b"from python"
        print(shm.name, flush=True)
        sys.stdin.readline()  # Java has attached, written and closed
        print(bytes(shm.buf[:9]).decode(), flush=True)
        shm.close()
        shm.unlink()
        """);
    Process p =
        new ProcessBuilder(Cpython.oracle().command(script.toString()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try (BufferedReader out =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Writer in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
      String n = out.readLine();
      names.add(n);
      assertTrue(n.startsWith("psm_"), n);
      try (SharedMemory shm = SharedMemory.open(n)) {
        assertEquals(1000, shm.size());
        assertArrayEquals("from python".getBytes(US_ASCII), shm.mmap().slice(0, 11));
        shm.mmap().setSlice(0, 9, "from java".getBytes(US_ASCII));
      }
      in.write("done\n");
      in.flush();
      assertEquals("from java", out.readLine());
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue());
    assertFalse(Files.exists(Path.of("/dev/shm", names.getLast())));
  }

  /** Two JVMs each add 1 a million times to one long in shared memory. */
  @Test
  void twoProcessesCountToTwoMillionWithAtomicAdds() throws Exception {
    String n = name("counter");
    try (SharedMemory shm = SharedMemory.create(n, 8)) {
      List<Process> children = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        children.add(
            new ProcessBuilder(ProcessRunner.javaCommand("count", n, "1000000"))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start());
      }
      for (Process c : children) {
        assertTrue(c.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, c.exitValue());
      }
      assertEquals(2_000_000, shm.mmap().getLongVolatile(0));
      shm.unlink();
    }
  }
}
