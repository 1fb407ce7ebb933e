package org.jmmap;

import java.nio.BufferOverflowException;

/**
 * Thrown for writing past the end of a map (Python's {@code ValueError} from {@code write} and
 * {@code write_byte}): a {@link BufferOverflowException}, as for a {@link java.nio.ByteBuffer},
 * that says which call, which position and which length.
 */
public final class MmapOverflowException extends BufferOverflowException {
  private static final long serialVersionUID = 1L;

  /** The message. */
  private final String message;

  /**
   * Makes one.
   *
   * @param message what was attempted, the position and the map's length
   */
  public MmapOverflowException(String message) {
    this.message = message;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
