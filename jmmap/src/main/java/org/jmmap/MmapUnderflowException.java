package org.jmmap;

import java.nio.BufferUnderflowException;

/**
 * Thrown for reading past the end of a map (Python's {@code ValueError} from {@code read_byte}): a
 * {@link BufferUnderflowException}, as for a {@link java.nio.ByteBuffer}, that says which call,
 * which position and which length.
 */
public final class MmapUnderflowException extends BufferUnderflowException {
  private static final long serialVersionUID = 1L;

  /** The message. */
  private final String message;

  /**
   * Makes one.
   *
   * @param message what was attempted, the position and the map's length
   */
  public MmapUnderflowException(String message) {
    this.message = message;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
