package org.jmmap.internal.search;

/**
 * A search kernel over a heap array: {@link ChunkScanner} copies the segment into the array in
 * chunks and hands each chunk here. Heap memory cannot fault, so a kernel may use any load
 * instruction, vector ones included, which the JVM does not guard on mapped memory.
 */
interface HeapKernel {
  /**
   * {@return the lowest candidate c in [lo, hi) where the needle may start, or -1} A candidate
   * matches the needle's two filter bytes and {@link Needle#matchesAt} holds for it.
   *
   * @param buf the bytes; {@code hi - 1 + needle.span <= len}
   * @param len how many bytes of {@code buf} are valid
   */
  int forward(byte[] buf, int lo, int hi, int len, Needle needle);

  /** {@return the highest candidate in [lo, hi), or -1}, as {@link #forward} */
  int backward(byte[] buf, int lo, int hi, int len, Needle needle);

  /** {@return the lowest index in [lo, hi) of {@code buf} that holds {@code b}, or -1} */
  int indexOf(byte[] buf, int lo, int hi, byte b);

  /**
   * Writes the indexes in [lo, hi) of {@code buf} that hold {@code b} into {@code out} from {@code
   * out[n]} on, lowest first. It may stop early, when {@code out} has less room left than 65
   * indexes: then the caller goes on from the last index written. {@return the number of indexes in
   * {@code out}}: when it is less than {@code out.length - 64}, all were written
   */
  int indexAll(byte[] buf, int lo, int hi, byte b, int[] out, int n);
}
