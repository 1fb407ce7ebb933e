package org.jmmap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jmmap.internal.map.Region;

/**
 * A zero-copy {@link CharSequence} over bytes of a map: one char per byte, as ISO-8859-1 decodes
 * them. It covers bytes of one generation of the mapping: once the map is closed or resized to
 * another length, every method throws {@link IllegalStateException}. {@link #charAt} learns it from
 * the segment's closed arena, the others from comparing the map's live segment with {@link #live}.
 */
final class MappedCharSequence implements CharSequence {
  private final Region owner;
  private final MemorySegment live; // the generation's segment that bytes is a slice of
  private final MemorySegment bytes;
  private final long start; // in the map, for error messages
  private final int length;

  /** {@return a view of {@code [start, end)} of one generation's segment {@code s}} */
  static CharSequence of(Region owner, MemorySegment s, long start, long end) {
    if (end - start > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a CharSequence covers at most Integer.MAX_VALUE bytes, not "
              + (end - start)
              + "; search a larger map with matches(Pattern)");
    }
    return new MappedCharSequence(owner, s, s.asSlice(start, end - start), start);
  }

  private MappedCharSequence(Region owner, MemorySegment live, MemorySegment bytes, long start) {
    this.owner = owner;
    this.live = live;
    this.bytes = bytes;
    this.start = start;
    this.length = (int) bytes.byteSize();
  }

  @Override
  public int length() {
    owner.checkLive(live);
    return length;
  }

  @Override
  public char charAt(int index) {
    Objects.checkIndex(index, length);
    try {
      return (char)
          ((bytes.get(JAVA_BYTE, index) ^ Faults.opaqueZero) & 0xFF); // see Faults.opaqueZero
    } catch (IllegalStateException | WrongThreadException | InternalError e) {
      throw Faults.translate(owner, e, start + index);
    }
  }

  @Override
  public CharSequence subSequence(int from, int to) {
    owner.checkLive(live);
    Objects.checkFromToIndex(from, to, length);
    return new MappedCharSequence(owner, live, bytes.asSlice(from, to - from), start + from);
  }

  @Override
  public String toString() {
    owner.checkLive(live);
    try {
      return new String(bytes.toArray(JAVA_BYTE), StandardCharsets.ISO_8859_1);
    } catch (IllegalStateException | WrongThreadException | InternalError e) {
      throw Faults.translate(owner, e, start);
    }
  }
}
