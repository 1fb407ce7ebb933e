package org.jmmap.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.jmmap.Access;
import org.jmmap.internal.ffi.NativeOs;
import org.jmmap.internal.ffi.NativeOs.FileStat;

/**
 * Makes maps, checking the arguments in the order CPython does: length, offset, access against
 * flags and prot, the file's size, the offset's alignment, then the system call.
 */
public final class Opener {
  // <sys/mman.h> on Linux
  static final int PROT_READ = 1;
  static final int PROT_WRITE = 2;
  static final int MAP_SHARED = 1;
  static final int MAP_PRIVATE = 2;
  static final int MAP_SHARED_VALIDATE = 3;
  static final int MAP_FIXED = 0x10;
  static final int MAP_ANONYMOUS = 0x20;
  static final int MAP_GROWSDOWN = 0x100;
  static final int MAP_POPULATE = 0x8000;
  static final int MAP_FIXED_NOREPLACE = 0x100000;
  static final int MAP_DENYWRITE = 0x800;
  static final int MAP_EXECUTABLE = 0x1000;
  static final int MAP_NORESERVE = 0x4000;
  static final int MAP_STACK = 0x20000;
  static final int PROT_EXEC = 4;

  /**
   * The flags a map may carry besides its type, each known to leave the mapping an ordinary one
   * that Java code can read and write: hints and bits Linux ignores. Anything else, known or not,
   * is refused.
   */
  private static final int HARMLESS_FLAGS =
      MAP_NORESERVE | MAP_POPULATE | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_STACK;

  private static final boolean DEBUG_LEAKS = Boolean.getBoolean("jmmap.debugLeaks");

  private Opener() {}

  /**
   * A map and what was resolved while making it.
   *
   * @param mapping the mapping
   * @param access the resolved access mode, as CPython resolves it
   * @param anonymous whether no file backs the map
   * @param trackFd whether a descriptor or channel is kept for size() and resize()
   * @param canGrow false for shared anonymous memory without a memory file (Linux cannot grow it)
   * @param attachPath a path another process can map to share this memory, or null
   */
  public record Opened(
      Mapping mapping,
      Access access,
      boolean anonymous,
      boolean trackFd,
      boolean canGrow,
      Path attachPath) {}

  /**
   * The arguments of a map request; exactly one of {@code path} and {@code channel} is set for a
   * file map, neither for anonymous memory.
   *
   * @param path the file to open, or null
   * @param channel the channel to map, or null
   * @param length bytes, 0 for the whole file
   * @param access the requested access
   * @param flags {@code MAP_*}
   * @param prot {@code PROT_*}
   * @param offset the file offset
   * @param trackFd whether to keep the descriptor
   * @param populate whether to prefault the pages
   * @param followLinks whether a symbolic link at {@code path} is followed
   */
  public record Request(
      Path path,
      FileChannel channel,
      long length,
      Access access,
      int flags,
      int prot,
      long offset,
      boolean trackFd,
      boolean populate,
      boolean followLinks) {}

  /** Resolved flags, prot and access. */
  private record Mode(Access access, int flags, int prot) {
    boolean readOnly() {
      return access == Access.READ;
    }

    boolean shared() {
      return (flags & MAP_SHARED_VALIDATE) == MAP_SHARED;
    }
  }

  /** {@return a new map} */
  public static Opened open(Request r) throws IOException {
    Mode mode = check(r);
    int flags = mode.flags() | (r.populate() ? MAP_POPULATE : 0);
    if (r.path() == null && r.channel() == null) {
      return anonymous(r, mode, flags);
    }
    if (r.channel() != null) {
      return channel(r, mode, flags);
    }
    NativeOs os = NativeOs.current();
    byte[] name = NativeNames.bytes(r.path());
    boolean writable =
        (mode.prot() & PROT_WRITE) != 0 && (mode.shared() || r.access() == Access.DEFAULT);
    int fd;
    try {
      fd = openFile(os, r, name, writable);
    } catch (AccessDeniedException e) {
      if (!writable || mode.shared()) {
        throw e;
      }
      fd = openFile(os, r, name, false); // a private map needs no write permission
    }
    return descriptor(os, fd, r, mode, flags);
  }

  private static int openFile(NativeOs os, Request r, byte[] name, boolean writable)
      throws IOException {
    String shown = r.path().toString();
    try {
      return Reclaim.retrying(0, () -> os.open(name, shown, writable, r.followLinks()));
    } catch (NoSuchFileException e) {
      throw NativeNames.notFound(r.path(), e);
    }
  }

  /**
   * {@return a shared map of a new file} of {@code size} bytes, created with {@code O_EXCL} and
   * {@code O_NOFOLLOW} (so that nothing planted under the name is opened) and its blocks reserved;
   * on failure the file is removed again.
   */
  public static Opened createShared(Path path, long size, int mode) throws IOException {
    NativeOs os = NativeOs.current();
    byte[] name = NativeNames.bytes(path);
    int fd = Reclaim.retrying(0, () -> os.create(name, path.toString(), mode));
    boolean success = false;
    boolean handedOver = false;
    try {
      os.ftruncate(fd, size);
      if (!os.allocate(fd, 0, size)) {
        os.writeZeros(fd, 0, size);
      }
      handedOver = true; // descriptor() owns it from here, and closes it if it fails
      Opened o =
          descriptor(
              os,
              fd,
              new Request(
                  path,
                  null,
                  size,
                  Access.WRITE,
                  MAP_SHARED,
                  PROT_READ | PROT_WRITE,
                  0,
                  true,
                  false,
                  false),
              new Mode(Access.WRITE, MAP_SHARED, PROT_READ | PROT_WRITE),
              MAP_SHARED);
      success = true;
      return o;
    } finally {
      if (!success) {
        try {
          Files.deleteIfExists(path);
        } catch (IOException ignored) {
          // the failure being reported matters more
        }
        if (!handedOver) {
          closeQuietly(os, fd);
        }
      }
    }
  }

  /** The checks CPython makes before it looks at the file, in its order. */
  private static Mode check(Request r) {
    boolean anonymous = r.path() == null && r.channel() == null;
    if (r.length() < 0) {
      throw new IllegalArgumentException(
          "memory mapped length must be positive: length=" + r.length());
    }
    if (r.offset() < 0) {
      throw new IllegalArgumentException(
          "memory mapped offset must be positive: offset=" + r.offset());
    }
    return resolve(r.access(), r.flags(), r.prot(), anonymous);
  }

  private static Opened descriptor(NativeOs os, int fd, Request r, Mode mode, int flags)
      throws IOException {
    String path = r.path().toString();
    long length;
    try {
      FileStat st = os.fstat(fd);
      if (!NativeNames.ascii(path)) {
        NativeNames.checkSameFile(r.path(), st);
      }
      length = checkSize(r.length(), r.offset(), st.regular() ? st.size() : -1);
      checkAlignment(r.offset());
    } catch (IOException | RuntimeException e) {
      closeQuietly(os, fd);
      throw e;
    }
    // from here the backing owns the descriptor, and Mapping.open closes it on failure
    FdBacking b = new FdBacking(os, fd, true, true, mode.prot(), flags, r.offset(), path);
    Mapping m = Mapping.open(b, length, mode.readOnly(), createdAt());
    if (!r.trackFd()) {
      b.close();
    }
    return new Opened(m, mode.access(), false, r.trackFd(), true, r.path());
  }

  private static Opened channel(Request r, Mode mode, int flags) throws IOException {
    int supported = MAP_SHARED_VALIDATE | MAP_POPULATE;
    if ((flags & ~supported) != 0 || (flags & MAP_SHARED_VALIDATE) == MAP_SHARED_VALIDATE) {
      throw new UnsupportedOperationException(
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
    long length = checkSize(r.length(), r.offset(), ChannelBacking.shielded(r.channel()::size));
    checkAlignment(r.offset());
    ChannelBacking b = new ChannelBacking(NativeOs.current(), r.channel(), mapMode, r.offset());
    Mapping m;
    try {
      m = Mapping.open(b, length, mode.readOnly(), createdAt());
    } catch (NonReadableChannelException | NonWritableChannelException e) {
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
      throw denied;
    }
    if ((flags & MAP_POPULATE) != 0) {
      m.segment().load();
    }
    return new Opened(m, mode.access(), false, r.trackFd(), true, null);
  }

  private static Opened anonymous(Request r, Mode mode, int flags) throws IOException {
    if (r.length() == 0) {
      throw new IllegalArgumentException(
          "an anonymous map cannot be empty: length=0 (mmap(2) would fail with EINVAL)");
    }
    checkAlignment(r.offset());
    NativeOs os = NativeOs.current();
    String what = "anonymous memory";
    if (mode.shared() && os.supportsMemfd()) {
      // a memory file: the same shared memory as MAP_SHARED|MAP_ANONYMOUS, but it can grow and
      // another process can open it through /proc/<pid>/fd/<fd>
      int fd = Reclaim.retrying(0, () -> os.memfdCreate("jmmap"));
      try {
        os.ftruncate(fd, r.length());
      } catch (IOException | RuntimeException e) {
        closeQuietly(os, fd);
        throw e;
      }
      FdBacking b =
          new FdBacking(os, fd, true, false, mode.prot(), flags & ~MAP_ANONYMOUS, 0, what);
      Mapping m = Mapping.open(b, r.length(), mode.readOnly(), createdAt());
      Path attach = null;
      if (r.trackFd()) {
        String pid = Long.toString(ProcessHandle.current().pid());
        attach = Path.of("/proc", pid, "fd", Integer.toString(fd));
      } else {
        b.close();
      }
      return new Opened(m, mode.access(), true, r.trackFd(), true, attach);
    }
    FdBacking b = new FdBacking(os, -1, false, false, mode.prot(), flags | MAP_ANONYMOUS, 0, what);
    Mapping m = Mapping.open(b, r.length(), mode.readOnly(), createdAt());
    return new Opened(m, mode.access(), true, r.trackFd(), !mode.shared(), null);
  }

  private static Throwable createdAt() {
    return DEBUG_LEAKS ? new Throwable("the map was created here") : null;
  }

  /** CPython's access resolution, plus the refusals that keep the JVM alive. */
  private static Mode resolve(Access access, int flags, int prot, boolean anonymous) {
    if (access == null) {
      throw new NullPointerException("access");
    }
    if (access != Access.DEFAULT && (flags != MAP_SHARED || prot != (PROT_READ | PROT_WRITE))) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "mmap can't specify both access and flags, prot.: access=%s flags=0x%x prot=0x%x",
              access,
              flags,
              prot));
    }
    int type = flags & MAP_SHARED_VALIDATE;
    int allowed = HARMLESS_FLAGS | MAP_SHARED_VALIDATE | (anonymous ? MAP_ANONYMOUS : 0);
    if ((type != MAP_SHARED && type != MAP_PRIVATE) || (flags & ~allowed) != 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "flags not allowed: flags=0x%x: a map takes exactly one of MAP_SHARED (0x1) and"
                  + " MAP_PRIVATE (0x2), plus any of MAP_NORESERVE, MAP_POPULATE, MAP_DENYWRITE,"
                  + " MAP_EXECUTABLE and MAP_STACK%s; other flags (e.g. MAP_FIXED, MAP_HUGETLB%s)"
                  + " could map over memory the JVM uses or change what the map means",
              flags,
              anonymous ? " and MAP_ANONYMOUS" : "",
              anonymous ? "" : ", MAP_ANONYMOUS on a file"));
    }
    if (prot == 0 || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) != 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "prot not allowed: prot=0x%x: it must combine PROT_READ (0x1), PROT_WRITE (0x2) and"
                  + " PROT_EXEC (0x4), and not be 0 (PROT_NONE makes every access fault)",
              prot));
    }
    return switch (access) {
      case READ -> new Mode(Access.READ, MAP_SHARED, PROT_READ);
      case WRITE -> new Mode(Access.WRITE, MAP_SHARED, PROT_READ | PROT_WRITE);
      case COPY -> new Mode(Access.COPY, MAP_PRIVATE, PROT_READ | PROT_WRITE);
      case DEFAULT -> {
        boolean read = (prot & PROT_READ) != 0;
        boolean write = (prot & PROT_WRITE) != 0;
        Access resolved = read && write ? Access.DEFAULT : write ? Access.WRITE : Access.READ;
        // every map is readable: jmmap reads what it maps, and an unreadable page would fault
        yield new Mode(resolved, flags, prot | PROT_READ);
      }
    };
  }

  /**
   * {@return the length to map} CPython's checks for regular files; {@code fileSize} is -1 for
   * other files, which are not checked.
   */
  private static long checkSize(long length, long offset, long fileSize) {
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

  private static void checkAlignment(long offset) {
    long granularity = NativeOs.current().pageSize();
    if (offset % granularity != 0) {
      throw new IllegalArgumentException(
          "offset % ALLOCATIONGRANULARITY != 0: offset=" + offset + " granularity=" + granularity);
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
