package org.jmmap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Spliterator;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Mmap#lines} and {@link Mmap#lineSegments()} against a plain reference (the lines that
 * {@link Mmap#readLine()} returns one by one, and a split of the bytes by hand): at every split
 * point, with small blocks so that lines cross blocks and outgrow them, in parallel, over every
 * kind of map, and after a close or a resize.
 */
class LineStreamsTest {
  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private static RandomGenerator random(long seed) {
    return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
  }

  /** {@return random bytes with lines of 0 to {@code maxLine} bytes, maybe no final newline} */
  private static byte[] text(RandomGenerator r, int length, int maxLine) {
    byte[] b = new byte[length];
    int left = 0;
    for (int i = 0; i < length; i++) {
      if (left == 0) {
        b[i] = '\n';
        left = r.nextInt(maxLine + 1);
      } else {
        b[i] = (byte) ('a' + r.nextInt(26));
        left--;
      }
    }
    if (length > 0 && r.nextBoolean()) {
      b[length - 1] = '\n';
    }
    return b;
  }

  /** The lines from {@code from}, each up to and including its '\n', split by hand. */
  private static List<String> reference(byte[] b, int from) {
    List<String> out = new ArrayList<>();
    int start = from;
    for (int i = from; i < b.length; i++) {
      if (b[i] == '\n') {
        out.add(new String(b, start, i + 1 - start, ISO_8859_1));
        start = i + 1;
      }
    }
    if (start < b.length) {
      out.add(new String(b, start, b.length - start, ISO_8859_1));
    }
    return out;
  }

  private Mmap map(byte[] content) throws IOException {
    Path f = Files.write(Files.createTempFile(dir, "lines", ".txt"), content);
    Mmap m = Mmap.map(f, 0, Access.WRITE);
    open.add(m);
    return m;
  }

  private static String text(MemorySegment s) {
    return new String(s.toArray(ValueLayout.JAVA_BYTE), ISO_8859_1);
  }

  private static <T> List<String> drain(Spliterator<T> sp, boolean oneByOne) {
    List<String> out = new ArrayList<>();
    if (oneByOne) {
      while (sp.tryAdvance(x -> out.add(asText(x)))) {
        // one line at a time
      }
    } else {
      sp.forEachRemaining(x -> out.add(asText(x)));
    }
    return out;
  }

  private static String asText(Object x) {
    return x instanceof MemorySegment s ? text(s) : (String) x;
  }

  @Test
  void linesAreWhatReadLineReturnsFromThePositionWhichStays() throws IOException {
    byte[] b = "one\n\ntwo\nthree".getBytes(ISO_8859_1);
    Mmap m = map(b);
    m.seek(2);
    List<String> expected = new ArrayList<>();
    for (byte[] line = m.readLine(); line.length > 0; line = m.readLine()) {
      expected.add(new String(line, ISO_8859_1));
    }
    assertEquals(List.of("e\n", "\n", "two\n", "three"), expected);
    m.seek(2);
    assertEquals(expected, m.lines(ISO_8859_1).toList());
    assertEquals(expected, m.lineSegments().map(LineStreamsTest::text).toList());
    assertEquals(2, m.tell(), "the streams do not move the position");
    m.seek(0, Whence.END);
    assertEquals(0, m.lines(ISO_8859_1).count());
    assertEquals(0, m.lineSegments().count());
  }

  @Test
  void everySplitPointGivesTheSameLinesAsNoSplit() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    for (int round = 0; round < 20; round++) {
      byte[] b = text(r, r.nextInt(1, 120), r.nextInt(1, 30));
      Mmap m = map(b);
      int from = b.length == 0 ? 0 : r.nextInt(b.length + 1);
      m.seek(from);
      List<String> expected = reference(b, from);
      int block = r.nextInt(1, 20);
      for (int mid = 0; mid <= b.length + 1; mid++) {
        for (boolean segments : new boolean[] {false, true}) {
          Spliterator<?> sp =
              segments
                  ? m.lineSegmentSpliterator(block, 1)
                  : m.lineSpliterator(ISO_8859_1, block, 1);
          Spliterator<?> prefix = ((LineSpliterator<?>) sp).splitAt(mid);
          List<String> got = new ArrayList<>();
          if (prefix != null) {
            got.addAll(drain(prefix, (mid & 1) == 0));
            assertTrue(
                got.isEmpty() || got.getLast().endsWith("\n"), "a prefix ends at a line end");
          }
          got.addAll(drain(sp, (mid & 2) == 0));
          assertEquals(
              expected,
              got,
              "seed " + seed + " round " + round + " split " + mid + " block " + block);
        }
      }
    }
  }

  @Test
  void linesLongerThanABlockAndEmptyLinesComeWhole() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    for (int round = 0; round < 30; round++) {
      byte[] b = text(r, r.nextInt(1, 2000), r.nextInt(1, 600));
      Mmap m = map(b);
      int block = r.nextInt(1, 100);
      List<String> expected = reference(b, 0);
      assertEquals(expected, m.lines(ISO_8859_1, block, 1).toList(), "seed " + seed);
      assertEquals(
          expected, m.lineSegments(block, 1).map(LineStreamsTest::text).toList(), "seed " + seed);
      Iterator<String> it = m.lines(ISO_8859_1, block, 1).iterator();
      List<String> one = new ArrayList<>();
      it.forEachRemaining(one::add);
      assertEquals(expected, one, "seed " + seed);
    }
  }

  @Test
  void parallelStreamsGiveTheSequentialLinesInOrder() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    for (int round = 0; round < 10; round++) {
      byte[] b = text(r, r.nextInt(1, 50_000), r.nextInt(1, 300));
      Mmap m = map(b);
      List<String> expected = reference(b, 0);
      int block = r.nextInt(16, 4096);
      long minSplit = r.nextInt(1, 200);
      assertEquals(
          expected, m.lines(ISO_8859_1, block, minSplit).parallel().toList(), "seed " + seed);
      assertEquals(
          expected,
          m.lineSegments(block, minSplit).parallel().map(LineStreamsTest::text).toList(),
          "seed " + seed);
      assertEquals(
          expected.size(), m.lines(ISO_8859_1, block, minSplit).parallel().count(), "seed " + seed);
    }
  }

  @Test
  void defaultStreamsSplitAMapOfSeveralMebibytes() throws IOException {
    byte[] b = text(random(1), 5 << 20, 100);
    Mmap m = map(b);
    List<String> expected = reference(b, 0);
    assertEquals(expected, m.lines(ISO_8859_1).parallel().toList());
    assertEquals(expected.size(), m.lineSegments().parallel().count());
    Spliterator<String> sp = m.lines(ISO_8859_1).spliterator();
    assertTrue(sp.trySplit() != null, "a map of 5 MiB splits");
  }

  @Test
  void linesDecodeWithTheCharset() throws IOException {
    Mmap m = map("grüße\nμ\n".getBytes(UTF_8));
    assertEquals(List.of("grüße\n", "μ\n"), m.lines(UTF_8).toList());
    assertEquals("grüße\nμ\n", m.lines(UTF_8).parallel().collect(Collectors.joining()));
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void everyKindOfMapStreamsItsLines(MapKind kind) throws IOException {
    byte[] b = text(random(kind.ordinal()), 3000, 40);
    Mmap m = kind.open(dir, b, open);
    List<String> expected = reference(b, 0);
    assertEquals(expected, m.lines(ISO_8859_1, 64, 100).toList());
    assertEquals(expected, m.lineSegments(64, 100).map(LineStreamsTest::text).toList());
    if (!kind.writable) {
      MemorySegment first = m.lineSegments().findFirst().orElseThrow();
      assertTrue(first.isReadOnly(), "a read-only map's lines are read-only");
    }
    if (kind.confined()) {
      UnsupportedOperationException e =
          assertThrows(
              UnsupportedOperationException.class,
              () -> m.lines(ISO_8859_1, 64, 100).parallel().toList());
      assertTrue(e.getMessage().contains("confined"), e.getMessage());
      assertThrows(
          UnsupportedOperationException.class, () -> m.lineSegments(64, 100).parallel().count());
    } else {
      assertEquals(expected, m.lines(ISO_8859_1, 64, 100).parallel().toList());
    }
  }

  @Test
  void closeWhileConsumingStopsTheStream() throws IOException {
    byte[] b = text(random(3), 10_000, 30);
    for (boolean segments : new boolean[] {false, true}) {
      Mmap m = map(b);
      Stream<?> lines = segments ? m.lineSegments() : m.lines(ISO_8859_1);
      Iterator<?> it = lines.iterator();
      it.next(); // the first block is copied
      m.close();
      IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
  }

  @Test
  void resizeWhileConsumingStopsTheStreamWithoutStaleLines() throws IOException {
    byte[] b = text(random(4), 10_000, 30);
    for (boolean segments : new boolean[] {false, true}) {
      Mmap m = map(b);
      Spliterator<?> sp =
          segments ? m.lineSegments().spliterator() : m.lines(ISO_8859_1).spliterator();
      assertTrue(sp.tryAdvance(x -> {}));
      m.resize(b.length + 4096);
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> sp.tryAdvance(x -> {}));
      assertTrue(e.getMessage().contains("resize"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> sp.forEachRemaining(x -> {}));
    }
  }

  @Test
  void aClosedMapMakesNoStream() throws IOException {
    Mmap m = map("a\n".getBytes(ISO_8859_1));
    m.close();
    assertThrows(IllegalStateException.class, () -> m.lines(ISO_8859_1));
    assertThrows(IllegalStateException.class, m::lineSegments);
  }

  @Test
  void linesPastTwoGibibytesHaveLongOffsets() throws IOException {
    Path f = dir.resolve("sparse.txt");
    long size = (1L << 31) + (64 << 10);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(size);
    }
    long start = (1L << 31) - 5000;
    byte[] tail = text(random(5), (int) (size - start), 70);
    tail[0] = '\n';
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      m.setSlice(start, size, tail);
      m.seek(start);
      List<String> expected = reference(tail, 0);
      assertEquals(expected, m.lines(ISO_8859_1, 4096, 1000).toList());
      assertEquals(expected, m.lines(ISO_8859_1, 4096, 1000).parallel().toList());
      MemorySegment whole = m.segment();
      List<MemorySegment> got = m.lineSegments(4096, 1000).parallel().toList();
      assertEquals(expected.size(), got.size());
      MemorySegment last = got.getLast();
      assertEquals(size, last.address() + last.byteSize() - whole.address());
      assertEquals(
          expected,
          StreamSupport.stream(m.lineSegments().spliterator(), false)
              .map(LineStreamsTest::text)
              .toList());
    }
  }
}
