package org.jmmap.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jmmap.Access;
import org.jmmap.Backings;
import org.jmmap.Mmap;
import org.jmmap.SharedMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Arrays exchanged with numpy both ways, through a file and through named shared memory ({@code
 * multiprocessing.shared_memory}): numpy writes {@code np.arange}, random {@code float64},
 * big-endian {@code int32} and a packed structured array at unaligned offsets, and Java reads every
 * value with the bulk accessors; Java writes longs and floats in both byte orders, and numpy reads
 * them with the matching {@code dtype}. Skipped, and said so in the build's summary, on a machine
 * without numpy ({@link Numpy}).
 */
class NumpyTest {
  /** How many longs and floats Java writes in each order. */
  private static final int N = 1001;

  @TempDir Path dir;
  private final List<String> names = new ArrayList<>();

  @AfterEach
  void nothingIsLeftInDevShm() throws IOException {
    List<String> left = new ArrayList<>();
    for (String n : names) {
      if (Files.deleteIfExists(Path.of("/dev/shm", n))) {
        left.add(n);
      }
    }
    assertEquals(List.of(), left, "left in /dev/shm");
  }

  private Path script() throws IOException {
    Path s = dir.resolve("numpy_exchange.py");
    if (!Files.exists(s)) {
      try (InputStream in = NumpyTest.class.getResourceAsStream("numpy_exchange.py")) {
        Files.copy(in, s);
      }
    }
    return s;
  }

  private String numpy(Numpy np, String... args) throws Exception {
    List<String> c = new ArrayList<>(List.of(np.python, script().toString()));
    c.addAll(List.of(args));
    return ProcessRunner.run(c);
  }

  /** What the script printed: each line's first word and the rest. */
  private static Map<String, String[]> parse(String out) {
    Map<String, String[]> m = new HashMap<>();
    for (String line : out.lines().toList()) {
      String[] w = line.split(" ");
      m.put(w[0], java.util.Arrays.copyOfRange(w, 1, w.length));
    }
    return m;
  }

  /** Reads what numpy wrote into {@code m} with the bulk accessors, and checks every value. */
  private static void checkWhatNumpyWrote(Mmap m, String out) {
    Map<String, String[]> p = parse(out);
    String[] a = p.get("arange");
    long[] longs = new long[Integer.parseInt(a[1])];
    m.getLongs(Long.parseLong(a[0]), longs, 0, longs.length, ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < longs.length; i++) {
      assertEquals(i, longs[i], "np.arange element " + i);
    }
    String[] r = p.get("random");
    double[] doubles = new double[r.length - 1];
    m.getDoubles(Long.parseLong(r[0]), doubles, 0, doubles.length, ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < doubles.length; i++) {
      assertEquals(Double.parseDouble(r[i + 1]), doubles[i], "random float64 element " + i);
    }
    assertTrue(Long.parseLong(r[0]) % 8 != 0, "numpy wrote the doubles at an unaligned offset");
    String[] b = p.get("int32be");
    int[] ints = new int[Integer.parseInt(b[1]) + 2];
    m.getInts(Long.parseLong(b[0]), ints, 2, ints.length - 2, ByteOrder.BIG_ENDIAN);
    for (int i = 0; i < ints.length - 2; i++) {
      assertEquals((i - 250) * 1234567, ints[i + 2], ">i4 element " + i);
    }
    String[] rec = p.get("record");
    String[] x = p.get("recordx");
    long at = Long.parseLong(rec[0]);
    int count = Integer.parseInt(rec[1]);
    int itemsize = Integer.parseInt(rec[2]);
    int idAt = Integer.parseInt(rec[3]);
    int xAt = Integer.parseInt(rec[4]);
    int tagAt = Integer.parseInt(rec[5]);
    assertEquals(15, itemsize, "a packed record of <u4, <f8 and S3");
    for (int i = 0; i < count; i++) {
      long record = at + (long) i * itemsize;
      int[] id = new int[1];
      m.getInts(record + idAt, id, 0, 1, ByteOrder.LITTLE_ENDIAN);
      assertEquals(7 * i, id[0], "record " + i + " id");
      assertEquals(
          Double.parseDouble(x[i]), m.getDouble(record + xAt, ByteOrder.LITTLE_ENDIAN), "x " + i);
      byte[] tag = m.slice(record + tagAt, record + tagAt + 3);
      String want = "a" + i;
      byte[] padded = java.util.Arrays.copyOf(want.getBytes(StandardCharsets.US_ASCII), 3);
      assertArrayEquals(padded, tag, "record " + i + " tag");
    }
  }

  /** Writes longs and floats in both orders at unaligned offsets, as the script checks them. */
  private static void writeForNumpy(Mmap m) {
    long[] longs = new long[N];
    float[] floats = new float[N];
    for (int i = 0; i < N; i++) {
      longs[i] = i * 0x9E3779B97F4A7C15L;
      floats[i] = (float) (i * 0.375 - 100.0);
    }
    long at = 0;
    m.putLongs(at, longs, 0, N, ByteOrder.LITTLE_ENDIAN);
    at += 8L * N + 1;
    m.putLongs(at, longs, 0, N, ByteOrder.BIG_ENDIAN);
    at += 8L * N + 1;
    m.putFloats(at, floats, 0, N, ByteOrder.LITTLE_ENDIAN);
    at += 4L * N + 1;
    m.putFloats(at, floats, 0, N, ByteOrder.BIG_ENDIAN);
  }

  private static final long JAVA_BYTES = 2 * (8L * N + 1) + 2 * (4L * N + 1);

  @Test
  void javaReadsEveryValueNumpyWroteToAFile() throws Exception {
    Numpy np = Numpy.require();
    Path f = dir.resolve("from-numpy.bin");
    String out = numpy(np, "write", "file", f.toString(), "42");
    try (Mmap m = Mmap.map(f, 0, Access.READ)) {
      checkWhatNumpyWrote(m, out);
    }
  }

  @Test
  void numpyReadsEveryValueJavaWroteToAFile() throws Exception {
    Numpy np = Numpy.require();
    Path f = dir.resolve("from-java.bin");
    try (Mmap m = Mmap.map(Files.write(f, new byte[(int) JAVA_BYTES]), 0, Access.WRITE)) {
      writeForNumpy(m);
      m.flush();
    }
    assertEquals("ok\n", numpy(np, "check", "file", f.toString(), Integer.toString(N)));
  }

  @Test
  void arraysGoBothWaysThroughSharedMemory() throws Exception {
    Backings.assumeSharedMemory();
    Numpy np = Numpy.require();
    String n = "jmmap_test_numpy_" + ProcessHandle.current().pid();
    names.add(n);
    try (SharedMemory shm = SharedMemory.create(n, 64 << 10)) {
      String out = numpy(np, "write", "shm", n, "7");
      checkWhatNumpyWrote(shm.mmap(), out);
      shm.mmap().setSlice(0, shm.size(), new byte[(int) shm.size()]);
      writeForNumpy(shm.mmap());
      assertEquals("ok\n", numpy(np, "check", "shm", n, Integer.toString(N)));
      shm.unlink();
    }
  }

  @Test
  void aWrongByteOrderIsCaughtByTheCheck() throws Exception {
    // the check above can fail: floats written in the wrong order are found
    Numpy np = Numpy.require();
    Path f = dir.resolve("wrong.bin");
    try (Mmap m = Mmap.map(Files.write(f, new byte[(int) JAVA_BYTES]), 0, Access.WRITE)) {
      writeForNumpy(m);
      float[] one = {1.0f};
      m.putFloats(2 * (8L * N + 1) + 4 * 5, one, 0, 1, ByteOrder.BIG_ENDIAN); // little-endian part
    }
    List<String> c =
        new ArrayList<>(
            List.of(np.python, script().toString(), "check", "file", f.toString(), "" + N));
    Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, p.waitFor(), out);
    assertTrue(out.contains("<f4") && out.contains("element 5"), out);
  }
}
