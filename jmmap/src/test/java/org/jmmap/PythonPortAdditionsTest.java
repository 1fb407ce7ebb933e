package org.jmmap;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What porting Python code needs beyond the rest of the API, each checked against CPython itself
 * ({@link PortOracle}): {@code seekable()}, {@code madvise(option, start)}, the whole map as a
 * slice and Python's {@code None} as a slice bound, {@code size()} of anonymous memory without a
 * descriptor, and the two byte conventions of {@code get} and {@code readByte}.
 */
class PythonPortAdditionsTest {
  @TempDir Path dir;

  private static final int PAGESIZE = Mmap.PAGESIZE;

  private void assumeCpython313() throws Exception {
    int v = PortOracle.version(dir);
    assumeTrue(v >= 313, PortOracle.python() + " is " + v + "; these answers need 3.13");
  }

  @Test
  void seekableIsTrueOpenAndClosedAsInCpython313() throws Exception {
    Mmap m = Mmap.anonymous(16);
    String open = m.seekable() ? "True" : "False";
    m.close();
    String closed = m.seekable() ? "True" : "False";
    assertEquals(List.of("True", "True"), List.of(open, closed));
    assumeCpython313(); // older releases have no seekable()
    List<String> py =
        PortOracle.run(
            dir,
            """
            import mmap
            m = mmap.mmap(-1, 16)
            print(m.seekable())
            m.close()
            print(m.seekable())
            """);
    assertEquals(py, List.of(open, closed), PortOracle.python());
  }

  /** What a call did, in Python's words. */
  private static String outcome(Runnable call) {
    try {
      call.run();
      return "None";
    } catch (IllegalArgumentException e) {
      return "ValueError";
    } catch (UncheckedIOException e) {
      return "OSError";
    }
  }

  private static final String STARTS_PY =
      "[0, P, 2 * P, 3 * P - 1, 3 * P, 3 * P + 1, -1, 1, -P, sys.maxsize, -sys.maxsize - 1]";

  private static long[] starts() {
    long p = PAGESIZE;
    return new long[] {
      0, p, 2 * p, 3 * p - 1, 3 * p, 3 * p + 1, -1, 1, -p, Long.MAX_VALUE, Long.MIN_VALUE
    };
  }

  @Test
  void madviseWithAStartAcceptsAndRefusesTheStartsCpythonDoes() throws Exception {
    List<String> py =
        PortOracle.run(
            dir,
            """
            import mmap, sys
            P = mmap.PAGESIZE
            m = mmap.mmap(-1, 3 * P)
            for s in %s:
                try:
                    m.madvise(mmap.MADV_NORMAL, s)
                    print(s, "None")
                except Exception as e:
                    print(s, type(e).__name__)
            """
                .formatted(STARTS_PY));
    List<String> viaInt = new ArrayList<>();
    List<String> viaAdvice = new ArrayList<>();
    try (Mmap m = Mmap.anonymous(3L * PAGESIZE)) {
      for (long s : starts()) {
        viaInt.add(s + " " + outcome(() -> m.madvise(Mmap.MADV_NORMAL, s)));
        viaAdvice.add(s + " " + outcome(() -> m.madvise(Advice.NORMAL, s)));
      }
    }
    assertEquals(py, viaInt);
    assertEquals(py, viaAdvice);
    assertTrue(py.contains("-1 ValueError") && py.contains("1 OSError"), "CPython: " + py);
  }

  private static String dontNeedFrom(LongConsumer advise, Mmap m) {
    byte[] xs = new byte[(int) m.length()];
    Arrays.fill(xs, (byte) 'x');
    m.setSlice(xs);
    advise.accept(PAGESIZE);
    return (m.get(0) & 0xFF) + " " + (m.get(PAGESIZE) & 0xFF) + " " + (m.get(-1) & 0xFF);
  }

  @Test
  void madviseWithAStartAdvisesEveryPageFromThereToTheEnd() throws Exception {
    List<String> py =
        PortOracle.run(
            dir,
            """
            import mmap
            P = mmap.PAGESIZE
            m = mmap.mmap(-1, 3 * P, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            m[:] = b'x' * (3 * P)
            m.madvise(mmap.MADV_DONTNEED, P)
            print(m[0], m[P], m[-1])
            """);
    MmapOptions priv = Mmap.options().flags(Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS);
    try (Mmap a = priv.anonymous(3L * PAGESIZE);
        Mmap b = priv.anonymous(3L * PAGESIZE)) {
      assertEquals(py.getFirst(), dontNeedFrom(s -> a.madvise(Mmap.MADV_DONTNEED, s), a));
      assertEquals(py.getFirst(), dontNeedFrom(s -> b.madvise(Advice.DONTNEED, s), b));
    }
    assertEquals("120 0 0", py.getFirst(), "CPython's own answer");
  }

  private static final String BOUNDS_PY = "[None, 0, 1, 3, -1, -3, sys.maxsize, -sys.maxsize - 1]";
  private static final Long[] BOUNDS = {null, 0L, 1L, 3L, -1L, -3L, Long.MAX_VALUE, Long.MIN_VALUE};
  private static final String STEPS_PY = "[None, 1, 2, 3, -1, -2, -3, sys.maxsize, -sys.maxsize]";
  private static final Long[] STEPS = {
    null, 1L, 2L, 3L, -1L, -2L, -3L, Long.MAX_VALUE, -Long.MAX_VALUE
  };
  private static final int[] LENGTHS = {1, 2, 7, 10};

  /** Python's None as a slice's start: the low end for a positive step, else the high end. */
  private static long start(Long v, long step) {
    return v != null ? v : step > 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  /** Python's None as a slice's stop: the high end for a positive step, else the low end. */
  private static long stop(Long v, long step) {
    return v != null ? v : step > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
  }

  private static String hex(byte[] b) {
    return b.length == 0 ? "-" : HexFormat.of().formatHex(b);
  }

  @Test
  void noneAsEitherSliceBoundIsTheDocumentedSentinelForEveryStepSign() throws Exception {
    List<String> py =
        PortOracle.run(
            dir,
            """
            import sys
            for n in %s:
                s = bytes(range(10, 10 + n))
                for step in %s:
                    for a in %s:
                        for z in %s:
                            got = s[a:z:step]
                            L = list(s)
                            L[a:z:step] = bytes(reversed(got))
                            print(got.hex() or '-', bytes(L).hex())
            """
                .formatted(Arrays.toString(LENGTHS), STEPS_PY, BOUNDS_PY, BOUNDS_PY));
    List<String> java = new ArrayList<>();
    List<String> where = new ArrayList<>();
    for (int n : LENGTHS) {
      byte[] s = new byte[n];
      for (int i = 0; i < n; i++) {
        s[i] = (byte) (10 + i);
      }
      try (Mmap m = Mmap.anonymous(n)) {
        for (Long stepOrNone : STEPS) {
          long step = stepOrNone == null ? 1 : stepOrNone;
          for (Long a : BOUNDS) {
            for (Long z : BOUNDS) {
              m.setSlice(s);
              byte[] got = m.slice(start(a, step), stop(z, step), step);
              byte[] rev = new byte[got.length];
              for (int i = 0; i < got.length; i++) {
                rev[i] = got[got.length - 1 - i];
              }
              m.setSlice(start(a, step), stop(z, step), step, rev);
              java.add(hex(got) + " " + hex(m.slice()));
              where.add("n=" + n + " [" + a + ":" + z + ":" + stepOrNone + "]");
            }
          }
        }
      }
    }
    assertEquals(py.size(), java.size());
    for (int i = 0; i < py.size(); i++) {
      assertEquals(py.get(i), java.get(i), where.get(i));
    }
  }

  @Test
  void theWholeMapSliceAndItsAssignmentAreMColonAndMColonAssignment() throws Exception {
    List<String> py =
        PortOracle.run(
            dir,
            """
            m = bytearray(b'abcdefg')
            print(m[:].hex())
            m[:] = b'1234567'
            print(m.hex())
            try:
                m2 = __import__('mmap').mmap(-1, 7)
                m2[:] = b'123456'
            except Exception as e:
                print(type(e).__name__)
            """);
    try (Mmap m = Mmap.anonymous(7)) {
      m.write("abcdefg".getBytes(US_ASCII));
      assertEquals(py.get(0), hex(m.slice()));
      m.setSlice("1234567".getBytes(US_ASCII));
      assertEquals(py.get(1), hex(m.slice(Long.MIN_VALUE, Long.MAX_VALUE)));
      assertEquals(7, m.tell(), "the position does not move");
      assertEquals("IndexError", py.get(2));
      assertThrows(IndexOutOfBoundsException.class, () -> m.setSlice(new byte[6]));
    }
  }

  @Test
  void anonymousMemoryGivesTheSameSizeWithOrWithoutADescriptorAsCpythonDoes() throws Exception {
    // jmmap gives the length for all four kinds, and refuses only a file map's size without a
    // descriptor
    for (boolean track : new boolean[] {true, false}) {
      for (int flags : new int[] {Mmap.MAP_SHARED, Mmap.MAP_PRIVATE}) {
        try (Mmap m = Mmap.options().flags(flags).trackFd(track).anonymous(64)) {
          assertEquals(64, m.size(), "trackFd=" + track + " flags=" + flags);
        }
      }
    }
    Path f = dir.resolve("f");
    Files.write(f, new byte[64]);
    try (Mmap m = Mmap.options().trackFd(false).map(f)) {
      assertThrows(UnsupportedOperationException.class, m::size);
    }
    assumeCpython313(); // older releases have no trackfd
    List<String> py =
        PortOracle.run(
            dir,
            """
            import mmap
            for track in (True, False):
                for flags in (mmap.MAP_SHARED, mmap.MAP_PRIVATE):
                    m = mmap.mmap(-1, 64, flags=flags, trackfd=track)
                    try:
                        print(m.size())
                    except OSError as e:
                        print("OSError")
            """);
    // the rule jmmap follows: CPython, too, answers the same for all four (3.13: OSError; 3.15:
    // the length)
    assertEquals(1, py.stream().distinct().count(), PortOracle.python() + ": " + py);
  }

  @Test
  void getIsTheSignedByteOfByteBufferGetAndReadByteIsTheUnsignedValueOfPythonAndInputStream()
      throws Exception {
    List<String> py =
        PortOracle.run(
            dir,
            """
            import mmap
            m = mmap.mmap(-1, 256)
            m[:] = bytes(range(256))
            print(all(m[i] == m.read_byte() == i for i in range(256)))
            """);
    assertEquals(List.of("True"), py);
    try (Mmap m = Mmap.anonymous(256)) {
      for (int i = 0; i < 256; i++) {
        m.set(i, (byte) i);
      }
      ByteBuffer buffer = m.asByteBuffer(0, 256);
      InputStream in = m.inputStream();
      for (int i = 0; i < 256; i++) {
        byte got = m.get(i);
        assertEquals(buffer.get(i), got, "get(" + i + ")");
        int read = m.readByte();
        assertEquals(i, read, "readByte() at " + i);
        assertEquals(in.read(), read, "InputStream.read() at " + i);
        assertEquals(got & 0xFF, read, "at " + i);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void theNewMethodsButSeekableSayTheMapIsClosedOnceItIs() throws IOException {
    Mmap m = Mmap.anonymous(2L * PAGESIZE);
    m.close();
    List<org.junit.jupiter.api.function.Executable> calls =
        List.of(
            m::slice,
            () -> m.setSlice(new byte[2 * PAGESIZE]),
            () -> m.madvise(Mmap.MADV_NORMAL, 0),
            () -> m.madvise(Advice.NORMAL, 0));
    for (int i = 0; i < calls.size(); i++) {
      IllegalStateException e =
          assertThrows(IllegalStateException.class, calls.get(i), "call " + i);
      assertTrue(e.getMessage().contains("mmap closed or invalid"), e.getMessage());
    }
    assertTrue(m.seekable());
  }
}
