package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.MmapFaultException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file is truncated under the map, by this process or another: every read and write path that
 * reaches past the new end throws {@link MmapFaultException} naming the file, the offset and the
 * file's size (stream views: an {@link IOException} with that message), and the map can still be
 * closed.
 */
class TruncationTest {
  static final int PS = Mmap.PAGESIZE;
  static final long PAST = PS + 8; // an offset in the second page, which the file no longer has
  @TempDir Path dir;

  interface Access_ {
    void run(Mmap m) throws Exception;
  }

  static Map<String, Access_> paths() {
    Map<String, Access_> p = new LinkedHashMap<>();
    byte[] four = {1, 2, 3, 4};
    p.put("get", m -> m.get(PAST));
    p.put("set", m -> m.set(PAST, (byte) 1));
    p.put("slice", m -> m.slice(PAST, PAST + 4));
    p.put("slice with a step", m -> m.slice(PAST, PAST + 8, 2));
    p.put("setSlice", m -> m.setSlice(PAST, PAST + 4, four));
    p.put(
        "read",
        m -> {
          m.seek(PAST);
          m.read(4);
        });
    p.put(
        "readByte",
        m -> {
          m.seek(PAST);
          m.readByte();
        });
    p.put(
        "readLine",
        m -> {
          m.seek(PAST);
          m.readLine();
        });
    p.put(
        "write",
        m -> {
          m.seek(PAST);
          m.write(four);
        });
    p.put(
        "writeByte",
        m -> {
          m.seek(PAST);
          m.writeByte((byte) 1);
        });
    p.put("find", m -> m.find(four, PS));
    p.put("rfind", m -> m.rfind(four, PS));
    p.put("move", m -> m.move(0, PAST, 4));
    p.put("getLong", m -> m.getLong(PAST, ByteOrder.BIG_ENDIAN));
    p.put("putInt", m -> m.putInt(PAST, ByteOrder.LITTLE_ENDIAN, 1));
    p.put("getLongVolatile", m -> m.getLongVolatile(PAST));
    p.put("getAndAddLong", m -> m.getAndAddLong(PAST, 1));
    p.put("compareAndSetInt", m -> m.compareAndSetInt(PAST, 0, 1));
    p.put("asCharSequence", m -> m.asCharSequence().charAt((int) PAST));
    p.put("asCharSequence toString", m -> m.asCharSequence(PS, PAST + 4).toString());
    p.put("matches", m -> m.matches(Pattern.compile("x")).count());
    p.put("matches parallel", m -> m.matches(Pattern.compile("x")).parallel().count());
    p.put(
        "lines",
        m -> {
          m.seek(PS);
          m.lines(StandardCharsets.ISO_8859_1).count();
        });
    p.put(
        "lineSegments parallel",
        m -> {
          m.seek(PS);
          m.lineSegments().parallel().count();
        });
    p.put("count", m -> m.count(four));
    p.put("findAll", m -> m.findAll(four).count());
    p.put("findAll parallel", m -> m.findAll(four).parallel().toArray());
    p.put(
        "inputStream",
        m -> {
          var in = m.inputStream();
          in.skip(PAST);
          in.read(new byte[4]);
        });
    p.put(
        "outputStream",
        m -> {
          var out = m.outputStream();
          out.write(new byte[(int) PAST]);
          out.write(four);
        });
    p.put("channel read", m -> m.channel().position(PAST).read(ByteBuffer.allocate(4)));
    p.put("channel write", m -> m.channel().position(PAST).write(ByteBuffer.wrap(four)));
    return p;
  }

  /** {@return what went wrong when each path met a truncated file, or nothing} */
  static java.util.List<String> everyPathFaults(Path dir, boolean otherProcess) throws Exception {
    java.util.List<String> problems = new java.util.ArrayList<>();
    for (Map.Entry<String, Access_> path : paths().entrySet()) {
      try {
        onePathFaults(dir, path, otherProcess);
      } catch (AssertionError e) {
        problems.add(e.getMessage());
      }
    }
    return problems;
  }

  private static void onePathFaults(Path dir, Map.Entry<String, Access_> path, boolean otherProcess)
      throws Exception {
    {
      Path f = Files.createTempFile(dir, "trunc", ".bin");
      Files.write(f, new byte[2 * PS]);
      Mmap m = Mmap.map(f, 0, Access.WRITE);
      try {
        if (otherProcess) {
          Process p = new ProcessBuilder("truncate", "-s", "10", f.toString()).start();
          assertEquals(0, p.waitFor());
        } else {
          try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(10);
          }
        }
        Exception e = assertThrows(Exception.class, () -> path.getValue().run(m), path.getKey());
        String message = e.getMessage();
        if (e instanceof MmapFaultException fault) {
          assertEquals(10, fault.fileSize(), path.getKey());
          assertTrue(fault.offset() >= PS, path.getKey() + ": offset " + fault.offset());
        } else {
          assertTrue(e instanceof IOException, path.getKey() + ": " + e);
        }
        assertTrue(
            message.contains(f.toString())
                && message.contains("file size now 10")
                && message.contains("offset"),
            path.getKey() + ": " + message);
        assertEquals(0, m.get(0), "the part the file still has reads as before");
      } finally {
        m.close();
        Files.delete(f);
      }
    }
  }

  /**
   * Runs the paths in a JVM that only interprets. HotSpot reports a fault in code it has compiled
   * asynchronously, at its next safepoint poll, which may lie in the caller after jmmap's method
   * has returned; there the caller sees the JVM's InternalError (see the next test). Interpreted,
   * the report is synchronous, so this checks that every path turns it into the typed exception.
   */
  @Test
  void everyPathFaultsWithATypedExceptionWhenThisProcessTruncates() throws Exception {
    assertEquals("[]\n", RChild.run("-Xint", "truncation", dir.toString(), "false"));
  }

  @Test
  void everyPathFaultsWithATypedExceptionWhenAnotherProcessTruncates() throws Exception {
    assertEquals("[]\n", RChild.run("-Xint", "truncation", dir.toString(), "true"));
  }

  /**
   * A stream that has handed out its first elements meets the truncation at its next copy of the
   * map: the lines and offsets that the file still had come out, then MmapFaultException.
   */
  @Test
  void streamsTruncatedWhileConsumedFaultAtTheirNextBlock() throws Exception {
    int lines = 40_000; // 400 KB: more than one block of every stream
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      b.append(String.format(java.util.Locale.ROOT, "line %04d\n", i % 10_000));
    }
    byte[] content = b.toString().getBytes(StandardCharsets.ISO_8859_1);
    for (String stream : new String[] {"lines", "lineSegments", "findAll", "matches"}) {
      Path f = Files.write(Files.createTempFile(dir, "stream", ".txt"), content);
      try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
        java.util.Iterator<?> it =
            switch (stream) {
              case "lines" -> m.lines(StandardCharsets.ISO_8859_1).iterator();
              case "lineSegments" -> m.lineSegments().iterator();
              case "findAll" -> m.findAll("line".getBytes(StandardCharsets.ISO_8859_1)).iterator();
              default -> m.matches(Pattern.compile("line \\d+")).iterator();
            };
        it.next();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
          ch.truncate(PS);
        }
        int taken = 1;
        MmapFaultException e = null;
        try {
          while (it.hasNext()) {
            it.next();
            taken++;
          }
        } catch (MmapFaultException fault) {
          e = fault;
        }
        assertTrue(e != null, stream + ": no fault after " + taken + " elements");
        assertEquals(PS, e.fileSize(), stream);
        assertTrue(taken < lines, stream + ": " + taken);
        assertTrue(e.getMessage().contains(f.toString()), stream + ": " + e.getMessage());
      }
    }
  }

  /** Compiled hot code: the fault surfaces as MmapFaultException or InternalError, no crash. */
  @Test
  void hotCompiledAccessesAfterATruncationNeverCrash() throws Exception {
    Path f = Files.createTempFile(dir, "hot", ".bin");
    Files.write(f, new byte[2 * PS]);
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      long sum = 0;
      byte[] needle = "absent".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      for (int i = 0; i < 2_000_000; i++) {
        sum += m.get(PAST) + m.getLong(PAST, ByteOrder.BIG_ENDIAN) + m.asCharSequence().charAt(9);
      }
      for (int i = 0; i < 20_000; i++) {
        sum += m.find(needle, 0) + m.rfind(needle, 0); // the search kernel, compiled
      }
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.truncate(10);
      }
      int faults = 0;
      for (int i = 0; i < 1000; i++) {
        try {
          sum += m.get(PAST) + m.getLong(PAST, ByteOrder.BIG_ENDIAN);
        } catch (MmapFaultException | InternalError e) {
          faults++;
        }
        try {
          sum += i % 2 == 0 ? m.find(needle, 0) : m.rfind(needle, 0);
        } catch (MmapFaultException | InternalError e) {
          faults++;
        }
      }
      assertEquals(
          2000,
          faults,
          "sum " + sum + ", search kernel " + org.jmmap.internal.search.Search.kernel());
    }
  }
}
