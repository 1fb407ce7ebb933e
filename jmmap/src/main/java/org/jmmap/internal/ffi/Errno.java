package org.jmmap.internal.ffi;

/** Symbolic names of the Linux errno values that jmmap's calls can return ({@code <errno.h>}). */
final class Errno {
  private Errno() {}

  static String name(int errno) {
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
}
