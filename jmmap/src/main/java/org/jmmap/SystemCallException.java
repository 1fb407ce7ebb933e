package org.jmmap;

import java.io.Serial;
import java.nio.file.FileSystemException;

/**
 * Thrown when a system call fails for a reason that none of the JDK's {@link FileSystemException}
 * subclasses names: jmmap reports a missing file as {@link java.nio.file.NoSuchFileException}, an
 * existing one as {@link java.nio.file.FileAlreadyExistsException} and a refusal as {@link
 * java.nio.file.AccessDeniedException}, and everything else as this, with the error number the
 * operating system gave.
 *
 * <p>{@link #getFile()} names the file or memory the call was about (or is null), and {@link
 * #getReason()} says what failed: the call, its arguments and the error, e.g. {@code
 * "open(O_RDONLY) failed: EMFILE (Too many open files)"}.
 */
public class SystemCallException extends FileSystemException {
  @Serial private static final long serialVersionUID = 1L;

  /** The error number, or 0 where the operating system gave none. */
  private final int errno;

  /**
   * Creates the exception.
   *
   * @param file the file or memory the call was about, or null
   * @param reason what failed: the call, its arguments and the error
   * @param errno the error number the operating system gave ({@code errno} on POSIX), or 0
   */
  public SystemCallException(String file, String reason, int errno) {
    super(file, null, reason);
    this.errno = errno;
  }

  /**
   * {@return the error number the operating system gave, or 0} On Linux this is the {@code errno}
   * of {@code <errno.h>}, e.g. 24 ({@code EMFILE}) for a process out of descriptors.
   */
  public int errno() {
    return errno;
  }
}
