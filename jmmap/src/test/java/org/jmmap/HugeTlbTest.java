package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.jmmap.internal.map.HugePages;
import org.jmmap.interop.ProcessRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MmapOptions#hugePages(boolean)} with huge pages reserved by the administrator: the memory
 * lives in them ({@code KernelPageSize} in {@code /proc/self/smaps}), they leave the pool when the
 * map is made and come back when it is closed, another process maps the shared ones, a resize is
 * refused, and accesses after advice, truncation by another process and close stay safe. Each test
 * reserves the pages it needs through {@code /proc/sys/vm/nr_hugepages} and gives them back; where
 * that file cannot be written (not root), the tests are skipped, and say so.
 */
class HugeTlbTest {
  private static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");
  private static final long MIB = 1L << 20;

  private final long seed = Long.getLong("jmmap.seed", System.nanoTime());
  private final RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);

  @TempDir Path dir;

  /** The system's setting before the first test, which the last one leaves as it found it. */
  private static String original;

  @BeforeAll
  static void remember() throws IOException {
    original = Files.isReadable(NR_HUGEPAGES) ? Files.readString(NR_HUGEPAGES).strip() : null;
  }

  @AfterAll
  static void restore() throws IOException {
    if (original != null && Files.isWritable(NR_HUGEPAGES)) {
      Files.writeString(NR_HUGEPAGES, original);
    }
  }

  @BeforeEach
  void needsTheLinuxLayer() {
    assumeFalse(Backings.portable(), "PageCacheTest checks the portable backing's refusal");
  }

  /** Huge pages reserved for one test, and given back to the system after it. */
  private static final class Pool implements AutoCloseable {
    private final String before;

    Pool(int pages) throws IOException {
      assumeTrue(
          Files.isWritable(NR_HUGEPAGES),
          NR_HUGEPAGES + " is not writable here: no huge pages can be reserved for the test");
      before = Files.readString(NR_HUGEPAGES).strip();
      Files.writeString(NR_HUGEPAGES, Long.toString(Long.parseLong(before) + pages));
      assumeTrue(
          free() >= pages, "the kernel reserved fewer than " + pages + " huge pages: " + meminfo());
    }

    @Override
    public void close() throws IOException {
      Files.writeString(NR_HUGEPAGES, before);
    }
  }

  /** {@return the huge pages free for new maps: HugePages_Free less HugePages_Rsvd} */
  private static long free() throws IOException {
    return field("HugePages_Free") - field("HugePages_Rsvd");
  }

  private static long field(String name) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError(name + " is not in /proc/meminfo");
  }

  private static String meminfo() throws IOException {
    return Files.readAllLines(Path.of("/proc/meminfo")).stream()
        .filter(l -> l.startsWith("Huge"))
        .toList()
        .toString();
  }

  /** {@return the {@code KernelPageSize} in kB of the mapping that holds {@code address}} */
  private static long kernelPageSize(long address) throws IOException {
    return PageCacheTest.smapsField(address, "KernelPageSize");
  }

  /** Writes and reads back both ends and the huge page boundary of {@code m}. */
  private static void touchEnds(Mmap m) {
    long len = m.length();
    long[] values = {0x0102030405060708L, -1L, Long.MIN_VALUE};
    long[] at = {0, Math.min(len - 8, 2 * MIB - 4), len - 8};
    for (long a : at) {
      m.putLongs(a, values, 0, values.length - (a + 24 > len ? 2 : 0), ByteOrder.BIG_ENDIAN);
      long[] back = new long[values.length - (a + 24 > len ? 2 : 0)];
      m.getLongs(a, back, 0, back.length, ByteOrder.BIG_ENDIAN);
      assertArrayEquals(Arrays.copyOf(values, back.length), back, "at " + a);
    }
    m.set(len - 1, (byte) 7);
    assertEquals(7, m.get(len - 1));
  }

  @Test
  void privateMemoryLivesInReservedHugePagesTakenWhenMappedAndGivenBackAtClose()
      throws IOException {
    try (Pool _ = new Pool(4)) {
      long before = free();
      long length = 3 * MIB + 5;
      MmapOptions o = Mmap.options().flags(Mmap.MAP_PRIVATE).hugePages(true);
      try (Mmap m = o.anonymous(length)) {
        assertEquals(length, m.length());
        assertEquals(length, m.size());
        assertEquals(2048, kernelPageSize(m.segment().address()), m.toString());
        // reserved when mapped: taken from the pool before any access
        assertEquals(before - 2, free(), meminfo());
        assertTrue(m.toString().contains("huge pages"), m.toString());
        touchEnds(m);
        m.populate(0, m.length());
        assertEquals(1.0, m.residentFraction(0, m.length()));
        m.lock(0, m.length());
        m.unlock(0, m.length());
        UnsupportedOperationException e =
            assertThrows(UnsupportedOperationException.class, () -> m.resize(4 * MIB));
        assertTrue(e.getMessage().contains("reserved huge pages"), e.getMessage());
        assertEquals(length, m.length());
        touchEnds(m);
      }
      assertEquals(before, free(), "the pages are back in the pool: " + meminfo());
    }
  }

  @Test
  void adviceThatWouldGiveHugePagesBackIsRefusedAndEveryOtherLeavesLaterAccessSafe()
      throws IOException {
    try (Pool _ = new Pool(2)) {
      long before = free();
      for (Advice a : Advice.values()) {
        int advice = a.value();
        boolean givesBack =
            advice == Mmap.MADV_DONTNEED || advice == Mmap.MADV_FREE || advice == Mmap.MADV_REMOVE;
        for (int flags : new int[] {Mmap.MAP_PRIVATE, Mmap.MAP_SHARED}) {
          try (Mmap m = Mmap.options().flags(flags).hugePages(true).anonymous(2 * MIB)) {
            assertEquals(2048, kernelPageSize(m.segment().address()));
            m.set(0, (byte) 1);
            if (givesBack) {
              UnsupportedOperationException e =
                  assertThrows(UnsupportedOperationException.class, () -> m.madvise(advice));
              assertTrue(e.getMessage().contains("reserved huge pages"), e.getMessage());
              assertTrue(e.getMessage().contains("option=" + advice), e.getMessage());
            } else {
              try {
                m.madvise(advice);
              } catch (UncheckedIOException refused) {
                // a huge page mapping refuses some advice (EINVAL): what matters is what follows
              }
            }
            assertEquals(before - 1, free(), a + ": the map keeps its page");
            m.set(2 * MIB - 1, (byte) 2);
            assertEquals(1, m.get(0), a.toString());
            assertEquals(2, m.get(2 * MIB - 1));
            assertTrue(m.compareAndSetInt(4, 0, 7));
          }
        }
      }
    }
  }

  @Test
  void atomicsRacingEveryAdviceOnAFullPoolNeverFault() throws Exception {
    // the pool holds exactly the map's page, and another map waits to take any page given back;
    // in a child JVM, since a page lost under an atomic update would kill the JVM
    try (Pool _ = new Pool(1)) {
      String out =
          ProcessRunner.run(ProcessRunner.javaCommand(AdviceRaceChild.class, "1000")).strip();
      assertTrue(out.startsWith("ok "), out);
    }
  }

  /** The race of {@link #atomicsRacingEveryAdviceOnAFullPoolNeverFault}, in a JVM of its own. */
  public static final class AdviceRaceChild {
    private AdviceRaceChild() {}

    /**
     * Races atomic updates of a huge page against every advice and against another map that would
     * take the page if it were given back, then prints {@code ok} and the updates made.
     *
     * @param args the milliseconds to race
     * @throws Exception if the race fails
     */
    public static void main(String[] args) throws Exception {
      long end = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000L;
      try (Mmap m = Mmap.options().hugePages(true).anonymous(2 * MIB)) {
        if (kernelPageSize(m.segment().address()) != 2048) {
          throw new AssertionError("not in a huge page: " + m);
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread adviser =
            Thread.ofPlatform()
                .start(
                    () -> {
                      while (!stop.get()) {
                        for (Advice a : Advice.values()) {
                          try {
                            m.madvise(a);
                          } catch (UncheckedIOException | UnsupportedOperationException e) {
                            // refused: the page stays
                          }
                        }
                      }
                    });
        Thread taker =
            Thread.ofPlatform()
                .start(
                    () -> {
                      MmapOptions o = Mmap.options().flags(Mmap.MAP_PRIVATE).hugePages(true);
                      while (!stop.get()) {
                        try (Mmap other = o.anonymous(2 * MIB)) {
                          other.set(0, (byte) 1);
                        } catch (IOException | RuntimeException e) {
                          // no page to take, nor transparent huge pages: try again
                        }
                      }
                    });
        int n = 0;
        try {
          while (System.nanoTime() < end) {
            if (!m.compareAndSetInt(0, n, n + 1)) {
              throw new AssertionError("the page changed under the map at " + n);
            }
            n++;
          }
        } finally {
          stop.set(true);
          adviser.join();
          taker.join();
        }
        System.out.println("ok " + n);
      }
    }
  }

  @Test
  void aLengthThatIsNotPositiveIsAnIllegalArgumentWithOrWithoutReservedPages() throws IOException {
    for (int pages : new int[] {0, 1}) {
      try (Pool _ = new Pool(pages)) {
        for (long length : new long[] {0, -1, Long.MIN_VALUE}) {
          for (int flags : new int[] {Mmap.MAP_PRIVATE, Mmap.MAP_SHARED}) {
            MmapOptions o = Mmap.options().flags(flags).hugePages(true);
            assertThrows(
                IllegalArgumentException.class,
                () -> o.anonymous(length),
                "length " + length + " flags " + flags + " pages " + pages);
          }
        }
      }
    }
  }

  @Test
  void sharedMemoryInHugePagesIsMappedByAnotherProcess() throws Exception {
    try (Pool _ = new Pool(4)) {
      long length = 2 * MIB + 1;
      try (Mmap m = Mmap.options().hugePages(true).anonymous(length)) {
        assertEquals(2048, kernelPageSize(m.segment().address()));
        m.set(0, (byte) 'J');
        m.set(length - 1, (byte) 'V');
        Path attach = m.attachPath().orElseThrow();
        List<String> out =
            PortOracle.run(
                dir,
                """
                import mmap, os, sys
                fd = os.open(sys.argv[1], os.O_RDWR)
                size = os.fstat(fd).st_size
                m = mmap.mmap(fd, size)
                print(size, chr(m[0]), chr(m[int(sys.argv[2]) - 1]))
                m[1] = ord('P')
                m.close()
                """,
                attach.toString(),
                Long.toString(length));
        // the memory file is whole huge pages long, and the child maps it in them
        assertEquals(List.of((4 * MIB) + " J V"), out);
        assertEquals('P', m.get(1));
        assertEquals(length, m.size());
      }
    }
  }

  @Test
  void aSecondMapOfTheMemoryFileIsInHugePagesTooAndCannotTakeThemAway() throws Exception {
    try (Pool _ = new Pool(2)) {
      try (Mmap m = Mmap.options().hugePages(true).anonymous(2 * MIB)) {
        m.set(0, (byte) 5);
        long before = free();
        Path attach = m.attachPath().orElseThrow();
        long address;
        try (Mmap reader = Mmap.map(attach, 4096, Access.READ)) {
          // read-only maps of ordinary files go through the JDK, which would unmap this one by
          // 4096 bytes, fail and leave it mapped: it is made and unmapped in whole huge pages
          assertEquals(2048, kernelPageSize(reader.segment().address()));
          assertEquals(5, reader.get(0));
          address = reader.segment().address();
        }
        String readerStart = Long.toHexString(address) + "-";
        assertTrue(
            Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .noneMatch(l -> l.startsWith(readerStart)),
            "the read-only map is still mapped at 0x" + readerStart);
        try (Mmap second = Mmap.map(attach, 4096, Access.WRITE)) {
          address = second.segment().address();
          assertEquals(2048, kernelPageSize(address));
          assertEquals(5, second.get(0));
          for (int advice : new int[] {Mmap.MADV_DONTNEED, Mmap.MADV_FREE, Mmap.MADV_REMOVE}) {
            assertThrows(UnsupportedOperationException.class, () -> second.madvise(advice));
          }
          assertThrows(UnsupportedOperationException.class, () -> second.resize(2 * MIB));
        }
        // unmapped in whole huge pages: nothing of the second map is left
        String start = Long.toHexString(address) + "-";
        assertTrue(
            Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .noneMatch(l -> l.startsWith(start)),
            "the second map is still mapped at 0x" + start);
        assertEquals(before, free(), meminfo());
        assertEquals(5, m.get(0));
        assertTrue(m.compareAndSetInt(4, 0, 1));
      }
    }
  }

  @Test
  void sharedHugePagesTruncatedByAnotherProcessFaultAsAnException() throws IOException {
    try (Pool _ = new Pool(2)) {
      try (Mmap m = Mmap.options().hugePages(true).anonymous(2 * MIB)) {
        m.set(0, (byte) 1);
        try (FileChannel c =
            FileChannel.open(m.attachPath().orElseThrow(), StandardOpenOption.WRITE)) {
          c.truncate(0);
        }
        PageCacheTest.assertFaults(() -> m.get(0));
        PageCacheTest.assertFaults(() -> m.set(2 * MIB - 1, (byte) 1));
        PageCacheTest.assertFaults(() -> m.getLongs(8, new long[4], 0, 4, ByteOrder.LITTLE_ENDIAN));
      }
    }
  }

  @Test
  void tooFewFreeHugePagesFallBackToTransparentOnesOrAreRefusedNamingBoth() throws IOException {
    try (Pool _ = new Pool(1)) {
      long length = 3 * MIB; // two huge pages, one free
      assertEquals(0, HugePages.reservedFor(length));
      for (boolean shared : new boolean[] {false, true}) {
        MmapOptions o =
            Mmap.options().flags(shared ? Mmap.MAP_SHARED : Mmap.MAP_PRIVATE).hugePages(true);
        String thp = HugePages.refusal(shared);
        if (thp == null) {
          try (Mmap m = o.anonymous(length)) {
            assertEquals(4, kernelPageSize(m.segment().address()), "transparent huge pages");
            touchEnds(m);
          }
        } else {
          UnsupportedOperationException e =
              assertThrows(UnsupportedOperationException.class, () -> o.anonymous(length));
          assertTrue(e.getMessage().contains("1 of "), e.getMessage());
          assertTrue(e.getMessage().contains("needs 2"), e.getMessage());
          assertTrue(e.getMessage().contains(thp), e.getMessage());
        }
      }
    }
  }

  @Test
  void randomLengthsTakeWholeHugePagesAndGiveThemAllBack() throws IOException {
    try (Pool _ = new Pool(8)) {
      long before = free();
      for (int round = 0; round < Backings.rounds(40); round++) {
        long length = 64 + random.nextLong(8 * MIB - 64);
        long pages = (length + 2 * MIB - 1) / (2 * MIB);
        int flags = random.nextBoolean() ? Mmap.MAP_PRIVATE : Mmap.MAP_SHARED;
        String why = "seed " + seed + " round " + round + " length " + length + " flags " + flags;
        try (Mmap m = Mmap.options().flags(flags).hugePages(true).anonymous(length)) {
          assertEquals(before - pages, free(), why);
          assertEquals(length, m.length(), why);
          assertThrows(IndexOutOfBoundsException.class, () -> m.get(length), why);
          touchEnds(m);
        }
        assertEquals(before, free(), why);
      }
    }
  }
}
