package org.jmmap.internal.map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Stream;
import org.jmmap.Mmap;
import org.jmmap.SystemCallException;
import org.jmmap.internal.ffi.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every system call that making, resizing, flushing, advising and closing a map makes, failed in
 * turn with each errno a kernel gives for a busy, short or confused system: afterwards no
 * descriptor and no mapping is left behind, and a map that was there keeps its length, its bytes
 * and its file's size (or, where jmmap retried and succeeded, has exactly the new ones).
 */
class RegionFailureTest {
  private static final int EINTR = 4;
  private static final int EBADF = 9;
  private static final int EAGAIN = 11;
  private static final int ENOMEM = 12;
  private static final int EMFILE = 24;
  private static final int ENOSPC = 28;
  private static final int[] ERRNOS = {EINTR, ENOMEM, ENOSPC, EAGAIN, EBADF, EMFILE};

  /** Every call of the seam that map, resize, flush, madvise and close make on Linux. */
  private static final Set<String> EVERY_PATH =
      Set.of(
          "open",
          "create",
          "createUnnamed",
          "linkUnnamed",
          "link",
          "fstat",
          "ftruncate",
          "fallocate",
          "writeZeros",
          "memfd_create",
          "mmap",
          "mremap",
          "msync",
          "madvise",
          "close");

  private final long seed = System.nanoTime();
  private final RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
  private final long page = Opener.system().pageSize();
  private final Set<String> failedCalls = new TreeSet<>();
  private final Set<String> madeCalls = new TreeSet<>();

  @TempDir Path dir;

  /** Makes a region, or none, before the calls under test; not failed. */
  @FunctionalInterface
  private interface Prepare {
    Region make(Opener opener, Path file) throws IOException;
  }

  /** The operation whose system calls are failed; returns the region it made, if any. */
  @FunctionalInterface
  private interface Action {
    Region run(Opener opener, Path file, Region region) throws IOException;
  }

  /** {@return what the map's state must be after the action succeeded} */
  private record After(long length, long fileSize) {}

  private static Request request(Source source, long length, Mode.Kind access, int flags) {
    return new Request(
        source, length, access, flags, Mman.PROT_READ | Mman.PROT_WRITE, 0, true, false, false);
  }

  private static Request file(Path file, boolean trackFd) {
    return new Request(
        new Source.File(file, true),
        0,
        Mode.Kind.DEFAULT,
        Mman.MAP_SHARED,
        Mman.PROT_READ | Mman.PROT_WRITE,
        0,
        trackFd,
        false,
        false);
  }

  private String note() {
    return "seed " + seed + ": ";
  }

  @Test
  void enomemFromReservedHugePagesIsReportedAtOnceWhileOrdinaryMemoryIsRetried() throws Exception {
    long huge = 2L << 20;
    // maps of this JVM hold more than the request, so that a collection might make room for it
    try (Mmap held = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(4 * huge)) {
      held.set(0, (byte) 1);
      FaultyOs os = new FaultyOs();
      Opener o = new Opener(os);
      os.failCall(0, Errno.ENOMEM);
      SystemCallException e =
          assertThrows(
              SystemCallException.class,
              () ->
                  o.open(
                      request(
                          new Source.Anonymous(huge), huge, Mode.Kind.DEFAULT, Mman.MAP_PRIVATE)));
      assertEquals(Errno.ENOMEM, e.errno());
      // the pool of reserved pages is short, which no collection cures: one mmap, no retry
      assertEquals(List.of("mmap"), os.calls());
      os.failCall(0, Errno.ENOMEM);
      Region r = o.open(request(new Source.Anonymous(), huge, Mode.Kind.DEFAULT, Mman.MAP_PRIVATE));
      try {
        assertEquals(
            List.of("mmap", "mmap"), os.calls().subList(0, 2), "retried after a collection");
      } finally {
        r.close();
      }
    }
  }

  @Test
  void everyFailedSystemCallLeavesNothingBehindAndChangesNothing() throws Exception {
    long three = 3 * page;
    After none = null;
    run("map a file", (o, f) -> null, (o, f, r) -> o.open(file(f, true)), none);
    run(
        "map a file and drop its descriptor",
        (o, f) -> null,
        (o, f, r) -> o.open(file(f, false)),
        none);
    run(
        "map a file copy-on-write",
        (o, f) -> null,
        (o, f, r) -> o.open(request(new Source.File(f, true), 0, Mode.Kind.COPY, Mman.MAP_SHARED)),
        none);
    run(
        "map shared anonymous memory",
        (o, f) -> null,
        (o, f, r) ->
            o.open(request(new Source.Anonymous(), three, Mode.Kind.DEFAULT, Mman.MAP_SHARED)),
        none);
    run(
        "map private anonymous memory",
        (o, f) -> null,
        (o, f, r) ->
            o.open(request(new Source.Anonymous(), three, Mode.Kind.DEFAULT, Mman.MAP_PRIVATE)),
        none);
    run(
        "create a shared file",
        (o, f) -> null,
        (o, f, r) ->
            o.open(Request.sharedWrite(new Source.NewFile(f.resolveSibling("new"), 0600), three)),
        none);
    Prepare mapped = (o, f) -> o.open(file(f, true));
    run("grow a file map", mapped, resize(5 * page), new After(5 * page, 5 * page));
    run("shrink a file map", mapped, resize(page), new After(page, page));
    Prepare memory =
        (o, f) ->
            o.open(request(new Source.Anonymous(), three, Mode.Kind.DEFAULT, Mman.MAP_SHARED));
    run("grow shared anonymous memory", memory, resize(5 * page), new After(5 * page, -1));
    run("flush a file map", mapped, (o, f, r) -> flush(r), new After(three, three));
    run("advise a file map", mapped, (o, f, r) -> advise(r), new After(three, three));
    run("close a file map", mapped, (o, f, r) -> close(r), new After(-1, three));
    run("close shared anonymous memory", memory, (o, f, r) -> close(r), new After(-1, -1));

    Set<String> missing = new TreeSet<>(EVERY_PATH);
    missing.removeAll(failedCalls);
    assertTrue(
        missing.isEmpty(), note() + "system calls never failed: " + missing + " of " + madeCalls);
  }

  private static Action resize(long newLength) {
    return (o, f, r) -> {
      r.resize(newLength, () -> "the map under test");
      return r;
    };
  }

  private static Region flush(Region r) throws IOException {
    r.segment().set(ValueLayout.JAVA_BYTE, 0, r.segment().get(ValueLayout.JAVA_BYTE, 0));
    r.flush(0, r.length());
    return r;
  }

  private static Region advise(Region r) throws IOException {
    r.advise(Mman.MADV_WILLNEED, 0, r.length());
    return r;
  }

  private static Region close(Region r) throws IOException {
    r.close();
    return r;
  }

  /**
   * Runs {@code action} once per errno and per system call it makes, that call failing, and checks
   * what is left: after a failure, what {@code prepare} made and nothing else, unchanged; after a
   * success (jmmap retried), the state {@code after} describes.
   *
   * @param after the state after success, or null when the action makes a new map
   */
  private void run(String what, Prepare prepare, Action action, After after) throws Exception {
    run(what, prepare, action, after, false, false);
    if (what.startsWith("create") || what.startsWith("grow a file")) {
      run(what + " without fallocate", prepare, action, after, true, false);
    }
    if (what.startsWith("create")) {
      run(what + " without O_TMPFILE", prepare, action, after, false, true);
      run(what + " without O_TMPFILE or fallocate", prepare, action, after, true, true);
    }
  }

  private void run(
      String what,
      Prepare prepare,
      Action action,
      After after,
      boolean noFallocate,
      boolean noTmpfile)
      throws Exception {
    for (int errno : ERRNOS) {
      for (int n = 0; ; n++) {
        Path file = dir.resolve("f-" + n + "-" + errno);
        byte[] initial = new byte[(int) (3 * page)];
        random.nextBytes(initial);
        Files.write(file, initial);
        Files.deleteIfExists(file.resolveSibling("new"));
        FaultyOs os = noFallocate ? new FaultyOs().withoutFallocate() : new FaultyOs();
        if (noTmpfile) {
          os.withoutTmpfile();
        }
        Opener opener = new Opener(os);
        Region before = prepare.make(opener, file);
        Set<Integer> fds = os.openDescriptors();
        Map<Long, Long> maps = os.mappings();
        String where = note() + what + ", call " + n + " failing with errno " + errno;

        os.failCall(n, errno);
        Region made = null;
        Exception thrown = null;
        try {
          made = action.run(opener, file, before);
        } catch (IOException | RuntimeException e) {
          thrown = e;
        }
        os.disarm();
        madeCalls.addAll(os.calls());
        boolean reached = os.failed() != null;
        if (reached) {
          failedCalls.add(os.failed());
          where += " (" + os.failed() + ", calls " + os.calls() + ")";
        }
        if (thrown != null) {
          assertTrue(reached, where + ": failed with no failure injected: " + thrown);
          checkUnchanged(where, os, file, initial, before, after, fds, maps, thrown);
        } else {
          checkDone(where, file, initial, made, after);
        }
        if (made != null && made != before) {
          made.close();
        }
        if (before != null) {
          before.close();
        }
        assertEquals(Set.of(), os.openDescriptors(), where + ": descriptors left open");
        assertEquals(Map.of(), os.mappings(), where + ": mappings left");
        assertEquals(List.of(), temporaryNames(), where + ": temporary names left");
        if (!reached) {
          break; // the action made fewer calls than n: every one has been failed
        }
      }
    }
  }

  /** {@return the hidden names that creating a file through a temporary name uses, left in dir} */
  private List<String> temporaryNames() throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries
          .map(e -> e.getFileName().toString())
          .filter(e -> e.startsWith(".jmmap-"))
          .toList();
    }
  }

  private void checkUnchanged(
      String where,
      FaultyOs os,
      Path file,
      byte[] initial,
      Region before,
      After after,
      Set<Integer> fds,
      Map<Long, Long> maps,
      Exception thrown)
      throws IOException {
    where += ": " + thrown;
    assertArrayEquals(initial, Files.readAllBytes(file), where + ": the file changed");
    assertFalse(Files.exists(file.resolveSibling("new")), where + ": a created file was left");
    if (before == null) {
      assertEquals(Set.of(), os.openDescriptors(), where + ": descriptors left open");
      assertEquals(Map.of(), os.mappings(), where + ": mappings left");
      return;
    }
    if (after.length() < 0) { // close: it completes even when close(2) reports an error
      assertTrue(before.isClosed(), where + ": the map is still open");
      assertEquals(Set.of(), os.openDescriptors(), where + ": descriptors left open");
      assertEquals(Map.of(), os.mappings(), where + ": mappings left");
      return;
    }
    assertEquals(fds, os.openDescriptors(), where + ": descriptors changed");
    assertEquals(maps.keySet().size(), os.mappings().size(), where + ": mappings changed");
    assertEquals(initial.length, before.length(), where + ": the length changed");
    byte[] now = before.segment().toArray(ValueLayout.JAVA_BYTE);
    if (after.fileSize() >= 0) {
      assertArrayEquals(initial, now, where + ": the bytes changed");
    } else {
      assertEquals(initial.length, now.length, where + ": the length changed");
    }
  }

  private void checkDone(String where, Path file, byte[] initial, Region made, After after)
      throws IOException {
    if (after == null) { // a new map: it maps what is there
      Path created = file.resolveSibling("new");
      if (Files.exists(created)) {
        assertEquals(3 * page, Files.size(created), where + ": the created file's size");
      } else if (made.attachPath() != null && made.attachPath().equals(file)) {
        assertArrayEquals(
            initial, made.segment().toArray(ValueLayout.JAVA_BYTE), where + ": the map's bytes");
      }
      return;
    }
    if (after.length() < 0) {
      assertTrue(made.isClosed(), where + ": the map is still open");
      return;
    }
    assertEquals(after.length(), made.length(), where + ": the length");
    if (after.fileSize() >= 0) {
      assertEquals(after.fileSize(), Files.size(file), where + ": the file's size");
      int common = (int) Math.min(initial.length, after.length());
      assertArrayEquals(
          Arrays.copyOf(initial, common),
          made.segment().asSlice(0, common).toArray(ValueLayout.JAVA_BYTE),
          where + ": the bytes");
    }
  }
}
