package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jmmap.internal.ffi.NativeOs;
import org.jmmap.internal.map.Opener;
import org.jmmap.internal.map.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the Linux layer, a read-only map of a regular file is made through the JDK, so that a fresh
 * JVM needs no FFM linker for it ({@code BindingTest} checks that in a child JVM). Such a map must
 * be indistinguishable from one the layer's own calls make: the same answers and the same failures,
 * the descriptor's semantics for {@code size()}, no sensitivity to interrupts, and the same release
 * by the collector. The portable backing, which makes its first calls on a channel in the caller's
 * thread too, owes the last three as well.
 */
class ReadOnlyFileMapsTest {
  private static final int PS = Mmap.PAGESIZE;

  @TempDir Path dir;

  /** {@return what mapping {@code source} read-only through {@code opener} gave, as text} */
  private static String outcome(Opener opener, Source source, long length, long offset) {
    MmapOptions options = Mmap.options().access(Access.READ).offset(offset);
    try (Mmap m = Mmap.open(opener, options.request(source, length))) {
      byte[] line = m.readLine();
      return "ok length="
          + m.length()
          + " size="
          + m.size()
          + " line="
          + new String(line, StandardCharsets.ISO_8859_1)
          + " "
          + m.toString().replaceAll("pos=\\d+", "");
    } catch (Exception e) {
      return e.getClass().getName()
          + ": "
          + e.getMessage()
          + (e instanceof SystemCallException s ? " errno=" + s.errno() : "");
    }
  }

  @Test
  void everyReadOnlyMapSucceedsOrFailsExactlyAsTheLinuxLayersOwnCallsMakeIt() throws Exception {
    assumeFalse(Backings.portable(), "the Linux layer's own calls: not on the portable backing");
    Path text = Files.writeString(dir.resolve("text"), "first line\nsecond\n");
    Path pages = Files.write(dir.resolve("pages"), new byte[3 * PS]);
    Path empty = Files.write(dir.resolve("empty"), new byte[0]);
    Path link = Files.createSymbolicLink(dir.resolve("link"), text);
    Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nothing"));
    Path fifo = dir.resolve("fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(), "mkfifo");
    Path unreadable = Files.writeString(dir.resolve("unreadable"), "secret\n");
    Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("-w-------"));
    // a name not in ASCII exists only where the platform's encoding of names has it (not under the
    // POSIX locale)
    boolean nonAscii =
        java.nio.charset.Charset.forName(System.getProperty("sun.jnu.encoding"))
            .newEncoder()
            .canEncode("n\u00e4me");
    Path named = nonAscii ? Files.writeString(dir.resolve("n\u00e4me"), "not ascii\n") : text;
    // every file of hugetlbfs is whole huge pages, 64 KiB at least: such sizes take the layer's
    // path
    Path whole = Files.write(dir.resolve("whole"), new byte[64 << 10]);
    record Case(String what, Source source, long length, long offset) {}
    List<Case> cases =
        List.of(
            new Case("a text file", new Source.File(text, true), 0, 0),
            new Case("a prefix", new Source.File(text, true), 5, 0),
            new Case("the last page", new Source.File(pages, true), 0, 2L * PS),
            new Case("a missing file", new Source.File(dir.resolve("missing"), true), 0, 0),
            new Case("a directory", new Source.File(dir, true), 0, 0),
            new Case("a link, followed", new Source.File(link, true), 0, 0),
            new Case("a link, not followed", new Source.File(link, false), 0, 0),
            new Case("a dangling link", new Source.File(dangling, true), 0, 0),
            new Case("a FIFO", new Source.File(fifo, true), 10, 0),
            new Case("/dev/null", new Source.File(Path.of("/dev/null"), true), PS, 0),
            new Case("/dev/zero", new Source.File(Path.of("/dev/zero"), true), PS, 0),
            new Case("an empty file", new Source.File(empty, true), 0, 0),
            new Case("more than the file", new Source.File(text, true), 100, 0),
            new Case("past the end", new Source.File(pages, true), 0, 4L * PS),
            new Case("at the end", new Source.File(pages, true), 0, 3L * PS),
            new Case("an unaligned offset", new Source.File(pages, true), 0, 100),
            new Case("a file not readable", new Source.File(unreadable, true), 0, 0),
            new Case("a size of whole 64 KiB", new Source.File(whole, true), 0, 0),
            new Case("a name not in ASCII", new Source.File(named, true), 0, 0));
    if (!nonAscii) {
      System.out.println(
          "ReadOnlyFileMapsTest: names are "
              + System.getProperty("sun.jnu.encoding")
              + " here, which has no name outside ASCII: that case maps the text file instead");
    }
    Opener linux = new Opener(NativeOs.current()); // every map made by the layer's own calls
    List<String> differ = new ArrayList<>();
    for (Case c : cases) {
      String ownCalls = outcome(linux, c.source(), c.length(), c.offset());
      String system = outcome(Opener.system(), c.source(), c.length(), c.offset());
      if (!system.equals(ownCalls)) {
        differ.add(
            c.what()
                + ":\n  through the system's opener: "
                + system
                + "\n  own calls: "
                + ownCalls);
      }
    }
    assertTrue(differ.isEmpty(), String.join("\n", differ));
    String plain = outcome(Opener.system(), new Source.File(text, true), 0, 0);
    assertTrue(plain.startsWith("ok length=18 size=18 line=first line"), plain);
    assertTrue(plain.contains("backing=native"), plain);
  }

  /**
   * The JDK's channel closes itself when its thread is interrupted; a read-only map must not care,
   * as the layer's own calls do not: made on an interrupted thread it works, its {@code size()}
   * called there answers every time, and the interrupt is still set for the caller.
   */
  @Test
  void aReadOnlyMapIgnoresTheInterruptsOfTheThreadsThatUseIt() throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "line\n");
    try (Mmap before = Mmap.map(f, 0, Access.READ)) {
      Thread.currentThread().interrupt();
      try (Mmap during = Mmap.map(f, 0, Access.READ)) {
        assertArrayEquals("line\n".getBytes(StandardCharsets.US_ASCII), during.readLine());
        for (int i = 0; i < 3; i++) {
          assertEquals(5, before.size(), "size() on an interrupted thread, call " + i);
          assertEquals(5, during.size(), "size() on an interrupted thread, call " + i);
        }
        assertTrue(Thread.currentThread().isInterrupted(), "the interrupt was lost");
      } finally {
        Thread.interrupted();
      }
      assertEquals(5, before.size(), "size() after the interrupts");
    }
  }

  /**
   * {@code size()} is the size of the file that was mapped, as {@code fstat} of the descriptor
   * gives it: after the name was moved to another file, it still follows the first one.
   */
  @Test
  void sizeFollowsTheMappedFileNotItsName() throws Exception {
    Path f = Files.write(dir.resolve("f"), new byte[PS]);
    try (Mmap m = Mmap.map(f, 0, Access.READ)) {
      Path moved = Files.move(f, dir.resolve("moved"));
      Files.write(f, new byte[3 * PS]);
      Files.write(moved, new byte[10], StandardOpenOption.APPEND);
      assertEquals(PS + 10, m.size(), m.toString());
      assertEquals(PS, m.length(), m.toString());
    }
  }

  /** Read-only maps dropped unclosed, shared and confined, give back their descriptors. */
  @Test
  void unclosedReadOnlyMapsAreReleasedWhenUnreachable() throws Exception {
    Path f = Files.writeString(dir.resolve("f"), "dropped\n");
    System.gc(); // what earlier tests dropped is not counted as this test's
    Thread.sleep(50);
    long before = openDescriptors();
    for (int i = 0; i < 200; i++) {
      Mmap m =
          i % 2 == 0
              ? Mmap.map(f, 0, Access.READ)
              : Mmap.options().access(Access.READ).confined().map(f);
      assertEquals('d', m.get(0)); // never closed
    }
    assertTrue(openDescriptors() >= before + 50, "the maps hold no descriptor: nothing to check");
    // every one, so that none is released later, under another test that counts descriptors
    for (int i = 0; i < 200 && openDescriptors() > before; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertTrue(openDescriptors() <= before, "descriptors were not released");
  }

  private static long openDescriptors() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }
}
