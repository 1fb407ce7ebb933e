package org.jmmap.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.AccessDeniedException;
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

  /** The arguments of a map request; exactly one of {@code path} and {@code channel} is set for
   * a file map, neither for anonymous memory.
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
      boolean populate) {}

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
    String path = r.path().toString();
    boolean writable =
        (mode.prot() & PROT_WRITE) != 0 && (mode.shared() || r.access() == Access.DEFAULT);
    int fd;
    try {
      fd = os.open(path, writable);
    } catch (AccessDeniedException e) {
      if (!writable || mode.shared()) {
        throw e;
      }
      fd = os.open(path, false); // a private map needs no write permission; resize will fail
    }
    return descriptor(os, fd, r, mode, flags);
  }

  /**
   * {@return a map of a file that the caller opened}: the map owns {@code fd} from here on and
   * closes it, also when this call fails.
   */
  public static Opened openDescriptor(int fd, Request r) throws IOException {
    NativeOs os = NativeOs.current();
    Mode mode;
    try {
      mode = check(r);
    } catch (RuntimeException e) {
      closeQuietly(os, fd);
      throw e;
    }
    return descriptor(os, fd, r, mode, mode.flags() | (r.populate() ? MAP_POPULATE : 0));
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
    return resolve(r.access(), r.flags(), r.prot());
  }

  private static Opened descriptor(NativeOs os, int fd, Request r, Mode mode, int flags)
      throws IOException {
    String path = r.path().toString();
    long length;
    try {
      FileStat st = os.fstat(fd);
      length = checkSize(r.length(), r.offset(), st.regular() ? st.size() : -1);
      checkAlignment(r.offset());
    } catch (IOException | RuntimeException e) {
      closeQuietly(os, fd);
      throw e;
    }
    // from here the backing owns the descriptor, and Mapping.open closes it on failure
    FdBacking b = new FdBacking(os, fd, true, true, mode.prot(), flags, r.offset(), path);
    Mapping m = Mapping.open(b, length, mode.readOnly());
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
    long length = checkSize(r.length(), r.offset(), r.channel().size());
    checkAlignment(r.offset());
    ChannelBacking b = new ChannelBacking(r.channel(), mapMode, r.offset());
    Mapping m;
    try {
      m = Mapping.open(b, length, mode.readOnly());
    } catch (NonReadableChannelException | NonWritableChannelException e) {
      AccessDeniedException denied =
          new AccessDeniedException(
              r.channel().toString(),
              null,
              "the channel was not opened for "
                  + (e instanceof NonReadableChannelException ? "reading" : "writing")
                  + ", which a " + mapMode + " map needs");
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
      int fd = os.memfdCreate("jmmap");
      try {
        os.ftruncate(fd, r.length());
      } catch (IOException | RuntimeException e) {
        closeQuietly(os, fd);
        throw e;
      }
      FdBacking b = new FdBacking(os, fd, true, false, mode.prot(), flags & ~MAP_ANONYMOUS, 0, what);
      Mapping m = Mapping.open(b, r.length(), mode.readOnly());
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
    Mapping m = Mapping.open(b, r.length(), mode.readOnly());
    return new Opened(m, mode.access(), true, r.trackFd(), !mode.shared(), null);
  }

  /** CPython's access resolution, plus the refusals that keep the JVM alive. */
  private static Mode resolve(Access access, int flags, int prot) {
    if (access == null) {
      throw new NullPointerException("access");
    }
    if (access != Access.DEFAULT && (flags != MAP_SHARED || prot != (PROT_READ | PROT_WRITE))) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "mmap can't specify both access and flags, prot.: access=%s flags=0x%x prot=0x%x",
              access, flags, prot));
    }
    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN)) != 0) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT,
              "flags=0x%x include MAP_FIXED, MAP_FIXED_NOREPLACE or MAP_GROWSDOWN, which could"
                  + " map over memory the JVM uses; jmmap refuses them",
              flags));
    }
    if (prot == 0) {
      throw new IllegalArgumentException(
          "prot=0 (PROT_NONE) makes every access to the map fault; jmmap refuses it");
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
