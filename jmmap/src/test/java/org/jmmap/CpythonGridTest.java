package org.jmmap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import org.jmmap.conformance.Cpython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Grids of arguments run through CPython's mmap (the {@link Cpython} oracle) and through jmmap:
 * every result, exception class included, must be the same. Python's exceptions are mapped to
 * Java's by the table in {@code docs/python-to-java.md}.
 */
class CpythonGridTest {
  @TempDir Path dir;

  private List<String> python(String grid) throws IOException, InterruptedException {
    Path script = dir.resolve("grids.py");
    try (InputStream in = CpythonGridTest.class.getResourceAsStream("grids.py")) {
      Files.copy(in, script);
    }
    Process p =
        new ProcessBuilder(Cpython.oracle().command(script.toString(), grid))
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    int status = p.waitFor();
    assertEquals(
        0,
        status,
        () -> Cpython.oracle().death(status) + ": " + new String(out, StandardCharsets.UTF_8));
    return new String(out, StandardCharsets.UTF_8).lines().toList();
  }

  private interface Op {
    Object run() throws IOException;
  }

  private static String show(Op op) {
    Object r;
    try {
      r = op.run();
    } catch (IllegalArgumentException | BufferUnderflowException | BufferOverflowException e) {
      return "ValueError";
    } catch (IndexOutOfBoundsException e) {
      return "IndexError";
    } catch (UnsupportedOperationException e) { // ReadOnlyMmapException is one
      return "TypeError";
    } catch (IOException e) {
      return "OSError";
    }
    if (r instanceof byte[] b) {
      return b.length == 0 ? "-" : HexFormat.of().formatHex(b);
    }
    return String.valueOf(r);
  }

  private static Mmap anon(String data) throws IOException {
    Mmap m = Mmap.anonymous(data.length());
    m.write(data.getBytes(ISO_8859_1));
    m.seek(0);
    return m;
  }

  /** Python's None as a start or stop: the end a step of that sign starts from or stops at. */
  private static long bound(String v, long step, boolean isStart) {
    if (!v.equals("None")) {
      return Long.parseLong(v);
    }
    return (step > 0) == isStart ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  private void compare(String grid, Function<String[], String> impl) throws Exception {
    List<String> expected = python(grid);
    List<String> mismatches = new ArrayList<>();
    for (String line : expected) {
      String[] f = line.split(" ");
      String args = String.join(" ", Arrays.copyOf(f, f.length - resultFields(grid)));
      String got = args + " " + impl.apply(f);
      if (!got.equals(line)) {
        mismatches.add("python: " + line + "   java: " + got);
      }
    }
    assertEquals(
        List.of(),
        mismatches.subList(0, Math.min(20, mismatches.size())),
        mismatches.size() + " of " + expected.size() + " calls differ");
    assertEquals(true, expected.size() > 500, "the grid is too small: " + expected.size());
  }

  private static int resultFields(String grid) {
    return grid.equals("find") ? 2 : 1;
  }

  @Test
  void slicesMatchCpythonForEverySignAndStep() throws Exception {
    try (Mmap m = anon("0123456789")) {
      compare(
          "slices",
          f -> {
            long step = f[2].equals("None") ? 1 : Long.parseLong(f[2]);
            return show(() -> m.slice(bound(f[0], step, true), bound(f[1], step, false), step));
          });
    }
  }

  @Test
  void sliceAssignmentMatchesCpythonForEverySignAndStep() throws Exception {
    compare(
        "setslices",
        f -> {
          long step = f[2].equals("None") ? 1 : Long.parseLong(f[2]);
          long a = bound(f[0], step, true);
          long b = bound(f[1], step, false);
          return show(
              () -> {
                try (Mmap m = anon("0123456789")) {
                  int n = step == 0 ? 0 : Model.sliceIndexes(a, b, step, 10).length;
                  byte[] data = new byte[n];
                  for (int i = 0; i < n; i++) {
                    data[i] = (byte) (65 + n - 1 - i);
                  }
                  m.setSlice(a, b, step, data);
                  return m.slice(0, 10);
                }
              });
        });
  }

  @Test
  void findAndRfindMatchCpythonForEveryStartAndEnd() throws Exception {
    try (Mmap m = anon("one two ones\u0000one")) {
      compare(
          "find",
          f -> {
            byte[] sub = f[0].equals("-") ? new byte[0] : HexFormat.of().parseHex(f[0]);
            long i = Long.parseLong(f[1]);
            long j = Long.parseLong(f[2]);
            return show(() -> m.find(sub, i, j)) + " " + show(() -> m.rfind(sub, i, j));
          });
    }
  }

  @Test
  void moveMatchesCpythonInAndOutOfRange() throws Exception {
    compare(
        "move",
        f ->
            show(
                () -> {
                  try (Mmap m = anon("abcdef")) {
                    m.move(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
                    return m.slice(0, 6);
                  }
                }));
  }
}
