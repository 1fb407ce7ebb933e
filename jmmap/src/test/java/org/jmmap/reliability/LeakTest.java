package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.jmmap.Access;
import org.jmmap.Backings;
import org.jmmap.Mmap;
import org.jmmap.MmapOptions;
import org.jmmap.SharedMemory;
import org.jmmap.interop.ProcessRunner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Map and close, over and over: descriptors, mappings and memory return to where they started. The
 * 200,000-cycle runs are in the long profile ({@code ./build long}); the suite runs 20,000 (2,000
 * on the portable backing).
 */
class LeakTest {
  @TempDir Path dir;

  interface Cycle {
    void run(int i) throws IOException;
  }

  private static long count(String path) throws IOException {
    try (var s = Files.list(Path.of(path))) {
      return s.count();
    }
  }

  /**
   * {@return the shared mappings of this process}: every map the cycles make is one (a file map,
   * shared anonymous memory shows as {@code /dev/zero (deleted)}, shared memory as its file), while
   * the JVM's own mappings, whose number grows with the threads it starts under load, are private.
   */
  private static long mappings() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.split(" ", 3)[1].endsWith("s"))
        .count();
  }

  /**
   * {@return the resident memory outside the Java heap, in KiB}: what a native leak (an unmapped
   * region, a C allocation) would grow; the heap grows and shrinks as the collector likes.
   */
  private static long rssKib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        long heap = Runtime.getRuntime().totalMemory();
        return Long.parseLong(line.replaceAll("[^0-9]", "")) - heap / 1024;
      }
    }
    throw new IOException("no VmRSS");
  }

  /**
   * Allocates garbage until every page of the committed heap has been written: a page of the heap
   * that the collector first uses during the cycles would otherwise count as memory outside it.
   */
  private static void touchTheHeap() {
    long sink = 0;
    for (long done = 0; done < 3 * Runtime.getRuntime().maxMemory(); done += 1 << 20) {
      byte[] garbage = new byte[1 << 20];
      garbage[garbage.length - 1] = 1;
      sink += garbage.length;
    }
    if (sink == 0) {
      throw new AssertionError();
    }
  }

  private void noLeak(String what, int cycles, Cycle cycle) throws IOException {
    for (int i = 0; i < 1000; i++) {
      cycle.run(i); // warm up, so the JIT's own memory is in the baseline
    }
    touchTheHeap();
    System.gc();
    long fds = count("/proc/self/fd");
    long maps = mappings();
    long rss = rssKib();
    for (int i = 0; i < cycles; i++) {
      cycle.run(i);
    }
    System.gc();
    long fdsAfter = count("/proc/self/fd");
    long mapsAfter = mappings();
    long rssAfter = rssKib();
    String report =
        what
            + " x"
            + cycles
            + ": fds "
            + fds
            + " -> "
            + fdsAfter
            + ", shared mappings "
            + maps
            + " -> "
            + mapsAfter
            + ", RSS outside the heap "
            + rss
            + " -> "
            + rssAfter
            + " KiB";
    System.out.println(report);
    assertTrue(fdsAfter <= fds + 2, report);
    assertTrue(mapsAfter <= maps + 2, report);
    assertTrue(rssAfter <= rss + 64 * 1024, report);
  }

  private void filesAndAnonymousMemory(int cycles) throws IOException {
    Path f = Files.write(dir.resolve("cycle.bin"), new byte[8192]);
    noLeak(
        "file map",
        cycles,
        i -> {
          try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
            m.set(i % 8192, (byte) i);
          }
        });
    noLeak(
        "read-only file map",
        cycles,
        i -> {
          try (Mmap m = Mmap.map(f, 0, Access.READ)) {
            m.get(i % 8192);
          }
        });
    noLeak(
        "anonymous map",
        cycles,
        i -> {
          try (Mmap m = Mmap.anonymous(8192)) {
            m.set(i % 8192, (byte) i);
          }
        });
  }

  private void sharedMemory(int cycles) throws IOException {
    Backings.assumeSharedMemory();
    String name = "jmmap_test_cycle_" + ProcessHandle.current().pid();
    noLeak(
        "shared memory",
        cycles,
        i -> {
          try (SharedMemory s = SharedMemory.create(name, 8192)) {
            s.mmap().set(i % 8192, (byte) i);
            s.unlink();
          }
        });
  }

  /** Cycles of each kind in {@code ./build test} (a tenth on the portable backing). */
  static final int CYCLES = Backings.rounds(20_000);

  @Test
  void thousandsOfCyclesOfFilesAndAnonymousMemoryLeakNothing() throws IOException {
    filesAndAnonymousMemory(CYCLES);
  }

  @Test
  void thousandsOfCyclesOfSharedMemoryLeakNothing() throws IOException {
    sharedMemory(CYCLES);
  }

  /**
   * Confined maps unmap through jmmap's own calls (a channel's too, whose JDK mapping is never
   * closed): every cycle must give back its mapping and descriptor.
   */
  @Test
  void thousandsOfConfinedCyclesOfFilesChannelsAndAnonymousMemoryLeakNothing() throws IOException {
    Path f = Files.write(dir.resolve("confined.bin"), new byte[8192]);
    MmapOptions confined = Mmap.options().confined();
    noLeak(
        "confined file map",
        CYCLES / 2,
        i -> {
          try (Mmap m = confined.map(f)) {
            m.set(i % 8192, (byte) i);
          }
        });
    MmapOptions confinedReadOnly = Mmap.options().access(Access.READ).confined();
    noLeak(
        "confined read-only file map",
        10_000,
        i -> {
          try (Mmap m = confinedReadOnly.map(f)) {
            m.get(i % 8192);
          }
        });
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      noLeak(
          "confined channel map",
          CYCLES / 2,
          i -> {
            try (Mmap m = confined.map(ch)) {
              m.set(i % 8192, (byte) i);
            }
          });
    }
    noLeak(
        "confined anonymous map",
        CYCLES / 2,
        i -> {
          try (Mmap m = confined.anonymous(8192)) {
            m.set(i % 8192, (byte) i);
          }
        });
  }

  @Test
  @Tag("long")
  void twoHundredThousandCyclesOfFilesAndAnonymousMemoryLeakNothing() throws IOException {
    filesAndAnonymousMemory(200_000);
  }

  @Test
  @Tag("long")
  void twoHundredThousandCyclesOfSharedMemoryLeakNothing() throws IOException {
    sharedMemory(200_000);
  }

  @Test
  void anUnclosedMapIsReleasedAndItsCreatorLoggedWithDebugLeaks() throws Exception {
    Path f = Files.write(dir.resolve("leak.bin"), new byte[16]);
    List<String> c = ProcessRunner.javaCommand(RChild.class, "leak", f.toString());
    c.add(1, "-Djmmap.debugLeaks=true");
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor() == 0, out);
    assertTrue(
        out.contains("an Mmap was never closed")
            && out.contains("leak.bin")
            && out.contains("RChild.leakOne"),
        out);
  }
}
