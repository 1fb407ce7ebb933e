package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The page-cache controls ({@code populate}, {@code isLoaded}, {@code residentFraction}, {@code
 * lock}, {@code unlock}, {@code flushAsync}) on every kind of map: their arguments over the whole
 * range, and their effects observed from outside the map, in {@code mincore(2)}'s answer and in
 * {@code VmLck} of {@code /proc/self/status}.
 */
class PageCacheTest {
  private static final int PS = Mmap.PAGESIZE;
  private static final int LENGTH = 6 * PS + 7;

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    MapKind.closeAll(opened);
  }

  private static final List<String> NAMES =
      List.of("populate", "isLoaded", "residentFraction", "lock", "unlock", "flushAsync");

  private static Object call(String name, Mmap m, long offset, long length) throws IOException {
    switch (name) {
      case "populate" -> m.populate(offset, length);
      case "isLoaded" -> {
        return m.isLoaded(offset, length);
      }
      case "residentFraction" -> {
        return m.residentFraction(offset, length);
      }
      case "lock" -> m.lock(offset, length);
      case "unlock" -> m.unlock(offset, length);
      case "flushAsync" -> m.flushAsync(offset, length);
      default -> throw new AssertionError(name);
    }
    return null;
  }

  /** {@return whether the portable backing refuses {@code name} on this kind of map} */
  private static boolean portableRefuses(String name, MapKind kind) {
    return Backings.portable()
        && (name.equals("lock")
            || name.equals("unlock")
            || (kind == MapKind.PRIVATE_ANONYMOUS
                && (name.equals("isLoaded") || name.equals("residentFraction"))));
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void everyControlOverTheWholeArgumentRangeSucceedsOrThrowsAndChangesNothing(MapKind kind)
      throws Exception {
    long seed = Long.getLong("jmmap.fuzz.seed", System.nanoTime());
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    byte[] content = new byte[LENGTH];
    r.nextBytes(content);
    Mmap m = kind.open(dir, content, opened);
    int rounds = Backings.rounds(400);
    for (int round = 0; round < rounds; round++) {
      String name = NAMES.get(r.nextInt(NAMES.size()));
      long offset =
          r.nextInt(3) == 0 ? BulkAccessTest.value(r, LENGTH) : r.nextLong(-1, LENGTH + 2);
      long length =
          r.nextInt(3) == 0
              ? BulkAccessTest.value(r, LENGTH)
              : r.nextLong(-1, Math.max(0, LENGTH - Math.max(0, offset)) + 2);
      boolean inside = offset >= 0 && length >= 0 && offset <= LENGTH - length;
      String what =
          String.format(
              Locale.ROOT,
              "seed=%d round=%d %s(%d, %d) on %s",
              seed,
              round,
              name,
              offset,
              length,
              kind);
      try {
        Object result = call(name, m, offset, length);
        assertTrue(inside, "no exception: " + what);
        assertFalse(portableRefuses(name, kind), "no refusal: " + what);
        if (result instanceof Double d) {
          assertTrue(d >= 0.0 && d <= 1.0, what + ": " + d);
          if (length == 0) {
            assertEquals(1.0, d, what);
          }
        }
        if (result instanceof Boolean b && length == 0) {
          assertTrue(b, what);
        }
      } catch (IndexOutOfBoundsException e) {
        assertFalse(name.equals("flushAsync"), what + ": " + e);
        assertFalse(inside, what + ": " + e);
        assertTrue(
            e.getMessage().startsWith(rangeName(name) + " range out of bounds: offset=" + offset),
            what + ": " + e.getMessage());
      } catch (IllegalArgumentException e) {
        assertEquals("flushAsync", name, what + ": " + e);
        assertFalse(inside, what + ": " + e);
        assertTrue(e.getMessage().startsWith("flush values out of range"), e.getMessage());
      } catch (IOException e) {
        assertEquals("flushAsync", name, what + ": " + e);
        assertTrue(inside && offset % PS != 0, what + ": " + e);
        assertTrue(e.getMessage().contains("EINVAL"), e.getMessage());
      } catch (UnsupportedOperationException e) {
        assertTrue(portableRefuses(name, kind), what + ": " + e);
        assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
      }
    }
    assertArrayEquals(content, m.slice(0, LENGTH), "the controls changed bytes of " + kind);
  }

  private static String rangeName(String name) {
    return switch (name) {
      case "isLoaded", "residentFraction" -> "residency";
      default -> name;
    };
  }

  @Test
  void populateBringsAFileThatWasNotInMemoryIntoIt() throws IOException {
    // a file grown by setLength is a hole: none of its pages is in the page cache until read
    Path f = dir.resolve("hole.bin");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(64L * PS);
    }
    try (Mmap m = Mmap.map(f, 0, Access.READ)) {
      assertEquals(0.0, m.residentFraction(0, m.length()), "a hole is not in memory");
      assertFalse(m.isLoaded(0, m.length()));
      // no read-ahead around the faults (the portable backing cannot turn it off)
      m.madvise(Advice.RANDOM);
      m.populate(5 * PS + 3, 10L * PS); // pages 5 to 15
      assertTrue(m.isLoaded(5L * PS, 11L * PS));
      if (!Backings.portable()) {
        assertEquals(11.0 / 64, m.residentFraction(0, m.length()), 1e-9);
        assertFalse(m.isLoaded(4L * PS, PS + 1));
        assertEquals(0.5, m.residentFraction(15L * PS, 2L * PS)); // page 15 in, page 16 not
      }
      m.populate(0, m.length());
      assertTrue(m.isLoaded(0, m.length()));
      assertEquals(1.0, m.residentFraction(0, m.length()));
    }
  }

  @Test
  void populateFaultsFreshAnonymousMemoryIn() throws IOException {
    for (boolean shared : new boolean[] {true, false}) {
      try (Mmap m =
          shared
              ? Mmap.anonymous(32L * PS)
              : Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(32L * PS)) {
        if (Backings.portable() && !shared) {
          // memory the JDK allocated: no residency, but populate touches it as anywhere
          UnsupportedOperationException e =
              assertThrows(UnsupportedOperationException.class, () -> m.isLoaded(0, PS));
          assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
          m.populate(0, m.length());
          continue;
        }
        if (!Backings.portable()) {
          // the portable backing's shared memory is a file, whose last page it wrote to size it
          assertEquals(0.0, m.residentFraction(0, m.length()), m.toString());
          m.populate(PS, 2L * PS);
          assertEquals(2.0 / 32, m.residentFraction(0, m.length()), 1e-9, m.toString());
        }
        m.populate(0, m.length());
        assertTrue(m.isLoaded(0, m.length()), m.toString());
        m.putLong(8, ByteOrder.LITTLE_ENDIAN, 42); // still usable
        assertEquals(42, m.getLong(8, ByteOrder.LITTLE_ENDIAN));
      }
    }
  }

  /** The file kinds of map, which a truncation can shrink under the map. */
  static Stream<MapKind> fileKinds() {
    return Stream.of(MapKind.values()).filter(k -> !k.name().contains("ANONYMOUS"));
  }

  /**
   * {@return a map of {@code kind} over eight pages of {@code 'a'}}, its file then truncated so
   * that the map's third page is the file's last, and only its first 10 bytes
   */
  private Mmap truncatedMap(MapKind kind) throws Exception {
    byte[] content = new byte[8 * PS];
    java.util.Arrays.fill(content, (byte) 'a');
    Mmap m = kind.open(dir, content, opened);
    Path f;
    try (Stream<Path> s = Files.list(dir)) {
      f = s.filter(p -> p.getFileName().toString().startsWith(kind.name())).findFirst().get();
    }
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(m.offset() + 2L * PS + 10);
    }
    return m;
  }

  @ParameterizedTest
  @MethodSource("fileKinds")
  void populateOfATruncatedFileThrowsMmapFaultExceptionBeforeAnyAccess(MapKind kind)
      throws Exception {
    Mmap m = truncatedMap(kind);
    long mapOffset = m.offset();
    m.populate(0, 3L * PS); // every page that still has a file behind it
    MmapFaultException e =
        assertThrows(MmapFaultException.class, () -> m.populate(PS, m.length() - PS));
    if (e.fileSize() < 0) {
      // a map that keeps no descriptor cannot ask the file's size: the range's start is named
      assertEquals(PS, e.offset(), e.getMessage());
    } else {
      assertEquals(3L * PS, e.offset(), e.getMessage());
      assertEquals(mapOffset + 2L * PS + 10, e.fileSize(), e.getMessage());
    }
    assertThrows(MmapFaultException.class, () -> m.populate(5L * PS, 1));
    assertEquals('a', m.get(2L * PS + 9)); // the rest of the map is as it was
  }

  @ParameterizedTest
  @MethodSource("fileKinds")
  void madvisePopulateOfATruncatedFileFailsAndLeavesLaterAccessesSafe(MapKind kind)
      throws Exception {
    Mmap m = truncatedMap(kind);
    for (int advice : new int[] {Mmap.MADV_POPULATE_READ, Mmap.MADV_POPULATE_WRITE}) {
      if (Backings.portable()) {
        UnsupportedOperationException e =
            assertThrows(UnsupportedOperationException.class, () -> m.madvise(advice));
        assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
        continue;
      }
      // the kernel's EFAULT past the end of the file, reported as populate() reports it; a write
      // fault on a read-only map is EINVAL, before any page is looked at
      if (advice == Mmap.MADV_POPULATE_WRITE && m.access() == Access.READ) {
        java.io.UncheckedIOException e =
            assertThrows(java.io.UncheckedIOException.class, () -> m.madvise(advice));
        assertTrue(e.getMessage().contains("EINVAL"), e.getMessage());
      } else {
        MmapFaultException e = assertThrows(MmapFaultException.class, () -> m.madvise(advice));
        if (e.fileSize() >= 0) {
          assertEquals(3L * PS, e.offset(), e.getMessage());
        }
      }
      assertFaults(() -> m.get(m.length() - 1));
      assertFaults(() -> m.getLongs(3L * PS, new long[2], 0, 2, java.nio.ByteOrder.LITTLE_ENDIAN));
      assertEquals('a', m.get(2L * PS + 9)); // the pages the file still backs read as before
      if (advice == Mmap.MADV_POPULATE_WRITE && m.access() == Access.READ) {
        // a read-only map takes no write fault (EINVAL)
        assertThrows(java.io.UncheckedIOException.class, () -> m.madvise(advice, 0, 2L * PS));
      } else {
        m.madvise(advice, 0, 2L * PS); // the range the file still backs is taken
      }
      assertEquals('a', m.get(0));
    }
  }

  /**
   * Asserts that {@code read}, of a page the file no longer backs, throws {@link
   * MmapFaultException}, or the JVM's {@link InternalError} where compiled code reports the fault
   * after jmmap's method has returned (TruncationTest); never a crash.
   */
  static void assertFaults(org.junit.jupiter.api.function.Executable read) {
    Throwable t = assertThrows(Throwable.class, read);
    assertTrue(t instanceof MmapFaultException || t instanceof InternalError, t.toString());
  }

  /** {@return the kB of locked memory of this process ({@code VmLck})} */
  static long vmLck() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmLck:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no VmLck in /proc/self/status");
  }

  @Test
  void lockShowsInVmLckAndEndsWithUnlockCloseAndResize() throws Exception {
    assumeFalse(Backings.portable(), "the portable backing refuses lock (checked by the fuzz)");
    long kb = 16L * PS / 1024;
    Path f = Files.write(dir.resolve("lock.bin"), new byte[16 * PS]);
    long base = vmLck();
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      m.lock(0, m.length());
      assertEquals(base + kb, vmLck(), "after lock");
      assertTrue(m.isLoaded(0, m.length()), "a locked range is in memory");
      m.unlock(PS, 2L * PS);
      assertEquals(base + kb - 2L * PS / 1024, vmLck(), "after unlocking two pages");
      m.unlock(0, m.length());
      assertEquals(base, vmLck(), "after unlock");
      m.lock(3, 5); // the page the range lies in
      assertEquals(base + PS / 1024, vmLck());
      m.lock(0, m.length());
      m.resize(20L * PS);
      assertEquals(base, vmLck(), "after resize");
      m.lock(0, m.length());
      assertEquals(base + 20L * PS / 1024, vmLck());
    }
    assertEquals(base, vmLck(), "after close");
    try (Mmap a = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(8L * PS)) {
      a.lock(0, a.length());
      assertEquals(base + 8L * PS / 1024, vmLck(), "anonymous");
      a.putInt(0, ByteOrder.BIG_ENDIAN, 7);
      assertEquals(7, a.getInt(0, ByteOrder.BIG_ENDIAN));
    }
    assertEquals(base, vmLck(), "after close");
  }

  @Test
  void flushAsyncChecksAsFlushDoes() throws Exception {
    Path f = Files.write(dir.resolve("async.bin"), new byte[4 * PS]);
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      m.set(PS + 1, (byte) 9);
      m.flushAsync(PS, PS);
      m.flushAsync(0, m.length());
      m.flushAsync(0, 0);
      assertEquals(9, Files.readAllBytes(f)[PS + 1]);
      assertThrows(IllegalArgumentException.class, () -> m.flushAsync(0, m.length() + 1));
      assertThrows(IllegalArgumentException.class, () -> m.flushAsync(-1, 1));
      IOException e = assertThrows(IOException.class, () -> m.flushAsync(1, 1));
      assertTrue(e.getMessage().contains("EINVAL"), e.getMessage());
    }
    try (Mmap m = Mmap.map(f, 0, Access.READ)) {
      m.flushAsync(1, 1); // nothing to write back: only the range is checked
    }
  }

  @Test
  void aClosedMapRefusesEveryControl() throws IOException {
    Mmap m = Mmap.anonymous(PS);
    m.close();
    for (String name : NAMES) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> call(name, m, -1, -1), name);
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
  }

  @Test
  void aConfinedMapRefusesOtherThreads() throws Exception {
    try (Mmap m = Mmap.options().confined().anonymous(PS)) {
      List<String> answered = new ArrayList<>();
      Thread t =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (String name : NAMES) {
                      try {
                        call(name, m, 0, 1);
                        answered.add(name);
                      } catch (WrongThreadException expected) {
                        // the owner only
                      } catch (IOException | RuntimeException e) {
                        answered.add(name + ": " + e);
                      }
                    }
                  });
      t.join();
      assertEquals(List.of(), answered);
    }
  }

  /** {@return the kB of {@code AnonHugePages} of the mapping that holds {@code address}} */
  static long anonHugePages(long address) throws IOException {
    return smapsField(address, "AnonHugePages");
  }

  /**
   * {@return the number, in kB, of {@code field} of the mapping that holds {@code address} in
   * {@code /proc/self/smaps}}
   */
  static long smapsField(long address, String field) throws IOException {
    boolean inside = false;
    for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
      if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
        String[] range = line.substring(0, line.indexOf(' ')).split("-");
        inside =
            Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), address) <= 0
                && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0;
      } else if (inside && line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no mapping holds 0x" + Long.toHexString(address) + " with " + field);
  }

  @Test
  void hugePagesShowInSmapsWhereTheKernelGivesThem() throws IOException {
    long length = 8L << 20;
    MmapOptions o = Mmap.options().flags(Mmap.MAP_PRIVATE).hugePages(true);
    if (Backings.portable()) {
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, () -> o.anonymous(length));
      assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
      return;
    }
    assumeTrue(
        org.jmmap.internal.map.HugePages.reservedFor(length) == 0,
        "huge pages are reserved here, which hugePages(true) maps (HugeTlbTest checks them)");
    String refusal = org.jmmap.internal.map.HugePages.refusal(false);
    if (refusal != null) {
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, () -> o.anonymous(length));
      assertTrue(e.getMessage().contains("transparent_hugepage/enabled"), e.getMessage());
      System.out.println("transparent huge pages are not enabled here: " + refusal);
      return;
    }
    try (Mmap m = o.anonymous(length)) {
      m.populate(0, length);
      long kb = anonHugePages(m.segment().address());
      assertTrue(kb >= 2048, "AnonHugePages " + kb + " kB for 8 MiB advised MADV_HUGEPAGE");
      double[] d = {1, 2, 3};
      m.putDoubles(length - 24, d, 0, 3, ByteOrder.LITTLE_ENDIAN);
      double[] back = new double[3];
      m.getDoubles(length - 24, back, 0, 3, ByteOrder.LITTLE_ENDIAN);
      assertArrayEquals(d, back);
    }
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(length)) {
      m.populate(0, length);
      // without the advice, in madvise mode, no huge page (in always mode there may be some)
      if (org.jmmap.internal.map.HugePages.refusal(false) == null
          && Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"))
              .contains("[madvise]")) {
        assertEquals(0, anonHugePages(m.segment().address()));
      }
    }
  }

  @Test
  void sharedHugePagesNeedShmemThpOrAreRefusedByName() throws IOException {
    assumeFalse(Backings.portable(), "checked for private memory above");
    assumeTrue(
        org.jmmap.internal.map.HugePages.reservedFor(4L << 20) == 0,
        "huge pages are reserved here, which hugePages(true) maps (HugeTlbTest checks them)");
    String refusal = org.jmmap.internal.map.HugePages.refusal(true);
    MmapOptions o = Mmap.options().hugePages(true);
    if (refusal != null) {
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, () -> o.anonymous(4L << 20));
      assertTrue(e.getMessage().contains("shmem_enabled"), e.getMessage());
      assertTrue(e.getMessage().contains("MAP_PRIVATE"), e.getMessage());
    } else {
      try (Mmap m = o.anonymous(4L << 20)) {
        m.populate(0, m.length());
        m.putInt(0, ByteOrder.BIG_ENDIAN, 5);
        assertEquals(5, m.getInt(0, ByteOrder.BIG_ENDIAN));
      }
    }
  }

  /** Locks 1 MiB of anonymous memory and prints what happened, for the limit test below. */
  public static final class LockChild {
    private LockChild() {}

    /**
     * Tries the lock.
     *
     * @param args nothing
     * @throws IOException if mapping fails
     */
    public static void main(String[] args) throws IOException {
      try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(1 << 20)) {
        try {
          m.lock(0, m.length());
          System.out.println("locked");
        } catch (SystemCallException e) {
          System.out.println(e.errno() + " " + e.getMessage());
        }
      }
    }
  }

  @Test
  void aLockPastRlimitMemlockIsAnIoExceptionThatNamesTheLimit() throws Exception {
    assumeFalse(Backings.portable(), "the portable backing refuses lock (checked by the fuzz)");
    List<String> command = new ArrayList<>();
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      // root locks past any limit with CAP_IPC_LOCK: take it out of the bounding set, which the
      // child's exec then loses it by
      command.addAll(List.of("setpriv", "--bounding-set", "-ipc_lock"));
    }
    command.addAll(List.of("prlimit", "--memlock=65536"));
    command.addAll(org.jmmap.interop.ProcessRunner.javaCommand(LockChild.class));
    String out;
    try {
      out = org.jmmap.interop.ProcessRunner.run(command);
    } catch (IOException e) {
      org.junit.jupiter.api.Assumptions.abort(
          "needs prlimit" + (root ? " and setpriv" : "") + " (util-linux): " + e.getMessage());
      return;
    }
    assertTrue(out.startsWith("12 ") || out.startsWith("1 ") || out.startsWith("11 "), out);
    assertTrue(out.contains("RLIMIT_MEMLOCK"), out);
    assertTrue(out.contains("soft 65536, hard 65536 bytes"), out);
    assertTrue(out.contains("locking 1048576 bytes"), out);
  }
}
