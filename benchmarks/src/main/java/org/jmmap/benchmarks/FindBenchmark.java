package org.jmmap.benchmarks;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The first occurrence of a rare 16-byte needle at the end of a text file, and a line scan: jmmap
 * against a byte loop over a raw segment, the obvious way without jmmap.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FindBenchmark {
  static final byte[] NEEDLE = "NEEDLE-7f3a9c2e1".getBytes(StandardCharsets.US_ASCII);

  @Param({"67108864"})
  int size;

  private Path file;
  private Mmap mmap;
  private Arena arena;
  private MemorySegment segment;

  /**
   * Writes log-like lines and the needle near the end, and maps them.
   *
   * @throws IOException if the file cannot be made
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    file = Files.createTempFile("jmmap-find", ".txt");
    byte[] line =
        "2026-11-27T10:00:00.000 INFO worker-17 request ok took=12ms\n"
            .getBytes(StandardCharsets.US_ASCII);
    byte[] data = new byte[size];
    for (int i = 0; i + line.length <= size; i += line.length) {
      System.arraycopy(line, 0, data, i, line.length);
    }
    System.arraycopy(NEEDLE, 0, data, size - 100, NEEDLE.length);
    Files.write(file, data);
    mmap = Mmap.map(file, 0, Access.READ);
    arena = Arena.ofShared();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      segment = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
    }
  }

  /**
   * Unmaps and deletes.
   *
   * @throws IOException if the file cannot be deleted
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    mmap.close();
    arena.close();
    Files.delete(file);
  }

  /** {@return where the needle is} jmmap. */
  @Benchmark
  public long jmmapFind() {
    return mmap.find(NEEDLE, 0);
  }

  /** {@return where the needle is} A byte loop over a raw segment. */
  @Benchmark
  public long segmentByteLoopFind() {
    long last = segment.byteSize() - NEEDLE.length;
    outer:
    for (long i = 0; i <= last; i++) {
      for (int k = 0; k < NEEDLE.length; k++) {
        if (segment.get(ValueLayout.JAVA_BYTE, i + k) != NEEDLE[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** {@return how many lines} jmmap's readLine over the whole map. */
  @Benchmark
  public long jmmapReadLines() {
    mmap.seek(0);
    long n = 0;
    while (mmap.readLine().length > 0) {
      n++;
    }
    return n;
  }
}
