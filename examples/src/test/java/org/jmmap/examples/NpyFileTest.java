package org.jmmap.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .npy} files that numpy's {@code np.save} wrote, read in place by {@link NpyFile}. Skipped
 * on a machine without numpy, which the build's summary then says.
 */
class NpyFileTest {
  @TempDir Path dir;

  /** {@return a CPython with numpy}, or skips the test and leaves a note for the summary */
  private static String numpy() throws IOException, InterruptedException {
    String env = System.getenv("JMMAP_NUMPY_PYTHON");
    for (String python :
        env == null || env.isEmpty() ? List.of("python3", "/usr/bin/python3") : List.of(env)) {
      if (python.equals("none")) {
        break;
      }
      try {
        Process p =
            new ProcessBuilder(
                    python,
                    "-c",
                    "import platform, numpy; print('CPython', platform.python_version() + ',',"
                        + " 'numpy', numpy.__version__)")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
          note("ran\t" + out + " (" + python + ")");
          return python;
        }
      } catch (IOException noSuchProgram) {
        // the next one
      }
    }
    String why =
        "no CPython with numpy found (tried $JMMAP_NUMPY_PYTHON, python3, /usr/bin/python3):"
            + " install numpy (pip install numpy, or apt install python3-numpy) to run the numpy"
            + " tests";
    note("skip\t" + why);
    Assumptions.abort(why);
    throw new AssertionError("unreachable");
  }

  private static void note(String line) throws IOException {
    Path notes = Path.of("target", "test-notes");
    Files.createDirectories(notes);
    Files.writeString(
        notes.resolve("numpy.txt"),
        line + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private void python(String python, String script) throws Exception {
    Process p =
        new ProcessBuilder(python, "-c", script)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }

  @Test
  void everyValueThatNpSaveWroteIsReadInPlace() throws Exception {
    String python = numpy();
    python(
        python,
        """
        import numpy as np
        np.save("f8.npy", np.arange(12, dtype="<f8").reshape(3, 4) * 0.5)
        np.save("i4be.npy", ((np.arange(5) - 2) * 100000).astype(">i4"))
        np.save("f4fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
        with open("v2.npy", "wb") as f:
            np.lib.format.write_array(f, np.arange(7, dtype="<i8") ** 3, version=(2, 0))
        """);
    try (NpyFile npy = NpyFile.open(dir.resolve("f8.npy"))) {
      assertEquals("<f8", npy.descr());
      assertArrayEquals(new long[] {3, 4}, npy.shape());
      assertEquals(0, npy.dataOffset() % 64, "numpy aligns the data to 64 bytes");
      double[] row = new double[4];
      npy.getDoubles(4 * 2, row, 0, 4); // a[2]
      assertArrayEquals(new double[] {4.0, 4.5, 5.0, 5.5}, row);
      assertEquals(33.0, npy.sum());
    }
    try (NpyFile npy = NpyFile.open(dir.resolve("i4be.npy"))) {
      assertEquals(">i4", npy.descr());
      assertEquals(ByteOrder.BIG_ENDIAN, npy.order());
      int[] a = new int[5];
      npy.getInts(0, a, 0, 5);
      assertArrayEquals(new int[] {-200000, -100000, 0, 100000, 200000}, a);
      assertThrows(IllegalStateException.class, () -> npy.getDoubles(0, new double[1], 0, 1));
    }
    try (NpyFile npy = NpyFile.open(dir.resolve("f4fortran.npy"))) {
      assertTrue(npy.fortranOrder());
      float[] a = new float[6];
      npy.getFloats(0, a, 0, 6);
      assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, a); // column after column
    }
    try (NpyFile npy = NpyFile.open(dir.resolve("v2.npy"))) {
      long[] a = new long[7];
      npy.getLongs(0, a, 0, 7);
      assertArrayEquals(new long[] {0, 1, 8, 27, 64, 125, 216}, a);
    }
  }

  @Test
  void aFileThatIsNotNpyIsRefusedByName() throws IOException {
    Path f = Files.writeString(dir.resolve("x.npy"), "not numpy at all");
    IOException e = assertThrows(IOException.class, () -> NpyFile.open(f));
    assertTrue(e.getMessage().contains("not a .npy file"), e.getMessage());
  }
}
