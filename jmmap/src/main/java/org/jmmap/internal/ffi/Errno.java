package org.jmmap.internal.ffi;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import org.jmmap.SystemCallException;

/**
 * The Linux errno values that jmmap's calls can return ({@code <errno.h>}), their names, and the
 * exception each becomes: one of the JDK's {@link java.nio.file.FileSystemException} subclasses
 * where one fits, otherwise jmmap's public {@link SystemCallException}, so that no exception of an
 * internal class reaches a caller.
 */
public final class Errno {
  /** Operation not permitted. */
  public static final int EPERM = 1;

  /** Input/output error. */
  public static final int EIO = 5;

  /** Resource temporarily unavailable. */
  public static final int EAGAIN = 11;

  /** Invalid argument. */
  public static final int EINVAL = 22;

  /** Out of memory or address space. */
  public static final int ENOMEM = 12;

  /** Bad address (mremap of a range that is not one whole mapping). */
  public static final int EFAULT = 14;

  /** Is a directory. */
  public static final int EISDIR = 21;

  /** Too many open files in the system. */
  public static final int ENFILE = 23;

  /** Too many open files in this process. */
  public static final int EMFILE = 24;

  private Errno() {}

  /** {@return the symbolic name of {@code errno}, e.g. {@code "EINVAL"}, or "errno N"} */
  public static String name(int errno) {
    return switch (errno) {
      case 1 -> "EPERM";
      case 2 -> "ENOENT";
      case 4 -> "EINTR";
      case 5 -> "EIO";
      case 6 -> "ENXIO";
      case 9 -> "EBADF";
      case 11 -> "EAGAIN";
      case 12 -> "ENOMEM";
      case 13 -> "EACCES";
      case 14 -> "EFAULT";
      case 16 -> "EBUSY";
      case 17 -> "EEXIST";
      case 19 -> "ENODEV";
      case 20 -> "ENOTDIR";
      case 21 -> "EISDIR";
      case 22 -> "EINVAL";
      case 23 -> "ENFILE";
      case 24 -> "EMFILE";
      case 26 -> "ETXTBSY";
      case 27 -> "EFBIG";
      case 28 -> "ENOSPC";
      case 30 -> "EROFS";
      case 36 -> "ENAMETOOLONG";
      case 38 -> "ENOSYS";
      case 40 -> "ELOOP";
      case 75 -> "EOVERFLOW";
      case 95 -> "EOPNOTSUPP";
      case 122 -> "EDQUOT";
      default -> "errno " + errno;
    };
  }

  /**
   * {@return the exception for a call that failed with {@code errno}}
   *
   * @param file the file the call was about, or null when it knew only a descriptor or an address
   * @param reason the call, its arguments and the error's text
   */
  public static IOException exception(String file, String reason, int errno) {
    if (file == null) {
      return new SystemCallException(null, reason, errno);
    }
    return switch (errno) {
      case 2 -> new NoSuchFileException(file, null, reason);
      case 17 -> new FileAlreadyExistsException(file, null, reason);
      case 1, 13, 30 -> new AccessDeniedException(file, null, reason);
      default -> new SystemCallException(file, reason, errno);
    };
  }

  /**
   * {@return the same failure, naming {@code file}}, for a call that knew only a descriptor or an
   * address
   */
  public static SystemCallException about(SystemCallException e, String file) {
    SystemCallException named = new SystemCallException(file, e.getReason(), e.errno());
    named.initCause(e);
    return named;
  }

  /**
   * {@return whether {@code errno} says that descriptors or memory ran out}, which closing maps
   * that nobody can reach any more may cure
   */
  public static boolean isResourceShortage(int errno) {
    return errno == EMFILE || errno == ENFILE || errno == ENOMEM;
  }
}
