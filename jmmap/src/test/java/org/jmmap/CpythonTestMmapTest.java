package org.jmmap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * CPython 3.13's {@code Lib/test/test_mmap.py}, ported test by test: the same data and the same
 * assertions, with Python's exceptions read through the table in {@code docs/python-to-java.md}.
 * Each test names the Python method it ports; the methods that cannot apply are listed, with the
 * reason, in that document. Where the Python test compares with {@code bytes} or {@code list}
 * slicing, the expected answers come from CPython itself ({@link PortOracle}).
 */
class CpythonTestMmapTest {
  @TempDir Path dir;

  private static final int PAGESIZE = Mmap.PAGESIZE;

  private Path testfn() {
    return dir.resolve("TESTFN");
  }

  private static byte[] b(String s) {
    return s.getBytes(ISO_8859_1);
  }

  private static byte[] repeat(char c, int n) {
    byte[] out = new byte[n];
    Arrays.fill(out, (byte) c);
    return out;
  }

  private static String hex(byte[] bytes) {
    return bytes.length == 0 ? "-" : HexFormat.of().formatHex(bytes);
  }

  // test_basic
  @Test
  void aTwoPageFileMapReadsWritesSearchesSeeksAndShrinksTheFileWithIt() throws IOException {
    byte[] init = new byte[2 * PAGESIZE];
    System.arraycopy(b("foo"), 0, init, PAGESIZE, 3);
    Files.write(testfn(), init);
    try (Mmap m = Mmap.map(testfn(), 2L * PAGESIZE, Access.DEFAULT)) {
      assertEquals(PAGESIZE, m.find(b("foo")));
      assertEquals(2L * PAGESIZE, m.length());
      assertEquals(0, m.get(0));
      assertArrayEquals(new byte[3], m.slice(0, 3));
      // Issue #5292: no crash at the boundary
      assertThrows(IndexOutOfBoundsException.class, () -> m.get(m.length()));
      assertThrows(IndexOutOfBoundsException.class, () -> m.set(m.length(), (byte) 0));

      m.set(0, (byte) '3');
      m.setSlice(PAGESIZE + 3, PAGESIZE + 3 + 3, b("bar"));
      assertEquals('3', m.get(0));
      assertArrayEquals(b("3\0\0"), m.slice(0, 3));
      assertArrayEquals(b("\0foobar\0"), m.slice(PAGESIZE - 1, PAGESIZE + 7));
      m.flush();

      Matcher match = Pattern.compile("[A-Za-z]+").matcher(m.asCharSequence());
      assertTrue(match.find(), "regex match on mmap failed");
      assertEquals(PAGESIZE, match.start());
      assertEquals(PAGESIZE + 6, match.end());

      assertTrue(m.seekable());
      assertEquals(0, m.seek(0, Whence.SET));
      assertEquals(0, m.tell());
      assertEquals(42, m.seek(42, Whence.CUR));
      assertEquals(42, m.tell());
      assertEquals(m.length(), m.seek(0, Whence.END));
      assertEquals(m.length(), m.tell());
      assertThrows(IllegalArgumentException.class, () -> m.seek(-1));
      assertThrows(IllegalArgumentException.class, () -> m.seek(1, Whence.END));
      assertThrows(IllegalArgumentException.class, () -> m.seek(-m.length() - 1, Whence.END));

      m.resize(512);
      assertEquals(512, m.length());
      assertThrows(IllegalArgumentException.class, () -> m.seek(513, Whence.SET));
      // bug #728515: the file shrinks too
      assertEquals(512, Files.size(testfn()));
      assertEquals(512, m.size());
    }
  }

  // test_access_parameter
  @Test
  void eachAccessModeAllowsAndRefusesWhatPythonsDoes() throws IOException {
    int mapsize = 10;
    Files.write(testfn(), repeat('a', mapsize));
    try (Mmap m = Mmap.map(testfn(), mapsize, Access.READ)) {
      assertArrayEquals(repeat('a', mapsize), m.slice(), "Readonly memory map data incorrect.");
      assertThrows(ReadOnlyMmapException.class, () -> m.setSlice(repeat('b', mapsize)));
      assertThrows(ReadOnlyMmapException.class, () -> m.set(0, (byte) 'b'));
      m.seek(0, Whence.SET);
      assertThrows(ReadOnlyMmapException.class, () -> m.write(b("abc")));
      m.seek(0, Whence.SET);
      assertThrows(ReadOnlyMmapException.class, () -> m.writeByte((byte) 'd'));
      assertThrows(ReadOnlyMmapException.class, () -> m.resize(2L * mapsize));
      assertArrayEquals(
          repeat('a', mapsize),
          Files.readAllBytes(testfn()),
          "Readonly memory map data file was modified");
    }

    // a map longer than the file is a ValueError on Unix
    assertThrows(
        IllegalArgumentException.class, () -> Mmap.map(testfn(), mapsize + 1, Access.DEFAULT));

    try (Mmap m = Mmap.map(testfn(), mapsize, Access.WRITE)) {
      m.setSlice(repeat('c', mapsize));
      assertArrayEquals(
          repeat('c', mapsize), m.slice(), "Write-through memory map memory not updated properly.");
      m.flush();
    }
    assertArrayEquals(
        repeat('c', mapsize),
        Files.readAllBytes(testfn()),
        "Write-through memory map data file not updated properly.");

    try (Mmap m = Mmap.map(testfn(), mapsize, Access.COPY)) {
      m.setSlice(repeat('d', mapsize));
      assertArrayEquals(
          repeat('d', mapsize), m.slice(), "Copy-on-write memory map data not written correctly.");
      m.flush();
      assertArrayEquals(
          repeat('c', mapsize),
          Files.readAllBytes(testfn()),
          "Copy-on-write test data file should not be modified.");
      assertThrows(UnsupportedOperationException.class, () -> m.resize(2L * mapsize));
    }

    // access=4 cannot be written: Access is an enum

    assertThrows(
        IllegalArgumentException.class,
        () ->
            Mmap.options()
                .length(mapsize)
                .flags(Mmap.MAP_PRIVATE)
                .prot(Mmap.PROT_READ)
                .access(Access.WRITE)
                .map(testfn()));
  }

  // test_access_parameter, its last part, which CPython's test skips where PROT_EXEC is refused
  @Test
  void aReadAndExecuteMapRefusesWrites() throws IOException {
    int mapsize = 10;
    Files.write(testfn(), repeat('c', mapsize));
    MmapOptions exec = Mmap.options().length(mapsize).prot(Mmap.PROT_READ | Mmap.PROT_EXEC);
    if (Backings.portable()) {
      var e = assertThrows(UnsupportedOperationException.class, () -> exec.map(testfn()));
      assertTrue(
          e.getMessage().contains("PROT_EXEC") && e.getMessage().contains(Backings.HOW),
          e.getMessage());
    }
    assumeFalse(
        Backings.portable(),
        "executable memory (PROT_EXEC) is not supported by the portable backing, which refuses"
            + " it as checked here");
    try (Mmap m = exec.map(testfn())) {
      assertThrows(ReadOnlyMmapException.class, () -> m.write(b("abcdef")));
      assertThrows(ReadOnlyMmapException.class, () -> m.writeByte((byte) 0));
    }
  }

  // test_trackfd_parameter
  @Test
  void aFileMapWithoutItsDescriptorRefusesSizeAndResizeButReadsWritesAndFlushes()
      throws IOException {
    int size = 64;
    Files.write(testfn(), repeat('a', size));
    for (boolean closeOriginalFd : new boolean[] {true, false}) {
      String sub = "close_original_fd=" + closeOriginalFd;
      Mmap kept;
      FileChannel f = FileChannel.open(testfn(), StandardOpenOption.READ, StandardOpenOption.WRITE);
      try (Mmap m = Mmap.options().length(size).trackFd(false).map(f)) {
        kept = m;
        if (closeOriginalFd) {
          f.close();
        }
        assertEquals(size, m.length(), sub);
        // CPython 3.13: OSError EBADF; jmmap documents UnsupportedOperationException
        assertThrows(UnsupportedOperationException.class, m::size, sub);
        // CPython: ValueError("mmap can't resize with trackfd=False.")
        assertThrows(UnsupportedOperationException.class, () -> m.resize(size * 2), sub);
        assertThrows(UnsupportedOperationException.class, () -> m.resize(size / 2), sub);
        assertFalse(m.isClosed(), sub);

        m.writeByte((byte) 'X');
        m.set(2, (byte) 'Y');
        m.flush();
        assertArrayEquals(b("XaYa"), Arrays.copyOf(Files.readAllBytes(testfn()), 4), sub);
        assertEquals(1, m.tell(), sub);
        m.seek(0);
        assertEquals(0, m.tell(), sub);
        assertEquals('X', m.readByte(), sub);
      } finally {
        f.close();
      }
      assertTrue(kept.isClosed(), sub);
      assertEquals(size, Files.size(testfn()), sub);
    }
  }

  // test_trackfd_neg1
  @Test
  void anonymousMemoryWithoutADescriptorGivesItsLengthAsSizeAndRefusesResize() throws IOException {
    int size = 64;
    try (Mmap m = Mmap.options().trackFd(false).anonymous(size)) {
      // CPython 3.13 raises OSError here; jmmap answers the length for every anonymous map
      // (see Mmap.size and docs/python-to-java.md)
      assertEquals(size, m.size());
      assertThrows(UnsupportedOperationException.class, () -> m.resize(size / 2));
      assertEquals(size, m.length());
      m.set(0, (byte) 'a');
      assertEquals('a', m.get(0));
    }
  }

  // test_bad_file_desc: jmmap takes a Path, so the nearest bad descriptor is a file that is not
  @Test
  void mappingAFileThatDoesNotExistIsAnIoException() {
    assertThrows(
        NoSuchFileException.class, () -> Mmap.map(dir.resolve("missing"), 4096, Access.DEFAULT));
  }

  /** The first index of {@code sub} in {@code data} from {@code from}, by plain comparison. */
  private static int naiveFind(byte[] data, byte[] sub) {
    outer:
    for (int i = 0; i + sub.length <= data.length; i++) {
      for (int k = 0; k < sub.length; k++) {
        if (data[i + k] != sub[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  // test_tougher_find (SF bug 515943: data with embedded NUL bytes)
  @Test
  void findLocatesEverySliceOfDataWithEmbeddedNulBytes() throws IOException {
    byte[] data = b("aabaac\0deef\0\0aa\0");
    int n = data.length;
    Files.write(testfn(), data);
    try (Mmap m = Mmap.map(testfn(), n, Access.DEFAULT)) {
      for (int start = 0; start <= n; start++) {
        for (int finish = start; finish <= n; finish++) {
          byte[] slice = Arrays.copyOfRange(data, start, finish);
          String where = "data[" + start + ":" + finish + "]";
          assertEquals(naiveFind(data, slice), m.find(slice), where);
          byte[] withX = Arrays.copyOf(slice, slice.length + 1);
          withX[slice.length] = 'x';
          assertEquals(-1, m.find(withX), where + " + b'x'");
        }
      }
    }
  }

  private static final byte[] ONE_TWO_ONES = b("one two ones");

  // test_find_end
  @Test
  void findHonoursItsEndBoundLikeBytesFind() throws Exception {
    byte[] data = ONE_TWO_ONES;
    int n = data.length;
    Files.write(testfn(), data);
    try (Mmap m = Mmap.map(testfn(), n, Access.DEFAULT)) {
      assertEquals(0, m.find(b("one")));
      assertEquals(8, m.find(b("ones")));
      assertEquals(0, m.find(b("one"), 0, -1));
      assertEquals(8, m.find(b("one"), 1));
      assertEquals(8, m.find(b("one"), 1, -1));
      assertEquals(-1, m.find(b("one"), 1, -2));

      List<String> expected =
          PortOracle.run(
              dir,
              """
              data = b'one two ones'
              n = len(data)
              for i in range(-n - 1, n + 1):
                  for j in range(-n - 1, n + 1):
                      for p in [b"o", b"on", b"two", b"ones", b"s"]:
                          print(p.decode(), i, j, data.find(p, i, j))
              """);
      assertEquals((2 * n + 2) * (2 * n + 2) * 5, expected.size());
      for (String line : expected) {
        String[] f = line.split(" ");
        long i = Long.parseLong(f[1]);
        long j = Long.parseLong(f[2]);
        assertEquals(
            Long.parseLong(f[3]), m.find(b(f[0]), i, j), "(" + f[0] + ", " + i + ", " + j + ")");
      }
    }
  }

  // test_find_does_not_access_beyond_buffer: CPython puts a PROT_NONE guard map next to the
  // searched one; jmmap refuses prot=0, so the neighbour here is readable, and what is checked is
  // that a search starting two bytes before the end finds nothing there and throws nothing
  @Test
  void findNearTheEndOfManyPrivateAnonymousMapsFindsNothingAndReadsNothingPastThem()
      throws IOException {
    int flags = Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS;
    MmapOptions guardOptions = Mmap.options().flags(flags).prot(Mmap.PROT_READ);
    MmapOptions mapOptions = Mmap.options().flags(flags).prot(Mmap.PROT_READ);
    for (int i = 0; i < 2049; i++) {
      try (Mmap guard = guardOptions.anonymous((long) PAGESIZE * (i + 1));
          Mmap fm = mapOptions.anonymous((long) PAGESIZE * (i + 2048))) {
        assertNotNull(guard);
        assertEquals(-1, fm.find(b("fo"), -2), "i=" + i);
      }
    }
  }

  // test_rfind
  @Test
  void rfindHonoursItsStartAndEndBounds() throws IOException {
    byte[] data = ONE_TWO_ONES;
    Files.write(testfn(), data);
    try (Mmap m = Mmap.map(testfn(), data.length, Access.DEFAULT)) {
      assertEquals(8, m.rfind(b("one")));
      assertEquals(0, m.rfind(b("one ")));
      assertEquals(8, m.rfind(b("one"), 0, -1));
      assertEquals(0, m.rfind(b("one"), 0, -2));
      assertEquals(8, m.rfind(b("one"), 1, -1));
      assertEquals(-1, m.rfind(b("one"), 1, -2));
    }
  }

  // test_double_close (Bug# 665913)
  @Test
  void closingAReadOnlyMapTwiceIsHarmless() throws IOException {
    Files.write(testfn(), repeat('a', 1 << 16));
    Mmap mf = Mmap.map(testfn(), 1 << 16, Access.READ);
    mf.close();
    mf.close();
    assertTrue(mf.isClosed());
  }

  // test_entire_file
  @Test
  void lengthZeroMapsTheWholeFile() throws IOException {
    Files.write(testfn(), repeat('m', 1 << 16));
    try (Mmap mf = Mmap.map(testfn(), 0, Access.DEFAULT)) {
      assertEquals(1 << 16, mf.length(), "Map size should equal file size.");
      assertArrayEquals(repeat('m', 1 << 16), mf.read(1 << 16));
    }
  }

  // test_length_0_offset (Issue #10916)
  @Test
  void lengthZeroWithAnOffsetMapsTheRestOfTheFileAndNoMore() throws IOException {
    Files.write(testfn(), repeat('m', 65536 * 2));
    try (Mmap mf = Mmap.map(testfn(), 0, Access.READ, 65536)) {
      assertThrows(IndexOutOfBoundsException.class, () -> mf.get(80000));
    }
  }

  // test_length_0_large_offset (Issue #10959); Python reopens the file with "w+b", emptying it
  @Test
  void lengthZeroWithAnOffsetPastTheFileIsRefused() throws IOException {
    Files.write(testfn(), repeat('m', 115699));
    try (FileChannel f =
        FileChannel.open(
            testfn(),
            StandardOpenOption.READ,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      assertThrows(
          IllegalArgumentException.class, () -> Mmap.map(f, 0, Access.DEFAULT, 2147418112L));
    }
  }

  // test_move
  @Test
  void moveCopiesEveryOverlappingRangeAndRefusesRangesOutsideTheMap() throws IOException {
    Files.write(testfn(), b("ABCDEabcde"));
    try (Mmap mf = Mmap.map(testfn(), 10, Access.DEFAULT)) {
      mf.move(5, 0, 5);
      assertArrayEquals(b("ABCDEABCDE"), mf.slice(), "Map move should have duplicated front 5");
    }

    byte[] data = b("0123456789");
    for (int dest = 0; dest < data.length; dest++) {
      for (int src = 0; src < data.length; src++) {
        for (int count = 0; count < data.length - Math.max(dest, src); count++) {
          byte[] expected = data.clone();
          System.arraycopy(data, src, expected, dest, count);
          try (Mmap m = Mmap.anonymous(data.length)) {
            m.setSlice(data);
            m.move(dest, src, count);
            assertArrayEquals(
                expected, m.slice(), "move(" + dest + ", " + src + ", " + count + ")");
          }
        }
      }
    }

    // Issue 5387: no crash for any of these
    try (Mmap m = Mmap.anonymous(100)) {
      long[] offsets = {-100, -1, 0, 1, 100};
      for (long source : offsets) {
        for (long dest : offsets) {
          for (long size : offsets) {
            try {
              m.move(source, dest, size);
            } catch (IllegalArgumentException expectedForSome) {
              // a ValueError in Python
            }
          }
        }
      }
      long[][] bad = {
        {-1, -1, -1}, {-1, -1, 0}, {-1, 0, -1}, {0, -1, -1}, {-1, 0, 0}, {0, -1, 0}, {0, 0, -1}
      };
      for (long[] t : bad) {
        assertThrows(
            IllegalArgumentException.class, () -> m.move(t[0], t[1], t[2]), Arrays.toString(t));
      }
    }

    try (Mmap m = Mmap.anonymous(1)) {
      assertThrows(IllegalArgumentException.class, () -> m.move(0, 0, 2));
      assertThrows(IllegalArgumentException.class, () -> m.move(1, 0, 1));
      assertThrows(IllegalArgumentException.class, () -> m.move(0, 1, 1));
      m.move(0, 0, 1);
      m.move(0, 0, 0);
    }
  }

  // test_anonymous
  @Test
  void anonymousMemoryStartsZeroedAndKeepsEveryByteWritten() throws IOException {
    try (Mmap m = Mmap.anonymous(PAGESIZE)) {
      for (int x = 0; x < PAGESIZE; x++) {
        assertEquals(0, m.get(x), "anonymously mmap'ed contents should be zero");
      }
      for (int x = 0; x < PAGESIZE; x++) {
        byte v = (byte) (x & 0xff);
        m.set(x, v);
        assertEquals(v, m.get(x));
      }
    }
  }

  private static byte[] range(int from, int to) {
    byte[] out = new byte[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = (byte) i;
    }
    return out;
  }

  // test_read_all
  @Test
  void readWithoutACountOrWithANegativeOneReadsToTheEnd() throws IOException {
    try (Mmap m = Mmap.anonymous(16)) {
      m.write(range(0, 16));
      m.seek(0);
      assertArrayEquals(range(0, 16), m.read());
      m.seek(8);
      assertArrayEquals(range(8, 16), m.read());
      m.seek(16);
      assertArrayEquals(new byte[0], m.read());
      m.seek(3);
      assertArrayEquals(range(3, 16), m.read()); // read(None)
      m.seek(4);
      assertArrayEquals(range(4, 16), m.read(-1));
      m.seek(5);
      assertArrayEquals(range(5, 16), m.read(-2));
      m.seek(9);
      assertArrayEquals(range(9, 16), m.read(-42));
    }
  }

  /** The indexes of test_extended_getslice; null is Python's None. */
  private static final Long[] INDICES = {
    0L, null, 1L, 3L, 19L, 300L, Long.MAX_VALUE, -1L, -2L, -31L, -300L
  };

  private static final String INDICES_PY =
      "(0, None, 1, 3, 19, 300, sys.maxsize, -1, -2, -31, -300)";

  /** Python's None as a slice's start: the low end for a positive step, else the high end. */
  static long start(Long v, long step) {
    return v != null ? v : step > 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  /** Python's None as a slice's stop: the high end for a positive step, else the low end. */
  static long stop(Long v, long step) {
    return v != null ? v : step > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
  }

  /** Python's None as a step: 1. */
  static long step(Long v) {
    return v != null ? v : 1;
  }

  private static String key(Long start, Long stop, Long step) {
    return start + " " + stop + " " + step;
  }

  private static String py(Long v) {
    return v == null ? "None" : v.toString();
  }

  private static byte[] reversedRange256() {
    byte[] s = new byte[256];
    for (int i = 0; i < 256; i++) {
      s[i] = (byte) (255 - i);
    }
    return s;
  }

  /** {@code key -> hex} from lines {@code "start stop step hex"} with None spelled "null". */
  private static Map<String, String> byKey(List<String> lines) {
    Map<String, String> out = new HashMap<>();
    for (String line : lines) {
      int cut = line.lastIndexOf(' ');
      out.put(line.substring(0, cut).replace("None", "null"), line.substring(cut + 1));
    }
    return out;
  }

  // test_extended_getslice
  @Test
  void everyExtendedSliceIsTheSameAsCpythonsBytesSlice() throws Exception {
    byte[] s = reversedRange256();
    Map<String, String> expected =
        byKey(
            PortOracle.run(
                dir,
                """
                import sys
                s = bytes(reversed(range(256)))
                indices = %s
                for start in indices:
                    for stop in indices:
                        for step in indices[1:]:
                            print(start, stop, step, s[start:stop:step].hex() or '-')
                """
                    .formatted(INDICES_PY)));
    try (Mmap m = Mmap.anonymous(s.length)) {
      m.setSlice(s);
      assertArrayEquals(s, m.slice());
      for (Long start : INDICES) {
        for (Long stop : INDICES) {
          for (Long step : Arrays.copyOfRange(INDICES, 1, INDICES.length)) {
            String k = key(start, stop, step);
            String want = expected.get(k);
            assertNotNull(want, k);
            long st = step(step);
            assertEquals(
                want,
                hex(m.slice(start(start, st), stop(stop, st), st)),
                "m[" + py(start) + ":" + py(stop) + ":" + py(step) + "]");
          }
        }
      }
    }
  }

  // test_extended_set_del_slice
  @Test
  void everyExtendedSliceAssignmentLeavesWhatCpythonsListAssignmentLeaves() throws Exception {
    byte[] s = reversedRange256();
    Map<String, String> expected =
        byKey(
            PortOracle.run(
                dir,
                """
                import sys
                s = bytes(reversed(range(256)))
                indices = %s
                for start in indices:
                    for stop in indices:
                        for step in indices[1:]:
                            L = list(s)
                            data = bytes(reversed(L[start:stop:step]))
                            L[start:stop:step] = data
                            print(start, stop, step, bytes(L).hex())
                """
                    .formatted(INDICES_PY)));
    try (Mmap m = Mmap.anonymous(s.length)) {
      for (Long start : INDICES) {
        for (Long stop : INDICES) {
          for (Long step : Arrays.copyOfRange(INDICES, 1, INDICES.length)) {
            long st = step(step);
            long a = start(start, st);
            long z = stop(stop, st);
            m.setSlice(s);
            assertArrayEquals(s, m.slice());
            byte[] data = m.slice(a, z, st);
            for (int i = 0, j = data.length - 1; i < j; i++, j--) {
              byte t = data[i];
              data[i] = data[j];
              data[j] = t;
            }
            m.setSlice(a, z, st, data);
            String k = key(start, stop, step);
            assertEquals(
                expected.get(k),
                hex(m.slice()),
                "m[" + py(start) + ":" + py(stop) + ":" + py(step) + "] = reversed");
          }
        }
      }
    }
  }

  // test_empty_file
  @Test
  void anEmptyFileCannotBeMappedWholeAndTheMessageSaysSo() throws IOException {
    Files.write(testfn(), new byte[0]);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Mmap.map(testfn(), 0, Access.READ));
    assertTrue(e.getMessage().contains("cannot mmap an empty file"), e.getMessage());
  }

  // test_offset
  @Test
  void aMapAtAnOffsetReadsFromThereAndResizesTheFileFromThere() throws IOException {
    int halfsize = Mmap.ALLOCATIONGRANULARITY;
    byte[] init = new byte[2 * halfsize];
    System.arraycopy(b("foo"), 0, init, halfsize, 3);
    Files.write(testfn(), init);
    Mmap.map(testfn(), 0, Access.DEFAULT).close(); // make_mmap_file

    int mapsize = halfsize * 2;
    // offset=None cannot be written
    for (long offset : new long[] {-2, -1}) {
      assertThrows(
          IllegalArgumentException.class,
          () -> Mmap.map(testfn(), mapsize, Access.DEFAULT, offset),
          "offset=" + offset);
    }

    try (Mmap m = Mmap.map(testfn(), mapsize - halfsize, Access.DEFAULT, halfsize)) {
      assertArrayEquals(b("foo"), m.slice(0, 3));
      m.resize(512);
      assertEquals(512, m.length());
      assertThrows(IllegalArgumentException.class, () -> m.seek(513, Whence.SET));
      assertArrayEquals(b("foo"), m.slice(0, 3));
      assertEquals(halfsize + 512, Files.size(testfn()));
      assertEquals(halfsize + 512, m.size());
    }
  }

  // test_prot_readonly
  @Test
  void aMapWithProtReadOnlyRefusesWrite() throws IOException {
    int mapsize = 10;
    Files.write(testfn(), repeat('a', mapsize));
    try (Mmap m = Mmap.options().length(mapsize).prot(Mmap.PROT_READ).map(testfn())) {
      assertThrows(ReadOnlyMmapException.class, () -> m.write(b("foo")));
    }
  }

  // test_io_methods
  @Test
  void writeByteReadByteReadAndWriteMoveThePositionAndStopAtTheEnd() throws IOException {
    byte[] data = b("0123456789");
    Files.write(testfn(), repeat('x', data.length));
    try (Mmap m = Mmap.map(testfn(), data.length, Access.DEFAULT)) {
      for (int i = 0; i < data.length; i++) {
        assertEquals(i, m.tell());
        m.writeByte(data[i]);
        assertEquals(i + 1, m.tell());
      }
      assertThrows(BufferOverflowException.class, () -> m.writeByte((byte) 'x'));
      assertArrayEquals(data, m.slice());

      m.seek(0);
      for (int i = 0; i < data.length; i++) {
        assertEquals(i, m.tell());
        assertEquals(data[i], m.readByte());
        assertEquals(i + 1, m.tell());
      }
      assertThrows(BufferUnderflowException.class, m::readByte);

      m.seek(3);
      assertArrayEquals(b("345"), m.read(3));
      assertEquals(6, m.tell());

      m.seek(3);
      m.write(b("bar"));
      assertEquals(6, m.tell());
      assertArrayEquals(b("012bar6789"), m.slice());
      m.write(b("baz")); // bytearray(b"baz")
      assertEquals(9, m.tell());
      assertArrayEquals(b("012barbaz9"), m.slice());
      assertThrows(BufferOverflowException.class, () -> m.write(b("ba")));
    }
  }

  // test_non_ascii_byte
  @Test
  void bytesAbove127ComeBackAsTheSameValue() throws IOException {
    for (int v : new int[] {129, 200, 255}) {
      try (Mmap m = Mmap.anonymous(1)) {
        m.writeByte((byte) v);
        // m[0] is an int in Python; get gives the signed byte, so mask it
        assertEquals(v, m.get(0) & 0xFF, "b=" + v);
        m.seek(0);
        assertEquals(v, m.readByte(), "b=" + v);
      }
    }
  }

  // test_context_manager
  @Test
  void tryWithResourcesClosesTheMap() throws IOException {
    Mmap kept;
    try (Mmap m = Mmap.anonymous(10)) {
      kept = m;
      assertFalse(m.isClosed());
    }
    assertTrue(kept.isClosed());
  }

  // test_context_manager_exception
  @Test
  void anExceptionThrownInsideTryWithResourcesPassesThroughAndTheMapIsClosed() {
    Mmap[] kept = new Mmap[1];
    IOException e =
        assertThrows(
            IOException.class,
            () -> {
              try (Mmap m = Mmap.anonymous(10)) {
                kept[0] = m;
                throw new IOException("raised inside the block");
              }
            });
    assertEquals("raised inside the block", e.getMessage(), "wrong exception raised");
    assertTrue(kept[0].isClosed(), "context manager failed");
  }

  // test_write_returning_the_number_of_bytes_written
  @Test
  void writeReturnsHowManyBytesItWrote() throws IOException {
    try (Mmap mm = Mmap.anonymous(16)) {
      assertEquals(0, mm.write(b("")));
      assertEquals(1, mm.write(b("x")));
      assertEquals(2, mm.write(b("yz")));
      assertEquals(6, mm.write(b("python")));
    }
  }

  // test_resize_past_pos
  @Test
  void afterAResizeBelowThePositionReadsAreEmptyAndWritesFail() throws IOException {
    try (Mmap m = Mmap.anonymous(8192)) {
      m.read(5000);
      m.resize(4096);
      assertArrayEquals(new byte[0], m.read(14));
      assertThrows(BufferUnderflowException.class, m::readByte);
      assertThrows(BufferOverflowException.class, () -> m.writeByte((byte) 42));
      assertThrows(BufferOverflowException.class, () -> m.write(b("abc")));
    }
  }

  // test_flush_return_value
  @Test
  void flushSucceedsAndAnUnalignedFlushFailsAsOnLinux() throws IOException {
    try (Mmap mm = Mmap.anonymous(16)) {
      mm.write(b("python"));
      mm.flush();
      // bpo-34754: the offset must be a multiple of PAGESIZE on Linux
      assertThrows(IOException.class, () -> mm.flush(1, 6));
    }
  }

  private static final Pattern OPEN_REPR =
      Pattern.compile(
          "Mmap\\[closed=false, access=(?<access>\\S+), length=(?<length>\\d+),"
              + " pos=(?<pos>\\d+), offset=(?<offset>\\d+)(, [^\\]]*)?\\]");
  private static final Pattern CLOSED_REPR = Pattern.compile("Mmap\\[closed=true\\]");

  // test_repr
  @Test
  void toStringShowsAccessLengthPositionAndOffsetLikePythonsRepr() throws IOException {
    int[] mapsizes = {50, 100, 1_000, 1_000_000, 10_000_000};
    for (int mapsize : mapsizes) {
      long offset = (long) (mapsize / 2 / Mmap.ALLOCATIONGRANULARITY) * Mmap.ALLOCATIONGRANULARITY;
      long length = mapsize - offset;
      Files.write(testfn(), repeat('a', mapsize));
      long[] positions = {0, length / 10, length / 5, length / 4};
      for (Access access : Access.values()) {
        for (long pos : positions) {
          String sub = "mapsize=" + mapsize + " access=" + access + " pos=" + pos;
          Mmap mm = Mmap.map(testfn(), length, access, offset);
          try (mm) {
            mm.seek(pos);
            Matcher match = OPEN_REPR.matcher(mm.toString());
            assertTrue(match.matches(), sub + ": " + mm);
            assertEquals(access.name(), match.group("access"), sub);
            assertEquals(String.valueOf(length), match.group("length"), sub);
            assertEquals(String.valueOf(pos), match.group("pos"), sub);
            assertEquals(String.valueOf(offset), match.group("offset"), sub);
          }
          assertTrue(CLOSED_REPR.matcher(mm.toString()).matches(), sub + ": " + mm);
        }
      }
    }
  }

  // test_madvise
  @Test
  void madviseChecksItsRangeAsCpythonDoesAndAcceptsEveryValidForm() throws IOException {
    long size = 2L * PAGESIZE;
    try (Mmap m = Mmap.anonymous(size)) {
      assertMessage("madvise start out of bounds", () -> m.madvise(Mmap.MADV_NORMAL, size));
      assertMessage("madvise start out of bounds", () -> m.madvise(Mmap.MADV_NORMAL, -1));
      assertMessage("madvise length invalid", () -> m.madvise(Mmap.MADV_NORMAL, 0, -1));
      // OverflowError in Python
      assertMessage(
          "madvise length too large", () -> m.madvise(Mmap.MADV_NORMAL, PAGESIZE, Long.MAX_VALUE));
      m.madvise(Mmap.MADV_NORMAL);
      m.madvise(Mmap.MADV_NORMAL, PAGESIZE);
      m.madvise(Mmap.MADV_NORMAL, PAGESIZE, size);
      m.madvise(Mmap.MADV_NORMAL, 0, 2);
      m.madvise(Mmap.MADV_NORMAL, 0, size);
    }
  }

  private static void assertMessage(String text, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, text);
    assertTrue(e.getMessage().contains(text), "expected '" + text + "' in: " + e.getMessage());
  }

  // test_resize_up_when_mapped_to_pagefile (Windows only in CPython; jmmap's shared anonymous
  // memory can grow on Linux too)
  @Test
  void anonymousMemoryGrownToTwiceItsSizeKeepsItsData() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    int startSize = PAGESIZE;
    byte[] data = new byte[startSize];
    random.nextBytes(data);
    try (Mmap m = Mmap.anonymous(startSize)) {
      m.setSlice(data);
      m.resize(2L * startSize);
      assertEquals(2L * startSize, m.length(), "seed=" + seed);
      assertArrayEquals(data, m.slice(0, startSize), "seed=" + seed);
    }
  }

  // test_resize_down_when_mapped_to_pagefile (Windows only in CPython)
  @Test
  void anonymousMemoryShrunkToHalfItsSizeKeepsTheFirstHalf() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    int startSize = PAGESIZE;
    int newSize = startSize / 2;
    byte[] data = new byte[startSize];
    random.nextBytes(data);
    try (Mmap m = Mmap.anonymous(startSize)) {
      m.setSlice(data);
      m.resize(newSize);
      assertEquals(newSize, m.length(), "seed=" + seed);
      assertArrayEquals(Arrays.copyOf(data, newSize), m.slice(0, newSize), "seed=" + seed);
    }
  }

  // test_mmap_closed_by_int_scenarios (gh-103987): in Python an argument's __index__ closes the
  // map in the middle of the call; Java evaluates arguments before the call, so the nearest case
  // is a map closed just before it, which must give "mmap closed or invalid" all the same
  @Test
  void everyIndexedOperationOnAClosedMapSaysTheMapIsClosedForEveryAccess() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    byte[] content = new byte[100];
    random.nextBytes(content);
    Files.write(testfn(), content);
    List<Executable> reads = new ArrayList<>();
    List<Executable> writes = new ArrayList<>();
    for (Access access : Access.values()) {
      Mmap m = Mmap.map(testfn(), 100, access);
      m.close();
      reads.add(() -> m.get(10));
      reads.add(() -> m.slice(10, 20));
      reads.add(() -> m.slice(10, 20, 2));
      reads.add(() -> m.slice(20, 10, -2));
      reads.add(() -> m.read(10));
      reads.add(() -> m.find(b("1"), 1, 10));
      if (access != Access.READ) {
        writes.add(() -> m.setSlice(10, 20, repeat('1', 10)));
        writes.add(() -> m.setSlice(10, 20, 2, repeat('1', 5)));
        writes.add(() -> m.setSlice(20, 10, -2, repeat('1', 5)));
        writes.add(() -> m.move(1, 2, 10));
        writes.add(() -> m.writeByte((byte) 10));
      }
    }
    assertEquals(24, reads.size(), "seed=" + seed);
    assertEquals(15, writes.size(), "seed=" + seed);
    List<Executable> all = new ArrayList<>(reads);
    all.addAll(writes);
    for (int i = 0; i < all.size(); i++) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, all.get(i), "call " + i + ", seed=" + seed);
      assertTrue(
          e.getMessage().contains("mmap closed or invalid"),
          "call " + i + ", seed=" + seed + ": " + e.getMessage());
    }
  }

  // LargeMmapTests

  /** A sparse file of {@code numZeroes} zero bytes and then {@code tail}. */
  private Path largeFile(long numZeroes, byte[] tail) throws IOException {
    Path f = testfn();
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.seek(numZeroes);
      raf.write(tail);
    }
    return f;
  }

  // LargeMmapTests.test_large_offset
  @Test
  void aReadOnlyMapAtAFiveGibOffsetReadsTheFilesLastByte() throws IOException {
    Path f = largeFile(0x14FFFFFFFL, b(" "));
    try (Mmap m = Mmap.map(f, 0, Access.READ, 0x140000000L)) {
      assertEquals(32, m.get(0xFFFFFFF));
    }
  }

  // LargeMmapTests.test_large_filesize
  @Test
  void aSmallMapOfASixGibFileReportsTheWholeFilesSize() throws IOException {
    Path f = largeFile(0x17FFFFFFFL, b(" "));
    try (Mmap m = Mmap.map(f, 0x10000, Access.READ)) {
      assertEquals(0x180000000L, m.size());
    }
  }

  private void aroundBoundary(long boundary) throws IOException {
    byte[] tail = b("  DEARdear  ");
    long start = boundary - tail.length / 2;
    long end = start + tail.length;
    Path f = largeFile(start, tail);
    try (Mmap m = Mmap.map(f, 0, Access.READ)) {
      assertArrayEquals(tail, m.slice(start, end), String.format(Locale.ROOT, "at %#x", start));
    }
  }

  // LargeMmapTests.test_around_2GB
  @Test
  void aSliceAcrossTheTwoGibBoundaryReadsTheBytesThere() throws IOException {
    aroundBoundary(1L << 31);
  }

  // LargeMmapTests.test_around_4GB
  @Test
  void aSliceAcrossTheFourGibBoundaryReadsTheBytesThere() throws IOException {
    aroundBoundary(1L << 32);
  }
}
