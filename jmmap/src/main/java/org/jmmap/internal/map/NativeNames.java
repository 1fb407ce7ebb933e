package org.jmmap.internal.map;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.util.Arrays;
import java.util.Map;
import org.jmmap.internal.ffi.NativeOs.FileStat;

/**
 * File names as the kernel sees them. A {@link Path} of the default file system holds the bytes of
 * its name but shows only a string, decoded with the platform's file name encoding, in which bytes
 * that do not decode became U+FFFD. jmmap encodes the string back with that encoding, refuses a
 * name that does not survive the round trip, and, for any name that is not plain ASCII, checks
 * after opening that the descriptor is the file the JDK itself finds under the {@code Path}: a name
 * that cannot be passed exactly must never open another file.
 */
final class NativeNames {
  private static final Charset ENCODING = encoding();

  private NativeNames() {}

  private static Charset encoding() {
    for (String property : new String[] {"sun.jnu.encoding", "native.encoding"}) {
      String name = System.getProperty(property);
      try {
        if (name != null) {
          return Charset.forName(name);
        }
      } catch (IllegalArgumentException unknown) {
        // try the next one
      }
    }
    return Charset.defaultCharset();
  }

  /**
   * {@return the path's name as bytes for {@code open(2)}}
   *
   * @throws ProviderMismatchException if the path is not on the default file system
   * @throws FileSystemException if the name cannot be passed to the kernel exactly
   */
  static byte[] bytes(Path path) throws FileSystemException {
    if (path.getFileSystem() != FileSystems.getDefault()) {
      throw new ProviderMismatchException(
          "not a path of the default file system: "
              + path
              + " (of "
              + path.getFileSystem().provider().getScheme()
              + "); jmmap maps only files of the operating system's own file system");
    }
    return bytes(path.toString());
  }

  /** {@return {@code name} encoded for the kernel} @throws FileSystemException if it cannot be */
  static byte[] bytes(String name) throws FileSystemException {
    CharsetEncoder encoder =
        ENCODING
            .newEncoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      ByteBuffer b = encoder.encode(CharBuffer.wrap(name));
      return Arrays.copyOfRange(b.array(), b.arrayOffset(), b.arrayOffset() + b.limit());
    } catch (CharacterCodingException e) {
      throw unrepresentable(
          name, "it is not valid in the platform's file name encoding " + ENCODING);
    }
  }

  private static FileSystemException unrepresentable(String name, String why) {
    return new FileSystemException(
        name,
        null,
        "the file name cannot be passed to the operating system exactly: "
            + why
            + " (rename the file, or run with a locale whose encoding the name is valid in);"
            + " nothing was opened");
  }

  /**
   * Checks that the file that {@code open(2)} found is the one the JDK finds under {@code path}.
   *
   * @throws FileSystemException if it is not
   */
  static void checkSameFile(Path path, FileStat opened) throws FileSystemException {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(path, "unix:dev,ino");
    } catch (IOException | UnsupportedOperationException e) {
      a = null;
    }
    if (a == null
        || ((Number) a.get("dev")).longValue() != opened.device()
        || ((Number) a.get("ino")).longValue() != opened.inode()) {
      throw unrepresentable(path.toString(), "its bytes as the JDK decoded them name another file");
    }
  }

  /**
   * {@return the exception for an {@code open(2)} that found no file}: when the JDK does see the
   * file, its name could not be passed exactly
   */
  static IOException notFound(Path path, NoSuchFileException e) {
    if (!Opener.ascii(path.toString()) && Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      FileSystemException u =
          unrepresentable(path.toString(), "the JDK decoded bytes of it that are not valid text");
      u.initCause(e);
      return u;
    }
    return e;
  }
}
