package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Close, resize, copy-on-write and sharing: what happens to the map, the file and other users. */
class LifecycleTest {
  static final int PS = Mmap.PAGESIZE;
  @TempDir Path dir;

  Path file(byte[] content) throws IOException {
    return Files.write(Files.createTempFile(dir, "life", ".bin"), content);
  }

  @Test
  void copyAccessNeverChangesTheFile() throws IOException {
    byte[] content = MapContract.data(3 * PS, 11);
    Path f = file(content);
    try (Mmap m = Mmap.map(f, 0, Access.COPY)) {
      m.setSlice(0, 3 * PS, new byte[3 * PS]);
      m.write(new byte[] {1, 2, 3});
      m.move(PS, 0, PS);
      m.writeByte((byte) 9);
      m.flush();
      m.flush(PS, PS);
      assertEquals(0, m.get(5));
      try (Mmap shared = Mmap.map(f, 0, Access.READ)) {
        assertArrayEquals(content, shared.read()); // other maps do not see the copy either
      }
    }
    assertArrayEquals(content, Files.readAllBytes(f));
  }

  @Test
  void sharedWritesReachTheFileAndOtherMapsBeforeAnyFlush() throws IOException {
    Path f = file(new byte[PS]);
    try (Mmap a = Mmap.map(f, 0, Access.WRITE);
        Mmap b = Mmap.map(f, 0, Access.READ)) {
      a.write("shared".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      assertEquals('s', b.get(0));
      try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
        assertEquals('s', raf.read());
      }
      a.flush();
    }
  }

  @Test
  void resizeGrowsAndShrinksAChannelMapAndItsFile() throws IOException {
    Path f = file("0123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Mmap m = Mmap.map(ch, 0, Access.WRITE, 0)) {
      var before = m.segment();
      m.resize(2 * PS);
      assertEquals(2 * PS, Files.size(f));
      assertEquals('9', m.get(9));
      assertEquals(0, m.get(2 * PS - 1));
      assertThrows(
          IllegalStateException.class,
          () -> before.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
      m.resize(4);
      assertEquals(4, Files.size(f));
      assertEquals(4, m.size());
      assertArrayEquals("0123".getBytes(java.nio.charset.StandardCharsets.US_ASCII), m.read());
    }
  }

  @Test
  void trackFdFalseRefusesSizeAndResizeButStillWorks() throws IOException {
    Path f = file(new byte[10]);
    try (Mmap m = Mmap.options().trackFd(false).map(f)) {
      assertThrows(UnsupportedOperationException.class, m::size);
      assertThrows(UnsupportedOperationException.class, () -> m.resize(20));
      m.set(0, (byte) 1);
      m.flush();
    }
    assertEquals(1, Files.readAllBytes(f)[0]);
    assertEquals(10, Files.size(f));
  }

  @Test
  void attachPathLetsAnotherMapShareAnonymousMemory() throws IOException {
    try (Mmap parent = Mmap.anonymous(PS)) {
      Path p = parent.attachPath().orElseThrow();
      // the Linux layer's memory file, or the portable backing's temporary file
      assertTrue(
          Backings.portable() ? Files.isRegularFile(p) : p.toString().startsWith("/proc/"),
          p.toString());
      try (Mmap other = Mmap.map(p, 0, Access.DEFAULT)) {
        parent.set(7, (byte) 42);
        assertEquals(42, other.get(7));
        other.set(8, (byte) 43);
        assertEquals(43, parent.get(8));
        parent.resize(2 * PS);
        assertEquals(2 * PS, other.size()); // the memory file grew with the map
      }
    }
    try (Mmap priv = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(PS)) {
      assertTrue(priv.attachPath().isEmpty());
    }
  }

  @Test
  void useAfterCloseFromAnotherThreadThrowsIllegalState() throws Exception {
    Mmap m = Mmap.anonymous(PS);
    m.close();
    AtomicReference<Throwable> seen = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                m.get(0);
              } catch (Throwable e) {
                seen.set(e);
              }
            });
    t.start();
    t.join();
    assertTrue(seen.get() instanceof IllegalStateException, String.valueOf(seen.get()));
  }

  /** Readers race with close: each read returns the right bytes or throws IllegalStateException. */
  @Test
  void closeWhileOtherThreadsReadOnlyEverThrowsIllegalState() throws Exception {
    Path f = file(MapContract.data(16 * PS, 12));
    for (int round = 0; round < 50; round++) {
      Mmap m = Mmap.map(f, 0, Access.DEFAULT);
      int threads = 4;
      CountDownLatch started = new CountDownLatch(threads);
      List<Throwable> errors = new ArrayList<>();
      List<Thread> readers = new ArrayList<>();
      byte[] needle = {(byte) 0x7E, 0x7E, 0x7E}; // not in the data: every find scans it all
      for (int t = 0; t < threads; t++) {
        int kind = t;
        Thread th =
            new Thread(
                () -> {
                  started.countDown();
                  try {
                    while (true) {
                      switch (kind) {
                        case 0 -> m.get(PS);
                        case 1 -> m.slice(0, 16 * PS);
                        case 2 -> m.find(needle, 0);
                        default -> m.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 8);
                      }
                    }
                  } catch (IllegalStateException expected) {
                    // the only way out, and it must say why: the map was closed, not resized
                    if (String.valueOf(expected.getMessage()).contains("remapped")) {
                      synchronized (errors) {
                        errors.add(expected);
                      }
                    }
                  } catch (Throwable e) {
                    synchronized (errors) {
                      errors.add(e);
                    }
                  }
                });
        readers.add(th);
        th.start();
      }
      started.await();
      m.close();
      for (Thread th : readers) {
        th.join(10_000);
        if (th.isAlive()) {
          fail("a reader did not stop after close");
        }
      }
      assertEquals(List.of(), errors);
    }
  }

  /** Readers race with resize: they see the old bytes, the new bytes, or IllegalStateException. */
  @Test
  void resizeWhileOtherThreadsReadNeverCrashes() throws Exception {
    Path f = file(MapContract.data(4 * PS, 13));
    byte[] first = Arrays.copyOf(Files.readAllBytes(f), PS);
    try (Mmap m = Mmap.map(f, 0, Access.DEFAULT)) {
      List<Throwable> errors = new ArrayList<>();
      volatileStop = false;
      Thread reader =
          new Thread(
              () -> {
                while (!volatileStop) {
                  try {
                    byte[] got = m.slice(0, PS);
                    if (!Arrays.equals(first, got)) {
                      synchronized (errors) {
                        errors.add(new AssertionError("the first page changed"));
                      }
                    }
                  } catch (IllegalStateException expected) {
                    // a resize was in progress
                  } catch (Throwable e) {
                    synchronized (errors) {
                      errors.add(e);
                    }
                  }
                }
              });
      reader.start();
      for (int i = 0; i < 200; i++) {
        m.resize(i % 2 == 0 ? 64 * PS : 2 * PS);
      }
      volatileStop = true;
      reader.join();
      assertEquals(List.of(), errors);
    }
  }

  private static volatile boolean volatileStop;

  @Test
  void unclosedMapsAreReleasedWhenUnreachable() throws Exception {
    long before = openDescriptors();
    for (int i = 0; i < 200; i++) {
      Mmap.map(file(new byte[16]), 0, Access.DEFAULT).get(0); // never closed
    }
    for (int i = 0; i < 50 && openDescriptors() > before + 20; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertTrue(openDescriptors() <= before + 20, "descriptors were not released");
  }

  private static long openDescriptors() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }
}
