package org.jmmap.internal.map;

import static org.jmmap.internal.ffi.Errno.EISDIR;
import static org.jmmap.internal.map.Mman.MAP_ANONYMOUS;
import static org.jmmap.internal.map.Mman.MAP_HUGETLB;
import static org.jmmap.internal.map.Mman.MAP_NORESERVE;
import static org.jmmap.internal.map.Mman.MAP_POPULATE;
import static org.jmmap.internal.map.Mman.MAP_TYPE;
import static org.jmmap.internal.map.Mman.PROT_WRITE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.jmmap.internal.ffi.NativeOs;
import org.jmmap.internal.ffi.NativeOs.FileStat;

/**
 * Makes the maps of {@link Opener} that the Linux layer's own system calls make: of a file opened
 * by {@code open(2)}, of a new file, of a caller's channel, and of anonymous memory. A class of its
 * own, which a read-only map of a file made through the JDK, and every map of the portable backing,
 * never links.
 */
final class NativeOpener {
  private final NativeOs os;

  NativeOpener(NativeOs os) {
    this.os = os;
  }

  /** {@return a new map}, {@code mode} resolved and {@code flags} with {@code MAP_POPULATE} */
  Region open(Request r, Mode mode, int flags) throws IOException {
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

  private Region descriptor(int fd, Path file, Request r, Mode mode, int flags) throws IOException {
    String path = file.toString();
    long length;
    long huge;
    try {
      FileStat st = os.fstat(fd);
      if (st.directory()) {
        // mmap(2) would fail with a bare EINVAL or ENODEV, which says nothing of the cause
        throw Thrown.systemCall(path, "Is a directory: only files can be mapped", EISDIR);
      }
      if (!Opener.ascii(path)) {
        NativeNames.checkSameFile(file, st);
      }
      length = Opener.checkSize(r.length(), r.offset(), st.regular() ? st.size() : -1);
      Opener.checkAlignment(r.offset(), os.pageSize());
      // a file of hugetlbfs (a memory file in huge pages, through another map's attachPath()) is
      // mapped in whole huge pages: unmapped in them too, and never resized or given back
      // (its block size is its huge page size: other files, whose block size is a page or less,
      // are not asked, which spares binding fstatfs)
      huge = st.regular() && st.blockSize() > os.pageSize() ? os.hugePageSize(fd) : 0;
    } catch (IOException | RuntimeException e) {
      closeQuietly(fd);
      throw e;
    }
    // from here the backing owns the descriptor, and Region.open closes it on failure
    FdBacking b = new FdBacking(os, fd, true, true, mode.prot(), flags, r.offset(), path, huge);
    Region.Facts facts =
        new Region.Facts(
            mode, r.offset(), false, r.trackFd(), true, file, os.pageSize(), r.confined());
    return Opener.untracked(Region.open(b, length, facts, Opener.createdAt()), b, r.trackFd());
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
    long length = Opener.checkSize(r.length(), r.offset(), ChannelBacking.shielded(channel::size));
    Opener.checkAlignment(r.offset(), os.pageSize());
    boolean populate = (flags & MAP_POPULATE) != 0;
    ChannelBacking b = new ChannelBacking(os, channel, mapMode, r.offset(), r.confined(), populate);
    Region.Facts facts =
        new Region.Facts(
            mode, r.offset(), false, r.trackFd(), true, null, os.pageSize(), r.confined());
    Region region;
    try {
      region = Region.open(b, length, facts, Opener.createdAt());
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
    Opener.checkAlignment(r.offset(), os.pageSize());
    long huge = ((Source.Anonymous) r.source()).hugePageSize();
    String what =
        huge == 0
            ? "anonymous memory"
            : "anonymous memory in reserved huge pages of " + (huge >> 10) + " kB";
    // huge pages are reserved when mapped, so that no later fault finds the pool empty: never
    // MAP_NORESERVE with them
    int f = huge == 0 ? flags : (flags & ~MAP_NORESERVE) | MAP_HUGETLB;
    if (mode.shared() && os.supportsMemfd()) {
      // a memory file: the same shared memory as MAP_SHARED|MAP_ANONYMOUS, but it can grow and
      // another process can open it through /proc/<pid>/fd/<fd>; in huge pages, its size is whole
      // huge pages, and another process maps it in whole huge pages too
      int fd = Reclaim.retrying(0, () -> os.memfdCreate("jmmap", huge != 0));
      try {
        os.ftruncate(fd, huge == 0 ? r.length() : HugePages.roundUp(r.length(), huge));
      } catch (IOException | RuntimeException e) {
        closeQuietly(fd);
        throw e;
      }
      FdBacking b =
          new FdBacking(
              os, fd, true, false, mode.prot(), f & ~(MAP_ANONYMOUS | MAP_HUGETLB), 0, what, huge);
      Path attach =
          r.trackFd()
              ? Path.of(
                  "/proc", Long.toString(ProcessHandle.current().pid()), "fd", Integer.toString(fd))
              : null;
      Region.Facts facts =
          new Region.Facts(
              mode, r.offset(), true, r.trackFd(), true, attach, os.pageSize(), r.confined());
      return Opener.untracked(
          Region.open(b, r.length(), facts, Opener.createdAt()), b, r.trackFd());
    }
    FdBacking b =
        new FdBacking(os, -1, false, false, mode.prot(), f | MAP_ANONYMOUS, 0, what, huge);
    Region.Facts facts =
        new Region.Facts(
            mode, r.offset(), true, r.trackFd(), !mode.shared(), null, os.pageSize(), r.confined());
    return Region.open(b, r.length(), facts, Opener.createdAt());
  }

  private void closeQuietly(int fd) {
    try {
      os.close(fd);
    } catch (IOException | RuntimeException ignored) {
      // the failure being reported matters more
    }
  }
}
