package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jmmap.interop.ProcessRunner;
import org.jmmap.reliability.RChild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The portable backing: what it says of itself, what it refuses and how, and that a program using
 * only what it offers needs no JVM flag. Runs with both backings; the tests of the portable one
 * alone assume it is forced ({@code -Djmmap.backing=portable}, the Surefire execution "portable").
 */
class PortableBackingTest {
  private static final int PS = Mmap.PAGESIZE;

  @TempDir Path dir;

  private Path file(int size) throws IOException {
    return Files.write(Files.createTempFile(dir, "p", ".bin"), new byte[size]);
  }

  @Test
  void toStringNamesTheBackingOfTheMap() throws IOException {
    String backing = Backings.portable() ? "portable" : "native";
    try (Mmap f = Mmap.map(file(10), 0, Access.DEFAULT);
        Mmap a = Mmap.anonymous(10)) {
      assertTrue(f.toString().endsWith(", backing=" + backing + "]"), f.toString());
      assertTrue(a.toString().endsWith(", backing=" + backing + "]"), a.toString());
    }
  }

  @Test
  void sharedAnonymousMemoryIsAFileOnlyItsOwnerCanOpenAndItIsRemovedAtClose() throws IOException {
    assumeTrue(Backings.portable(), "the Linux layer uses a memory file (memfd_create)");
    Path p;
    try (Mmap m = Mmap.anonymous(PS)) {
      p = m.attachPath().orElseThrow();
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
      assertEquals(PS, Files.size(p));
      m.resize(3 * PS);
      assertEquals(3 * PS, Files.size(p));
    }
    assertFalse(Files.exists(p), p.toString());
  }

  @Test
  void sharedAnonymousMemoryNeverClosedLeavesNoFileWhenTheJvmExits() throws Exception {
    assumeTrue(Backings.portable(), "the Linux layer uses a memory file, which dies with it");
    String out = ProcessRunner.run(ProcessRunner.javaCommand(RChild.class, "unclosed", "3"));
    List<Path> files =
        out.lines().filter(l -> l.startsWith("attach ")).map(l -> Path.of(l.substring(7))).toList();
    assertEquals(3, files.size(), out);
    for (Path p : files) {
      assertFalse(Files.exists(p), p + " was left behind by the child JVM:\n" + out);
    }
  }

  @Test
  void adviceWithAVisibleEffectIsRefusedNamingHowToGetIt() throws IOException {
    assumeTrue(Backings.portable(), "the Linux layer passes the advice to madvise(2)");
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(PS)) {
      m.set(0, (byte) 7);
      m.madvise(Mmap.MADV_NORMAL);
      m.madvise(Mmap.MADV_WILLNEED);
      var e =
          assertThrows(UnsupportedOperationException.class, () -> m.madvise(Mmap.MADV_DONTNEED));
      assertTrue(e.getMessage().contains("option=" + Mmap.MADV_DONTNEED), e.getMessage());
      assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
      assertEquals(7, m.get(0)); // DONTNEED would have zeroed private memory
    }
  }

  @Test
  void namedSharedMemoryIsRefusedNamingHowToGetIt() {
    assumeTrue(Backings.portable(), "the Linux layer makes /dev/shm objects");
    var e =
        assertThrows(UnsupportedOperationException.class, () -> SharedMemory.create(null, 4096));
    assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
    e = assertThrows(UnsupportedOperationException.class, () -> SharedMemory.open("jmmap_none"));
    assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
  }

  @Test
  void mapFlagsTheJdkCannotExpressAreRefusedNamingHowToGetIt() throws IOException {
    assumeTrue(Backings.portable(), "the Linux layer passes the flag to mmap(2)");
    Path f = file(10);
    var e =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Mmap.options().flags(Mmap.MAP_SHARED | Mmap.MAP_NORESERVE).map(f));
    assertTrue(e.getMessage().contains("flags=0x"), e.getMessage());
    assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
  }

  @Test
  void aChildJvmThatATestStartsMapsThroughTheTestsBacking() throws Exception {
    String out = ProcessRunner.run(ProcessRunner.javaCommand(RChild.class, "backing"));
    assertTrue(out.strip().endsWith(", backing=" + Backings.current() + "]"), out);
  }

  @Test
  void aChildJvmOnAnotherBackingThanItsParentFailsNamingBoth() throws Exception {
    String other = Backings.current().equals("portable") ? "native" : "portable";
    List<String> c = new ArrayList<>(ProcessRunner.javaCommand(RChild.class, "backing"));
    c.add(c.indexOf("-cp"), "-Djmmap.backing=" + other); // the last one wins
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the child did not finish: " + c);
    assertNotEquals(0, p.exitValue(), out);
    assertTrue(
        out.contains("does not map through its parent's backing (" + Backings.current() + ")")
            && out.contains("backing=" + other + "]"),
        out);
  }
}
