package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.SharedMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk and a read-only file system, on a small tmpfs this test mounts (it needs root, as CI
 * has; elsewhere it is skipped).
 */
class FileSystemTest {
  static final int PS = Mmap.PAGESIZE;
  @TempDir Path dir;
  private Path mount;

  private Path mount(String options) throws Exception {
    mount = Tmpfs.mount(dir, options);
    return mount;
  }

  @AfterEach
  void unmount() throws Exception {
    Tmpfs.unmount(mount);
  }

  @Test
  void growingBeyondAFullDiskFailsAndLeavesFileAndMapAsTheyWere() throws Exception {
    Path fs = mount("size=1m");
    Path f = Files.write(fs.resolve("data"), new byte[PS]);
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      m.set(0, (byte) 7);
      var e = assertThrows(IOException.class, () -> m.resize(4L << 20));
      assertTrue(e.getMessage().contains("ENOSPC"), e.getMessage());
      assertEquals(PS, m.length());
      assertEquals(PS, Files.size(f));
      assertEquals(7, m.get(0));
      m.resize(128 * PS); // fits: every page of it is reserved now
      m.setSlice(0, 128 * PS, new byte[128 * PS]); // so writing all of it cannot fault
      m.flush();
    }
    assertEquals(128 * PS, Files.size(f));
  }

  @Test
  void creatingSharedMemoryReservesItsPages() throws Exception {
    // /dev/shm is the machine's; a 1 TiB request cannot be reserved, and nothing is left behind
    String name = "jmmap_test_reserve_" + ProcessHandle.current().pid();
    assertThrows(IOException.class, () -> SharedMemory.create(name, 1L << 40));
    assertTrue(Files.notExists(Path.of("/dev/shm", name)));
  }

  @Test
  void aReadOnlyFileSystemRefusesAWritableMapWithAClearError() throws Exception {
    Path fs = mount("size=1m");
    Path f = Files.write(fs.resolve("data"), "0123456789".getBytes());
    Process p = new ProcessBuilder("mount", "-o", "remount,ro", fs.toString()).start();
    assumeTrue(p.waitFor() == 0, "cannot remount read-only");
    var e = assertThrows(AccessDeniedException.class, () -> Mmap.map(f, 0, Access.WRITE));
    assertTrue(
        e.getMessage().contains("EROFS") && e.getMessage().contains(f.toString()), e.getMessage());
    try (Mmap r = Mmap.map(f, 0, Access.READ);
        Mmap c = Mmap.map(f, 0, Access.COPY)) {
      assertArrayEquals("0123456789".getBytes(), r.read());
      c.set(0, (byte) 'x'); // copy-on-write needs no write access to the file
      assertEquals('x', c.get(0));
    }
  }
}
