package org.jmmap.reliability;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;
import org.jmmap.Mmap;
import org.jmmap.MmapOptions;

/**
 * What {@link LineSegmentFaultTest} runs in a second JVM: a caller counts the bytes of the lines
 * that {@link Mmap#readLineSegment()} gives with the Vector API, as a caller who asked for a
 * zero-copy line would, until the method is compiled by C2; then the file is truncated under a line
 * it still holds, and it counts that line once more.
 */
public final class LineSegmentChild {
  private static final VectorSpecies<Byte> SPECIES = ByteVector.SPECIES_PREFERRED;
  private static final int LINE = 8192;

  private LineSegmentChild() {}

  /** {@return how many bytes of {@code line} are 'x'}, one vector at a time */
  static long countX(MemorySegment line) {
    long n = 0;
    for (long i = 0; i + SPECIES.length() <= line.byteSize(); i += SPECIES.length()) {
      n +=
          ByteVector.fromMemorySegment(SPECIES, line, i, ByteOrder.nativeOrder())
              .eq((byte) 'x')
              .trueCount();
    }
    return n;
  }

  /**
   * Runs the check.
   *
   * @param args the directory for the file, and {@code confined} or {@code shared}
   * @throws Exception if the file cannot be made
   */
  public static void main(String[] args) throws Exception {
    byte[] data = new byte[8 * LINE];
    Arrays.fill(data, (byte) 'x');
    for (int i = LINE - 1; i < data.length; i += LINE) {
      data[i] = '\n';
    }
    Path f = Files.write(Path.of(args[0]).resolve("lines.txt"), data);
    MmapOptions o = args[1].equals("confined") ? Mmap.options().confined() : Mmap.options();
    Mmap m = o.map(f);
    long sum = 0;
    for (int i = 0; i < 20_000; i++) {
      m.seek((long) (i % 8) * LINE);
      sum += countX(m.readLineSegment());
    }
    System.out.println("warmed up: " + sum);
    m.seek(4L * LINE);
    MemorySegment line = m.readLineSegment();
    try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
      c.truncate(100);
    }
    System.out.println("truncated to 100 bytes under a line of " + line.byteSize());
    System.out.flush();
    try {
      System.out.println("counted the truncated line: " + countX(line));
    } catch (InternalError e) {
      System.out.println("InternalError for the truncated line: " + e.getMessage());
    }
    System.out.println("survived");
  }
}
