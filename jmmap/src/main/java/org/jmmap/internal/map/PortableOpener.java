package org.jmmap.internal.map;

import static org.jmmap.internal.map.Mman.MAP_ANONYMOUS;
import static org.jmmap.internal.map.Mman.MAP_POPULATE;
import static org.jmmap.internal.map.Mman.MAP_TYPE;
import static org.jmmap.internal.map.Mman.PROT_EXEC;
import static org.jmmap.internal.map.Mman.PROT_WRITE;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jmmap.SystemCallException;
import org.jmmap.internal.ffi.Errno;

/**
 * Makes maps on the portable backing ({@link PortableBacking}): only public JDK APIs, so it runs
 * wherever a JDK 25 runs, with no JVM flag. What the JDK cannot express is refused with an {@link
 * UnsupportedOperationException} that names the capability and how to get it.
 */
final class PortableOpener {
  /**
   * The page size the portable backing assumes, as no public JDK API tells it: 16 KiB on macOS on
   * Apple silicon, 4 KiB elsewhere. It only checks offsets and flushes: {@link FileChannel#map}
   * aligns a mapping itself.
   */
  static final long PAGE_SIZE =
      System.getProperty("os.name", "").startsWith("Mac")
              && "aarch64".equals(System.getProperty("os.arch"))
          ? 16384
          : 4096;

  private PortableOpener() {}

  /** {@return a new map}, {@code mode} already resolved from the request */
  static Region open(Request r, Mode mode, Throwable createdAt) throws IOException {
    checkSupported(r, mode);
    // instanceof tests rather than a pattern switch, whose bootstrap the first map would wait for
    Source source = r.source();
    Region region;
    if (source instanceof Source.File f) {
      region = file(f, r, mode, createdAt);
    } else if (source instanceof Source.Channel c) {
      region = channel(c.channel(), false, false, null, r, mode, createdAt);
    } else if (source instanceof Source.Anonymous) {
      region = anonymous(r, mode, createdAt);
    } else {
      throw Thrown.unsupported(
          "creating named shared memory ("
              + ((Source.NewFile) source).path()
              + ") is not supported by the portable backing: "
              + PortableBacking.HOW);
    }
    if ((r.populate() || (mode.flags() & MAP_POPULATE) != 0) && region.segment().isMapped()) {
      region.segment().load();
    }
    return region;
  }

  /** Refuses the flags and prot that {@link FileChannel.MapMode} cannot express. */
  private static void checkSupported(Request r, Mode mode) {
    int supported = MAP_TYPE | MAP_POPULATE | (r.anonymous() ? MAP_ANONYMOUS : 0);
    if ((mode.flags() & ~supported) != 0) {
      throw Thrown.unsupported(
          String.format(
              Locale.ROOT,
              "flags=0x%x not supported by the portable backing, which maps through"
                  + " FileChannel.map: only MAP_SHARED, MAP_PRIVATE, MAP_POPULATE%s; %s",
              mode.flags(),
              r.anonymous() ? " and MAP_ANONYMOUS" : "",
              PortableBacking.HOW));
    }
    if ((mode.prot() & PROT_EXEC) != 0) {
      throw Thrown.unsupported(
          String.format(
              Locale.ROOT,
              "prot=0x%x not supported by the portable backing: FileChannel.map cannot map"
                  + " executable memory (PROT_EXEC); %s",
              mode.prot(),
              PortableBacking.HOW));
    }
  }

  private static FileChannel.MapMode mapMode(Mode mode) {
    return !mode.shared() && (mode.prot() & PROT_WRITE) != 0
        ? FileChannel.MapMode.PRIVATE
        : (mode.prot() & PROT_WRITE) != 0
            ? FileChannel.MapMode.READ_WRITE
            : FileChannel.MapMode.READ_ONLY;
  }

  private static Region file(Source.File f, Request r, Mode mode, Throwable createdAt)
      throws IOException {
    Path path = f.path();
    if (path.getFileSystem() != FileSystems.getDefault()) {
      throw Thrown.providerMismatch(
          "only files of the default file system can be mapped: " + path.toUri());
    }
    LinkOption[] links = f.followLinks() ? new LinkOption[0] : new LinkOption[] {NOFOLLOW};
    BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class, links);
    if (attrs.isDirectory()) {
      throw new FileSystemException(path.toString(), null, "Is a directory: only files are mapped");
    }
    if (!attrs.isRegularFile()) {
      throw new FileSystemException(
          path.toString(),
          null,
          "not a regular file: the portable backing maps only regular files; "
              + PortableBacking.HOW);
    }
    if (!Thread.currentThread().isInterrupted()) {
      // the caller's thread makes the first calls on the channel, which nobody else holds yet:
      // shielding them (ChannelBacking.shielded) would make a fresh JVM start its virtual threads
      // first. An interrupt that closes the channel meanwhile makes the map again, shielded.
      try {
        return channel(open(f, mode), true, true, path, r, mode, createdAt);
      } catch (IOException e) {
        // no catch clause naming ClosedByInterruptException: linking this class would load it
        if (!(e instanceof ClosedByInterruptException)) {
          throw e;
        }
        // interrupted: the interrupt status is still set, for the caller
      }
    }
    return channel(open(f, mode), true, false, path, r, mode, createdAt);
  }

  /** {@return a channel to the file, open for what {@code mode} needs} */
  private static FileChannel open(Source.File f, Mode mode) throws IOException {
    Path path = f.path();
    FileChannel.MapMode mapMode = mapMode(mode);
    boolean writable = mapMode != FileChannel.MapMode.READ_ONLY;
    try {
      OpenOption[] options = options(writable, f.followLinks());
      if (!Generation.shortage()) {
        // the common case, without the retrying call's lambda (a fresh JVM's first lambda costs
        // milliseconds): only a shortage of descriptors takes the retrying path
        try {
          return FileChannel.open(path, options);
        } catch (FileSystemException e) {
          if (shortOfDescriptors(e) == e) {
            throw e;
          }
        }
      }
      return opening(() -> FileChannel.open(path, options));
    } catch (IOException e) {
      if (!(e instanceof AccessDeniedException) || mapMode != FileChannel.MapMode.PRIVATE) {
        throw e;
      }
      throw Thrown.privateNotWritable(path, e);
    }
  }

  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private static OpenOption[] options(boolean writable, boolean followLinks) {
    List<OpenOption> options = new ArrayList<>();
    options.add(StandardOpenOption.READ);
    if (writable) {
      options.add(StandardOpenOption.WRITE);
    }
    if (!followLinks) {
      options.add(NOFOLLOW);
    }
    return options.toArray(new OpenOption[0]);
  }

  /**
   * {@return a map of {@code channel}}, which is closed on failure when the map owns it
   *
   * @param direct whether the caller's thread makes the calls that make the map, unshielded
   * @param path the file, or null for a caller's channel
   */
  private static Region channel(
      FileChannel channel,
      boolean owns,
      boolean direct,
      Path path,
      Request r,
      Mode mode,
      Throwable createdAt)
      throws IOException {
    FileChannel.MapMode mapMode = mapMode(mode);
    String what = path != null ? path.toString() : "a file mapped through a FileChannel";
    long length;
    try {
      long size = direct ? channel.size() : ChannelBacking.shielded(channel::size);
      length = Opener.checkSize(r.length(), r.offset(), size);
      checkAlignment(r.offset());
    } catch (IOException | RuntimeException e) {
      if (owns) {
        closeQuietly(channel, e);
      }
      throw e;
    }
    PortableBacking b =
        new PortableBacking(
            channel, mapMode, r.offset(), owns, true, r.confined(), PAGE_SIZE, null, what);
    if (direct) {
      b.mapFirstHere();
    }
    Region.Facts facts =
        new Region.Facts(mode, r.offset(), false, r.trackFd(), true, path, PAGE_SIZE, r.confined());
    Region region;
    try {
      region = Region.open(b, length, facts, createdAt);
    } catch (RuntimeException e) {
      if (Thrown.notOpenFor(e)) {
        throw Thrown.denied(e, mapMode);
      }
      throw e;
    }
    return Opener.untracked(region, b, r.trackFd());
  }

  private static Region anonymous(Request r, Mode mode, Throwable createdAt) throws IOException {
    if (r.length() == 0) {
      throw new IllegalArgumentException(
          "an anonymous map cannot be empty: length=0 (mmap(2) would fail with EINVAL)");
    }
    checkAlignment(r.offset());
    String what = "anonymous memory";
    if (!mode.shared()) {
      PortableBacking b =
          new PortableBacking(
              null, null, 0, false, false, r.confined(), PAGE_SIZE, null, what + " (private)");
      Region.Facts facts =
          new Region.Facts(
              mode, r.offset(), true, r.trackFd(), true, null, PAGE_SIZE, r.confined());
      return Region.open(b, r.length(), facts, createdAt);
    }
    // shared memory another process can map: a file only this user can read, removed at close
    Path file = opening(PortableOpener::temporaryFile);
    FileChannel channel = null;
    try {
      channel =
          opening(() -> FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
      PortableBacking.grow(channel, r.length());
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        closeQuietly(channel, e);
      }
      try {
        Files.deleteIfExists(file);
      } catch (IOException again) {
        e.addSuppressed(again);
      }
      throw e;
    }
    PortableBacking b =
        new PortableBacking(
            channel,
            FileChannel.MapMode.READ_WRITE,
            0,
            true,
            false,
            r.confined(),
            PAGE_SIZE,
            file,
            what + " (" + file + ")");
    Region.Facts facts =
        new Region.Facts(
            mode,
            r.offset(),
            true,
            r.trackFd(),
            true,
            r.trackFd() ? file : null,
            PAGE_SIZE,
            r.confined());
    return Opener.untracked(Region.open(b, r.length(), facts, createdAt), b, r.trackFd());
  }

  private static Path temporaryFile() throws IOException {
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      FileAttribute<?> ownerOnly =
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
      return Files.createTempFile("jmmap-", ".mem", ownerOnly);
    }
    return Files.createTempFile("jmmap-", ".mem"); // elsewhere only the owner may open it
  }

  /**
   * {@return what {@code open} opened}, retried after collections while descriptors run short, as
   * the Linux layer's {@code open(2)} is ({@link Reclaim})
   */
  static <T> T opening(Reclaim.Call<T> open) throws IOException {
    return Reclaim.retrying(
        0,
        () -> {
          try {
            return open.run();
          } catch (FileSystemException e) {
            throw shortOfDescriptors(e);
          }
        });
  }

  /**
   * {@return {@code e} as a {@link SystemCallException} with its errno if it says that descriptors
   * ran out}, which the JDK tells only by the text of {@code strerror(EMFILE)} or {@code
   * strerror(ENFILE)}; otherwise {@code e} itself. Typed as {@link IOException} and made by {@link
   * Thrown}: linking this class then loads no class of the exception.
   */
  static IOException shortOfDescriptors(FileSystemException e) {
    int errno =
        switch (String.valueOf(e.getReason())) {
          case "Too many open files" -> Errno.EMFILE;
          case "Too many open files in system" -> Errno.ENFILE;
          default -> 0;
        };
    if (errno == 0) {
      return e;
    }
    IOException s =
        Thrown.systemCall(
            e.getFile(), "open failed: " + Errno.name(errno) + " (" + e.getReason() + ")", errno);
    s.initCause(e);
    return s;
  }

  private static void checkAlignment(long offset) {
    if (offset % PAGE_SIZE != 0) {
      throw new IllegalArgumentException(
          "offset % ALLOCATIONGRANULARITY != 0: offset=" + offset + " granularity=" + PAGE_SIZE);
    }
  }

  private static void closeQuietly(FileChannel channel, Exception failure) {
    try {
      channel.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
