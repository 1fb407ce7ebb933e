package org.jmmap;

/** Where {@link Mmap#seek(long, Whence)} counts from: Python's {@code os.SEEK_SET/CUR/END}. */
public enum Whence {
  /** From the start of the map (Python's whence 0). */
  SET,
  /** From the current position (Python's whence 1). */
  CUR,
  /** From the end of the map (Python's whence 2). */
  END
}
