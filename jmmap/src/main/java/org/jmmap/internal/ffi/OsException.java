package org.jmmap.internal.ffi;

import java.nio.file.FileSystemException;

/**
 * A system call that failed with an errno for which no more specific {@link java.io.IOException}
 * fits. Keeps the errno, so that callers can react to a shortage of descriptors or memory.
 */
public final class OsException extends FileSystemException {
  private static final long serialVersionUID = 1L;

  /** {@code <errno.h>}: out of memory or address space. */
  public static final int ENOMEM = 12;

  /** {@code <errno.h>}: bad address (mremap of a range that is not one whole mapping). */
  public static final int EFAULT = 14;

  /** {@code <errno.h>}: too many open files in the system. */
  public static final int ENFILE = 23;

  /** {@code <errno.h>}: too many open files in this process. */
  public static final int EMFILE = 24;

  private final int errno;

  OsException(String file, String reason, int errno) {
    super(file, null, reason);
    this.errno = errno;
  }

  /**
   * {@return the failure of {@code call} with {@code errno}}, as an implementation of {@link
   * NativeOs} other than this package's reports it (one that wraps the real calls, for example)
   *
   * @param call the call and its arguments, e.g. {@code "mmap(NULL, 4096, ...)"}
   * @param errno the errno
   */
  public static OsException of(String call, int errno) {
    return new OsException(null, call + " failed: " + Errno.name(errno), errno);
  }

  /** {@return the same failure, naming {@code file}} (the call knew only a descriptor) */
  public OsException about(String file) {
    OsException e = new OsException(file, getReason(), errno);
    e.initCause(this);
    return e;
  }

  /** {@return the errno the call failed with} */
  public int errno() {
    return errno;
  }

  /**
   * {@return whether the call failed for lack of descriptors or memory}, which closing maps that
   * nobody can reach any more may cure
   */
  public boolean isResourceShortage() {
    return errno == EMFILE || errno == ENFILE || errno == ENOMEM;
  }
}
