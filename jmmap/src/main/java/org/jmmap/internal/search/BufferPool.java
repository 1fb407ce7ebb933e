package org.jmmap.internal.search;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The chunk buffers of the searches: a few slots, each holding at most one buffer, shared by all
 * threads. A search takes the buffer of its thread's slot and puts it back when it ends.
 *
 * <p>Why not a buffer per thread: a server may run a hundred thousand virtual threads, and each
 * that ever searched would keep its buffer for as long as it lives. Why not a fresh buffer per
 * search: fresh heap memory is not in the cache, and writing it costs as much as the copy it holds.
 * With as many slots as a few times the cores, threads that run at once seldom meet in one slot;
 * one that finds its slot empty allocates, and the buffer it puts back stays for the next. The
 * memory held is bounded by the slots, whatever the number of threads.
 */
final class BufferPool {
  /** The length of every buffer. */
  static final int SIZE = ChunkScanner.CHUNK + ChunkScanner.WHOLE_NEEDLE - 1;

  private static final int BITS = bits(Runtime.getRuntime().availableProcessors());
  private static final AtomicReferenceArray<byte[]> SLOTS = new AtomicReferenceArray<>(1 << BITS);

  private BufferPool() {}

  /** {@return log2 of the slot count: four slots a core, a power of two from 4 to 64} */
  private static int bits(int cores) {
    int slots = Math.clamp(4L * cores, 4, 64);
    return 32 - Integer.numberOfLeadingZeros(slots - 1);
  }

  /** {@return the slot of the current thread} (Fibonacci hashing spreads sequential ids) */
  static int slot() {
    return (int) ((Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L) >>> (64 - BITS));
  }

  /** {@return a buffer of {@link #SIZE} bytes, from {@code slot} if it holds one} */
  static byte[] take(int slot) {
    byte[] b = SLOTS.getAndSet(slot, null);
    return b != null ? b : new byte[SIZE];
  }

  /**
   * Puts {@code b} back into {@code slot}, unless another thread filled the slot meanwhile: then
   * {@code b} is left to the collector. No buffer is ever in two places.
   */
  static void give(int slot, byte[] b) {
    if (SLOTS.getPlain(slot) == null) {
      SLOTS.setRelease(slot, b);
    }
  }

  /** {@return the number of slots} (for tests) */
  static int slots() {
    return SLOTS.length();
  }
}
