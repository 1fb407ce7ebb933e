package org.jmmap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Mmap#readLineSegment()} over every kind of map: the same lines as {@link Mmap#readLine()},
 * as slices of the map itself, at the end, after close and resize, on lines longer than any buffer,
 * and on a file truncated under the map.
 */
class ReadLineSegmentTest {
  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  /** A kind of map, made to hold given bytes. */
  enum Kind {
    SHARED_FILE,
    PRIVATE_FILE,
    READ_ONLY_FILE,
    ANONYMOUS,
    SHARED_MEMORY,
    CHANNEL;

    boolean readOnly() {
      return this == READ_ONLY_FILE;
    }
  }

  private Mmap create(Kind kind, byte[] content) throws IOException {
    Path f = Files.write(Files.createTempFile(dir, "lines", ".bin"), content);
    Mmap m =
        switch (kind) {
          case SHARED_FILE -> Mmap.map(f, 0, Access.WRITE);
          case PRIVATE_FILE -> Mmap.map(f, 0, Access.COPY);
          case READ_ONLY_FILE -> Mmap.map(f, 0, Access.READ);
          case ANONYMOUS -> {
            Mmap a = Mmap.anonymous(content.length);
            a.write(content);
            a.seek(0);
            yield a;
          }
          case SHARED_MEMORY -> {
            SharedMemory shm = SharedMemory.create(null, content.length);
            open.add(
                () -> {
                  shm.close();
                  shm.unlink();
                });
            Mmap a = shm.mmap();
            a.write(content);
            a.seek(0);
            yield a;
          }
          case CHANNEL -> {
            FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
            open.add(ch);
            yield Mmap.map(ch, 0, Access.WRITE, 0);
          }
        };
    open.add(m);
    return m;
  }

  /** Random bytes with a newline at about one byte in {@code every}. */
  static byte[] text(RandomGenerator r, int n, int every) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      byte c = (byte) r.nextInt(256);
      b[i] = r.nextInt(every) == 0 ? (byte) '\n' : c == '\n' ? (byte) 'x' : c;
    }
    return b;
  }

  /** {@return the lines of b as Python's readline gives them, one after another} */
  static List<byte[]> lines(byte[] b, int from) {
    List<byte[]> out = new ArrayList<>();
    int p = from;
    while (p < b.length) {
      int e = p;
      while (e < b.length && b[e] != '\n') {
        e++;
      }
      e = Math.min(b.length, e + 1);
      out.add(Arrays.copyOfRange(b, p, e));
      p = e;
    }
    return out;
  }

  private static RandomGenerator random(long seed) {
    return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void eachSliceHoldsTheNextLineAndMovesThePositionPastIt(Kind kind) throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    for (int round = 0; round < 20; round++) {
      byte[] content = text(r, 1 + r.nextInt(3 * Mmap.PAGESIZE), 1 + r.nextInt(100));
      Mmap m = create(kind, content);
      int from = r.nextInt(content.length + 1);
      m.seek(from);
      long pos = from;
      for (byte[] want : lines(content, from)) {
        MemorySegment line = m.readLineSegment();
        String where = "seed " + seed + ", round " + round + ", " + kind + ", line at " + pos;
        assertArrayEquals(want, line.toArray(JAVA_BYTE), where);
        pos += want.length;
        assertEquals(pos, m.tell(), where);
        assertEquals(kind.readOnly(), line.isReadOnly(), where);
      }
      assertEquals(0, m.readLineSegment().byteSize(), "seed " + seed + ": at the end");
      assertEquals(content.length, m.tell(), "seed " + seed + ": at the end");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void readLineAndReadLineSegmentGiveTheSameLinesInAnyMix(Kind kind) throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    byte[] content = text(r, 20_000, 1 + r.nextInt(200));
    Mmap m = create(kind, content);
    List<byte[]> want = lines(content, 0);
    for (int i = 0; i < want.size(); i++) {
      byte[] got = r.nextBoolean() ? m.readLine() : m.readLineSegment().toArray(JAVA_BYTE);
      assertArrayEquals(want.get(i), got, "seed " + seed + ", " + kind + ", line " + i);
    }
    assertEquals(0, m.readLine().length, "seed " + seed);
    assertEquals(0, m.readLineSegment().byteSize(), "seed " + seed);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theSliceIsTheMapItselfNotACopy(Kind kind) throws IOException {
    Mmap m = create(kind, "one\ntwo\n".getBytes(US_ASCII));
    m.seek(4);
    MemorySegment two = m.readLineSegment();
    assertEquals(4, two.byteSize());
    if (kind.readOnly()) {
      assertThrows(IllegalArgumentException.class, () -> two.set(JAVA_BYTE, 0, (byte) 'T'));
      return;
    }
    m.set(4, (byte) 'T');
    assertEquals('T', two.get(JAVA_BYTE, 0), "a change through the map shows in the slice");
    two.set(JAVA_BYTE, 1, (byte) 'W');
    assertEquals('W', m.get(5), "a change through the slice shows in the map");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void atOrPastTheEndTheSliceIsEmptyAndThePositionStays(Kind kind) throws IOException {
    Mmap m = create(kind, "a\nbc".getBytes(US_ASCII));
    m.seek(2);
    assertEquals(2, m.readLineSegment().byteSize(), "the last line has no newline");
    assertEquals(4, m.tell());
    for (int k = 0; k < 3; k++) {
      assertEquals(0, m.readLineSegment().byteSize());
      assertEquals(4, m.tell());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void afterCloseTheMethodAndEverySliceTakenBeforeThrowIllegalState(Kind kind) throws IOException {
    Mmap m = create(kind, "first\nsecond\n".getBytes(US_ASCII));
    MemorySegment first = m.readLineSegment();
    m.close();
    assertThrows(IllegalStateException.class, m::readLineSegment);
    assertThrows(IllegalStateException.class, () -> first.get(JAVA_BYTE, 0));
  }

  @Test
  void afterAResizeASliceTakenBeforeThrowsIllegalStateAndTheNewMapGivesItsLines()
      throws IOException {
    Mmap m = create(Kind.SHARED_FILE, "ab\ncd\nef\n".getBytes(US_ASCII));
    MemorySegment ab = m.readLineSegment();
    m.resize(5);
    assertThrows(IllegalStateException.class, () -> ab.get(JAVA_BYTE, 0));
    assertArrayEquals("cd".getBytes(US_ASCII), m.readLineSegment().toArray(JAVA_BYTE));
    assertEquals(0, m.readLineSegment().byteSize());
    m.resize(2);
    assertEquals(5, m.tell(), "a shrink leaves the position past the end");
    assertEquals(0, m.readLineSegment().byteSize(), "past the end");
    assertEquals(5, m.tell());
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void linesLongerThanAnyInternalBufferComeBackWhole(Kind kind) throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    int[] lengths = {1 << 20, 3 * Mmap.PAGESIZE + r.nextInt(4096), 257 + r.nextInt(512)};
    byte[] content = new byte[Arrays.stream(lengths).sum() + 7];
    int p = 0;
    for (int len : lengths) {
      for (int i = 0; i < len - 1; i++) {
        content[p++] = (byte) ('a' + r.nextInt(26));
      }
      content[p++] = '\n';
    }
    Arrays.fill(content, p, content.length, (byte) 'z'); // a last line with no newline
    Mmap m = create(kind, content);
    for (byte[] want : lines(content, 0)) {
      int start = (int) m.tell();
      boolean segment = r.nextBoolean();
      byte[] got = segment ? m.readLineSegment().toArray(JAVA_BYTE) : m.readLine();
      assertArrayEquals(
          want, got, "seed " + seed + ", " + kind + ", line at " + start + ", segment " + segment);
    }
  }

  @Test
  void aFileTruncatedUnderTheMapFailsTheCallWithAFaultButAnOldSliceWithTheJdksInternalError()
      throws IOException {
    int ps = Mmap.PAGESIZE;
    byte[] content = new byte[3 * ps];
    Arrays.fill(content, (byte) 'a');
    content[ps + 10] = '\n';
    Path f = Files.write(Files.createTempFile(dir, "trunc", ".bin"), content);
    Mmap m = Mmap.map(f, 0, Access.READ);
    open.add(m);
    m.seek(ps);
    MemorySegment line = m.readLineSegment();
    assertEquals(11, line.byteSize());
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(ps);
    }
    MmapFaultException e = assertThrows(MmapFaultException.class, m::readLineSegment);
    assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    assertEquals(ps + 11, m.tell(), "a failed call leaves the position");
    InternalError old = assertThrows(InternalError.class, () -> line.get(JAVA_BYTE, 0));
    assertNotNull(old.getMessage());
    m.seek(ps - 3);
    assertThrows(MmapFaultException.class, m::readLine, "readLine reaches the missing page");
  }
}
