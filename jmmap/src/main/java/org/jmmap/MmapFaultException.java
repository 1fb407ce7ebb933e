package org.jmmap;

import java.io.IOException;
import java.io.Serial;
import java.io.UncheckedIOException;

/**
 * Thrown when an access to a file-backed map faults because the file no longer backs that part of
 * the map, typically because it was truncated after the map was made. The JVM reports such a fault
 * ({@code SIGBUS}) as an error a little after the faulting access, so some bytes of a bulk
 * operation may already have been read or written.
 */
public final class MmapFaultException extends UncheckedIOException {
  @Serial private static final long serialVersionUID = 1L;

  /** The offset in the map of the access that faulted (its first byte for a bulk operation). */
  private final long offset;

  /** The file's size when the fault was seen, or -1 if unknown. */
  private final long fileSize;

  /**
   * Creates the exception.
   *
   * @param message what faulted, naming the file, the offset and the file's size
   * @param offset the offset in the map of the access
   * @param fileSize the file's size when the fault was seen, or -1 if unknown
   * @param cause the error the JVM raised
   */
  public MmapFaultException(String message, long offset, long fileSize, Throwable cause) {
    super(new IOException(message, cause));
    this.offset = offset;
    this.fileSize = fileSize;
  }

  /** {@return the offset in the map of the access that faulted} */
  public long offset() {
    return offset;
  }

  /** {@return the file's size when the fault was seen, or -1 if unknown} */
  public long fileSize() {
    return fileSize;
  }
}
