package org.jmmap;

/**
 * How a map may be used: Python's {@code ACCESS_DEFAULT}, {@code ACCESS_READ}, {@code ACCESS_WRITE}
 * and {@code ACCESS_COPY}.
 */
public enum Access {
  /**
   * Take the mode from {@code flags} and {@code prot} ({@code MAP_SHARED} and {@code PROT_READ |
   * PROT_WRITE} unless set otherwise): a map made with the defaults is write-through.
   */
  DEFAULT,
  /** Read-only: every write path throws {@link java.nio.ReadOnlyBufferException}. */
  READ,
  /** Write-through: writes change the file ({@code MAP_SHARED}). */
  WRITE,
  /** Copy-on-write: writes change memory only, never the file ({@code MAP_PRIVATE}). */
  COPY
}
