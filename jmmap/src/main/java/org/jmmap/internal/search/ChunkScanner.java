package org.jmmap.internal.search;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * Runs a {@link HeapKernel} over a segment without letting it read the segment: the range is copied
 * into a heap array chunk by chunk with {@link MemorySegment#copy}, and the kernel scans the copy.
 *
 * <p>Why: a file truncated under a map makes reads of the missing pages fault (SIGBUS). HotSpot
 * turns that fault into an {@link InternalError} only where it knows that memory access may fault:
 * the JDK's copy stubs, and scalar segment accesses in compiled code. The Vector API's loads from a
 * segment, once compiled, are not among them, and the fault kills the JVM. Copying first leaves
 * every kernel free to use any load on memory that cannot fault.
 *
 * <p>A search often ends a few bytes away (the next of many occurrences), so the chunks start at
 * {@link #FIRST_CHUNK} candidates and double up to {@link #CHUNK}, a size that stays in the
 * first-level cache, and the buffer comes from a small pool shared by all threads ({@link
 * BufferPool}). A chunk holds the bytes of its candidates plus the needle's length less one (for
 * needles up to {@link #WHOLE_NEEDLE}), so candidates near its end are verified in place; a longer
 * needle brings only the bytes its filter reads, and a candidate is verified past the chunk by
 * copying the rest.
 *
 * <p>A byte search (the line end for {@code readLine}) comes here only past its first {@link
 * Search#NEAR} bytes, which {@link Search} scans in place. The substring searches have no such
 * phase: compiled once for long scans, where it ran once per call, it stayed out of line and made
 * later short searches slower than the copy.
 */
final class ChunkScanner {
  /** Candidates in the first chunk. */
  static final int FIRST_CHUNK = 256;

  /** Candidates in a chunk at most. */
  static final int CHUNK = 32 << 10;

  /** Needles up to this long are copied whole along with the candidates of each chunk. */
  static final int WHOLE_NEEDLE = 4096;

  private ChunkScanner() {}

  /**
   * {@return the lowest i in [from, to - needle.length] where needle occurs, or -1}
   *
   * @param needle at least one byte
   */
  static long find(HeapKernel kernel, MemorySegment s, long from, long to, byte[] needle) {
    int n = needle.length;
    long last = to - n; // the last candidate
    if (last < from) {
      return -1;
    }
    Needle p = new Needle(needle);
    int reach = n <= WHOLE_NEEDLE ? n : p.span; // bytes from a candidate that the chunk holds
    int slot = BufferPool.slot();
    byte[] buf = BufferPool.take(slot);
    try {
      return findIn(buf, kernel, s, from, last, needle, p, reach);
    } finally {
      BufferPool.give(slot, buf);
    }
  }

  private static long findIn(
      byte[] buf,
      HeapKernel kernel,
      MemorySegment s,
      long from,
      long last,
      byte[] needle,
      Needle p,
      int reach) {
    int n = needle.length;
    int chunk = FIRST_CHUNK;
    for (long base = from; base <= last; ) {
      int count = (int) Math.min(chunk, last - base + 1); // candidates base .. base + count - 1
      int len = count - 1 + reach; // base + len <= to
      MemorySegment.copy(s, ValueLayout.JAVA_BYTE, base, buf, 0, len);
      for (int c = kernel.forward(buf, 0, count, len, p);
          c >= 0;
          c = kernel.forward(buf, c + 1, count, len, p)) {
        if (c + n <= len || restMatches(s, base + c, needle, len - c)) {
          return base + c;
        }
      }
      base += count;
      chunk = Math.min(chunk << 1, CHUNK);
    }
    return -1;
  }

  /**
   * {@return the highest i in [from, to - needle.length] where needle occurs, or -1}
   *
   * @param needle at least one byte
   */
  static long rfind(HeapKernel kernel, MemorySegment s, long from, long to, byte[] needle) {
    int n = needle.length;
    long last = to - n;
    if (last < from) {
      return -1;
    }
    Needle p = new Needle(needle);
    int reach = n <= WHOLE_NEEDLE ? n : p.span;
    int slot = BufferPool.slot();
    byte[] buf = BufferPool.take(slot);
    try {
      return rfindIn(buf, kernel, s, from, last, needle, p, reach);
    } finally {
      BufferPool.give(slot, buf);
    }
  }

  private static long rfindIn(
      byte[] buf,
      HeapKernel kernel,
      MemorySegment s,
      long from,
      long last,
      byte[] needle,
      Needle p,
      int reach) {
    int n = needle.length;
    int chunk = FIRST_CHUNK;
    for (long top = last + 1; top > from; ) { // candidates below top are left
      int count = (int) Math.min(chunk, top - from);
      long base = top - count;
      int len = count - 1 + reach;
      MemorySegment.copy(s, ValueLayout.JAVA_BYTE, base, buf, 0, len);
      for (int c = kernel.backward(buf, 0, count, len, p);
          c >= 0;
          c = kernel.backward(buf, 0, c, len, p)) {
        if (c + n <= len || restMatches(s, base + c, needle, len - c)) {
          return base + c;
        }
      }
      top = base;
      chunk = Math.min(chunk << 1, CHUNK);
    }
    return -1;
  }

  /**
   * Hands {@code sink} every occurrence of {@code needle} that starts in [from, startEnd) and ends
   * by {@code to}, left to right, each starting at or after the end of the one before (the first at
   * or after {@code from}), as {@code bytes.count} counts them. Chunks of {@link #CHUNK} candidates
   * are copied and scanned one after the other, with no search restarted per occurrence.
   *
   * @param needle at least one byte
   * @return how many occurrences
   */
  static long forEach(
      HeapKernel kernel,
      MemorySegment s,
      long from,
      long startEnd,
      long to,
      byte[] needle,
      LongConsumer sink) {
    int n = needle.length;
    long last = Math.min(startEnd - 1, to - n); // the last candidate
    if (last < from) {
      return 0;
    }
    Needle p = new Needle(needle);
    int reach = n <= WHOLE_NEEDLE ? n : p.span;
    int slot = BufferPool.slot();
    byte[] buf = BufferPool.take(slot);
    try {
      long found = 0;
      for (long base = from; base <= last; ) {
        int count = (int) Math.min(CHUNK, last - base + 1);
        int len = count - 1 + reach;
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, base, buf, 0, len);
        int resume = count; // the first candidate of the next chunk, from base
        for (int c = kernel.forward(buf, 0, count, len, p); c >= 0; ) {
          if (c + n <= len || restMatches(s, base + c, needle, len - c)) {
            sink.accept(base + c);
            found++;
            if (c + n >= count) {
              resume = c + n;
              break;
            }
            c = kernel.forward(buf, c + n, count, len, p);
          } else {
            c = c + 1 < count ? kernel.forward(buf, c + 1, count, len, p) : -1;
          }
        }
        base += resume;
      }
      return found;
    } finally {
      BufferPool.give(slot, buf);
    }
  }

  /**
   * {@return the lowest index in [from, to) that holds {@code b}, or -1}, chunk by chunk (the
   * caller has scanned the bytes before {@code from} in place)
   */
  static long indexOf(HeapKernel kernel, MemorySegment s, long from, long to, byte b) {
    int slot = BufferPool.slot();
    byte[] buf = BufferPool.take(slot);
    try {
      return indexOfIn(buf, kernel, s, from, to, b);
    } finally {
      BufferPool.give(slot, buf);
    }
  }

  private static long indexOfIn(
      byte[] buf, HeapKernel kernel, MemorySegment s, long near, long to, byte b) {
    int chunk = FIRST_CHUNK;
    for (long base = near; base < to; ) {
      int count = (int) Math.min(chunk, to - base);
      MemorySegment.copy(s, ValueLayout.JAVA_BYTE, base, buf, 0, count);
      int i = kernel.indexOf(buf, 0, count, b);
      if (i >= 0) {
        return base + i;
      }
      base += count;
      chunk = Math.min(chunk << 1, CHUNK);
    }
    return -1;
  }

  /**
   * {@return whether the needle occurs at {@code at}, of which its first {@code have} bytes are
   * known to} The rest is copied piece by piece, small pieces first, since most candidates differ
   * early.
   */
  private static boolean restMatches(MemorySegment s, long at, byte[] needle, int have) {
    byte[] piece = new byte[Math.min(FIRST_CHUNK, needle.length - have)];
    for (int k = have; k < needle.length; ) {
      int m = Math.min(piece.length, needle.length - k);
      MemorySegment.copy(s, ValueLayout.JAVA_BYTE, at + k, piece, 0, m);
      if (!Arrays.equals(piece, 0, m, needle, k, k + m)) {
        return false;
      }
      k += m;
      if (piece.length < CHUNK && k < needle.length) {
        piece = new byte[Math.min(piece.length << 1, CHUNK)];
      }
    }
    return true;
  }
}
