package org.jmmap.benchmarks;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Random aligned 8-byte reads and writes over a mapped file: jmmap's typed access against a raw
 * {@code FileChannel.map(..., Arena)} segment and a {@link MappedByteBuffer} on the same file.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RandomLongBenchmark {
  static final int OPS = 4096;
  static final ValueLayout.OfLong LE =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @Param({"268435456"})
  long size;

  private Path file;
  private Mmap mmap;
  private Arena arena;
  private MemorySegment segment;
  private MappedByteBuffer buffer;
  private long[] offsets;

  /**
   * Makes the file, the three mappings and the offsets.
   *
   * @throws IOException if the file cannot be made or mapped
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    file = Files.createTempFile("jmmap-bench", ".bin");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size);
    }
    mmap = Mmap.map(file, 0, Access.WRITE);
    arena = Arena.ofShared();
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      segment = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
      buffer = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
    }
    buffer.order(ByteOrder.LITTLE_ENDIAN);
    SplittableRandom r = new SplittableRandom(42);
    offsets = new long[OPS];
    for (int i = 0; i < OPS; i++) {
      offsets[i] = r.nextLong(size / 8) * 8;
    }
    segment.fill((byte) 1);
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

  /** {@return the sum of the longs} jmmap. */
  @Benchmark
  @OperationsPerInvocation(OPS)
  public long jmmapGetLong() {
    long sum = 0;
    for (long o : offsets) {
      sum += mmap.getLong(o, ByteOrder.LITTLE_ENDIAN);
    }
    return sum;
  }

  /** {@return the sum of the longs} A raw segment. */
  @Benchmark
  @OperationsPerInvocation(OPS)
  public long segmentGetLong() {
    long sum = 0;
    for (long o : offsets) {
      sum += segment.get(LE, o);
    }
    return sum;
  }

  /** {@return the sum of the longs} A MappedByteBuffer. */
  @Benchmark
  @OperationsPerInvocation(OPS)
  public long mappedByteBufferGetLong() {
    long sum = 0;
    for (long o : offsets) {
      sum += buffer.getLong((int) o);
    }
    return sum;
  }

  /** jmmap. */
  @Benchmark
  @OperationsPerInvocation(OPS)
  public void jmmapPutLong() {
    for (long o : offsets) {
      mmap.putLong(o, ByteOrder.LITTLE_ENDIAN, o);
    }
  }

  /** A raw segment. */
  @Benchmark
  @OperationsPerInvocation(OPS)
  public void segmentPutLong() {
    for (long o : offsets) {
      segment.set(LE, o, o);
    }
  }

  /** A MappedByteBuffer. */
  @Benchmark
  @OperationsPerInvocation(OPS)
  public void mappedByteBufferPutLong() {
    for (long o : offsets) {
      buffer.putLong((int) o, o);
    }
  }
}
