package org.jmmap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A zero-copy {@link CharSequence} over bytes of a map: one char per byte, as ISO-8859-1 decodes
 * them. Reads go to the live mapping; once the map is closed or resized, they throw {@link
 * IllegalStateException}.
 */
final class MappedCharSequence implements CharSequence {
  private final Mmap owner;
  private final MemorySegment bytes;
  private final long start; // in the map, for error messages
  private final int length;

  MappedCharSequence(Mmap owner, MemorySegment bytes, long start) {
    this.owner = owner;
    this.bytes = bytes;
    this.start = start;
    this.length = (int) bytes.byteSize();
  }

  @Override
  public int length() {
    return length;
  }

  @Override
  public char charAt(int index) {
    Objects.checkIndex(index, length);
    try {
      return (char) ((bytes.get(JAVA_BYTE, index) ^ Mmap.opaqueZero) & 0xFF); // see Mmap.get
    } catch (IllegalStateException | InternalError e) {
      throw owner.translate(e, start + index);
    }
  }

  @Override
  public CharSequence subSequence(int from, int to) {
    Objects.checkFromToIndex(from, to, length);
    return new MappedCharSequence(owner, bytes.asSlice(from, to - from), start + from);
  }

  @Override
  public String toString() {
    try {
      return new String(bytes.toArray(JAVA_BYTE), StandardCharsets.ISO_8859_1);
    } catch (IllegalStateException | InternalError e) {
      throw owner.translate(e, start);
    }
  }
}
