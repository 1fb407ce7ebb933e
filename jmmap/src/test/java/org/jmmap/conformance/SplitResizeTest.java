package org.jmmap.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.jmmap.Mmap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resizing a map whose kernel mapping advice on part of it split: {@code mremap} refuses ({@code
 * EFAULT}) while the pieces stay apart, which advice that differs between them guarantees.
 */
class SplitResizeTest {
  private static final int PS = Mmap.PAGESIZE;

  @TempDir Path dir;

  @Test
  void privateAnonymousMemorySplitByAdviceGrowsAndShrinksWithItsBytes() throws IOException {
    long seed = new SplittableRandom().nextLong();
    byte[] bytes = new byte[2 * PS];
    new SplittableRandom(seed).nextBytes(bytes);
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(2 * PS)) {
      m.write(bytes);
      m.madvise(Mmap.MADV_SEQUENTIAL, 0, PS); // the first page's flags differ from the second's
      m.resize(5 * PS);
      assertEquals(5 * PS, m.length(), "seed " + seed);
      assertArrayEquals(bytes, m.slice(0, 2 * PS), "seed " + seed);
      assertArrayEquals(new byte[3 * PS], m.slice(2 * PS, 5 * PS), "seed " + seed);
      assertEquals(2 * PS, m.tell(), "seed " + seed);
      m.madvise(Mmap.MADV_RANDOM, PS, PS);
      m.resize(PS + 1);
      assertArrayEquals(java.util.Arrays.copyOf(bytes, PS + 1), m.slice(0, PS + 1), "seed " + seed);
    }
  }

  @Test
  void aPrivateFileMapSplitByAdviceStillRefusesToGrow() throws IOException {
    Path f = Files.write(dir.resolve("f.bin"), new byte[2 * PS]);
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).map(f)) {
      m.set(PS, (byte) 7); // its own copy of the second page, which a new mapping would lose
      m.madvise(Mmap.MADV_SEQUENTIAL, 0, PS);
      IOException e = assertThrows(IOException.class, () -> m.resize(3 * PS));
      assertEquals(true, e.getMessage().contains("EFAULT"), e.getMessage());
      assertEquals(7, m.get(PS));
      assertEquals(2 * PS, m.length());
    }
  }
}
