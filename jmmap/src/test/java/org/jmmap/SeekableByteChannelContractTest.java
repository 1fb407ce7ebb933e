package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jmmap.MapContract.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Mmap#channel()} keeps the promises of the javadoc of {@link SeekableByteChannel} (and of
 * {@code ReadableByteChannel}, {@code WritableByteChannel} and {@code Channel}), method by method,
 * on every kind of map: open, closed, and after the map was resized. The channel's entity is the
 * map: its size is the map's length, and it can neither grow nor be truncated through the channel.
 */
class SeekableByteChannelContractTest {
  static final int LENGTH = 2 * Mmap.PAGESIZE + 100;
  private static final byte[] CONTENT = MapContract.data(LENGTH, 11);

  @TempDir Path dir;
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeMaps() throws Exception {
    MapKind.closeAll(opened);
  }

  private Mmap map(MapKind kind) throws IOException {
    return kind.open(dir, CONTENT, opened);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void readFillsTheBufferFromThePositionAndMovesBothPositions(MapKind kind) throws IOException {
    try (SeekableByteChannel ch = map(kind).channel()) {
      assertTrue(ch.isOpen(), kind.toString());
      assertEquals(LENGTH, ch.size(), kind.toString());
      assertEquals(0, ch.position(), kind.toString());
      for (ByteBuffer b : List.of(ByteBuffer.allocate(16), ByteBuffer.allocateDirect(16))) {
        long at = ch.position();
        b.position(3);
        assertEquals(13, ch.read(b), kind.toString());
        assertEquals(16, b.position(), kind.toString());
        assertEquals(at + 13, ch.position(), kind.toString());
        b.flip().position(3);
        assertArrayEquals(
            Arrays.copyOfRange(CONTENT, (int) at, (int) at + 13), bytes(b), kind + "");
        assertEquals(0, ch.read(b), kind + ": a full buffer reads nothing");
      }
      ch.position(LENGTH - 5);
      ByteBuffer big = ByteBuffer.allocate(64);
      assertEquals(5, ch.read(big), kind + ": a read stops at the end");
      assertEquals(-1, ch.read(big.clear()), kind + ": a read at the end is end-of-stream");
      assertSame(ch, ch.position(LENGTH + 100), kind + ": position(long) returns the channel");
      assertEquals(LENGTH + 100, ch.position(), kind + ": a position past the size is legal");
      assertEquals(LENGTH, ch.size(), kind + ": a position past the size does not change it");
      assertEquals(-1, ch.read(big.clear()), kind + ": a read past the size is end-of-stream");
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void readIntoAReadOnlyBufferThrowsIllegalArgumentExceptionAndReadsNothing(MapKind kind)
      throws IOException {
    try (SeekableByteChannel ch = map(kind).channel()) {
      ch.position(10);
      for (ByteBuffer b :
          List.of(
              ByteBuffer.allocate(8).asReadOnlyBuffer(),
              ByteBuffer.allocateDirect(8).asReadOnlyBuffer())) {
        assertThrows(IllegalArgumentException.class, () -> ch.read(b), kind + " " + b);
        assertEquals(0, b.position(), kind + ": the refused read moved the buffer's position");
        assertEquals(10, ch.position(), kind + ": the refused read moved the channel's position");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#writable")
  void writeStoresTheBufferAtThePositionAndMovesBothPositions(MapKind kind) throws IOException {
    Mmap m = map(kind);
    try (SeekableByteChannel ch = m.channel()) {
      byte[] expected = CONTENT.clone();
      for (ByteBuffer b : List.of(ByteBuffer.allocate(16), ByteBuffer.allocateDirect(16))) {
        for (int i = 0; i < 16; i++) {
          b.put(i, (byte) (i + 1 + ch.position()));
        }
        b.position(2);
        long at = ch.position();
        assertEquals(14, ch.write(b), kind.toString());
        assertEquals(16, b.position(), kind.toString());
        assertEquals(at + 14, ch.position(), kind.toString());
        for (int i = 2; i < 16; i++) {
          expected[(int) at + i - 2] = b.get(i);
        }
      }
      assertArrayEquals(expected, m.slice(0, LENGTH), kind.toString());
      assertEquals(0, ch.write(ByteBuffer.allocate(0)), kind + ": an empty buffer writes 0");
    }
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#writable")
  void aWritePastTheEndThrowsIoExceptionAndAnEmptyWriteAnywhereReturnsZero(MapKind kind)
      throws IOException {
    Mmap m = map(kind);
    try (SeekableByteChannel ch = m.channel()) {
      ch.position(LENGTH - 2);
      ByteBuffer three = ByteBuffer.wrap(new byte[] {1, 2, 3});
      assertThrows(IOException.class, () -> ch.write(three), kind.toString());
      assertEquals(0, three.position(), kind + ": the refused write moved the buffer's position");
      assertEquals(LENGTH - 2, ch.position(), kind + ": the refused write moved the position");
      assertArrayEquals(
          Arrays.copyOfRange(CONTENT, LENGTH - 2, LENGTH), m.slice(LENGTH - 2, LENGTH), "" + kind);
      ch.position(LENGTH + 10);
      assertEquals(0, ch.write(ByteBuffer.allocate(0)), kind + ": an empty write past the end");
      assertEquals(0, ch.write(three.position(3)), kind + ": a used-up buffer past the end");
      assertEquals(LENGTH + 10, ch.position(), kind.toString());
      assertEquals(LENGTH, ch.size(), kind + ": the channel grew the map");
    }
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#readOnly")
  void aReadOnlyMapsChannelThrowsNonWritableChannelExceptionFromWriteAndTruncate(MapKind kind)
      throws IOException {
    Mmap m = map(kind);
    try (SeekableByteChannel ch = m.channel()) {
      assertThrows(
          NonWritableChannelException.class, () -> ch.write(ByteBuffer.allocate(4)), "" + kind);
      assertThrows(
          NonWritableChannelException.class, () -> ch.write(ByteBuffer.allocate(0)), "" + kind);
      for (long size : new long[] {0, LENGTH - 1, LENGTH, LENGTH + 1}) {
        assertThrows(
            NonWritableChannelException.class, () -> ch.truncate(size), kind + " size " + size);
      }
      assertThrows(IllegalArgumentException.class, () -> ch.truncate(-1), kind.toString());
      assertArrayEquals(CONTENT, m.slice(0, LENGTH), kind.toString());
      assertEquals(LENGTH, ch.size(), kind.toString());
    }
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#writable")
  void truncateNeverShrinksTheMapButMovesAPositionPastTheGivenSizeBackToIt(MapKind kind)
      throws IOException {
    Mmap m = map(kind);
    try (SeekableByteChannel ch = m.channel()) {
      assertThrows(IllegalArgumentException.class, () -> ch.truncate(-1), kind.toString());
      ch.position(LENGTH + 36);
      assertSame(ch, ch.truncate(LENGTH + 50), kind + ": truncate returns the channel");
      assertEquals(LENGTH + 36, ch.position(), kind + ": a position below the size stays");
      assertSame(ch, ch.truncate(LENGTH + 10), kind.toString());
      assertEquals(LENGTH + 10, ch.position(), kind + ": a position past the size moves to it");
      ch.truncate(LENGTH);
      assertEquals(LENGTH, ch.position(), kind.toString());
      assertThrows(IOException.class, () -> ch.truncate(LENGTH - 1), kind.toString());
      assertEquals(LENGTH, ch.position(), kind + ": a refused truncate moved the position");
      assertEquals(LENGTH, ch.size(), kind.toString());
      assertEquals(LENGTH, m.length(), kind.toString());
    }
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void aClosedChannelIsNotOpenAndEveryOtherCallThrowsClosedChannelException(MapKind kind)
      throws IOException {
    SeekableByteChannel ch = map(kind).channel();
    ch.close();
    assertFalse(ch.isOpen(), kind.toString());
    assertEveryCallThrowsClosedChannelException(ch, kind + ", channel closed");
    ch.close(); // closing a closed channel has no effect
    assertFalse(ch.isOpen(), kind.toString());
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void theChannelOfAClosedMapIsNotOpenAndEveryOtherCallThrowsClosedChannelException(MapKind kind)
      throws IOException {
    Mmap m = map(kind);
    SeekableByteChannel ch = m.channel();
    assertTrue(ch.isOpen(), kind.toString());
    m.close();
    assertFalse(ch.isOpen(), kind + ": isOpen() after the map was closed");
    assertEveryCallThrowsClosedChannelException(ch, kind + ", map closed");
    ch.close();
    assertFalse(ch.isOpen(), kind.toString());
  }

  private static void assertEveryCallThrowsClosedChannelException(
      SeekableByteChannel ch, String why) {
    List<ThrowingRunnable> calls =
        List.of(
            () -> ch.read(ByteBuffer.allocate(4)),
            () -> ch.read(ByteBuffer.allocate(0)),
            () -> ch.read(ByteBuffer.allocate(4).asReadOnlyBuffer()),
            () -> ch.write(ByteBuffer.allocate(4)),
            () -> ch.write(ByteBuffer.allocate(0)),
            ch::position,
            () -> ch.position(1),
            () -> ch.position(-1),
            ch::size,
            () -> ch.truncate(LENGTH),
            () -> ch.truncate(-1));
    for (int i = 0; i < calls.size(); i++) {
      assertThrows(ClosedChannelException.class, calls.get(i)::run, why + ": call #" + i);
    }
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#resizable")
  void afterAShrinkingResizeTheSizeIsTheNewLengthAndNothingPastItIsReadOrWritten(MapKind kind)
      throws IOException {
    Mmap m = map(kind);
    int shorter = Mmap.PAGESIZE + 10;
    try (SeekableByteChannel inside = m.channel();
        SeekableByteChannel past = m.channel()) {
      inside.position(100);
      past.position(shorter + 50);
      m.resize(shorter);
      assertTrue(inside.isOpen(), kind + ": a resize closed the channel");
      assertEquals(shorter, inside.size(), kind.toString());
      ByteBuffer all = ByteBuffer.allocate(LENGTH);
      assertEquals(shorter - 100, inside.read(all), kind + ": a read stops at the new length");
      assertArrayEquals(Arrays.copyOfRange(CONTENT, 100, shorter), bytes(all.flip()), "" + kind);
      assertEquals(-1, past.read(all.clear()), kind + ": a read past the new length");
      assertEquals(shorter + 50, past.position(), kind.toString());
      if (kind.writable) {
        assertEquals(0, past.write(ByteBuffer.allocate(0)), kind + ": an empty write");
        assertThrows(IOException.class, () -> past.write(ByteBuffer.allocate(1)), "" + kind);
        past.truncate(shorter);
        assertEquals(shorter, past.position(), kind.toString());
      }
      assertEquals(shorter, m.length(), kind.toString());
    }
  }

  @ParameterizedTest
  @MethodSource("org.jmmap.MapKind#resizable")
  void afterAGrowingResizeTheChannelReadsAndWritesTheNewBytes(MapKind kind) throws IOException {
    Mmap m = map(kind);
    try (SeekableByteChannel ch = m.channel()) {
      ch.position(LENGTH);
      assertEquals(-1, ch.read(ByteBuffer.allocate(4)), kind.toString());
      m.resize(LENGTH + 10);
      assertEquals(LENGTH + 10, ch.size(), kind.toString());
      assertEquals(4, ch.write(ByteBuffer.wrap(new byte[] {9, 8, 7, 6})), kind.toString());
      assertArrayEquals(new byte[] {9, 8, 7, 6}, m.slice(LENGTH, LENGTH + 4), kind.toString());
      ByteBuffer rest = ByteBuffer.allocate(64);
      assertEquals(6, ch.read(rest), kind.toString());
      assertEquals(-1, ch.read(rest.clear()), kind.toString());
    }
  }
}
