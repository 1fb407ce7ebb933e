package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jmmap.internal.map.FaultyOs;
import org.jmmap.internal.map.Opener;
import org.jmmap.internal.map.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No exception of an internal class reaches a caller: every system call that the public API makes
 * is failed in turn with every errno Linux defines, and the class of what escapes (its causes and
 * suppressed exceptions too) must be the JDK's or one that {@code org.jmmap} exports.
 */
class PublicExceptionsTest {
  /** Linux's errno values run from 1 ({@code EPERM}) to 133 ({@code EHWPOISON}). */
  private static final int LAST_ERRNO = 133;

  @TempDir Path dir;

  /** Makes the map that an action works on, or none. */
  @FunctionalInterface
  private interface Make {
    Mmap make(Opener opener, Path file) throws IOException;
  }

  /** The public operation whose system calls are failed. */
  @FunctionalInterface
  private interface Action {
    void run(Opener opener, Path file, Mmap m) throws Exception;
  }

  private record Walk(String name, Make make, Action action) {}

  private static Mmap open(Opener o, MmapOptions options, Source source, long length)
      throws IOException {
    return Mmap.open(o, options.request(source, length));
  }

  private static Mmap file(Opener o, Path f) throws IOException {
    return open(o, Mmap.options(), new Source.File(f, true), 0);
  }

  private static Mmap anonymous(Opener o, int flags) throws IOException {
    return open(o, Mmap.options().flags(flags), new Source.Anonymous(), 3 * Mmap.PAGESIZE);
  }

  private static List<Walk> walks() {
    Make none = (o, f) -> null;
    Make fileMap = PublicExceptionsTest::file;
    Make sharedAnon = (o, f) -> anonymous(o, Mmap.MAP_SHARED);
    Make privateAnon = (o, f) -> anonymous(o, Mmap.MAP_PRIVATE);
    List<Walk> w = new ArrayList<>();
    for (Access a : Access.values()) {
      w.add(
          new Walk(
              "map " + a,
              none,
              (o, f, m) -> open(o, Mmap.options().access(a), new Source.File(f, true), 0).close()));
    }
    w.add(
        new Walk(
            "map, trackFd(false), offset, populate",
            none,
            (o, f, m) ->
                open(
                        o,
                        Mmap.options().trackFd(false).offset(Mmap.PAGESIZE).populate(true),
                        new Source.File(f, false),
                        0)
                    .close()));
    w.add(
        new Walk(
            "create a new shared file (SharedMemory.create)",
            none,
            (o, f, m) -> {
              Path created = f.resolveSibling("created");
              try {
                Mmap.open(
                        o,
                        org.jmmap.internal.map.Request.sharedWrite(
                            new Source.NewFile(created, 0600), 2 * Mmap.PAGESIZE))
                    .close();
              } finally {
                Files.deleteIfExists(created);
              }
            }));
    w.add(new Walk("anonymous shared", none, (o, f, m) -> anonymous(o, Mmap.MAP_SHARED).close()));
    w.add(new Walk("anonymous private", none, (o, f, m) -> anonymous(o, Mmap.MAP_PRIVATE).close()));
    for (Make make : List.of(fileMap, sharedAnon, privateAnon)) {
      String kind = make == fileMap ? "file" : make == sharedAnon ? "shared anon" : "private anon";
      w.add(new Walk(kind + " grow", make, (o, f, m) -> m.resize(m.length() + Mmap.PAGESIZE)));
      w.add(new Walk(kind + " shrink", make, (o, f, m) -> m.resize(Mmap.PAGESIZE)));
      w.add(new Walk(kind + " flush", make, (o, f, m) -> m.flush()));
      w.add(new Walk(kind + " flush range", make, (o, f, m) -> m.flush(0, Mmap.PAGESIZE)));
      w.add(new Walk(kind + " madvise", make, (o, f, m) -> m.madvise(Advice.WILLNEED)));
      w.add(new Walk(kind + " madvise from", make, (o, f, m) -> m.madvise(Mmap.MADV_RANDOM, 0)));
      w.add(new Walk(kind + " size", make, (o, f, m) -> m.size()));
      w.add(new Walk(kind + " close", make, (o, f, m) -> m.close()));
      w.add(new Walk(kind + " write", make, (o, f, m) -> m.write(new byte[] {1, 2, 3})));
    }
    return w;
  }

  @Test
  void everyFailedSystemCallOfThePublicApiEscapesAsAPublicType() throws Exception {
    Path f = dir.resolve("f");
    Files.write(f, new byte[4 * Mmap.PAGESIZE]);
    FaultyOs os = new FaultyOs();
    Opener opener = new Opener(os);
    Map<String, Integer> seen = new TreeMap<>(); // exception class -> how often it escaped
    int failures = 0;
    for (Walk walk : walks()) {
      os.disarm();
      int calls = count(walk, os, opener, f);
      for (int n = 0; n < calls; n++) {
        for (int errno = 1; errno <= LAST_ERRNO; errno++) {
          os.disarm();
          Mmap m = walk.make.make(opener, f);
          os.failCall(n, errno);
          try {
            walk.action.run(opener, f, m);
          } catch (Throwable t) {
            failures++;
            String where =
                walk.name + ", call " + n + " (" + os.failed() + ") failed with errno " + errno;
            checkPublic(t, where);
            seen.merge(t.getClass().getName(), 1, Integer::sum);
          } finally {
            os.disarm();
            if (m != null) {
              try {
                m.close();
              } catch (RuntimeException ignored) {
                // a close that was failed on purpose; its descriptors are checked below
              }
            }
            if (Files.size(f) != 4 * Mmap.PAGESIZE) {
              Files.write(f, new byte[4 * Mmap.PAGESIZE]); // a resize that went through
            }
          }
        }
      }
    }
    assertTrue(failures > 1000, "too few failures were injected to prove anything: " + seen);
    assertTrue(seen.containsKey(SystemCallException.class.getName()), seen.toString());
  }

  /** {@return how many system calls the walk's action makes} */
  private static int count(Walk walk, FaultyOs os, Opener opener, Path f) throws Exception {
    Mmap m = walk.make.make(opener, f);
    os.failCall(Integer.MAX_VALUE, 0);
    try {
      walk.action.run(opener, f, m);
    } finally {
      os.disarm();
      if (m != null) {
        m.close();
      }
    }
    return os.calls().size(); // munmap is among them, and is never failed
  }

  private static void checkPublic(Throwable t, String where) {
    Set<Throwable> done = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    List<Throwable> todo = new ArrayList<>(List.of(t));
    while (!todo.isEmpty()) {
      Throwable e = todo.removeLast();
      if (!done.add(e)) {
        continue;
      }
      Class<?> c = e.getClass();
      String pkg = c.getPackageName();
      boolean exported = pkg.equals("org.jmmap") || pkg.startsWith("java.");
      assertTrue(
          exported && Modifier.isPublic(c.getModifiers()),
          where + ": " + c.getName() + " reached the caller (in " + t + ")");
      if (e.getCause() != null) {
        todo.add(e.getCause());
      }
      todo.addAll(List.of(e.getSuppressed()));
    }
  }

  @Test
  void aDirectoryIsRefusedAsADirectoryWhateverTheAccess() throws IOException {
    for (Access a : Access.values()) {
      SystemCallException e =
          assertThrows(SystemCallException.class, () -> Mmap.map(dir, 0, a), a.toString());
      assertEquals(21, e.errno(), e.getMessage()); // EISDIR
      assertEquals(dir.toString(), e.getFile());
      assertTrue(e.getMessage().contains("Is a directory"), e.getMessage());
      assertTrue(!e.getMessage().contains("mmap("), e.getMessage());
    }
  }

  @Test
  void aMissingFileIsTheJdksNoSuchFileException() {
    Path missing = dir.resolve("missing");
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> Mmap.map(missing, 0, Access.READ));
    assertEquals(missing.toString(), e.getFile());
  }

  @Test
  void anUnmappableFileNamesItsErrnoThroughThePublicType() throws IOException {
    // /dev/null is a device without pages: mmap(2) fails with ENODEV
    Path proc = Path.of("/dev/null");
    Exception e = assertThrows(Exception.class, () -> Mmap.map(proc, 4096, Access.READ).close());
    assertInstanceOf(SystemCallException.class, e, e.toString());
    assertEquals(19, ((SystemCallException) e).errno(), e.toString()); // ENODEV
    assertTrue(e.getMessage().contains("ENODEV"), e.getMessage());
  }
}
