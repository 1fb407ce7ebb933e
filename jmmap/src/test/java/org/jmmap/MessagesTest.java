package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The messages a user reads name the call, the offending values and the file, never a memory
 * address or an object identity, and come with a public exception type.
 */
class MessagesTest {
  private static final Pattern ADDRESS_OR_IDENTITY = Pattern.compile("0x7f|@[0-9a-f]{4,}|\\$");

  @TempDir Path dir;

  private Path file(int size) throws Exception {
    Path f = dir.resolve("data.bin");
    Files.write(f, new byte[size]);
    return f;
  }

  private static void clean(Throwable e) {
    String text = e.getClass().getName() + ": " + e.getMessage();
    assertFalse(ADDRESS_OR_IDENTITY.matcher(text).find(), text);
  }

  @Test
  void readingAndWritingPastTheEndUsePublicTypesThatSayWhere() throws Exception {
    Path f = file(100);
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      m.seek(100);
      BufferUnderflowException under = assertThrows(BufferUnderflowException.class, m::readByte);
      assertEquals(MmapUnderflowException.class, under.getClass());
      assertTrue(under.getMessage().contains("pos=100") && under.getMessage().contains("100"));
      clean(under);
      BufferOverflowException over =
          assertThrows(BufferOverflowException.class, () -> m.write(new byte[1]));
      assertEquals(MmapOverflowException.class, over.getClass());
      assertTrue(over.getMessage().contains("pos=100"), over.getMessage());
      clean(over);
      over = assertThrows(BufferOverflowException.class, () -> m.writeByte((byte) 1));
      assertEquals(MmapOverflowException.class, over.getClass());
    }
  }

  @Test
  void aTypedAccessOutOfRangeNamesTheCallTheOffsetAndTheFile() throws Exception {
    Path f = file(10_000);
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      var e =
          assertThrows(
              IndexOutOfBoundsException.class, () -> m.getLong(9996, ByteOrder.BIG_ENDIAN));
      String text = e.getMessage();
      assertTrue(text.startsWith("getLong out of range"), text);
      assertTrue(
          text.contains("offset=9996")
              && text.contains("size=8")
              && text.contains("length=10000")
              && text.contains(f.toString()),
          text);
      clean(e);
      e =
          assertThrows(
              IndexOutOfBoundsException.class, () -> m.putInt(-1, ByteOrder.LITTLE_ENDIAN, 1));
      assertTrue(e.getMessage().startsWith("putInt out of range: offset=-1"), e.getMessage());
      clean(e);
      e = assertThrows(IndexOutOfBoundsException.class, () -> m.getAndAddLong(10_000, 1));
      assertTrue(e.getMessage().startsWith("getAndAddLong out of range"), e.getMessage());
      clean(e);
    }
  }

  @Test
  void anAsByteBufferRangeOutOfTheMapSaysSo() throws Exception {
    Path f = file(10_000);
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      var e = assertThrows(IndexOutOfBoundsException.class, () -> m.asByteBuffer(0, 20_000));
      String text = e.getMessage();
      assertTrue(
          text.contains("asByteBuffer")
              && text.contains("length=20000")
              && text.contains("10000")
              && text.contains(f.toString()),
          text);
      clean(e);
    }
  }

  @Test
  void modifyingAReadOnlyMapNamesTheCallWithoutAStrayPeriod() throws Exception {
    Path f = file(100);
    try (Mmap m = Mmap.map(f, 0, Access.READ)) {
      var e = assertThrows(ReadOnlyMmapException.class, () -> m.write(new byte[1]));
      assertTrue(e.getMessage().startsWith("mmap can't modify a readonly memory map (write)"));
      assertFalse(e.getMessage().contains(".:"), e.getMessage());
      var r = assertThrows(ReadOnlyMmapException.class, () -> m.resize(200));
      assertFalse(r.getMessage().contains(".:"), r.getMessage());
    }
  }

  @Test
  void aFileThatCannotBeMappedIsNamed() {
    for (long length : new long[] {0, 10}) {
      var e =
          assertThrows(
              java.io.IOException.class,
              () -> Mmap.map(Path.of("/dev/null"), length, Access.READ).close());
      assertTrue(e.getMessage().contains("/dev/null"), e.getMessage());
      clean(e);
    }
  }

  @Test
  void aBadAdviceIsAnArgumentErrorNamingTheValue() throws Exception {
    try (Mmap m = Mmap.anonymous(4096)) {
      var e = assertThrows(IllegalArgumentException.class, () -> m.madvise(9999));
      assertTrue(e.getMessage().contains("9999"), e.getMessage());
    }
  }
}
