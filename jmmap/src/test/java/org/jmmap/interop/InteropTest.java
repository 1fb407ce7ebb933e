package org.jmmap.interop;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.MmapMatch;
import org.jmmap.ReadOnlyMmapException;
import org.jmmap.conformance.Cpython;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The views of a map: regex, streams, channels, buffers, typed and atomic access. */
class InteropTest {
  @TempDir Path dir;

  Path file(String content) throws IOException {
    return Files.write(Files.createTempFile(dir, "view", ".txt"), content.getBytes(ISO_8859_1));
  }

  static final String TEXT =
      "line 1: alice@example.com called 555-1234\n"
          + "line 2: the theme of the day, bob@test.com\r\n"
          + "line 3: \u00e9t\u00e9 \u0000 zz 555-9876 abbb ab a\n"
          + "line 44: end";

  /** Java's matches over asCharSequence() and Python's re.finditer over the same mapped file. */
  @Test
  void regexOverTheMapFindsWhatPythonReFinds() throws Exception {
    Path f = file(TEXT);
    String[] patterns = {
      "[a-z]+@[a-z]+\\.com",
      "\\d{3}-\\d{4}",
      "(?m)^line (\\d+)",
      "ab*",
      "\\bthe\\b",
      "(?d)(?m)^line \\d+: .*$",
      "\\s+",
      "[^\\x00-\\x7f]+",
      "z*"
    };
    Path script = dir.resolve("finditer.py");
    Files.writeString(
        script,
        """
        import mmap, re, sys
        with open(sys.argv[1], "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            for p in sys.argv[2:]:
                p = p.replace("(?d)", "")  # Python's ^ $ . are Java's UNIX_LINES ones
                for x in re.finditer(p.encode(), m):
                    print(p, x.start(), x.end(), x.group().hex())
        """);
    List<String> cmd = new ArrayList<>(Cpython.oracle().command(script.toString(), f.toString()));
    cmd.addAll(List.of(patterns));
    List<String> python = ProcessRunner.run(cmd).lines().toList();
    List<String> jmmap = new ArrayList<>();
    try (Mmap m = Mmap.map(f, 0, Access.READ)) {
      for (String p : patterns) {
        Matcher matcher = Pattern.compile(p).matcher(m.asCharSequence());
        while (matcher.find()) {
          jmmap.add(
              p.replace("(?d)", "")
                  + " "
                  + matcher.start()
                  + " "
                  + matcher.end()
                  + " "
                  + java.util.HexFormat.of().formatHex(matcher.group().getBytes(ISO_8859_1)));
        }
      }
      assertTrue(m.asCharSequence().toString().contentEquals(TEXT));
      assertTrue(TEXT.contentEquals(m.asCharSequence()));
      CharSequence sub = m.asCharSequence(5, 20).subSequence(2, 6);
      assertEquals(TEXT.substring(7, 11), sub.toString());
      assertThrows(IndexOutOfBoundsException.class, () -> m.asCharSequence(5, 4));
      assertThrows(IndexOutOfBoundsException.class, () -> m.asCharSequence(0, m.length() + 1));
    }
    assertTrue(python.size() > 20, python.toString());
    assertEquals(python, jmmap);
  }

  @Test
  void windowedMatchesAgreeWithOneMatcherOverTheWholeMap() throws IOException {
    StringBuilder sb = new StringBuilder();
    java.util.Random r = new java.util.Random(5);
    while (sb.length() < 300_000) {
      sb.append(r.nextInt(10) == 0 ? "needle" + r.nextInt(1000) : "x")
          .append(r.nextInt(4) == 0 ? "\n" : "");
    }
    Path f = file(sb.toString());
    Pattern p = Pattern.compile("needle\\d+|(?m)^x{3}|(?<=x)n");
    try (Mmap m = Mmap.map(f, 0, Access.READ)) {
      List<String> whole = new ArrayList<>();
      Matcher all = p.matcher(m.asCharSequence());
      while (all.find()) {
        whole.add(all.start() + "-" + all.end());
      }
      // a public window of 256 MiB covers this file whole; the tiny one runs the window logic
      for (long[] w : new long[][] {{1 << 12, 64}, {1000, 20}, {77, 16}}) {
        List<String> windows =
            matchesWith(m, p, w[0], w[1]).stream()
                .map(x -> x.startOffset() + "-" + x.endOffset())
                .toList();
        assertEquals(whole, windows, "window " + w[0] + " overlap " + w[1]);
      }
      assertEquals(whole, m.matches(p).map(x -> x.start() + "-" + x.end()).toList());
    }
  }

  private static List<MmapMatch> matchesWith(Mmap m, Pattern p, long window, long overlap) {
    try {
      var method = Mmap.class.getDeclaredMethod("matches", Pattern.class, long.class, long.class);
      method.setAccessible(true);
      @SuppressWarnings("unchecked")
      var s =
          (java.util.stream.Stream<java.util.regex.MatchResult>)
              method.invoke(m, p, window, overlap);
      return s.map(x -> (MmapMatch) x).collect(Collectors.toList());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A sparse 768 MiB file (three windows) in a JVM with a 64 MiB heap: every planted match is
   * found. Reading a file makes it resident, so the suite's short run keeps the file small.
   */
  @Test
  void matchesFindsEveryPlantedMatchInAThreeWindowFileWithA64MibHeap() throws Exception {
    String out = huge(768L << 20);
    assertTrue(out.startsWith("found 7 of 7"), out);
  }

  /** The same over 6 GiB, offsets past 4 GiB included. */
  @Test
  @Tag("long")
  void matchesFindsEveryPlantedMatchInASixGibFileWithA64MibHeap() throws Exception {
    String out = huge(6L << 30);
    assertTrue(out.startsWith("found 70 of 70"), out);
  }

  private String huge(long size) throws Exception {
    return ProcessRunner.run(
        ProcessRunner.javaCommandWithHeap("64m", "huge", dir.toString(), Long.toString(size)));
  }

  @Test
  @SuppressWarnings("try") // closes the map inside its block on purpose
  void inputStreamReadsToMinusOneAndTransfers() throws IOException {
    try (Mmap m = Mmap.map(file(TEXT), 0, Access.READ)) {
      InputStream in = m.inputStream();
      assertEquals('l', in.read());
      assertEquals(2, in.skip(2));
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      assertEquals(TEXT.length() - 3, in.transferTo(rest));
      assertEquals(TEXT.substring(3), rest.toString(ISO_8859_1));
      assertEquals(-1, in.read());
      assertEquals(-1, in.read(new byte[4]));
      assertEquals(0, in.read(new byte[4], 0, 0));
      assertArrayEquals(TEXT.getBytes(ISO_8859_1), m.inputStream().readAllBytes());
      in.close();
      assertThrows(IOException.class, in::read);
      InputStream open = m.inputStream();
      m.close();
      assertThrows(IOException.class, open::read);
    }
  }

  @Test
  void outputStreamNeverGrowsTheMap() throws IOException {
    Path f = file("0123456789");
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      OutputStream out = m.outputStream();
      out.write('a');
      out.write("bcd".getBytes(US_ASCII));
      assertThrows(IOException.class, () -> out.write(new byte[7]));
      out.write(new byte[6]);
      assertThrows(IOException.class, () -> out.write(1));
      assertEquals(10, m.length());
      out.close();
      assertThrows(IOException.class, () -> out.write(1));
    }
    assertEquals("abcd", new String(Files.readAllBytes(f), US_ASCII).substring(0, 4));
    try (Mmap r = Mmap.map(f, 0, Access.READ)) {
      assertThrows(IOException.class, () -> r.outputStream().write(1));
    }
  }

  @Test
  @SuppressWarnings("try") // closes the map inside its block on purpose
  void channelObeysSeekableByteChannel() throws IOException {
    Path f = file("0123456789");
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      SeekableByteChannel ch = m.channel();
      assertEquals(10, ch.size());
      ByteBuffer b = ByteBuffer.allocate(4);
      assertEquals(4, ch.read(b));
      assertEquals("0123", new String(b.array(), US_ASCII));
      ch.position(8);
      ByteBuffer direct = ByteBuffer.allocateDirect(4);
      assertEquals(2, ch.read(direct));
      assertEquals(-1, ch.read(direct.clear()));
      ch.position(2);
      assertEquals(3, ch.write(ByteBuffer.wrap("abc".getBytes(US_ASCII))));
      assertEquals(5, ch.position());
      assertThrows(IOException.class, () -> ch.write(ByteBuffer.allocate(6)));
      assertEquals(5, ch.position());
      ch.truncate(10);
      assertThrows(IOException.class, () -> ch.truncate(3));
      assertThrows(IllegalArgumentException.class, () -> ch.position(-1));
      ch.close();
      assertFalse(ch.isOpen());
      assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocate(1)));
      assertEquals("01abc56789", new String(m.read(), US_ASCII));
    }
    try (Mmap r = Mmap.map(f, 0, Access.READ)) {
      assertThrows(
          NonWritableChannelException.class, () -> r.channel().write(ByteBuffer.allocate(1)));
      SeekableByteChannel ch = r.channel();
      r.close();
      assertThrows(ClosedChannelException.class, () -> ch.read(ByteBuffer.allocate(1)));
    }
  }

  @Test
  @SuppressWarnings("try") // closes the map inside its block on purpose
  void byteBufferViewSharesTheBytes() throws IOException {
    try (Mmap m = Mmap.map(file("0123456789"), 0, Access.WRITE);
        Mmap r = Mmap.map(file("0123456789"), 0, Access.READ)) {
      ByteBuffer b = m.asByteBuffer(2, 4);
      assertEquals(4, b.remaining());
      assertEquals('2', b.get(0));
      b.put(0, (byte) 'X');
      assertEquals('X', m.get(2));
      assertTrue(r.asByteBuffer(0, 10).isReadOnly());
      assertThrows(ReadOnlyBufferException.class, () -> r.asByteBuffer(0, 1).put(0, (byte) 1));
      assertThrows(IndexOutOfBoundsException.class, () -> m.asByteBuffer(8, 3));
      m.close();
      assertThrows(IllegalStateException.class, () -> b.get(0));
    }
  }

  @Test
  void typedAccessAtAnyOffsetInBothOrders() throws IOException {
    try (Mmap m = Mmap.anonymous(64)) {
      for (ByteOrder o : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
        ByteBuffer ref = ByteBuffer.allocate(64).order(o);
        for (int at : new int[] {0, 1, 3, 7, 13}) {
          m.putShort(at, o, (short) -2);
          assertEquals(ref.putShort(0, (short) -2).getShort(0), m.getShort(at, o));
          assertEquals(ref.get(0), m.get(at));
          m.putInt(at, o, 0x01020304);
          assertEquals(0x01020304, m.getInt(at, o));
          assertEquals(ref.putInt(0, 0x01020304).get(0), m.get(at));
          m.putLong(at, o, 0x0102030405060708L);
          assertEquals(0x0102030405060708L, m.getLong(at, o));
          assertEquals(ref.putLong(0, 0x0102030405060708L).get(0), m.get(at));
          m.putFloat(at, o, 1.5f);
          assertEquals(1.5f, m.getFloat(at, o));
          m.putDouble(at, o, -2.25);
          assertEquals(-2.25, m.getDouble(at, o));
          assertEquals(ref.putDouble(0, -2.25).get(7), m.get(at + 7));
        }
      }
      assertThrows(IndexOutOfBoundsException.class, () -> m.getLong(57, ByteOrder.BIG_ENDIAN));
      assertThrows(IndexOutOfBoundsException.class, () -> m.putInt(-1, ByteOrder.BIG_ENDIAN, 1));
      assertThrows(NullPointerException.class, () -> m.getInt(0, null));
    }
  }

  @Test
  void atomicsNeedAlignmentAndAWritableMap() throws IOException {
    try (Mmap m = Mmap.anonymous(64)) {
      assertEquals(0, m.getAndAddLong(8, 5));
      assertEquals(5, m.getLongVolatile(8));
      assertTrue(m.compareAndSetLong(8, 5, 7));
      assertFalse(m.compareAndSetLong(8, 5, 9));
      m.putLongRelease(16, -1);
      assertEquals(-1, m.getLongVolatile(16));
      assertEquals(0, m.getAndAddInt(4, 3));
      assertTrue(m.compareAndSetInt(4, 3, 4));
      m.putIntRelease(0, 9);
      assertEquals(9, m.getIntVolatile(0));
      assertEquals(4, m.getIntVolatile(4));
      var e = assertThrows(IllegalArgumentException.class, () -> m.getAndAddLong(4, 1));
      assertEquals(
          "misaligned offset for a 8-byte atomic access: offset=4 alignment=8", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> m.getIntVolatile(2));
      assertThrows(IndexOutOfBoundsException.class, () -> m.getAndAddLong(64, 1));
    }
    try (Mmap r = Mmap.map(file("01234567"), 0, Access.READ)) {
      assertThrows(ReadOnlyMmapException.class, () -> r.getAndAddLong(0, 1));
      assertThrows(ReadOnlyMmapException.class, () -> r.putLong(0, ByteOrder.BIG_ENDIAN, 1));
      assertEquals('0', r.getLongVolatile(0) & 0xFF);
    }
  }
}
