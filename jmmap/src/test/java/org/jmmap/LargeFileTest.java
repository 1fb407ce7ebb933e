package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One map of a sparse 5 GiB file: long offsets work everywhere, past 2 GiB and 4 GiB. */
class LargeFileTest {
  static final long SIZE = 5L << 30;
  static final long[] PLACES = {0, (1L << 31) - 3, (1L << 32) - 3, SIZE - 6};
  @TempDir Path dir;

  @Test
  void fiveGibMapReadsAndWritesNearBothEndsAndAcrossTheBoundaries() throws IOException {
    Path f = dir.resolve("big.bin");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(SIZE);
    }
    byte[] mark = "jmmap!".getBytes(StandardCharsets.US_ASCII);
    try (Mmap m = Mmap.map(f, 0, Access.WRITE)) {
      assertEquals(SIZE, m.length());
      for (long at : PLACES) {
        m.setSlice(at, at + mark.length, mark);
      }
      m.seek(-mark.length, Whence.END);
      assertArrayEquals(mark, m.read());
      assertEquals('!', m.get(-1));
      assertEquals((1L << 32) - 3, m.find(mark, (1L << 32) - 100, (1L << 32) + 100));
      assertEquals(SIZE - 6, m.rfind(mark, SIZE - 4096));
      // a short scan back across 2 GiB: a long one would make 2 GiB of the sparse file resident
      assertEquals((1L << 31) - 3, m.rfind(mark, 0, (1L << 31) + 4096));
      assertArrayEquals(mark, m.slice((1L << 31) - 3, (1L << 31) + 3));
      m.move((3L << 30), (1L << 32) - 3, mark.length);
      m.flush();
      m.flush(1L << 32, 4096);
    }
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
      byte[] got = new byte[mark.length];
      for (long at : new long[] {0, (1L << 31) - 3, (1L << 32) - 3, SIZE - 6, 3L << 30}) {
        raf.seek(at);
        raf.readFully(got);
        assertArrayEquals(mark, got, "at " + at);
      }
    }
  }
}
