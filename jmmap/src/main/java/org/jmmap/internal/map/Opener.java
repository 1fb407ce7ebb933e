package org.jmmap.internal.map;

import static org.jmmap.internal.ffi.Errno.EISDIR;
import static org.jmmap.internal.map.Mman.MAP_ANONYMOUS;
import static org.jmmap.internal.map.Mman.MAP_POPULATE;
import static org.jmmap.internal.map.Mman.MAP_SHARED;
import static org.jmmap.internal.map.Mman.MAP_TYPE;
import static org.jmmap.internal.map.Mman.PROT_READ;
import static org.jmmap.internal.map.Mman.PROT_WRITE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import org.jmmap.internal.ffi.NativeOs;
import org.jmmap.internal.ffi.NativeOs.FileStat;

/**
 * Makes maps through one {@link NativeOs}, checking the arguments in the order CPython does:
 * length, offset, access against flags and prot, the file's size, the offset's alignment, then the
 * system call. A map that fails half-way leaves no descriptor open and nothing mapped.
 */
public final class Opener {
  private static final boolean DEBUG_LEAKS = Boolean.getBoolean("jmmap.debugLeaks");
  private static final String BACKING = System.getProperty("jmmap.backing", "");
  private static final Opener SYSTEM = select(BACKING);

  private final NativeOs os; // null on the portable backing
  private final boolean throughJdk; // whether read-only file maps are made through the JDK

  /**
   * {@return the opener {@code backing} asks for}, or null if it names no backing: the Linux layer
   * where the OS is Linux and jmmap's module may make native calls, the portable backing elsewhere
   */
  private static Opener select(String backing) {
    return switch (backing) {
      case "native" -> new Opener(NativeOs.current(), true);
      case "portable" -> new Opener(null);
      case "" ->
          "Linux".equals(System.getProperty("os.name"))
                  && Opener.class.getModule().isNativeAccessEnabled()
              ? new Opener(NativeOs.current(), true)
              : new Opener(null);
      default -> null;
    };
  }

  /**
   * An opener whose system calls go to {@code os}, every one of them: each map is made by the OS
   * layer's own calls.
   *
   * @param os the OS layer, or null for the portable backing, which makes no native call
   */
  public Opener(NativeOs os) {
    this(os, false);
  }

  /**
   * @param throughJdk whether a read-only map of a regular file is made through the JDK where it
   *     can be ({@link JdkFileBacking}), so that it needs no native call
   */
  private Opener(NativeOs os, boolean throughJdk) {
    this.os = os;
    this.throughJdk = throughJdk && os != null;
    // once descriptors run out, loading a class from a directory on the class path fails too: load
    // now what a shortage needs, so that the failure reaches Reclaim intact (from a jar, which
    // stays
    // open, nothing is done)
    NativeOs.preload(
        "org.jmmap.internal.map.Reclaim$Shortage",
        "org.jmmap.internal.map.Reclaim$Call",
        "org.jmmap.internal.map.Region$FirstMap",
        "org.jmmap.SystemCallException",
        "org.jmmap.internal.ffi.Errno");
    if (this.throughJdk) {
      // the OS layer maps a file when the JDK cannot, which may be when descriptors have run out
      // and no class can be loaded from a directory: load what it needs now
      NativeOs.preload("org.jmmap.internal.map.FdBacking", "org.jmmap.internal.map.NativeNames");
    }
  }

  /**
   * {@return the opener this JVM maps through}: the Linux layer, or the portable backing
   *
   * @throws IllegalArgumentException if the system property {@code jmmap.backing} names no backing
   */
  public static Opener system() {
    if (SYSTEM == null) {
      throw new IllegalArgumentException(
          "unknown backing: -Djmmap.backing="
              + BACKING
              + ": it takes native (jmmap's Linux layer) or portable (public JDK APIs only)");
    }
    return SYSTEM;
  }

  /** {@return the page size of the opener this JVM maps through}, even if none is chosen */
  public static long systemPageSize() {
    return SYSTEM != null ? SYSTEM.pageSize() : PortableOpener.PAGE_SIZE;
  }

  /** {@return {@code native} for the Linux layer, {@code portable} for the portable backing} */
  public String backing() {
    return os == null ? "portable" : "native";
  }

  /**
   * Refuses a capability that only the Linux layer has.
   *
   * @param what names the capability
   * @throws UnsupportedOperationException on the portable backing
   */
  public void requireNative(String what) {
    if (os == null) {
      throw Thrown.unsupported(
          what + " is not supported by the portable backing: " + PortableBacking.HOW);
    }
  }

  /** {@return the size of a page, which a file offset must be a multiple of} */
  public long pageSize() {
    return os == null ? PortableOpener.PAGE_SIZE : os.pageSize();
  }

  /** {@return a new map} */
  public Region open(Request r) throws IOException {
    Mode mode = check(r);
    if (os == null) {
      return PortableOpener.open(r, mode, createdAt());
    }
    int flags = mode.flags() | (r.populate() ? MAP_POPULATE : 0);
    // instanceof tests rather than a switch over the sealed Source: a pattern switch bootstraps a
    // generated class at its first run, milliseconds that the first map of a JVM would pay
    Source source = r.source();
    if (source instanceof Source.File f) {
      return file(f, r, mode, flags);
    }
    if (source instanceof Source.Channel c) {
      return channel(c.channel(), r, mode, flags);
    }
    if (source instanceof Source.Anonymous) {
      return anonymous(r, mode, flags);
    }
    return createShared((Source.NewFile) source, r, mode);
  }

  private Region file(Source.File f, Request r, Mode mode, int flags) throws IOException {
    Region viaJdk = throughJdk ? throughJdk(f, r, mode) : null;
    if (viaJdk != null) {
      return viaJdk;
    }
    byte[] name = NativeNames.bytes(f.path());
    boolean writable = mode.wantsWritableFile();
    int fd;
    try {
      fd = openFile(f, name, writable);
    } catch (IOException e) {
      // no catch clause naming AccessDeniedException: linking Opener would load it (Thrown)
      if (!(e instanceof AccessDeniedException) || !writable || mode.shared()) {
        throw e;
      }
      fd = openFile(f, name, false); // a private map needs no write permission
    }
    return descriptor(fd, f.path(), r, mode, flags);
  }

  private int openFile(Source.File f, byte[] name, boolean writable) throws IOException {
    String shown = f.path().toString();
    try {
      return Reclaim.retrying(0, () -> os.open(name, shown, writable, f.followLinks()));
    } catch (NoSuchFileException e) {
      throw NativeNames.notFound(f.path(), e);
    }
  }

  private static final OpenOption[] READ = {StandardOpenOption.READ};
  private static final OpenOption[] READ_NOFOLLOW = {
    StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS
  };
  private static final LinkOption[] FOLLOW = {};
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  /**
   * {@return a read-only map of a regular file made through the JDK}, or null when the OS layer's
   * own calls are to make it: a fresh JVM needs no FFM linker for it ({@link JdkFileBacking}).
   *
   * <p>Only a map that is the same either way is made here: read-only, {@code MAP_SHARED} and
   * {@code PROT_READ} exactly, not populated, of a file of the default file system whose name is in
   * ASCII (whose bytes the JDK and {@link NativeNames} agree on) and that is a regular file, while
   * no thread waits for {@link Reclaim}. Any failure of the JDK's calls is not reported from here:
   * the OS layer then makes the map, and reports the failure as it always does, with its errno and
   * message, or succeeds where the failure was the JDK's own (an interrupt, which closes a {@code
   * FileChannel}). The checks of the length and offset are the OS layer's, in its order, so they
   * fail here as they would there.
   *
   * <p>The JDK opens the file without {@code O_NONBLOCK}, so the file's type is looked at by name
   * first: a FIFO, which would block the open, goes to the OS layer. A FIFO put in the file's place
   * between that look and the open would still block it, until a writer opens the FIFO. The
   * descriptor the JDK opens is not close-on-exec, as none of the JDK's is; {@code ProcessBuilder}
   * closes it in the child.
   */
  private Region throughJdk(Source.File f, Request r, Mode mode) throws IOException {
    Path path = f.path();
    if (path.getFileSystem() != FileSystems.getDefault()
        || !mode.readOnly()
        || mode.flags() != MAP_SHARED
        || mode.prot() != PROT_READ
        || r.populate()
        || Reclaim.shortage()
        || Thread.currentThread().isInterrupted()
        || !ascii(path.toString())) {
      return null;
    }
    BasicFileAttributes a;
    FileChannel channel;
    try {
      a =
          Files.readAttributes(
              path, BasicFileAttributes.class, f.followLinks() ? FOLLOW : NOFOLLOW);
      if (!a.isRegularFile()) {
        return null;
      }
      channel = FileChannel.open(path, f.followLinks() ? READ : READ_NOFOLLOW);
    } catch (IOException | RuntimeException e) {
      return null;
    }
    long length;
    try {
      // the size the look by name found: the JDK's map reads it again from the descriptor and
      // fails if the file is now shorter than the map, which the OS layer then makes or refuses
      length = checkSize(r.length(), r.offset(), a.size());
      checkAlignment(r.offset());
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
    JdkFileBacking b = new JdkFileBacking(os, channel, r.offset(), path.toString());
    Region.Facts facts =
        new Region.Facts(
            mode, r.offset(), false, r.trackFd(), true, path, os.pageSize(), r.confined());
    Region region;
    try {
      region = Region.open(b, length, facts, createdAt()); // closes the channel on failure
    } catch (IOException e) {
      return null;
    }
    return untracked(region, b, r.trackFd());
  }

  /**
   * {@return whether every char of {@code s} is ASCII}, so that the bytes of a name are the same in
   * any encoding a file name can have ({@link NativeNames})
   */
  static boolean ascii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // the map is made by the OS layer instead, or the failure being reported matters more
    }
  }

  /**
   * {@return a shared map of a new file} of the request's length, which appears under its name only
   * once it has that length and its blocks ({@link NewFiles}): nothing planted under the name is
   * opened or replaced. If the map cannot be made, the name is removed again.
   */
  private Region createShared(Source.NewFile n, Request r, Mode mode) throws IOException {
    Path path = n.path();
    int fd = NewFiles.create(os, path, n.permissions(), r.length());
    boolean success = false;
    try {
      // descriptor() owns the descriptor from here, and closes it if it fails
      Region region = descriptor(fd, path, r, mode, mode.flags());
      success = true;
      return region;
    } finally {
      if (!success) {
        try {
          Files.deleteIfExists(path);
        } catch (IOException ignored) {
          // the failure being reported matters more
        }
      }
    }
  }

  /** The checks CPython makes before it looks at the file, in its order. */
  private static Mode check(Request r) {
    if (r.length() < 0) {
      throw new IllegalArgumentException(
          "memory mapped length must be positive: length=" + r.length());
    }
    if (r.offset() < 0) {
      throw new IllegalArgumentException(
          "memory mapped offset must be positive: offset=" + r.offset());
    }
    return Mode.resolve(r.access(), r.flags(), r.prot(), r.anonymous());
  }

  private Region descriptor(int fd, Path file, Request r, Mode mode, int flags) throws IOException {
    String path = file.toString();
    long length;
    try {
      FileStat st = os.fstat(fd);
      if (st.directory()) {
        // mmap(2) would fail with a bare EINVAL or ENODEV, which says nothing of the cause
        throw Thrown.systemCall(path, "Is a directory: only files can be mapped", EISDIR);
      }
      if (!ascii(path)) {
        NativeNames.checkSameFile(file, st);
      }
      length = checkSize(r.length(), r.offset(), st.regular() ? st.size() : -1);
      checkAlignment(r.offset());
    } catch (IOException | RuntimeException e) {
      closeQuietly(fd);
      throw e;
    }
    // from here the backing owns the descriptor, and Region.open closes it on failure
    FdBacking b = new FdBacking(os, fd, true, true, mode.prot(), flags, r.offset(), path);
    Region.Facts facts =
        new Region.Facts(
            mode, r.offset(), false, r.trackFd(), true, file, os.pageSize(), r.confined());
    return untracked(Region.open(b, length, facts, createdAt()), b, r.trackFd());
  }

  /** {@return the region}, its descriptor closed when the map is not to keep it */
  static Region untracked(Region region, Backing b, boolean trackFd) throws IOException {
    if (!trackFd) {
      try {
        b.close();
      } catch (IOException | RuntimeException e) {
        try {
          region.close();
        } catch (IOException | RuntimeException again) {
          e.addSuppressed(again);
        }
        throw e;
      }
    }
    return region;
  }

  private Region channel(FileChannel channel, Request r, Mode mode, int flags) throws IOException {
    int supported = MAP_TYPE | MAP_POPULATE;
    if ((flags & ~supported) != 0 || (flags & MAP_TYPE) == MAP_TYPE) {
      throw Thrown.unsupported(
          String.format(
              Locale.ROOT,
              "flags=0x%x cannot be expressed through FileChannel.map; map the file by its Path"
                  + " for flags other than MAP_SHARED, MAP_PRIVATE and MAP_POPULATE",
              flags));
    }
    FileChannel.MapMode mapMode =
        !mode.shared()
            ? FileChannel.MapMode.PRIVATE
            : (mode.prot() & PROT_WRITE) != 0
                ? FileChannel.MapMode.READ_WRITE
                : FileChannel.MapMode.READ_ONLY;
    long length = checkSize(r.length(), r.offset(), ChannelBacking.shielded(channel::size));
    checkAlignment(r.offset());
    boolean populate = (flags & MAP_POPULATE) != 0;
    ChannelBacking b = new ChannelBacking(os, channel, mapMode, r.offset(), r.confined(), populate);
    Region.Facts facts =
        new Region.Facts(
            mode, r.offset(), false, r.trackFd(), true, null, os.pageSize(), r.confined());
    Region region;
    try {
      region = Region.open(b, length, facts, createdAt());
    } catch (RuntimeException e) {
      if (Thrown.notOpenFor(e)) {
        throw Thrown.denied(e, mapMode);
      }
      throw e;
    }
    if (populate && !r.confined()) {
      region.segment().load(); // a confined map was loaded by the backing, where it was mapped
    }
    return region;
  }

  private Region anonymous(Request r, Mode mode, int flags) throws IOException {
    if (r.length() == 0) {
      throw new IllegalArgumentException(
          "an anonymous map cannot be empty: length=0 (mmap(2) would fail with EINVAL)");
    }
    checkAlignment(r.offset());
    String what = "anonymous memory";
    if (mode.shared() && os.supportsMemfd()) {
      // a memory file: the same shared memory as MAP_SHARED|MAP_ANONYMOUS, but it can grow and
      // another process can open it through /proc/<pid>/fd/<fd>
      int fd = Reclaim.retrying(0, () -> os.memfdCreate("jmmap"));
      try {
        os.ftruncate(fd, r.length());
      } catch (IOException | RuntimeException e) {
        closeQuietly(fd);
        throw e;
      }
      FdBacking b =
          new FdBacking(os, fd, true, false, mode.prot(), flags & ~MAP_ANONYMOUS, 0, what);
      Path attach =
          r.trackFd()
              ? Path.of(
                  "/proc", Long.toString(ProcessHandle.current().pid()), "fd", Integer.toString(fd))
              : null;
      Region.Facts facts =
          new Region.Facts(
              mode, r.offset(), true, r.trackFd(), true, attach, pageSize(), r.confined());
      return untracked(Region.open(b, r.length(), facts, createdAt()), b, r.trackFd());
    }
    FdBacking b = new FdBacking(os, -1, false, false, mode.prot(), flags | MAP_ANONYMOUS, 0, what);
    Region.Facts facts =
        new Region.Facts(
            mode, r.offset(), true, r.trackFd(), !mode.shared(), null, pageSize(), r.confined());
    return Region.open(b, r.length(), facts, createdAt());
  }

  private static Throwable createdAt() {
    return DEBUG_LEAKS ? new Throwable("the map was created here") : null;
  }

  /**
   * {@return the length to map} CPython's checks for regular files; {@code fileSize} is -1 for
   * other files, which are not checked.
   */
  static long checkSize(long length, long offset, long fileSize) {
    if (fileSize < 0) {
      return length;
    }
    if (length == 0) {
      if (fileSize == 0) {
        throw new IllegalArgumentException("cannot mmap an empty file");
      }
      if (offset >= fileSize) {
        throw new IllegalArgumentException(
            "mmap offset is greater than file size: offset=" + offset + " size=" + fileSize);
      }
      return fileSize - offset;
    }
    if (offset > fileSize || fileSize - offset < length) {
      throw new IllegalArgumentException(
          "mmap length is greater than file size: length="
              + length
              + " offset="
              + offset
              + " size="
              + fileSize);
    }
    return length;
  }

  private void checkAlignment(long offset) {
    long granularity = os.pageSize();
    if (offset % granularity != 0) {
      throw new IllegalArgumentException(
          "offset % ALLOCATIONGRANULARITY != 0: offset=" + offset + " granularity=" + granularity);
    }
  }

  private void closeQuietly(int fd) {
    try {
      os.close(fd);
    } catch (IOException | RuntimeException ignored) {
      // the failure being reported matters more
    }
  }
}
