package org.jmmap.reliability;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jmmap.Access;
import org.jmmap.Backings;
import org.jmmap.Mmap;
import org.jmmap.interop.ProcessRunner;

/** What the reliability tests run in a second JVM. */
public final class RChild {
  private RChild() {}

  /** {@return the standard output of a child JVM run with {@code jvmOption} and {@code args}} */
  static String run(String jvmOption, String... args) throws Exception {
    List<String> c = new ArrayList<>(ProcessRunner.javaCommand(RChild.class, args));
    c.add(1, jvmOption);
    return ProcessRunner.run(c);
  }

  /**
   * Runs one check.
   *
   * @param args the check and its arguments
   * @throws Exception if it fails
   */
  public static void main(String[] args) throws Exception {
    Backings.checkChild();
    switch (args[0]) {
      case "truncation" ->
          System.out.println(
              TruncationTest.everyPathFaults(Path.of(args[1]), Boolean.parseBoolean(args[2])));
      case "records" -> records(Path.of(args[1]), Integer.parseInt(args[2]));
      case "coherence" -> coherence(Path.of(args[1]));
      case "leak" -> leak(Path.of(args[1]));
      case "big" -> big(Path.of(args[1]), Long.parseLong(args[2]));
      case "unclosed" -> unclosed(Integer.parseInt(args[1]));
      case "backing" -> {
        try (Mmap m = Mmap.anonymous(1)) {
          System.out.println(m);
        }
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  /** Writes 16-byte records, flushing every 100 and saying so, then waits to be killed. */
  static void records(Path file, int count) throws Exception {
    Mmap m = Mmap.map(file, 0, Access.WRITE);
    for (int i = 0; i < count; i++) {
      m.putLong(16L * i, ByteOrder.LITTLE_ENDIAN, i);
      m.putLong(16L * i + 8, ByteOrder.LITTLE_ENDIAN, ~i);
      if ((i + 1) % 100 == 0) {
        m.flush();
        System.out.println("flushed " + (i + 1));
        System.out.flush();
      }
    }
    Thread.sleep(Long.MAX_VALUE);
  }

  /** Writes without flushing, says so, and waits until its input closes. */
  static void coherence(Path file) throws Exception {
    try (Mmap m = Mmap.map(file, 0, Access.WRITE)) {
      m.write("written by the child".getBytes(StandardCharsets.US_ASCII));
      System.out.println("written");
      System.out.flush();
      System.in.read();
    }
  }

  private static final List<Mmap> KEPT = new ArrayList<>();

  /**
   * Makes {@code n} maps of shared anonymous memory, prints the path of each and exits with every
   * one of them open.
   */
  static void unclosed(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      Mmap m = Mmap.anonymous(4096);
      KEPT.add(m);
      System.out.println("attach " + m.attachPath().orElseThrow());
    }
  }

  /** Makes a map, drops it unclosed, and lets the Cleaner find it. */
  static void leak(Path file) throws Exception {
    leakOne(file);
    for (int i = 0; i < 100; i++) {
      System.gc();
      Thread.sleep(20);
    }
  }

  private static void leakOne(Path file) throws Exception {
    Mmap.map(file, 0, Access.READ).get(0);
  }

  /** Maps a sparse file of {@code size} bytes whole; writes, flushes and checks near the ends. */
  static void big(Path dir, long size) throws Exception {
    Path f = dir.resolve("big.bin");
    try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(size);
    }
    byte[] mark = "jmmap-mark".getBytes(StandardCharsets.US_ASCII);
    long[] at = {0, size / 2 - 3, (4L << 30) - 4, size - mark.length};
    long t0 = System.nanoTime();
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      for (long a : at) {
        m.setSlice(a, a + mark.length, mark);
      }
      m.flush();
      long found = m.find(mark, (4L << 30) - 4096, (4L << 30) + 4096);
      if (found != (4L << 30) - 4) {
        throw new AssertionError("find across 4 GiB gave " + found);
      }
      if (m.rfind(mark) != size - mark.length || m.length() != size) {
        throw new AssertionError("rfind or length is wrong");
      }
    }
    try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "r")) {
      byte[] got = new byte[mark.length];
      for (long a : at) {
        raf.seek(a);
        raf.readFully(got);
        if (!java.util.Arrays.equals(got, mark)) {
          throw new AssertionError("the file lacks the mark at " + a);
        }
      }
    } finally {
      java.nio.file.Files.delete(f);
    }
    System.out.println(
        "ok "
            + (size >> 30)
            + " GiB in "
            + (System.nanoTime() - t0) / 1_000_000
            + " ms with max heap "
            + (Runtime.getRuntime().maxMemory() >> 20)
            + " MiB");
  }
}
