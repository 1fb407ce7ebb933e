package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.OutputStream;
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
 * {@link Mmap#outputStream()} keeps the promises of {@link OutputStream}'s javadoc, method by
 * method, on every kind of map: open, closed, and after the map was resized (the stream then writes
 * into the new mapping from its own position, never past the new length, and a write of zero bytes
 * succeeds wherever the position is).
 */
class OutputStreamContractTest {
  static final int LENGTH = 2 * Mmap.PAGESIZE + 100;
  private static final byte[] CONTENT = MapContract.data(LENGTH, 7);

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeMaps() throws Exception {
    MapKind.closeAll(opened);
  }

  private Mmap map(MapKind kind) throws IOException {
    return kind.open(dir, CONTENT, opened);
  }

  private static byte[] ramp(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i + 1);
    }
    return b;
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#writable")
  void writeStoresTheBytesAtTheStreamsPositionAndMovesIt(MapKind kind) throws IOException {
    Mmap m = map(kind);
    byte[] expected = CONTENT.clone();
    try (OutputStream out = m.outputStream()) {
      out.write(0x1FF); // the eight low-order bits
      expected[0] = (byte) 0xFF;
      byte[] r = ramp(20);
      out.write(r, 5, 10);
      System.arraycopy(r, 5, expected, 1, 10);
      out.write(r);
      System.arraycopy(r, 0, expected, 11, 20);
      out.write(r, 3, 0);
      out.flush();
      assertArrayEquals(expected, m.slice(0, LENGTH), kind.toString());
      assertEquals(0, m.tell(), kind + ": the stream moved the map's own position");
    }
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#writable")
  void aWritePastTheEndThrowsIoExceptionAndWritesNothing(MapKind kind) throws IOException {
    Mmap m = map(kind);
    try (OutputStream out = m.outputStream()) {
      out.write(new byte[LENGTH - 3]);
      assertThrows(IOException.class, () -> out.write(ramp(4)), kind.toString());
      assertArrayEquals(
          Arrays.copyOfRange(CONTENT, LENGTH - 3, LENGTH),
          m.slice(LENGTH - 3, LENGTH),
          kind + ": a refused write wrote some of its bytes");
      out.write(ramp(3));
      assertThrows(IOException.class, () -> out.write(1), kind + ": write(int) at the end");
      out.write(ramp(3), 0, 0); // nothing to write: no error at the end
      out.write(new byte[0]);
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void badArgumentsThrowWhatOutputStreamSaysAndWriteNothing(MapKind kind) throws IOException {
    Mmap m = map(kind);
    try (OutputStream out = m.outputStream()) {
      byte[] b = ramp(8);
      assertThrows(NullPointerException.class, () -> out.write(null, 0, 1), kind.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> out.write(b, -1, 1), kind.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> out.write(b, 0, -1), kind.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> out.write(b, 5, 4), kind.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> out.write(b, 9, 0), kind.toString());
      assertArrayEquals(CONTENT, m.slice(0, LENGTH), kind + ": a refused write changed the map");
    }
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#readOnly")
  void aReadOnlyMapsStreamThrowsIoExceptionFromEveryWrite(MapKind kind) throws IOException {
    Mmap m = map(kind);
    try (OutputStream out = m.outputStream()) {
      assertThrows(IOException.class, () -> out.write(1), kind.toString());
      assertThrows(IOException.class, () -> out.write(ramp(4)), kind.toString());
      assertArrayEquals(CONTENT, m.slice(0, LENGTH), kind.toString());
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void aClosedStreamOrAStreamOfAClosedMapThrowsIoExceptionFromEveryWrite(MapKind kind)
      throws IOException {
    Mmap m = map(kind);
    OutputStream closedStream = m.outputStream();
    closedStream.close();
    OutputStream ofClosedMap = m.outputStream();
    assertWritesThrowIoException(closedStream, kind + ", stream closed");
    closedStream.close(); // closing a closed stream has no effect
    m.close();
    assertWritesThrowIoException(ofClosedMap, kind + ", map closed");
    ofClosedMap.close();
  }

  private static void assertWritesThrowIoException(OutputStream out, String why) {
    assertThrows(IOException.class, () -> out.write(1), why + ": write(int)");
    assertThrows(IOException.class, () -> out.write(ramp(2)), why + ": write(b)");
    assertThrows(IOException.class, () -> out.write(ramp(2), 0, 0), why + ": write(b, 0, 0)");
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#resizable")
  void afterAShrinkingResizeWritesStopAtTheNewLengthAndEmptyWritesSucceed(MapKind kind)
      throws IOException {
    Mmap m = map(kind);
    int shorter = Mmap.PAGESIZE + 10;
    OutputStream inside = m.outputStream();
    OutputStream past = m.outputStream();
    inside.write(new byte[100]);
    past.write(new byte[shorter + 50]);
    m.resize(shorter);
    past.write(ramp(4), 0, 0); // nothing to write: the position past the end does not matter
    past.write(new byte[0]);
    assertThrows(IOException.class, () -> past.write(1), kind + ": a byte past the new length");
    byte[] fill = ramp(shorter - 100);
    assertThrows(
        IOException.class,
        () -> inside.write(Arrays.copyOf(fill, fill.length + 1)),
        kind + ": a write past the new length");
    inside.write(fill);
    assertArrayEquals(fill, m.slice(100, shorter), kind.toString());
    assertEquals(shorter, m.length(), kind + ": the stream grew the map");
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#resizable")
  void afterAGrowingResizeTheStreamWritesOnIntoTheNewBytes(MapKind kind) throws IOException {
    Mmap m = map(kind);
    OutputStream out = m.outputStream();
    out.write(new byte[LENGTH]);
    assertThrows(IOException.class, () -> out.write(1), kind.toString());
    m.resize(LENGTH + 10);
    out.write(ramp(10));
    assertArrayEquals(ramp(10), m.slice(LENGTH, LENGTH + 10), kind.toString());
    assertThrows(IOException.class, () -> out.write(1), kind.toString());
  }
}
