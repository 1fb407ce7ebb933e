package org.jmmap;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PrimitiveIterator;
import java.util.Spliterator;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.LongStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Mmap#count(byte[])} and {@link Mmap#findAll(byte[])} against a plain left-to-right scan:
 * at every split point (inside occurrences of needles that overlap themselves, at the first and
 * last byte), split again and again, in parallel, over every kind of map, past 2 GiB, and after a
 * close or a resize.
 */
class OccurrencesTest {
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

  /** The offsets a plain scan takes: each occurrence at or after the end of the one before. */
  static long[] reference(byte[] b, byte[] needle) {
    List<Long> out = new ArrayList<>();
    int i = 0;
    while (i + needle.length <= b.length) {
      boolean match = true;
      for (int k = 0; k < needle.length && match; k++) {
        match = b[i + k] == needle[k];
      }
      if (match) {
        out.add((long) i);
        i += needle.length;
      } else {
        i++;
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** Bytes of a two-letter alphabet, where needles like "aa" and "aba" overlap themselves often. */
  private static byte[] bytes(RandomGenerator r, int length, int letters) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) ('a' + r.nextInt(letters));
    }
    return b;
  }

  private static byte[] needle(RandomGenerator r, int letters) {
    return switch (r.nextInt(4)) {
      case 0 -> "aa".getBytes(ISO_8859_1);
      case 1 -> "aba".getBytes(ISO_8859_1);
      case 2 -> "aaa".getBytes(ISO_8859_1);
      default -> bytes(r, r.nextInt(1, 6), letters);
    };
  }

  private Mmap map(byte[] content) throws IOException {
    Path f = Files.write(Files.createTempFile(dir, "occ", ".bin"), content);
    Mmap m = Mmap.map(f, 0, Access.WRITE);
    open.add(m);
    return m;
  }

  private static long[] drain(Spliterator.OfLong sp, boolean oneByOne) {
    LongStream.Builder out = LongStream.builder();
    if (oneByOne) {
      while (sp.tryAdvance((long x) -> out.add(x))) {
        // one at a time
      }
    } else {
      sp.forEachRemaining((long x) -> out.add(x));
    }
    return out.build().toArray();
  }

  @Test
  void countAndFindAllAreWhatAPlainScanFinds() throws IOException {
    Mmap m = map("aaaaa-abab-ab".getBytes(ISO_8859_1));
    assertEquals(2, m.count("aa".getBytes(ISO_8859_1)));
    assertArrayEquals(new long[] {0, 2}, m.findAll("aa".getBytes(ISO_8859_1)).toArray());
    assertArrayEquals(new long[] {6, 8, 11}, m.findAll("ab".getBytes(ISO_8859_1)).toArray());
    assertEquals(1, m.count("aba".getBytes(ISO_8859_1)));
    assertEquals(0, m.count("zz".getBytes(ISO_8859_1)));
    assertEquals(14, m.count(new byte[0]), "as bytes.count(b'') gives len + 1");
    assertArrayEquals(LongStream.rangeClosed(0, 13).toArray(), m.findAll(new byte[0]).toArray());
    m.seek(5);
    assertEquals(2, m.count("aa".getBytes(ISO_8859_1)), "the whole map, not from the position");
    assertEquals(5, m.tell());
  }

  @Test
  void everySplitPointGivesTheSequentialOccurrences() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    for (int round = 0; round < 40; round++) {
      int letters = r.nextInt(1, 4);
      byte[] b = bytes(r, r.nextInt(1, 100), letters);
      byte[] needle = needle(r, letters);
      Mmap m = map(b);
      long[] expected = reference(b, needle);
      String where = "seed " + seed + " round " + round + " needle " + new String(needle);
      assertEquals(expected.length, m.count(needle), where);
      assertArrayEquals(expected, m.findAll(needle).toArray(), where);
      for (int mid = 0; mid <= b.length + 1; mid++) {
        OccurrenceSpliterator sp = m.occurrenceSpliterator(needle, 0, 1);
        Spliterator.OfLong prefix = sp.splitAt(mid);
        long[] left = prefix == null ? new long[0] : drain(prefix, (mid & 1) == 0);
        long[] right = drain(sp, (mid & 2) == 0);
        assertArrayEquals(
            expected,
            LongStream.concat(LongStream.of(left), LongStream.of(right)).toArray(),
            where + " split " + mid);
      }
    }
  }

  @Test
  void splitsAfterSomeOccurrencesWereTakenStillAgree() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    for (int round = 0; round < 40; round++) {
      int letters = r.nextInt(1, 3);
      byte[] b = bytes(r, r.nextInt(1, 200), letters);
      byte[] needle = needle(r, letters);
      Mmap m = map(b);
      long[] expected = reference(b, needle);
      OccurrenceSpliterator sp = m.occurrenceSpliterator(needle, 0, 1);
      LongStream.Builder got = LongStream.builder();
      int taken = r.nextInt(3);
      for (int k = 0; k < taken; k++) {
        sp.tryAdvance((long x) -> got.add(x));
      }
      List<Spliterator.OfLong> parts = new ArrayList<>(List.of(sp));
      for (int split = 0; split < 6; split++) {
        int i = r.nextInt(parts.size());
        Spliterator.OfLong prefix = parts.get(i).trySplit();
        if (prefix != null) {
          parts.add(i, prefix);
        }
      }
      for (Spliterator.OfLong part : parts) {
        LongStream.of(drain(part, r.nextBoolean())).forEach(got::add);
      }
      assertArrayEquals(expected, got.build().toArray(), "seed " + seed + " round " + round);
    }
  }

  @Test
  void parallelStreamsGiveTheSequentialOffsets() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    for (int round = 0; round < 10; round++) {
      int letters = r.nextInt(1, 5);
      byte[] b = bytes(r, r.nextInt(1, 100_000), letters);
      byte[] needle = needle(r, letters);
      Mmap m = map(b);
      long[] expected = reference(b, needle);
      long minSplit = r.nextInt(1, 500);
      String where = "seed " + seed + " needle " + new String(needle);
      assertArrayEquals(expected, m.findAll(needle, minSplit).parallel().toArray(), where);
      assertEquals(expected.length, m.findAll(needle, minSplit).parallel().count(), where);
    }
  }

  @Test
  void needlesLongerThanAChunkAndAtBothEnds() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = random(seed);
    byte[] needle = bytes(r, 5000, 26);
    byte[] b = bytes(r, 200_000, 26);
    for (int at : new int[] {0, 40_000, 100_000 - 2500, b.length - needle.length}) {
      System.arraycopy(needle, 0, b, at, needle.length);
    }
    Mmap m = map(b);
    long[] expected = reference(b, needle);
    assertEquals(4, expected.length, "seed " + seed);
    assertArrayEquals(expected, m.findAll(needle).toArray(), "seed " + seed);
    assertArrayEquals(expected, m.findAll(needle, 1000).parallel().toArray(), "seed " + seed);
    assertEquals(4, m.count(needle));
    byte[] one = {b[b.length - 1]};
    assertArrayEquals(reference(b, one), m.findAll(one, 999).parallel().toArray());
  }

  @ParameterizedTest
  @EnumSource(MapKind.class)
  void everyKindOfMapCountsAndFinds(MapKind kind) throws IOException {
    RandomGenerator r = random(kind.ordinal());
    byte[] b = bytes(r, 5000, 2);
    Mmap m = kind.open(dir, b, open);
    byte[] needle = "aba".getBytes(ISO_8859_1);
    long[] expected = reference(b, needle);
    assertEquals(expected.length, m.count(needle));
    assertArrayEquals(expected, m.findAll(needle, 64).toArray());
    if (kind.confined()) {
      UnsupportedOperationException e =
          assertThrows(
              UnsupportedOperationException.class, () -> m.findAll(needle, 64).parallel().count());
      assertTrue(e.getMessage().contains("confined"), e.getMessage());
    } else {
      assertArrayEquals(expected, m.findAll(needle, 64).parallel().toArray());
    }
  }

  @Test
  void closeOrResizeWhileConsumingStopsTheStream() throws IOException {
    byte[] b = bytes(random(2), 10_000, 2);
    byte[] needle = "ab".getBytes(ISO_8859_1);
    Mmap m = map(b);
    PrimitiveIterator.OfLong it = m.findAll(needle).iterator();
    it.nextLong();
    m.resize(b.length + 10);
    IllegalStateException e = assertThrows(IllegalStateException.class, it::nextLong);
    assertTrue(e.getMessage().contains("resize"), e.getMessage());
    Spliterator.OfLong sp = m.findAll(needle).spliterator();
    m.close();
    assertThrows(IllegalStateException.class, () -> sp.forEachRemaining((long x) -> {}));
    assertThrows(IllegalStateException.class, () -> m.count(needle));
    assertThrows(IllegalStateException.class, () -> m.findAll(needle));
  }

  @Test
  void offsetsPastTwoGibibytesAreLongs() throws IOException {
    Path f = dir.resolve("sparse.bin");
    long size = (1L << 31) + (64 << 10);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(size);
    }
    long start = (1L << 31) - 5000;
    byte[] tail = bytes(random(6), (int) (size - start), 2);
    byte[] needle = "abba".getBytes(ISO_8859_1);
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      m.setSlice(start, size, tail);
      long[] expected = LongStream.of(reference(tail, needle)).map(x -> x + start).toArray();
      assertTrue(expected.length > 100);
      assertArrayEquals(
          expected,
          StreamSupport.longStream(m.occurrenceSpliterator(needle, start, 100), true).toArray());
      long[] sequential = new long[expected.length];
      int[] k = {0};
      m.occurrenceSpliterator(needle, start, 100)
          .forEachRemaining((long x) -> sequential[k[0]++] = x);
      assertArrayEquals(expected, sequential);
    }
  }
}
