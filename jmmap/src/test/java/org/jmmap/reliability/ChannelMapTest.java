package org.jmmap.reliability;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.MmapFaultException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maps made from a {@link FileChannel} the caller owns: they grow like maps of a path (every new
 * block reserved, or an exception and nothing changed), their errors name the channel without an
 * object identity or an address, and a fault after the caller closed the channel says that the
 * file's size is unknown.
 */
class ChannelMapTest {
  static final int PS = Mmap.PAGESIZE;
  @TempDir Path dir;
  private Path mount;

  static byte[] pattern(int n) {
    return AdviceFuzzTest.pattern(n);
  }

  // ---------------------------------------------------------------- growing on a full disk

  /** Mounts a 1 MiB tmpfs (needs root, as CI has; elsewhere the test is skipped). */
  private Path mountSmallTmpfs() throws Exception {
    mount = Tmpfs.mount(dir, "size=1m");
    return mount;
  }

  @AfterEach
  void unmount() throws Exception {
    Tmpfs.unmount(mount);
  }

  @Test
  void growingAPathMapOnANearlyFullDiskFailsAndChangesNothing() throws Exception {
    growOnANearlyFullDisk(false);
  }

  @Test
  void growingAChannelMapOnANearlyFullDiskFailsAndChangesNothing() throws Exception {
    growOnANearlyFullDisk(true);
  }

  private void growOnANearlyFullDisk(boolean viaChannel) throws Exception {
    Path fs = mountSmallTmpfs();
    Path f = Files.write(fs.resolve("data"), pattern(PS));
    // leave 8 free pages: enough for one more block, far too few for the growth below
    Files.write(fs.resolve("filler"), new byte[(1 << 20) - 9 * PS]);
    long free = Files.getFileStore(f).getUnallocatedSpace();
    long grown = 64L * PS;
    String kind = viaChannel ? "a FileChannel map" : "a Path map";
    try (FileChannel ch = FileChannel.open(f, READ, WRITE);
        Mmap m = viaChannel ? Mmap.map(ch, 0, Access.WRITE, 0) : Mmap.map(f, 0, Access.WRITE)) {
      m.set(0, (byte) 7);
      Exception e = null;
      try {
        m.resize(grown);
      } catch (Exception thrown) {
        e = thrown;
      }
      if (e == null) {
        String later;
        try {
          m.setSlice(PS, grown, new byte[(int) grown - PS]);
          later = "writing the new range worked";
        } catch (MmapFaultException | InternalError fault) {
          later = "a setSlice into the new range then threw " + fault;
        }
        fail(
            "resize("
                + grown
                + ") of "
                + kind
                + " succeeded on a file system with "
                + free
                + " bytes free, so its new blocks were not reserved: "
                + later);
      }
      // through a Path jmmap names the errno; through a FileChannel the JDK gives strerror's text
      assertTrue(
          e instanceof IOException
              && (e.getMessage().contains("ENOSPC")
                  || e.getMessage().contains("No space left on device")),
          kind + ": " + e);
      assertEquals(PS, m.length(), kind);
      assertEquals(PS, Files.size(f), kind);
      assertEquals(free, Files.getFileStore(f).getUnallocatedSpace(), kind + ": blocks leaked");
      byte[] expected = pattern(PS);
      expected[0] = 7;
      assertArrayEquals(expected, m.slice(0, PS), kind);
      // a growth that fits is reserved: every byte of it can be written
      m.resize(4L * PS);
      byte[] ones = new byte[4 * PS];
      Arrays.fill(ones, (byte) 1);
      m.setSlice(0, 4L * PS, ones);
      m.flush();
    }
    byte[] ones = new byte[4 * PS];
    Arrays.fill(ones, (byte) 1);
    assertArrayEquals(ones, Files.readAllBytes(f), kind);
  }

  // ---------------------------------------------------------------- a channel that cannot do it

  @Test
  void aCopyMapOfAReadOnlyChannelIsDeniedWithAMessageThatSaysWhatItNeeds() throws Exception {
    Path f = Files.write(dir.resolve("ro"), pattern(2 * PS));
    try (FileChannel ch = FileChannel.open(f, READ)) {
      AccessDeniedException e = null;
      try (Mmap m = Mmap.map(ch, 0, Access.COPY, 0)) {
        fail("a COPY map of a read-only channel was made: " + m);
      } catch (AccessDeniedException denied) {
        e = denied;
      }
      String message = e.getMessage();
      assertTrue(
          message.contains("COPY")
              && message.toLowerCase(Locale.ROOT).matches("(?s).*writ(able|ing).*"),
          "the message should say that a COPY map needs a writable channel: " + message);
      assertEquals(null, Problems.leak(message), message);
      assertTrue(!message.contains("FileChannelImpl@"), message);
    }
    assertArrayEquals(pattern(2 * PS), Files.readAllBytes(f));
  }

  @Test
  void everyDeniedChannelMapNamesTheNeedWithoutAnObjectIdentity() throws Exception {
    Path f = Files.write(dir.resolve("ro"), pattern(2 * PS));
    record Denied(String what, java.nio.file.OpenOption option, Access access, String need) {}
    List<Denied> cases =
        List.of(
            new Denied("a WRITE map of a read-only channel", READ, Access.WRITE, "writ"),
            new Denied("a DEFAULT map of a read-only channel", READ, Access.DEFAULT, "writ"),
            new Denied("a COPY map of a read-only channel", READ, Access.COPY, "writ"),
            new Denied("a READ map of a write-only channel", WRITE, Access.READ, "read"));
    Problems problems = new Problems();
    for (Denied d : cases) {
      try (FileChannel ch = FileChannel.open(f, d.option())) {
        Exception e = null;
        try (Mmap m = Mmap.map(ch, 0, d.access(), 0)) {
          problems.add("made", d.what() + ": " + m);
        } catch (Exception thrown) {
          e = thrown;
        }
        if (e != null) {
          String message = String.valueOf(e.getMessage());
          if (!(e instanceof AccessDeniedException)) {
            problems.add("not AccessDeniedException", d.what() + ": " + e);
          } else if (!message.toLowerCase(Locale.ROOT).contains(d.need())) {
            problems.add("the message does not say what the map needs", d.what() + ": " + e);
          }
          if (Problems.leak(message) != null) {
            problems.add("the message gives away " + Problems.leak(message), d.what());
          }
        }
      }
    }
    assertArrayEquals(pattern(2 * PS), Files.readAllBytes(f));
    assertTrue(problems.isEmpty(), problems.toString());
  }

  // ---------------------------------------------------------------- faults

  /**
   * Interpreted, a fault is reported synchronously, at the access that caused it (see
   * TruncationTest), so every access below must throw the typed exception.
   */
  @Test
  void aFaultOnAChannelMapNamesTheChannelAndSaysWhenTheSizeIsUnknown() throws Exception {
    FuzzChild.Run run = FuzzChild.run(dir, List.of("-Xint"), "channel-fault", dir.toString());
    List<String> problems = run.lines("PROBLEM");
    assertTrue(
        run.exit() == 0 && !run.lines("DONE").isEmpty() && problems.isEmpty(),
        run.describe() + "\n" + String.join("\n", problems));
  }

  interface Access_ {
    void run(Mmap m) throws Exception;
  }

  /** The child's part: truncates under channel maps and checks every fault it gets. */
  static void faultsOnAChannelMap(Path dir) throws Exception {
    long past = PS + 8;
    Map<String, Access_> paths = new LinkedHashMap<>();
    paths.put("get", m -> m.get(past));
    paths.put("set", m -> m.set(past, (byte) 1));
    paths.put("slice", m -> m.slice(past, past + 4));
    paths.put("setSlice", m -> m.setSlice(past, past + 4, new byte[4]));
    paths.put("getLong", m -> m.getLong(past, ByteOrder.BIG_ENDIAN));
    paths.put("find", m -> m.find(new byte[] {9, 9, 9}, PS));
    paths.put(
        "readByte",
        m -> {
          m.seek(past);
          m.readByte();
        });
    Problems problems = new Problems();
    for (Map.Entry<String, Access_> path : paths.entrySet()) {
      Path f = Files.write(Files.createTempFile(dir, "fault", ".bin"), pattern(2 * PS));
      FileChannel ch = FileChannel.open(f, READ, WRITE);
      Mmap m = Mmap.map(ch, 0, Access.WRITE, 0);
      try {
        ch.truncate(10);
        check(path, m, 10, problems);
        ch.close(); // the docs allow it; the map stays usable where the file still backs it
        check(path, m, -1, problems);
        if (m.get(0) != pattern(1)[0]) {
          problems.add("the part the file still has changed", path.getKey());
        }
      } finally {
        m.close();
        ch.close();
      }
    }
    for (String l : problems.lines()) {
      System.out.println("PROBLEM " + l);
    }
    System.out.println("DONE");
  }

  private static void check(
      Map.Entry<String, Access_> path, Mmap m, long fileSize, Problems problems) {
    String when = path.getKey() + (fileSize < 0 ? " after the channel was closed" : "");
    Throwable t = AdviceFuzzTest.outcome(() -> path.getValue().run(m));
    if (!(t instanceof MmapFaultException fault)) {
      problems.add("not MmapFaultException", when + ": " + Problems.what(t));
      return;
    }
    String message = fault.getMessage();
    if (fault.fileSize() != fileSize) {
      problems.add("fileSize() is " + fault.fileSize() + ", not " + fileSize, when);
    }
    if (fault.offset() < PS) {
      problems.add("offset() is before the part the file lost", when + ": " + fault.offset());
    }
    if (!message.contains("FileChannel")) {
      problems.add("the message does not name the FileChannel", when + ": " + message);
    }
    String leak = Problems.leak(message);
    if (leak != null) {
      problems.add(
          "the message gives away " + leak.replaceAll(" \\(.*", ""), when + ": " + message);
    }
    if (fileSize < 0
        && (!message.toLowerCase(Locale.ROOT).contains("unknown") || Problems.names(message, -1))) {
      problems.add("the message does not say that the file size is unknown", when + ": " + message);
    }
    if (fileSize >= 0 && !Problems.names(message, fileSize)) {
      problems.add("the message does not give the file size", when + ": " + message);
    }
  }
}
