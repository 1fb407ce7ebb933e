package org.jmmap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.jmmap.conformance.Cpython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CPython's {@code readline()} ({@code python3}) and jmmap's {@link Mmap#readLine()} and {@link
 * Mmap#readLineSegment()} read the same random files from the same positions to the end: the
 * sequences of lines, the final empty one included, must be equal.
 */
class ReadLineCpythonTest {
  @TempDir Path dir;

  private static final String SCRIPT =
      """
      import mmap, sys
      for arg in sys.argv[1:]:
          path, start = arg.rsplit(":", 1)
          with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
              m.seek(int(start))
              out = []
              while True:
                  line = m.readline()
                  out.append(line.hex() or "-")
                  if not line:
                      break
              print(" ".join(out))
      """;

  /** A file's bytes: runs of random bytes, newlines, carriage returns and newline runs. */
  private static byte[] content(RandomGenerator r) {
    int n = 1 + r.nextInt(r.nextBoolean() ? 64 : 3 * Mmap.PAGESIZE);
    int every = 1 + r.nextInt(r.nextBoolean() ? 4 : 300);
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(every);
      b[i] =
          switch (kind) {
            case 0 -> (byte) '\n';
            case 1 -> (byte) '\r';
            default -> (byte) r.nextInt(256); // 0x0a now and then, 0x8a and 0x0b around it
          };
    }
    return b;
  }

  private static String show(byte[] line) {
    return line.length == 0 ? "-" : HexFormat.of().formatHex(line);
  }

  @Test
  void readLineAndReadLineSegmentGiveCpythonsLinesForRandomFilesAndStarts() throws Exception {
    long seed = System.nanoTime();
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    List<String> args = new ArrayList<>();
    List<String> javaLines = new ArrayList<>();
    List<String> segmentLines = new ArrayList<>();
    for (int f = 0; f < 40; f++) {
      byte[] b = content(r);
      Path file = Files.write(dir.resolve("f" + f + ".bin"), b);
      try (Mmap m = Mmap.map(file, 0, Access.READ)) {
        for (int k = 0; k < 3; k++) {
          int start = k == 0 ? 0 : r.nextInt(b.length + 1);
          args.add(file + ":" + start);
          List<String> lines = new ArrayList<>();
          m.seek(start);
          byte[] line;
          do {
            line = m.readLine();
            lines.add(show(line));
          } while (line.length > 0);
          javaLines.add(String.join(" ", lines));
          lines.clear();
          m.seek(start);
          do {
            line = m.readLineSegment().toArray(JAVA_BYTE);
            lines.add(show(line));
          } while (line.length > 0);
          segmentLines.add(String.join(" ", lines));
        }
      }
    }
    List<String> python = python(args);
    assertEquals(args.size(), python.size(), "seed " + seed + ": one output line per start");
    for (int i = 0; i < args.size(); i++) {
      assertEquals(python.get(i), javaLines.get(i), "seed " + seed + ", readLine, " + args.get(i));
      assertEquals(
          python.get(i), segmentLines.get(i), "seed " + seed + ", readLineSegment, " + args.get(i));
    }
  }

  private List<String> python(List<String> args) throws IOException, InterruptedException {
    Path script = Files.writeString(dir.resolve("readlines.py"), SCRIPT);
    List<String> cmd = new ArrayList<>(Cpython.oracle().command(script.toString()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), text);
    return text.lines().toList();
  }
}
