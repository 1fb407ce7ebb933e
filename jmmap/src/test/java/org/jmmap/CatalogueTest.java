package org.jmmap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rows of the CPython behaviour catalogue (section 2, CPython 3.11 on Linux), one test per row
 * or group of rows, named after the row numbers. Rows about Python's dynamic types (a float where
 * an int belongs, keyword arguments, an int out of byte range) have no Java counterpart: the
 * compiler rejects those calls.
 */
class CatalogueTest {
  static final int PS = Mmap.PAGESIZE;
  @TempDir Path dir;

  Path file(String content) throws IOException {
    return file(content.getBytes(ISO_8859_1));
  }

  Path file(byte[] content) throws IOException {
    return Files.write(Files.createTempFile(dir, "cat", ".bin"), content);
  }

  Path twoPages() throws IOException {
    byte[] b = new byte[2 * PS];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i / PS + 'A'); // first page 'A', second 'B'
    }
    return file(b);
  }

  static Mmap anon(String content) throws IOException {
    Mmap m = Mmap.anonymous(content.length());
    m.write(content.getBytes(ISO_8859_1));
    m.seek(0);
    return m;
  }

  static Mmap anon10() throws IOException {
    return anon("0123456789");
  }

  static byte[] b(String s) {
    return s.getBytes(ISO_8859_1);
  }

  // ---------------------------------------------------------------- 2.1 constructor

  @Test
  void row01AnonymousOfLengthZeroIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Mmap.anonymous(0));
  }

  @Test
  void row02And03EmptyFile() throws IOException {
    Path empty = file("");
    var e = assertThrows(IllegalArgumentException.class, () -> Mmap.map(empty, 0, Access.DEFAULT));
    assertEquals("cannot mmap an empty file", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Mmap.map(empty, 10, Access.DEFAULT));
    assertTrue(e.getMessage().startsWith("mmap length is greater than file size"));
  }

  @Test
  void row04To05LengthAgainstFileSize() throws IOException {
    Path f = file("0123456789");
    assertThrows(IllegalArgumentException.class, () -> Mmap.map(f, 11, Access.DEFAULT));
    try (Mmap a = Mmap.map(f, 10, Access.DEFAULT);
        Mmap z = Mmap.map(f, 0, Access.DEFAULT)) {
      assertEquals(10, a.length());
      assertEquals(10, z.length());
    }
  }

  @Test
  void row06And07NegativeLengthOrOffset() throws IOException {
    Path f = file("0123456789");
    assertThrows(IllegalArgumentException.class, () -> Mmap.map(f, -1, Access.DEFAULT));
    assertThrows(IllegalArgumentException.class, () -> Mmap.anonymous(-1));
    var e = assertThrows(IllegalArgumentException.class, () -> Mmap.map(f, 10, Access.DEFAULT, -1));
    assertTrue(e.getMessage().contains("offset must be positive"));
  }

  @Test
  void row08And09UnalignedOffset() throws IOException {
    Path f = file("0123456789");
    var e = assertThrows(IllegalArgumentException.class, () -> Mmap.map(f, 5, Access.DEFAULT, 1));
    assertTrue(e.getMessage().contains("ALLOCATIONGRANULARITY"), e.getMessage());
    Path two = twoPages();
    assertThrows(IllegalArgumentException.class, () -> Mmap.map(two, 0, Access.DEFAULT, 1));
  }

  @Test
  void row10To12OffsetAtOrPastTheEnd() throws IOException {
    Path f = file("0123456789");
    var e = assertThrows(IllegalArgumentException.class, () -> Mmap.map(f, 0, Access.DEFAULT, 10));
    assertTrue(e.getMessage().startsWith("mmap offset is greater than file size"));
    assertThrows(IllegalArgumentException.class, () -> Mmap.map(f, 0, Access.DEFAULT, PS));
    e = assertThrows(IllegalArgumentException.class, () -> Mmap.map(f, 1, Access.DEFAULT, PS));
    assertTrue(e.getMessage().startsWith("mmap length is greater than file size"));
  }

  @Test
  void row13And14SecondPage() throws IOException {
    Path two = twoPages();
    try (Mmap m = Mmap.map(two, 0, Access.DEFAULT, PS)) {
      assertEquals(PS, m.length());
      assertArrayEquals(b("B"), m.slice(0, 1));
      assertEquals(PS, m.offset());
    }
    assertThrows(IllegalArgumentException.class, () -> Mmap.map(two, PS + 1, Access.DEFAULT, PS));
  }

  @Test
  void row16To18AccessWithFlagsOrProt() throws IOException {
    Path f = file("0123456789");
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Mmap.options().flags(Mmap.MAP_PRIVATE).access(Access.WRITE).map(f));
    assertTrue(e.getMessage().startsWith("mmap can't specify both access and flags, prot:"));
    assertThrows(
        IllegalArgumentException.class,
        () -> Mmap.options().prot(Mmap.PROT_READ).access(Access.READ).map(f));
    try (Mmap m =
        Mmap.options()
            .flags(Mmap.MAP_SHARED)
            .prot(Mmap.PROT_READ | Mmap.PROT_WRITE)
            .access(Access.READ)
            .map(f)) {
      assertEquals(Access.READ, m.access());
    }
  }

  @Test
  void row19MissingFile() {
    assertThrows(NoSuchFileException.class, () -> Mmap.map(dir.resolve("missing"), 0, Access.READ));
  }

  @Test
  void row20To22ChannelModeMustFitTheAccess() throws IOException {
    Path f = file("0123456789");
    try (FileChannel ro = FileChannel.open(f, StandardOpenOption.READ)) {
      assertThrows(AccessDeniedException.class, () -> Mmap.map(ro, 0, Access.DEFAULT, 0));
      assertThrows(AccessDeniedException.class, () -> Mmap.map(ro, 0, Access.WRITE, 0));
      try (Mmap r = Mmap.map(ro, 0, Access.READ, 0)) {
        assertEquals(10, r.length());
      }
      // FileChannel.map needs a read-write channel for a private map; a Path needs read only
      assertThrows(AccessDeniedException.class, () -> Mmap.map(ro, 0, Access.COPY, 0));
    }
    f.toFile().setWritable(false);
    try (Mmap c = Mmap.map(f, 0, Access.COPY)) {
      c.set(0, (byte) 'X');
      assertEquals('X', c.get(0));
    } finally {
      f.toFile().setWritable(true);
    }
    try (FileChannel wo = FileChannel.open(f, StandardOpenOption.WRITE)) {
      assertThrows(AccessDeniedException.class, () -> Mmap.map(wo, 0, Access.READ, 0));
      assertThrows(AccessDeniedException.class, () -> Mmap.map(wo, 0, Access.WRITE, 0));
    }
  }

  @Test
  void row35And36ProtDecidesTheAccess() throws IOException {
    Path f = file("0123456789");
    int[] prots =
        Backings.portable()
            ? new int[] {Mmap.PROT_READ}
            : new int[] {Mmap.PROT_READ, Mmap.PROT_READ | Mmap.PROT_EXEC};
    for (int prot : prots) {
      try (Mmap m = Mmap.options().prot(prot).map(f)) {
        assertEquals(Access.READ, m.access());
        assertThrows(ReadOnlyMmapException.class, () -> m.write(b("a")));
        assertThrows(ReadOnlyMmapException.class, () -> m.writeByte((byte) 1));
        assertTrue(m.segment().isReadOnly());
      }
    }
    try (Mmap m = Mmap.options().prot(Mmap.PROT_WRITE).map(f)) {
      assertEquals(Access.WRITE, m.access());
      assertEquals('0', m.get(0)); // jmmap always adds PROT_READ
    }
    assertThrows(IllegalArgumentException.class, () -> Mmap.options().prot(0).map(f));
  }

  @Test
  void row37And38Flags() throws IOException {
    Path f = file("0123456789");
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).map(f)) {
      assertEquals(Access.DEFAULT, m.access());
    }
    // CPython passes flags=0 to mmap(2), which fails with EINVAL; jmmap refuses it first
    var e = assertThrows(IllegalArgumentException.class, () -> Mmap.options().flags(0).map(f));
    assertTrue(e.getMessage().contains("flags=0x0"), e.getMessage());
  }

  @Test
  void theExecutableProtIsRefusedByThePortableBackingWithWhatItNeeds() throws IOException {
    assumeTrue(Backings.portable(), "the Linux layer maps PROT_EXEC");
    Path f = file("0123456789");
    var e =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Mmap.options().prot(Mmap.PROT_READ | Mmap.PROT_EXEC).map(f));
    assertTrue(e.getMessage().contains("PROT_EXEC"), e.getMessage());
    assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
  }

  @Test
  void row39To41FilesThatAreNotRegular() throws IOException {
    assertThrows(IOException.class, () -> Mmap.map(dir, 0, Access.READ));
    assumeTrue(
        !Backings.portable(),
        "devices: the portable backing maps only regular files, as FileChannel.map does");
    var e = assertThrows(IOException.class, () -> Mmap.map(Path.of("/dev/null"), 10, Access.READ));
    assertTrue(e.getMessage().contains("ENODEV"), e.getMessage());
    assertThrows(IOException.class, () -> Mmap.map(Path.of("/dev/zero"), 0, Access.DEFAULT));
    try (Mmap z = Mmap.map(Path.of("/dev/zero"), 10, Access.DEFAULT)) {
      assertEquals(0, z.get(9));
    }
  }

  @Test
  void row40FifoFailsWithoutBlocking() throws Exception {
    Path fifo = dir.resolve("fifo");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assumeTrue(p.waitFor() == 0, "mkfifo is needed");
    assertThrows(IOException.class, () -> Mmap.map(fifo, 10, Access.READ));
    assertThrows(IOException.class, () -> Mmap.map(fifo, 10, Access.DEFAULT));
  }

  @Test
  void row42HugeAnonymousMapFailsWithIoException() {
    assertThrows(IOException.class, () -> Mmap.anonymous(1L << 62));
  }

  @Test
  void row42HugePrivateAnonymousMapFailsWithEnomemAndAHugeResizeChangesNothing()
      throws IOException {
    MmapOptions priv = Mmap.options().flags(Mmap.MAP_PRIVATE);
    var e = assertThrows(SystemCallException.class, () -> priv.anonymous(1L << 62));
    assertEquals(12, e.errno(), e.getMessage()); // ENOMEM, as CPython's OSError says
    try (Mmap m = priv.anonymous(10)) {
      m.set(3, (byte) 7);
      assertThrows(IOException.class, () -> m.resize(1L << 62));
      assertEquals(10, m.length());
      assertEquals(7, m.get(3));
    }
  }

  // ---------------------------------------------------------------- 2.2 read

  @Test
  void row45To48Read() throws IOException {
    try (Mmap m = anon10()) {
      assertArrayEquals(b("0123456789"), m.read());
      assertEquals(10, m.tell());
      assertArrayEquals(new byte[0], m.read());
      m.seek(2);
      assertArrayEquals(new byte[0], m.read(0));
      assertEquals(2, m.tell());
      assertArrayEquals(b("23456789"), m.read(-42));
      m.seek(2);
      assertArrayEquals(b("23456789"), m.read(1_000_000));
      assertEquals(10, m.tell());
    }
  }

  @Test
  void row53And54ReadByte() throws IOException {
    try (Mmap m = anon("\u00ff")) {
      assertEquals(255, m.readByte());
      var e = assertThrows(BufferUnderflowException.class, m::readByte);
      assertTrue(e.getMessage().startsWith("read byte out of range"));
    }
  }

  @Test
  void row56And57ReadLine() throws IOException {
    try (Mmap m = anon("ab\ncd\n\nef")) {
      for (String s : new String[] {"ab\n", "cd\n", "\n", "ef", ""}) {
        assertArrayEquals(b(s), m.readLine());
      }
      assertEquals(9, m.tell());
    }
    try (Mmap m = anon("a\r\nb\rc")) {
      assertArrayEquals(b("a\r\n"), m.readLine());
      assertArrayEquals(b("b\rc"), m.readLine());
    }
  }

  // ---------------------------------------------------------------- 2.3 write

  @Test
  void row59And64And65Write() throws IOException {
    try (Mmap m = anon10()) {
      assertEquals(3, m.write(b("abc")));
      assertEquals(3, m.tell());
      m.seek(7);
      var e = assertThrows(BufferOverflowException.class, () -> m.write(b("wxyz")));
      assertTrue(e.getMessage().startsWith("data out of range"));
      assertEquals(7, m.tell());
      assertArrayEquals(b("abc3456789"), m.slice(0, 10));
      m.seek(10);
      assertEquals(0, m.write(new byte[0]));
    }
  }

  @Test
  void row66And67WriteByte() throws IOException {
    try (Mmap m = anon10()) {
      m.writeByte((byte) 255);
      assertEquals(255, m.get(0) & 0xFF);
      m.seek(10);
      var e = assertThrows(BufferOverflowException.class, () -> m.writeByte((byte) 1));
      assertTrue(e.getMessage().startsWith("write byte out of range"));
    }
  }

  @Test
  void row71To73ReadOnlyIsCheckedBeforeTheRange() throws IOException {
    try (Mmap m = Mmap.map(file("0123456789"), 0, Access.READ)) {
      assertThrows(ReadOnlyMmapException.class, () -> m.write(b("a")));
      assertThrows(ReadOnlyMmapException.class, () -> m.write(new byte[0]));
      assertThrows(ReadOnlyMmapException.class, () -> m.writeByte((byte) 1));
      m.seek(10);
      var e = assertThrows(ReadOnlyMmapException.class, () -> m.write(b("a")));
      assertTrue(e.getMessage().startsWith("mmap can't modify a readonly memory map ("));
      assertThrows(NullPointerException.class, () -> m.write(null));
    }
  }

  // ---------------------------------------------------------------- 2.4 seek

  @Test
  void row74To80Seek() throws IOException {
    try (Mmap m = anon10()) {
      assertEquals(0, m.seek(0));
      assertEquals(10, m.seek(10));
      assertThrows(IllegalArgumentException.class, () -> m.seek(11));
      assertThrows(IllegalArgumentException.class, () -> m.seek(-1));
      assertEquals(9, m.seek(-1, Whence.END));
      assertEquals(10, m.seek(0, Whence.END));
      assertEquals(0, m.seek(-10, Whence.END));
      assertThrows(IllegalArgumentException.class, () -> m.seek(1, Whence.END));
      assertThrows(IllegalArgumentException.class, () -> m.seek(-11, Whence.END));
      m.seek(5);
      assertEquals(0, m.seek(-5, Whence.CUR));
      assertEquals(10, m.seek(10, Whence.CUR));
      assertThrows(IllegalArgumentException.class, () -> m.seek(1, Whence.CUR));
      m.seek(0);
      var e = assertThrows(IllegalArgumentException.class, () -> m.seek(-1, Whence.CUR));
      assertTrue(e.getMessage().startsWith("seek out of range"));
      assertThrows(NullPointerException.class, () -> m.seek(0, null));
    }
  }

  @Test
  void row84SeekOverflowIsOutOfRange() throws IOException {
    try (Mmap m = anon10()) {
      m.seek(1);
      assertThrows(IllegalArgumentException.class, () -> m.seek(Long.MAX_VALUE, Whence.CUR));
      assertThrows(IllegalArgumentException.class, () -> m.seek(Long.MAX_VALUE, Whence.END));
      assertEquals(1, m.tell());
    }
  }

  // ---------------------------------------------------------------- 2.5 find / rfind

  @Test
  void row88To95Find() throws IOException {
    try (Mmap m = anon("one two ones")) {
      assertEquals(0, m.find(b("one")));
      assertEquals(8, m.find(b("ones")));
      assertEquals(-1, m.find(b("zzz")));
      assertEquals(8, m.find(b("one"), 1));
      assertEquals(-1, m.find(b("one"), 1, -2));
      assertEquals(8, m.find(b("one"), -4));
      assertEquals(0, m.find(b("one"), -100));
      assertEquals(-1, m.find(b("one"), 100));
      assertEquals(-1, m.find(b("one"), 5, 2));
      assertEquals(0, m.find(b("")));
      assertEquals(5, m.find(b(""), 5));
      assertEquals(12, m.find(b(""), 12));
      assertEquals(12, m.find(b(""), 17));
      assertEquals(-1, m.find(b(""), 5, 2));
      assertEquals(4, m.find(b("two")));
      assertThrows(NullPointerException.class, () -> m.find(null));
    }
  }

  @Test
  void row99And100FindStartsAtThePosition() throws IOException {
    try (Mmap m = anon("one two ones")) {
      m.seek(1);
      assertEquals(8, m.find(b("one")));
      assertEquals(8, m.rfind(b("one")));
      m.seek(9);
      assertEquals(-1, m.find(b("one")));
      assertEquals(-1, m.rfind(b("one")));
      assertEquals(0, m.find(b("one"), 0));
      assertEquals(9, m.tell());
    }
  }

  @Test
  void row101To103Rfind() throws IOException {
    try (Mmap m = anon("one two ones")) {
      assertEquals(8, m.rfind(b("one")));
      assertEquals(0, m.rfind(b("one ")));
      assertEquals(8, m.rfind(b("one"), 0, -1));
      assertEquals(0, m.rfind(b("one"), 0, -2));
      assertEquals(-1, m.rfind(b("one"), 1, -2));
      assertEquals(12, m.rfind(b("")));
      assertEquals(5, m.rfind(b(""), 0, 5));
      assertEquals(12, m.rfind(b(""), 0, 100));
      assertEquals(-1, m.find(b("one two ones!")));
      assertEquals(-1, m.rfind(b("one two ones!")));
      assertEquals(0, m.tell());
    }
  }

  // ---------------------------------------------------------------- 2.6 move

  @Test
  void row104To107Move() throws IOException {
    try (Mmap m = anon("ABCDEabcde")) {
      m.seek(3);
      m.move(5, 0, 5);
      assertArrayEquals(b("ABCDEABCDE"), m.slice(0, 10));
      assertEquals(3, m.tell());
    }
    try (Mmap m = anon10()) {
      m.move(1, 0, 9);
      assertArrayEquals(b("0012345678"), m.slice(0, 10));
    }
    try (Mmap m = anon10()) {
      m.move(0, 1, 9);
      assertArrayEquals(b("1234567899"), m.slice(0, 10));
      long[][] bad = {{0, 0, 11}, {10, 0, 1}, {11, 0, 0}, {-1, 0, 1}, {0, -1, 1}, {0, 0, -1}};
      for (long[] a : bad) {
        var e = assertThrows(IllegalArgumentException.class, () -> m.move(a[0], a[1], a[2]));
        assertTrue(e.getMessage().startsWith("source, destination, or count out of range"));
      }
      m.move(10, 10, 0);
    }
  }

  @Test
  void row110ReadOnlyMoveIsRefusedBeforeTheRange() throws IOException {
    try (Mmap m = Mmap.map(file("0123456789"), 0, Access.READ)) {
      assertThrows(ReadOnlyMmapException.class, () -> m.move(0, 1, 1));
      assertThrows(ReadOnlyMmapException.class, () -> m.move(0, 100, 1));
    }
  }

  // ---------------------------------------------------------------- 2.7 flush

  @Test
  void row111To115FlushOnAnonymousMemory() throws IOException {
    try (Mmap m = anon10()) {
      m.flush();
      m.flush(0, 10);
      m.flush(0, 0);
      var e = assertThrows(IOException.class, () -> m.flush(1, 2));
      assertTrue(e.getMessage().contains("EINVAL"));
      assertThrows(IOException.class, () -> m.flush(10, 0));
      for (long[] a : new long[][] {{0, 11}, {-1, 1}, {0, -1}, {PS, 0}}) {
        var v = assertThrows(IllegalArgumentException.class, () -> m.flush(a[0], a[1]));
        assertTrue(v.getMessage().startsWith("flush values out of range"));
      }
    }
  }

  @Test
  void row116And117FlushOnTheSecondPage() throws IOException {
    try (Mmap m = Mmap.map(twoPages(), 0, Access.DEFAULT)) {
      m.flush(PS, PS);
      m.flush(PS, 1);
      assertThrows(IllegalArgumentException.class, () -> m.flush(PS, PS + 1));
    }
  }

  @Test
  void row118To120FlushDoesNothingForReadAndCopy() throws IOException {
    Path f = file("0123456789");
    try (Mmap r = Mmap.map(f, 0, Access.READ);
        Mmap c = Mmap.map(f, 0, Access.COPY)) {
      r.flush();
      r.flush(1, 2);
      assertThrows(IllegalArgumentException.class, () -> r.flush(0, 100));
      c.set(0, (byte) 'X');
      c.flush(1, 2);
      c.flush();
    }
    assertArrayEquals(b("0123456789"), Files.readAllBytes(f));
  }

  // ---------------------------------------------------------------- 2.8 size / resize / madvise

  @Test
  void row122AnonymousSizeIsItsLength() throws IOException {
    try (Mmap m = anon10()) {
      assertEquals(10, m.size());
    }
  }

  @Test
  void row123To125SizeIsTheWholeFile() throws IOException {
    Path two = twoPages();
    try (Mmap first = Mmap.map(two, PS, Access.DEFAULT);
        Mmap second = Mmap.map(two, 0, Access.DEFAULT, PS)) {
      assertEquals(2 * PS, first.size());
      assertEquals(PS, first.length());
      assertEquals(2 * PS, second.size());
      Files.write(two, new byte[PS], StandardOpenOption.APPEND);
      assertEquals(3 * PS, first.size());
      assertEquals(PS, first.length());
    }
  }

  @Test
  void row126To128ResizeAFileMap() throws IOException {
    Path f = file("0123456789");
    try (Mmap m = Mmap.map(f, 0, Access.DEFAULT)) {
      m.resize(20);
      assertEquals(20, m.length());
      assertEquals(20, m.size());
      assertEquals(20, Files.size(f));
      assertArrayEquals(new byte[10], m.slice(10, 20));
      m.resize(5);
      assertEquals(5, m.length());
      assertArrayEquals(b("01234"), Files.readAllBytes(f));
      assertArrayEquals(b("01234"), m.read());
      var e = assertThrows(IllegalArgumentException.class, () -> m.resize(-1));
      assertTrue(e.getMessage().startsWith("new size out of range"));
    }
  }

  @Test
  void row129ResizeToZeroFailsAndChangesNothing() throws IOException {
    Path f = file("01234");
    try (Mmap m = Mmap.map(f, 0, Access.DEFAULT)) {
      assertThrows(IOException.class, () -> m.resize(0));
      assertEquals(5, m.length());
      assertEquals(5, Files.size(f)); // CPython truncates the file to 0 here
    }
  }

  @Test
  void row131ResizeBeyondTheFileSystemFailsAndChangesNothing() throws IOException {
    Path f = file("01234");
    try (Mmap m = Mmap.map(f, 0, Access.DEFAULT)) {
      var e = assertThrows(IOException.class, () -> m.resize(1L << 62));
      // the portable backing has no errno names: the JDK reports the same failure as its strerror
      assertTrue(
          e.getMessage().contains(Backings.portable() ? "File too large" : "EFBIG"),
          e.getMessage());
      assertEquals(5, m.length());
      assertEquals(5, Files.size(f));
      assertArrayEquals(b("01234"), m.slice(0, 5));
    }
  }

  @Test
  void row132ResizeWithAnOffsetSizesTheFileToOffsetPlusLength() throws IOException {
    Path two = twoPages();
    try (Mmap m = Mmap.map(two, 0, Access.DEFAULT, PS)) {
      m.resize(10);
      assertEquals(PS + 10, Files.size(two));
      assertEquals('B', m.get(9));
    }
  }

  @Test
  void row133To136ResizeAnonymousMemory() throws IOException {
    try (Mmap m = anon10()) {
      m.resize(5);
      assertArrayEquals(b("01234"), m.slice(0, 5));
      m.resize(2 * PS); // CPython 3.11 dies of SIGBUS on the next line, 3.13 refuses
      assertEquals(0, m.get(PS));
      m.set(2 * PS - 1, (byte) 7);
      assertArrayEquals(b("01234"), m.slice(0, 5));
      assertThrows(IOException.class, () -> m.resize(0));
      assertEquals(2 * PS, m.length());
    }
    try (Mmap p = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(10)) {
      p.write(b("0123456789"));
      p.resize(3 * PS);
      assertArrayEquals(b("0123456789"), p.slice(0, 10));
      assertEquals(0, p.get(3 * PS - 1));
    }
  }

  @Test
  void row137ResizeToTheSameSize() throws IOException {
    try (Mmap m = Mmap.map(file("0123456789"), 0, Access.DEFAULT)) {
      m.resize(10);
      assertEquals(10, m.length());
    }
  }

  @Test
  void row138ResizeOfReadOrCopyMapsIsRefused() throws IOException {
    Path f = file("0123456789");
    try (Mmap r = Mmap.map(f, 0, Access.READ);
        Mmap c = Mmap.map(f, 0, Access.COPY);
        Mmap ac = Mmap.options().access(Access.COPY).anonymous(10)) {
      assertThrows(ReadOnlyMmapException.class, () -> r.resize(5));
      var e = assertThrows(UnsupportedOperationException.class, () -> c.resize(5));
      assertTrue(e.getMessage().startsWith("mmap can't resize a readonly or copy-on-write"));
      assertThrows(UnsupportedOperationException.class, () -> ac.resize(5));
    }
    assertEquals(10, Files.size(f));
  }

  @Test
  void row140PrivateFlagMapResizesTheRealFile() throws IOException {
    assumeTrue(!Backings.portable(), "mremap: FileChannel.map would drop the private changes");
    Path f = file("0123456789");
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).map(f)) {
      m.resize(20);
      assertEquals(20, Files.size(f));
    }
  }

  @Test
  void aPrivateFlagMapIsNotResizedByThePortableBackingAndTheFileKeepsItsSize() throws IOException {
    assumeTrue(Backings.portable(), "the Linux layer resizes it with mremap");
    Path f = file("0123456789");
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).map(f)) {
      m.set(0, (byte) 'x');
      var e = assertThrows(UnsupportedOperationException.class, () -> m.resize(20));
      assertTrue(e.getMessage().contains(Backings.HOW), e.getMessage());
      assertEquals(10, m.length());
      assertEquals('x', m.get(0));
    }
    assertEquals(10, Files.size(f));
  }

  @Test
  void row141To144PositionPastTheEndAfterAShrink() throws IOException {
    try (Mmap m = Mmap.map(file(new byte[2 * PS]), 0, Access.DEFAULT)) {
      m.read(5000);
      m.resize(PS);
      assertEquals(5000, m.tell());
      assertArrayEquals(new byte[0], m.read());
      assertArrayEquals(new byte[0], m.readLine());
      assertEquals(-1, m.find(b("x")));
      assertThrows(BufferUnderflowException.class, m::readByte);
      assertThrows(BufferOverflowException.class, () -> m.writeByte((byte) 1));
      assertThrows(BufferOverflowException.class, () -> m.write(new byte[0]));
      assertThrows(IllegalArgumentException.class, () -> m.seek(0, Whence.CUR));
      assertTrue(
          m.toString()
              .startsWith(
                  "Mmap[closed=false, access=DEFAULT, length=" + PS + ", pos=5000, offset=0"),
          m.toString());
    }
  }

  @Test
  void row145To149Madvise() throws IOException {
    try (Mmap m = Mmap.map(file(new byte[2 * PS]), 0, Access.DEFAULT)) {
      m.madvise(Mmap.MADV_NORMAL);
      m.madvise(Mmap.MADV_NORMAL, PS, 1);
      m.madvise(Mmap.MADV_NORMAL, 0, 10L * PS);
      m.madvise(Mmap.MADV_NORMAL, 0, 0);
      var e =
          assertThrows(
              IllegalArgumentException.class, () -> m.madvise(Mmap.MADV_NORMAL, 2 * PS, 1));
      assertEquals("madvise start out of bounds", e.getMessage().split(":")[0]);
      assertThrows(IllegalArgumentException.class, () -> m.madvise(Mmap.MADV_NORMAL, -1, 1));
      e = assertThrows(IllegalArgumentException.class, () -> m.madvise(Mmap.MADV_NORMAL, 0, -1));
      assertEquals("madvise length invalid", e.getMessage().split(":")[0]);
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> m.madvise(Mmap.MADV_NORMAL, PS, Long.MAX_VALUE));
      assertEquals("madvise length too large", e.getMessage().split(":")[0]);
      var u =
          assertThrows(java.io.UncheckedIOException.class, () -> m.madvise(Mmap.MADV_NORMAL, 1, 1));
      assertTrue(u.getMessage().contains("EINVAL"));
      // CPython passes any int to the kernel (OSError for an unknown one); jmmap refuses every
      // value it does not know to be safe, before the kernel sees it
      e = assertThrows(IllegalArgumentException.class, () -> m.madvise(9999));
      assertTrue(e.getMessage().contains("option=9999"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> m.madvise(Mmap.MADV_HWPOISON));
      assertTrue(e.getMessage().contains("option=100"), e.getMessage());
    }
  }

  // ---------------------------------------------------------------- 2.9 indexing and slicing

  @Test
  void row152To153Get() throws IOException {
    try (Mmap m = anon10()) {
      assertEquals('0', m.get(0));
      assertEquals('9', m.get(-1));
      assertEquals('0', m.get(-10));
      assertEquals('1', m.get(1));
      var e = assertThrows(IndexOutOfBoundsException.class, () -> m.get(10));
      assertTrue(e.getMessage().startsWith("mmap index out of range"));
      assertThrows(IndexOutOfBoundsException.class, () -> m.get(-11));
    }
  }

  @Test
  void row159And162SetChecksReadOnlyThenTheIndex() throws IOException {
    try (Mmap m = anon10()) {
      assertThrows(IndexOutOfBoundsException.class, () -> m.set(10, (byte) 1));
    }
    try (Mmap r = Mmap.map(file("0123456789"), 0, Access.READ)) {
      assertThrows(ReadOnlyMmapException.class, () -> r.set(0, (byte) 1));
      assertThrows(ReadOnlyMmapException.class, () -> r.set(100, (byte) 1));
      assertThrows(ReadOnlyMmapException.class, () -> r.setSlice(0, 1, b("a")));
    }
  }

  @Test
  void row163To165Slices() throws IOException {
    try (Mmap m = anon10()) {
      assertArrayEquals(b(""), m.slice(5, 2));
      assertArrayEquals(b(""), m.slice(100, 200));
      assertArrayEquals(b("012"), m.slice(-100, 3));
      assertArrayEquals(b("0123456789"), m.slice(Long.MIN_VALUE, Long.MAX_VALUE));
      assertArrayEquals(b("02468"), m.slice(Long.MIN_VALUE, Long.MAX_VALUE, 2));
      assertArrayEquals(b("9876543210"), m.slice(Long.MAX_VALUE, Long.MIN_VALUE, -1));
      assertArrayEquals(b("864"), m.slice(8, 2, -2));
      assertArrayEquals(b("0"), m.slice(Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE));
      assertArrayEquals(b("9"), m.slice(Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE));
      var e = assertThrows(IllegalArgumentException.class, () -> m.slice(0, 10, 0));
      assertEquals("slice step cannot be zero", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> m.setSlice(0, 10, 0, new byte[0]));
    }
  }

  @Test
  void row167And171And172SliceAssignment() throws IOException {
    try (Mmap m = anon10()) {
      m.seek(3);
      var e = assertThrows(IndexOutOfBoundsException.class, () -> m.setSlice(2, 5, b("ab")));
      assertTrue(e.getMessage().startsWith("mmap slice assignment is wrong size"));
      assertThrows(IndexOutOfBoundsException.class, () -> m.setSlice(2, 5, b("abcd")));
      assertThrows(
          IndexOutOfBoundsException.class,
          () -> m.setSlice(Long.MIN_VALUE, Long.MAX_VALUE, 2, b("AB")));
      assertThrows(IndexOutOfBoundsException.class, () -> m.setSlice(100, 200, b("x")));
      m.setSlice(Long.MIN_VALUE, Long.MAX_VALUE, 2, b("ABCDE"));
      assertArrayEquals(b("A1B3C5D7E9"), m.slice(0, 10));
      m.setSlice(Long.MAX_VALUE, Long.MIN_VALUE, -1, b("0123456789"));
      assertArrayEquals(b("9876543210"), m.slice(0, 10));
      m.setSlice(5, 2, new byte[0]);
      m.setSlice(100, 200, new byte[0]);
      assertEquals(3, m.tell());
    }
  }

  // ---------------------------------------------------------------- 2.10 protocols

  @Test
  void row178SegmentIsReadOnlyExactlyForReadMaps() throws IOException {
    Path f = file("0123456789");
    try (Mmap r = Mmap.map(f, 0, Access.READ);
        Mmap c = Mmap.map(f, 0, Access.COPY);
        Mmap w = Mmap.map(f, 0, Access.WRITE)) {
      assertTrue(r.segment().isReadOnly());
      assertFalse(c.segment().isReadOnly());
      assertFalse(w.segment().isReadOnly());
      assertEquals(10, w.segment().byteSize());
    }
  }

  @Test
  void row179CloseInvalidatesSegmentsInsteadOfRefusing() throws IOException {
    Mmap m = anon10();
    var s = m.segment();
    m.close();
    assertThrows(
        IllegalStateException.class, () -> s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
  }

  @Test
  void row181TryWithResourcesClosesAndPropagates() throws IOException {
    Mmap[] seen = new Mmap[1];
    assertThrows(
        IllegalCallerException.class,
        () -> {
          try (Mmap m = anon10()) {
            seen[0] = m;
            assertFalse(m.isClosed());
            throw new IllegalCallerException("boom");
          }
        });
    assertTrue(seen[0].isClosed());
  }

  @Test
  void row183And184ClosedMap() throws IOException {
    Mmap m = anon10();
    m.close();
    for (MapContract.ThrowingRunnable op : ClosedOps.all(m)) {
      var e = assertThrows(IllegalStateException.class, op::run);
      assertTrue(e.getMessage().startsWith("mmap closed or invalid"), e.getMessage());
    }
    assertEquals("Mmap[closed=true]", m.toString());
    assertTrue(m.isClosed());
    m.close();
  }

  @Test
  void row188TruncatedFileFaultsWithAnExceptionNotACrash() throws IOException {
    Path f = file(new byte[2 * PS]);
    try (Mmap m = Mmap.map(f, 0, Access.DEFAULT)) {
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.truncate(10);
      }
      assertEquals(2 * PS, m.length());
      assertEquals(10, m.size());
      assertEquals(0, m.get(0));
      // once the JIT has compiled get() (other tests in this JVM may have warmed it), HotSpot
      // reports the fault at its next safepoint poll, which can be get()'s return: then the
      // caller sees the JVM's InternalError (README, "What it cannot promise")
      assertFaults(() -> m.get(PS + 1), f);
      assertFaults(() -> m.slice(PS, PS + 10), f);
      assertFaults(() -> m.find(b("x"), PS), f);
    }
  }

  private static void assertFaults(org.junit.jupiter.api.function.Executable access, Path f) {
    Throwable t = assertThrows(Throwable.class, access);
    if (t instanceof MmapFaultException e) {
      assertEquals(10, e.fileSize());
      assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    } else {
      assertTrue(t instanceof InternalError, t.toString());
    }
  }
}
