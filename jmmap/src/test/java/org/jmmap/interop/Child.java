package org.jmmap.interop;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.MmapMatch;
import org.jmmap.SharedMemory;

/** What the interop tests run in a second JVM. */
public final class Child {
  private Child() {}

  /**
   * {@code read NAME}: prints the shared memory's first bytes up to a NUL. {@code count NAME N}:
   * adds 1 to the long at offset 0, N times. {@code huge DIR}: the 6 GiB regex search.
   *
   * @param args the command
   * @throws Exception if it fails
   */
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "read" -> {
        try (SharedMemory shm = SharedMemory.open(args[1])) {
          Mmap m = shm.mmap();
          long end = m.find(new byte[] {0}, 0);
          System.out.println(
              new String(m.slice(0, end < 0 ? m.length() : end), StandardCharsets.UTF_8));
          m.setSlice(0, 5, "child".getBytes(StandardCharsets.US_ASCII));
        }
      }
      case "count" -> {
        try (SharedMemory shm = SharedMemory.open(args[1])) {
          Mmap m = shm.mmap();
          long n = Long.parseLong(args[2]);
          for (long i = 0; i < n; i++) {
            m.getAndAddLong(0, 1);
          }
        }
      }
      case "huge" -> huge(Path.of(args[1]), Long.parseLong(args[2]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  /** Plants matches around every window edge of a sparse file and finds them all. */
  static void huge(Path dir, long size) throws Exception {
    long window = 256L << 20;
    Path f = dir.resolve("huge.bin");
    List<Long> planted = new ArrayList<>();
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(size);
      for (long edge = window; edge < size; edge += window) {
        for (long at : new long[] {edge - 100, edge - 8, edge + 20}) { // before, across, after
          String text = "jmmap-" + at + ";";
          raf.seek(at);
          raf.write(text.getBytes(StandardCharsets.US_ASCII));
          planted.add(at);
        }
      }
      raf.seek(size - 20);
      raf.write(("jmmap-" + (size - 20) + ";").getBytes(StandardCharsets.US_ASCII));
      planted.add(size - 20);
    }
    List<Long> found = new ArrayList<>();
    try (Mmap m = Mmap.map(f, 0, Access.READ)) {
      Pattern p = Pattern.compile("jmmap-(\\d+);");
      for (MmapMatch mm : (Iterable<MmapMatch>) m.matches(p)::iterator) {
        if (Long.parseLong(mm.group(1)) != mm.startOffset()) {
          throw new AssertionError("match text and offset disagree: " + mm);
        }
        found.add(mm.startOffset());
      }
    } finally {
      Files.delete(f);
    }
    if (!found.equals(planted)) {
      throw new AssertionError(
          "planted " + planted.size() + ", found " + found.size() + ": " + found);
    }
    System.out.println(
        "found "
            + found.size()
            + " of "
            + planted.size()
            + " with max heap "
            + (Runtime.getRuntime().maxMemory() >> 20)
            + " MiB");
  }
}
