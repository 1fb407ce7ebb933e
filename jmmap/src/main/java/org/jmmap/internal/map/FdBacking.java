package org.jmmap.internal.map;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jmmap.SystemCallException;
import org.jmmap.internal.ffi.Errno;
import org.jmmap.internal.ffi.NativeOs;

/**
 * A mapping made with {@code mmap(2)} on a descriptor that jmmap owns, or on none (private
 * anonymous memory, shared anonymous memory where there is no {@code memfd_create}).
 */
final class FdBacking implements Backing {
  private static final int MS_SYNC = Mman.MS_SYNC;
  private static final int MAP_TYPE = Mman.MAP_TYPE;
  private static final int MAP_SHARED = Mman.MAP_SHARED;
  private static final int MAP_PRIVATE = Mman.MAP_PRIVATE;

  private final NativeOs os;
  private int fd;
  private final boolean fileSized;
  private final boolean reserve;
  private final int prot;
  private final int flags;
  private final long offset;
  private final String description;
  private final long hugePageSize; // 0, or the size of the reserved huge pages it maps

  /**
   * @param fd the descriptor, closed by {@link #close}, or -1
   * @param fileSized whether the descriptor's size follows the mapping (files, memory files)
   * @param reserve whether growing the file reserves its blocks (files on disk, not memory)
   * @param hugePageSize 0, or the size of the reserved huge pages the memory lives in ({@code
   *     MAP_HUGETLB}, a memory file made with {@code MFD_HUGETLB}, a file of {@code hugetlbfs}):
   *     each mapping is then made and unmapped in whole huge pages, as the kernel requires, and the
   *     map cannot be resized
   */
  FdBacking(
      NativeOs os,
      int fd,
      boolean fileSized,
      boolean reserve,
      int prot,
      int flags,
      long offset,
      String what,
      long hugePageSize) {
    this.os = os;
    this.fd = fd;
    this.fileSized = fileSized;
    this.reserve = reserve;
    this.prot = prot;
    this.flags = flags;
    this.offset = offset;
    this.description = what;
    this.hugePageSize = hugePageSize;
  }

  @Override
  public MemorySegment map(long length, Arena arena) throws IOException {
    long address;
    try {
      address = os.mmap(mapped(length), prot, flags, fd, offset);
    } catch (SystemCallException e) {
      throw Errno.about(e, description);
    }
    return os.segment(address, length, arena);
  }

  /** {@return {@code length} rounded up to whole huge pages}, or itself in ordinary pages */
  private long mapped(long length) {
    return hugePageSize == 0 ? length : HugePages.roundUp(length, hugePageSize);
  }

  @Override
  public void unmap(MemorySegment segment) {
    os.munmap(segment.address(), mapped(segment.byteSize()));
  }

  @Override
  public void unmapUnreachable(long address, long length) {
    os.munmap(address, mapped(length));
  }

  @Override
  public void advise(MemorySegment segment, long offset, long length, int advice)
      throws IOException {
    if (hugePageSize != 0
        && (advice == Mman.MADV_DONTNEED
            || advice == Mman.MADV_FREE
            || advice == Mman.MADV_REMOVE)) {
      // they give the pages, and their reservation, back to the pool: a later access could find it
      // empty, and fault (in an atomic update, fatally)
      throw new UnsupportedOperationException(
          "madvise option not supported on reserved huge pages: option="
              + advice
              + ": MADV_DONTNEED, MADV_FREE and MADV_REMOVE would give the pages back to the pool,"
              + " where another map could take them before this one is used again: "
              + description);
    }
    Backing.super.advise(segment, offset, length, advice);
  }

  @Override
  public boolean shortageCurable() {
    return hugePageSize == 0; // ENOMEM from reserved huge pages says the pool is short
  }

  @Override
  public void checkResizable() {
    if (hugePageSize != 0) {
      throw new UnsupportedOperationException(
          "a map in reserved huge pages cannot be resized: " + description);
    }
  }

  @Override
  public NativeOs os() {
    return os;
  }

  @Override
  public boolean remapsInPlace() {
    return true;
  }

  @Override
  public MemorySegment remap(MemorySegment old, long newLength, Arena arena) throws IOException {
    if (!os.supportsRemap()) {
      throw new UnsupportedOperationException("resize needs mremap(2), which this OS lacks");
    }
    long address;
    try {
      address = os.mremap(old.address(), old.byteSize(), newLength);
    } catch (SystemCallException e) {
      if (e.errno() != Errno.EFAULT) {
        throw Errno.about(e, description);
      }
      // advice on part of the range (MADV_RANDOM, MADV_DONTFORK, ...) split the kernel's
      // mapping, and mremap moves only whole ones; whether the pieces merge again when the advice
      // is evened out depends on the kernel's bookkeeping of their pages, not on the calls made
      if (fd >= 0 && (flags & MAP_TYPE) == MAP_SHARED) {
        // a shared mapping of a file loses nothing when it is made anew over the same file
        try {
          address = os.mmap(newLength, prot, flags, fd, offset);
        } catch (SystemCallException again) {
          throw Errno.about(again, description);
        }
        os.munmap(old.address(), old.byteSize());
      } else if (fd < 0 && (flags & MAP_TYPE) == MAP_PRIVATE) {
        // private anonymous memory is nothing but its bytes: copy them into a new mapping
        try {
          address = os.mmap(newLength, prot, flags, fd, offset);
        } catch (SystemCallException again) {
          throw Errno.about(again, description);
        }
        // with the rest of the old last page, which mremap would have kept too
        long page = os.pageSize();
        long carried = Math.min(pages(old.byteSize(), page), pages(newLength, page));
        MemorySegment to = os.segment(address, carried, arena);
        MemorySegment from = os.segment(old.address(), carried, arena);
        MemorySegment.copy(from, 0, to, 0, carried);
        os.munmap(old.address(), old.byteSize());
        return os.segment(address, newLength, arena);
      } else {
        // a private file map's own copies of pages cannot be carried over faithfully
        throw Errno.about(e, description);
      }
    }
    return os.segment(address, newLength, arena);
  }

  /** {@return the length of the whole pages that {@code length} bytes of a mapping lie in} */
  private static long pages(long length, long page) {
    return length > Long.MAX_VALUE - page ? length : (length + page - 1) / page * page;
  }

  @Override
  public MemorySegment rewrap(MemorySegment old, Arena arena) {
    return os.segment(old.address(), old.byteSize(), arena);
  }

  @Override
  public boolean hasFile() {
    return fileSized;
  }

  @Override
  public long fileSize() throws IOException {
    return os.fstat(fd).size();
  }

  @Override
  public void setFileSize(long size, long oldSize) throws IOException {
    os.ftruncate(fd, size);
    if (reserve && size > oldSize) {
      try {
        // reserve the new blocks now, so that a later write cannot fault for lack of space
        if (!os.allocate(fd, oldSize, size - oldSize)) {
          os.writeZeros(fd, oldSize, size - oldSize);
        }
      } catch (IOException e) {
        try {
          os.ftruncate(fd, oldSize);
        } catch (IOException restore) {
          e.addSuppressed(restore);
        }
        throw e;
      }
    }
  }

  @Override
  public void sync(MemorySegment segment, long from, long length) throws IOException {
    os.msync(segment.address() + from, length, MS_SYNC);
  }

  @Override
  public void syncAsync(MemorySegment segment, long from, long length) throws IOException {
    os.msync(segment.address() + from, length, Mman.MS_ASYNC);
  }

  /** {@return the descriptor, or -1 once closed or for private anonymous memory} */
  int fd() {
    return fd;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() throws IOException {
    if (fd >= 0) {
      int f = fd;
      fd = -1;
      os.close(f);
    }
  }
}
