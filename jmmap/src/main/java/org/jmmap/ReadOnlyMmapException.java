package org.jmmap;

import java.io.Serial;
import java.nio.ReadOnlyBufferException;

/**
 * Thrown when something tries to modify a read-only map (Python's {@code TypeError: mmap can't
 * modify a readonly memory map.}). It is a {@link ReadOnlyBufferException} that carries a message
 * naming the operation and the map.
 */
public final class ReadOnlyMmapException extends ReadOnlyBufferException {
  @Serial private static final long serialVersionUID = 1L;

  /** The message. */
  private final String message;

  /**
   * Creates the exception.
   *
   * @param message what was refused, and on which map
   */
  public ReadOnlyMmapException(String message) {
    this.message = message;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
