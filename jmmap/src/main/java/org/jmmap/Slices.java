package org.jmmap;

/**
 * Python's slice arithmetic ({@code PySlice_Unpack} and {@code PySlice_AdjustIndices}) on longs.
 */
final class Slices {
  private Slices() {}

  /**
   * Clamps a slice to a sequence of {@code length} items, the way Python does.
   *
   * @return {start, stop, step, count}: the first index, the clamped stop, the step, and how many
   *     items the slice selects
   * @throws IllegalArgumentException if {@code step} is zero
   */
  static long[] adjust(long start, long stop, long step, long length) {
    if (step == 0) {
      throw new IllegalArgumentException("slice step cannot be zero");
    }
    if (step < -Long.MAX_VALUE) {
      step = -Long.MAX_VALUE; // so that -step cannot overflow
    }
    start = clamp(start, step, length);
    stop = clamp(stop, step, length);
    long count = 0;
    if (step < 0) {
      if (stop < start) {
        count = (start - stop - 1) / -step + 1;
      }
    } else if (start < stop) {
      count = (stop - start - 1) / step + 1;
    }
    return new long[] {start, stop, step, count};
  }

  private static long clamp(long index, long step, long length) {
    if (index < 0) {
      index += length;
      if (index < 0) {
        index = step < 0 ? -1 : 0;
      }
    } else if (index >= length) {
      index = step < 0 ? length - 1 : length;
    }
    return index;
  }
}
