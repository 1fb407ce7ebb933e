package org.jmmap.internal.map;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.jmmap.internal.ffi.NativeOs;

/**
 * Makes a new file appear under its name only once it has its size and its blocks, so that another
 * process that opens the name finds either nothing or the whole file, never an empty one, and a
 * crash half-way leaves no half-made file under the name.
 *
 * <p>The file is made without a name ({@code O_TMPFILE}), sized, then linked to its name, which
 * fails with {@code EEXIST} rather than replace anything: of two processes creating one name,
 * exactly one wins. If this process dies before the link, the kernel frees the file; nothing is
 * left. Where the file system cannot make files without a name (or {@code /proc} is missing), the
 * file is made under a hidden temporary name of its directory ({@code .jmmap-} and 16 hex digits),
 * sized, linked to its name and the temporary name removed: a crash between those steps can leave
 * the temporary name behind, never a half-made file under the real one.
 */
final class NewFiles {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int TEMPORARY_ATTEMPTS = 100;

  private NewFiles() {}

  /**
   * {@return the descriptor of a new file of {@code size} bytes, reserved, that now has the name
   * {@code path}}, open for reading and writing; on failure nothing is left open or created
   *
   * @throws FileAlreadyExistsException if the name is taken (by anything, a symbolic link included,
   *     which is never followed)
   */
  static int create(NativeOs os, Path path, int mode, long size) throws IOException {
    byte[] name = NativeNames.bytes(path);
    Path parent = path.getParent();
    byte[] directory =
        parent == null ? ".".getBytes(StandardCharsets.US_ASCII) : NativeNames.bytes(parent);
    String shownDirectory = parent == null ? "." : parent.toString();
    int fd = Reclaim.retrying(0, () -> os.createUnnamed(directory, shownDirectory, mode));
    if (fd >= 0) {
      boolean named = false;
      try {
        fill(os, fd, size);
        named = os.linkUnnamed(fd, name, path.toString());
      } finally {
        if (!named) {
          closeQuietly(os, fd);
        }
      }
      if (named) {
        return fd;
      }
    }
    return createThroughTemporaryName(os, path, name, mode, size);
  }

  private static int createThroughTemporaryName(
      NativeOs os, Path path, byte[] name, int mode, long size) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path temporary =
          path.resolveSibling(".jmmap-" + HexFormat.of().toHexDigits(RANDOM.nextLong()));
      byte[] temporaryName = NativeNames.bytes(temporary);
      String shownTemporary = temporary.toString();
      int fd;
      try {
        fd = Reclaim.retrying(0, () -> os.create(temporaryName, shownTemporary, mode));
      } catch (FileAlreadyExistsException taken) {
        if (attempt < TEMPORARY_ATTEMPTS) {
          continue; // someone else's entry: the name asked for may well be free
        }
        throw taken;
      }
      boolean success = false;
      try {
        fill(os, fd, size);
        os.link(temporaryName, shownTemporary, name, path.toString());
        success = true;
        return fd;
      } finally {
        try {
          Files.deleteIfExists(temporary); // the file keeps its real name, if it got one
        } catch (IOException ignored) {
          // a hidden name in the directory is the lesser harm than losing what happened
        }
        if (!success) {
          closeQuietly(os, fd);
        }
      }
    }
  }

  /** Sizes the file and reserves its blocks, so that a write through a mapping cannot fail. */
  private static void fill(NativeOs os, int fd, long size) throws IOException {
    os.ftruncate(fd, size);
    if (!os.allocate(fd, 0, size)) {
      os.writeZeros(fd, 0, size);
    }
  }

  private static void closeQuietly(NativeOs os, int fd) {
    try {
      os.close(fd);
    } catch (IOException | RuntimeException ignored) {
      // the failure being reported matters more
    }
  }
}
