package org.jmmap.reliability;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Probes that break promises of the README's "Guarantees": each test states the promise it holds
 * jmmap to, and fails while jmmap breaks it.
 */
class AttackTest {
  private static final int PS = Mmap.PAGESIZE;

  @TempDir Path dir;

  /**
   * All or nothing: a {@code resize} of a {@code FileChannel} map that fails (here because the
   * resizing thread was interrupted while the new blocks were written) leaves the file at its old
   * size, as its own message says, and the caller's channel open.
   */
  @Test
  void anInterruptedResizeOfAChannelMapLeavesTheFileAsItWas() throws Exception {
    long seed = System.nanoTime();
    RandomGenerator rnd = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    Path f = dir.resolve("grow.bin");
    List<String> broken = new ArrayList<>();
    for (int round = 0; round < 10 && broken.isEmpty(); round++) {
      Files.write(f, new byte[PS]);
      try (FileChannel ch = FileChannel.open(f, READ, WRITE)) {
        Mmap m = Mmap.map(ch, 0, Access.WRITE, 0);
        Throwable[] failure = new Throwable[1];
        Thread t =
            new Thread(
                () -> {
                  try {
                    m.resize(256L << 20);
                  } catch (Throwable e) {
                    failure[0] = e;
                  }
                });
        t.start();
        Thread.sleep(1 + rnd.nextInt(5));
        t.interrupt();
        t.join();
        long size = Files.size(f);
        if (failure[0] != null && (size != PS || !ch.isOpen())) {
          broken.add(
              "round "
                  + round
                  + ": resize threw "
                  + failure[0]
                  + " but the file is "
                  + size
                  + " bytes (was "
                  + PS
                  + "), channel open="
                  + ch.isOpen()
                  + ", map length="
                  + m.length());
        }
        m.close();
      }
    }
    assertTrue(broken.isEmpty(), "seed=" + seed + ": " + broken);
  }

  /**
   * A {@code FileChannel} map's size() is a read of the size and nothing more: calling it on a
   * thread whose interrupt status is set must not close the channel that the caller owns (jmmap
   * "never closes it").
   */
  @Test
  void sizeOnAnInterruptedThreadLeavesTheCallersChannelOpen() throws Exception {
    Path f = dir.resolve("size.bin");
    Files.write(f, new byte[PS]);
    try (FileChannel ch = FileChannel.open(f, READ, WRITE);
        Mmap m = Mmap.map(ch, 0, Access.WRITE, 0)) {
      String outcome;
      Thread.currentThread().interrupt();
      try {
        outcome = "size()=" + m.size();
      } catch (IOException e) {
        outcome = "size() threw " + e;
      } finally {
        Thread.interrupted();
      }
      assertTrue(ch.isOpen(), "the caller's channel was closed by " + outcome);
    }
  }

  /**
   * {@code resize} keeps the map's contents up to the shorter length, for private maps too (as
   * {@code mremap} keeps them for a private map of a path). The JDK can only map a {@code
   * FileChannel} anew, which would drop a private map's changes, so such a map refuses to resize
   * and keeps its changes.
   */
  @Test
  void aPrivateChannelMapRefusesToResizeRatherThanLoseItsChanges() throws Exception {
    Path f = dir.resolve("private.bin");
    Files.write(f, new byte[2 * PS]);
    try (FileChannel ch = FileChannel.open(f, READ, WRITE);
        Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).map(ch)) {
      m.set(5, (byte) 42);
      var e =
          org.junit.jupiter.api.Assertions.assertThrows(
              UnsupportedOperationException.class, () -> m.resize(3L * PS));
      assertTrue(e.getMessage().contains("Path"), e.getMessage());
      assertEquals(2L * PS, m.length());
      assertEquals(2L * PS, Files.size(f));
      assertEquals(42, m.get(5), "the private change at offset 5 was lost by resize: " + m);
    }
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).map(f)) {
      m.set(5, (byte) 42);
      m.resize(4L * PS);
      assertEquals(42, m.get(5), "control: a private map of a path keeps it: " + m);
    }
  }

  /**
   * Every allowed advice leaves the map an ordinary one: after {@code madvise} on part of a map
   * (which splits the kernel's mapping in two or three), the map can still grow, as it can without
   * the advice.
   */
  @Test
  void aMapAdvisedInPartCanStillGrow() throws Exception {
    Path f = dir.resolve("advised.bin");
    List<String> broken = new ArrayList<>();
    for (int advice : new int[] {Mmap.MADV_RANDOM, Mmap.MADV_DONTFORK, Mmap.MADV_DONTDUMP}) {
      Files.write(f, new byte[4 * PS]);
      try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
        m.set(PS + 1, (byte) 9);
        m.madvise(advice, PS, PS);
        try {
          m.resize(64L * PS);
          m.set(63L * PS, (byte) 1);
          if (m.get(PS + 1) != 9) {
            broken.add("advice " + advice + ": the grown map lost its contents");
          }
        } catch (IOException e) {
          broken.add("advice " + advice + ": " + e.getMessage());
        }
      }
    }
    try (Mmap m = Mmap.anonymous(4L * PS)) {
      m.madvise(Mmap.MADV_DONTFORK, PS, PS);
      try {
        m.resize(64L * PS);
      } catch (IOException e) {
        broken.add("anonymous, MADV_DONTFORK: " + e.getMessage());
      }
    }
    assertTrue(broken.isEmpty(), "resize failed after madvise on part of the map: " + broken);
  }
}
