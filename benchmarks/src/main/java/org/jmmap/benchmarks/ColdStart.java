package org.jmmap.benchmarks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * The first map of a short-lived program: how long a fresh JVM takes, from the entry of {@code
 * main}, to map a file and read its first line through jmmap, against mapping it with {@link
 * FileChannel#map(FileChannel.MapMode, long, long, Arena)} and reading its first byte.
 *
 * <p>{@code ColdStart [FILE] [RUNS]} starts {@code RUNS} (default 11) fresh JVMs of each kind,
 * alternating: jmmap with {@code --enable-native-access=ALL-UNNAMED} (its Linux layer) and the
 * {@code FileChannel} program with the same flag, then both without it (jmmap then maps through its
 * portable backing, chosen where native access is not enabled). It prints the median of each and
 * the ratio of each jmmap median to the {@code FileChannel} one run with the same flags, in {@code
 * compare.sh}'s {@code workload value unit} lines. Without a FILE, or with {@code -}, it writes a
 * small text file of its own. The time is measured inside each child from the entry of its {@code
 * main} (JVM start-up itself, the same for all, is left out) to the moment the line or byte is in
 * hand, the map still open.
 */
public final class ColdStart {
  private ColdStart() {}

  /**
   * Runs the children and prints the medians.
   *
   * @param args the file to map or {@code -} (optional), and the number of runs of each kind
   *     (optional)
   * @throws Exception if a child fails
   */
  public static void main(String[] args) throws Exception {
    Path file;
    boolean own = args.length == 0 || args[0].equals("-");
    if (own) {
      file = Files.createTempFile("jmmap-cold", ".txt");
      Files.writeString(file, "a first line\nand a second one\n", StandardCharsets.US_ASCII);
    } else {
      file = Path.of(args[0]);
    }
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 11;
    try {
      long[] linux = new long[runs];
      long[] channel = new long[runs];
      long[] portable = new long[runs];
      long[] channelNoFlags = new long[runs];
      for (int i = 0; i < runs; i++) {
        linux[i] = child(Jmmap.class, true, file);
        channel[i] = child(Channel.class, true, file);
        portable[i] = child(Jmmap.class, false, file);
        channelNoFlags[i] = child(Channel.class, false, file);
      }
      double n = median(linux);
      double c = median(channel);
      double p = median(portable);
      double cp = median(channelNoFlags);
      System.out.printf(Locale.ROOT, "cold_map_readline_native %.1f ms%n", n);
      System.out.printf(Locale.ROOT, "cold_filechannel_map_get %.1f ms%n", c);
      System.out.printf(Locale.ROOT, "cold_map_readline_portable %.1f ms%n", p);
      System.out.printf(Locale.ROOT, "cold_filechannel_map_get_no_flags %.1f ms%n", cp);
      System.out.printf(
          Locale.ROOT,
          "# cold start: first Mmap.map + readLine %.2fx a first FileChannel.map + get with"
              + " --enable-native-access (Linux layer), %.2fx without it (portable backing);"
              + " medians of %d fresh JVMs each%n",
          n / c,
          p / cp,
          runs);
    } finally {
      if (own) {
        Files.delete(file);
      }
    }
  }

  /** {@return the median of {@code nanos}, in milliseconds} */
  private static double median(long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return s[s.length / 2] / 1e6;
  }

  /**
   * {@return the nanoseconds the child reported}
   *
   * @param nativeAccess whether the child runs with {@code --enable-native-access=ALL-UNNAMED},
   *     which makes jmmap choose its Linux layer
   */
  private static long child(Class<?> main, boolean nativeAccess, Path file)
      throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    if (nativeAccess) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.add(file.toString());
    command.add(nativeAccess ? "native" : "portable");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    int status = p.waitFor();
    if (status != 0) {
      throw new IOException(main.getName() + " exited with status " + status + ": " + out);
    }
    return Long.parseLong(out);
  }

  /** A fresh JVM's first {@code Mmap.map} and {@code readLine}. */
  public static final class Jmmap {
    private Jmmap() {}

    /**
     * Maps the file, reads its first line and prints the nanoseconds since {@code main} began.
     *
     * @param args the file, and the backing jmmap must have chosen ({@code native} or {@code
     *     portable})
     * @throws IOException if the file cannot be mapped
     */
    public static void main(String[] args) throws IOException {
      long start = System.nanoTime();
      try (Mmap m = Mmap.map(Path.of(args[0]), 0, Access.READ)) {
        byte[] line = m.readLine();
        long elapsed = System.nanoTime() - start;
        if (line.length == 0) {
          throw new IllegalStateException("the file is empty: " + args[0]);
        }
        if (!m.toString().contains("backing=" + args[1])) {
          throw new IllegalStateException("not the " + args[1] + " backing: " + m);
        }
        System.out.println(elapsed);
      }
    }
  }

  /** A fresh JVM's first {@code FileChannel.map} and {@code get}. */
  public static final class Channel {
    private Channel() {}

    /**
     * Maps the file, reads its first byte and prints the nanoseconds since {@code main} began.
     *
     * @param args the file (and the backing a jmmap child would check, unused here)
     * @throws IOException if the file cannot be mapped
     */
    public static void main(String[] args) throws IOException {
      long start = System.nanoTime();
      try (FileChannel ch = FileChannel.open(Path.of(args[0]));
          Arena arena = Arena.ofShared()) {
        MemorySegment s = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        byte first = s.get(ValueLayout.JAVA_BYTE, 0);
        long elapsed = System.nanoTime() - start;
        if (first == 0) {
          throw new IllegalStateException("the file starts with a NUL byte: " + args[0]);
        }
        System.out.println(elapsed);
      }
    }
  }
}
