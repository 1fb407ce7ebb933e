package org.jmmap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ReadOnlyBufferException;
import java.util.Locale;
import org.jmmap.internal.map.Region;

/** Turns what a segment access threw into jmmap's documented exceptions, for every view. */
final class Faults {
  private Faults() {}

  // Mmap throws its own exceptions through these, typed as RuntimeException: a throw of a new
  // MmapOverflowException (or of any class the JVM has not loaded yet) in Mmap itself would make
  // linking Mmap, which every program does, load that class to check that it is a Throwable

  /** {@return a {@link MmapOverflowException} with {@code message}} */
  static RuntimeException overflow(String message) {
    return new MmapOverflowException(message);
  }

  /** {@return a {@link MmapUnderflowException} with {@code message}} */
  static RuntimeException underflow(String message) {
    return new MmapUnderflowException(message);
  }

  /** {@return a {@link ReadOnlyMmapException} with {@code message}} */
  static RuntimeException readOnly(String message) {
    return new ReadOnlyMmapException(message);
  }

  /**
   * {@return the refusal of a parallel stream of a confined map}
   *
   * @param what the stream, e.g. {@code "findAll()"}
   * @param map the map, as it describes itself
   */
  static RuntimeException confinedParallel(String what, String map) {
    return new UnsupportedOperationException(
        what
            + " of a confined map cannot be a parallel stream: it would hand the map to other"
            + " threads, and a confined map answers only to the thread that made it; use a"
            + " sequential stream, or a map made without confined(): "
            + map);
  }

  /** {@return the JDK's {@link ReadOnlyBufferException}, for a read into a read-only buffer} */
  static RuntimeException readOnlyBuffer() {
    return new ReadOnlyBufferException();
  }

  /** {@return {@code e} wrapped in an {@link UncheckedIOException}} */
  static RuntimeException unchecked(IOException e) {
    return new UncheckedIOException(e);
  }

  /** {@return a {@link MmapFaultException} for what {@code f} found} */
  static RuntimeException fault(Region.Fault f) {
    return new MmapFaultException(f.message(), f.offset(), f.fileSize(), null);
  }

  /**
   * Always 0; not final, so that the JIT must load it and cannot fold {@code x ^ opaqueZero}.
   *
   * <p>When the file was truncated, compiled code skips the faulting load and reports the fault
   * later, leaving whatever the register held; C2 trusts a loaded byte or short to lie in its
   * type's range (Byte.valueOf indexes its cache with it unchecked), so every byte and short read
   * from mapped memory is narrowed again with {@code ^ opaqueZero}, an instruction it cannot fold
   * away.
   */
  @SuppressWarnings("FieldMayBeFinal")
  static int opaqueZero = 0;

  /**
   * {@return the exception to throw for {@code e}}, which an access from offset {@code at} of
   * {@code region} threw: a closed or remapped region's {@link IllegalStateException}, an {@link
   * MmapFaultException} for the JVM's {@link InternalError} on a truncated file, otherwise {@code
   * e} itself
   */
  static RuntimeException translate(Region region, Throwable e, long at) {
    if (e instanceof IllegalStateException ise) {
      return region.stale(ise);
    }
    if (e instanceof WrongThreadException) {
      return region.wrongThread((RuntimeException) e);
    }
    if (e instanceof InternalError) {
      Region.Fault f = region.fault(at);
      return new MmapFaultException(f.message(), f.offset(), f.fileSize(), e);
    }
    return (RuntimeException) e;
  }

  /**
   * {@return the exception to throw for {@code e}}, which a typed access {@code op} of {@code size}
   * bytes at {@code offset} threw: as {@link #translate(Region, Throwable, long)}, and an {@link
   * IndexOutOfBoundsException} that names the call, the offset, the size and the map instead of the
   * segment's own message (which shows a memory address)
   */
  static RuntimeException translate(Region region, Throwable e, long offset, String op, long size) {
    if (e instanceof IndexOutOfBoundsException) {
      long length;
      try {
        length = region.segment().byteSize();
      } catch (IllegalStateException closed) {
        return region.stale(closed);
      }
      return new IndexOutOfBoundsException(
          String.format(
              Locale.ROOT,
              "%s out of range: offset=%d size=%d length=%d: %s",
              op,
              offset,
              size,
              length,
              region.describe()));
    }
    return translate(region, e, offset);
  }
}
