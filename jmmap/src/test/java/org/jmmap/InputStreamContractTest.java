package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Mmap#inputStream()} keeps the promises of {@link InputStream}'s javadoc, method by method,
 * on every kind of map: open, closed, and after the map was resized (the stream then reads the new
 * mapping from its own position, and never a byte past the new length).
 */
class InputStreamContractTest {
  static final int LENGTH = 2 * Mmap.PAGESIZE + 100;
  private static final byte[] CONTENT = MapContract.data(LENGTH, 42);

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeMaps() throws Exception {
    MapKind.closeAll(opened);
  }

  private Mmap map(MapKind kind) throws IOException {
    return kind.open(dir, CONTENT, opened);
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void readGivesTheBytesInOrderAsUnsignedValuesThenMinusOne(MapKind kind) throws IOException {
    try (InputStream in = map(kind).inputStream()) {
      assertEquals(CONTENT[0] & 0xFF, in.read(), kind.toString());
      byte[] b = new byte[20];
      assertEquals(10, in.read(b, 3, 10), kind.toString());
      assertArrayEquals(Arrays.copyOfRange(CONTENT, 1, 11), Arrays.copyOfRange(b, 3, 13));
      assertEquals(0, b[2], kind + ": read(b, off, len) wrote before off");
      assertEquals(0, b[13], kind + ": read(b, off, len) wrote past off + len");
      assertEquals(0, in.read(b, 5, 0), kind + ": a read of zero bytes returns 0");
      assertArrayEquals(Arrays.copyOfRange(CONTENT, 11, LENGTH), in.readAllBytes(), kind + "");
      assertEquals(-1, in.read(), kind + ": read() at the end");
      assertEquals(-1, in.read(b), kind + ": read(b) at the end");
      assertEquals(-1, in.read(b, 1, 4), kind + ": read(b, off, len) at the end");
      assertEquals(0, in.read(b, 1, 0), kind + ": a read of zero bytes at the end returns 0");
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void badArgumentsThrowWhatInputStreamSaysAndReadNothing(MapKind kind) throws IOException {
    try (InputStream in = map(kind).inputStream()) {
      byte[] b = new byte[8];
      assertThrows(NullPointerException.class, () -> in.read(null, 0, 1), kind.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> in.read(b, -1, 1), kind.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> in.read(b, 0, -1), kind.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> in.read(b, 5, 4), kind.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> in.read(b, 9, 0), kind.toString());
      assertArrayEquals(new byte[8], b, kind + ": a refused read wrote into the array");
      assertEquals(CONTENT[0] & 0xFF, in.read(), kind + ": a refused read moved the position");
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void skipAndAvailableFollowThePositionAndStopAtTheEnd(MapKind kind) throws IOException {
    try (InputStream in = map(kind).inputStream()) {
      assertEquals(LENGTH, in.available(), kind.toString());
      assertEquals(0, in.skip(-5), kind + ": a negative skip skips nothing");
      assertEquals(10, in.skip(10), kind.toString());
      assertEquals(LENGTH - 10, in.available(), kind.toString());
      assertEquals(CONTENT[10] & 0xFF, in.read(), kind.toString());
      assertEquals(LENGTH - 11, in.skip(Long.MAX_VALUE), kind + ": skip stops at the end");
      assertEquals(0, in.available(), kind + ": available() at the end");
      assertEquals(0, in.skip(1), kind + ": skip at the end");
      assertEquals(-1, in.read(), kind.toString());
      assertFalse(in.markSupported(), kind.toString());
      in.mark(10);
      assertThrows(IOException.class, in::reset, kind + ": reset without mark support");
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void aClosedStreamThrowsIoExceptionFromEveryReadAndClosesAgainQuietly(MapKind kind)
      throws IOException {
    InputStream in = map(kind).inputStream();
    in.close();
    assertEverythingThrowsIoException(in, kind + ", stream closed");
    in.close(); // closing a closed stream has no effect
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void aStreamOfAClosedMapThrowsIoExceptionFromEveryRead(MapKind kind) throws IOException {
    Mmap m = map(kind);
    InputStream in = m.inputStream();
    assertEquals(CONTENT[0] & 0xFF, in.read(), kind.toString());
    m.close();
    assertEverythingThrowsIoException(in, kind + ", map closed");
    in.close();
  }

  private static void assertEverythingThrowsIoException(InputStream in, String why) {
    byte[] b = new byte[4];
    assertThrows(IOException.class, in::read, why + ": read()");
    assertThrows(IOException.class, () -> in.read(b), why + ": read(b)");
    assertThrows(IOException.class, () -> in.read(b, 0, 0), why + ": read(b, 0, 0)");
    assertThrows(IOException.class, () -> in.skip(1), why + ": skip");
    assertThrows(IOException.class, in::available, why + ": available");
    assertThrows(IOException.class, in::readAllBytes, why + ": readAllBytes");
    assertThrows(
        IOException.class, () -> in.transferTo(new ByteArrayOutputStream()), why + ": transferTo");
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#resizable")
  void afterAShrinkingResizeNoByteComesFromPastTheNewLength(MapKind kind) throws IOException {
    Mmap m = map(kind);
    int shorter = Mmap.PAGESIZE + 10;
    InputStream inside = m.inputStream();
    InputStream past = m.inputStream();
    assertEquals(100, inside.skip(100), kind.toString());
    assertEquals(shorter + 50, past.skip(shorter + 50), kind.toString());
    m.resize(shorter);
    assertArrayEquals(
        Arrays.copyOfRange(CONTENT, 100, shorter),
        inside.readAllBytes(),
        kind + ": a stream inside the new length reads up to it");
    assertEquals(-1, past.read(), kind + ": a stream past the new length is at its end");
    assertEquals(0, past.available(), kind.toString());
    assertEquals(0, past.skip(10), kind.toString());
    assertEquals(-1, past.read(new byte[4]), kind.toString());
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#resizable")
  void afterAGrowingResizeTheStreamReadsOnIntoTheNewBytes(MapKind kind) throws IOException {
    Mmap m = map(kind);
    InputStream in = m.inputStream();
    assertEquals(LENGTH, in.readAllBytes().length, kind.toString());
    assertEquals(-1, in.read(), kind.toString());
    int longer = 4 * Mmap.PAGESIZE;
    m.resize(longer);
    m.set(LENGTH, (byte) 7);
    assertEquals(longer - LENGTH, in.available(), kind.toString());
    assertEquals(7, in.read(), kind + ": the stream reads the new mapping from its position");
    assertArrayEquals(m.slice(LENGTH + 1, longer), in.readAllBytes(), kind.toString());
  }
}
