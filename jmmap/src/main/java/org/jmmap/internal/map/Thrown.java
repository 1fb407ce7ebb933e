package org.jmmap.internal.map;

import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.ProviderMismatchException;

/**
 * Makes the exceptions of paths that a map which succeeds never takes, typed as their loaded
 * superclasses. A {@code throw new UnsupportedOperationException} (or a catch clause naming a
 * class) in a class that every map links would make the JVM load that exception's class while
 * linking it, to check that it is a Throwable; a fresh JVM's first map would pay for classes it
 * never uses.
 */
final class Thrown {
  private Thrown() {}

  static RuntimeException unsupported(String message) {
    return new UnsupportedOperationException(message);
  }

  static RuntimeException providerMismatch(String message) {
    return new ProviderMismatchException(message);
  }

  static RuntimeException wrongThread(String message) {
    return new WrongThreadException(message);
  }

  /**
   * {@return whether {@code e} is what {@code FileChannel.map} throws for a channel not open for
   * what the map needs}
   */
  static boolean notOpenFor(RuntimeException e) {
    return e instanceof NonReadableChannelException
        || e instanceof java.nio.channels.NonWritableChannelException;
  }

  /**
   * {@return an {@link AccessDeniedException} for a channel that {@link #notOpenFor} what a map of
   * {@code mapMode} needs}
   */
  static java.io.IOException denied(RuntimeException e, FileChannel.MapMode mapMode) {
    AccessDeniedException denied =
        new AccessDeniedException(
            "FileChannel",
            null,
            "the channel is not open for "
                + (e instanceof NonReadableChannelException ? "reading" : "writing")
                + ", which a "
                + (mapMode == FileChannel.MapMode.PRIVATE
                    ? "private map (Access.COPY or MAP_PRIVATE) needs: FileChannel.map maps"
                        + " privately only through a channel open for reading and writing"
                    : mapMode + " map needs"));
    denied.initCause(e);
    return denied;
  }

  /**
   * {@return an {@link AccessDeniedException} for a private map of a file that the portable backing
   * could not open for writing}
   */
  static java.io.IOException privateNotWritable(java.nio.file.Path path, java.io.IOException e) {
    AccessDeniedException denied =
        new AccessDeniedException(
            path.toString(),
            null,
            "a private map (Access.COPY or MAP_PRIVATE) of a file that is not writable: the"
                + " portable backing maps privately only through a channel open for writing; "
                + PortableBacking.HOW);
    denied.initCause(e);
    return denied;
  }

  static java.io.IOException systemCall(String file, String reason, int errno) {
    return new org.jmmap.SystemCallException(file, reason, errno);
  }
}
