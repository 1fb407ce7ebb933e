package org.jmmap.internal.map;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Objects;

/** What a map is made from. */
public sealed interface Source {

  /**
   * {@return whether this is anonymous memory} A method rather than an {@code instanceof} test,
   * which would load {@link Anonymous} in every JVM that maps a file.
   */
  default boolean anonymous() {
    return false;
  }

  /**
   * An existing file, opened by jmmap.
   *
   * @param path the file
   * @param followLinks whether a symbolic link at {@code path} is followed
   */
  record File(Path path, boolean followLinks) implements Source {
    /** Checks the path. */
    public File {
      Objects.requireNonNull(path, "file");
    }
  }

  /**
   * A new file, which appears under its name only once it has its size and its blocks, never
   * replacing or following anything there, and is removed again if the map cannot be made.
   *
   * @param path where to create it
   * @param permissions the permission bits, e.g. {@code 0600}
   */
  record NewFile(Path path, int permissions) implements Source {
    /** Checks the path. */
    public NewFile {
      Objects.requireNonNull(path, "path");
    }
  }

  /**
   * A file behind a channel that the caller owns and keeps open.
   *
   * @param channel the channel
   */
  record Channel(FileChannel channel) implements Source {
    /** Checks the channel. */
    public Channel {
      Objects.requireNonNull(channel, "channel");
    }
  }

  /**
   * Anonymous memory.
   *
   * @param hugePageSize 0 for ordinary pages, or the size of the reserved huge pages ({@code
   *     MAP_HUGETLB}) the memory is to live in
   */
  record Anonymous(long hugePageSize) implements Source {
    /** Anonymous memory in ordinary pages. */
    public Anonymous() {
      this(0);
    }

    @Override
    public boolean anonymous() {
      return true;
    }
  }
}
