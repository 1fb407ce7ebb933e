package org.jmmap.internal.map;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jmmap.SystemCallException;
import org.jmmap.internal.ffi.Errno;
import org.jmmap.internal.ffi.NativeOs;

/**
 * What a mapping is made from: a file descriptor that jmmap owns (files opened by path, memory
 * files, private anonymous memory) or a {@link java.nio.channels.FileChannel} that the caller owns.
 * A backing makes and releases segments; {@link Region} decides when.
 */
interface Backing {

  /** {@return a segment over {@code length} bytes at this backing's offset, living in arena} */
  MemorySegment map(long length, Arena arena) throws IOException;

  /** Releases a mapping made here, once its arena is closed and no thread can reach it. */
  void unmap(MemorySegment segment);

  /**
   * {@return whether closing a generation's arena is all it takes to unmap it}: then an abandoned
   * generation is released by closing its arena, instead of by {@link #unmapUnreachable}
   */
  default boolean unmapsWithArena() {
    return false;
  }

  /**
   * {@return a segment over {@code newLength} bytes that replaces {@code old}, whose arena is still
   * open}: a new mapping of the same file, or for memory that is nothing but its bytes, a copy
   */
  default MemorySegment mapAnew(MemorySegment old, long newLength, Arena arena) throws IOException {
    return map(newLength, arena);
  }

  /** {@return which backing this is, for messages: {@code native} or {@code portable}} */
  default String kind() {
    return "native";
  }

  /**
   * Unmaps a range made here whose arena was never closed and became unreachable, with every
   * segment over it: nobody can touch it any more. The arena that would have unmapped it (for a
   * {@code FileChannel} mapping, the JDK's own cleanup) is gone unclosed, so this unmaps it.
   */
  default void unmapUnreachable(long address, long length) {
    os().munmap(address, length);
  }

  /** Calls {@code madvise(2)} on {@code [offset, offset + length)} of {@code segment}. */
  default void advise(MemorySegment segment, long offset, long length, int advice)
      throws IOException {
    os().madvise(segment.address() + offset, length, advice);
  }

  /**
   * Faults {@code [offset, offset + length)} of {@code segment} in with {@code MADV_POPULATE_READ}
   * or {@code MADV_POPULATE_WRITE}, which read no byte of it from Java or C.
   *
   * @return false if the kernel has no such advice (before Linux 5.14: {@code EINVAL}), for the
   *     caller to touch each page from Java instead
   * @throws SystemCallException with {@code EFAULT} or {@code EIO} if part of the range has no file
   *     behind it any more
   */
  default boolean populate(MemorySegment segment, long offset, long length, boolean write)
      throws IOException {
    NativeOs os = os();
    long page = os.pageSize();
    long start = (segment.address() + offset) & -page;
    long end = pageEnd(segment.address() + offset + length, page);
    try {
      os.madvise(start, end - start, write ? Mman.MADV_POPULATE_WRITE : Mman.MADV_POPULATE_READ);
      return true;
    } catch (SystemCallException e) {
      if (e.errno() == Errno.EINVAL) {
        return false;
      }
      throw e;
    }
  }

  /**
   * {@return how many of the pages that {@code [offset, offset + length)} of {@code segment} lies
   * in are in memory} ({@code mincore(2)})
   */
  default long residentPages(MemorySegment segment, long offset, long length) throws IOException {
    if (length == 0) {
      return 0;
    }
    NativeOs os = os();
    long page = os.pageSize();
    long start = (segment.address() + offset) & -page;
    long end = pageEnd(segment.address() + offset + length, page);
    return os.mincore(start, end - start);
  }

  /**
   * Locks ({@code mlock(2)}) or unlocks ({@code munlock(2)}) the pages of {@code [offset, offset +
   * length)} of {@code segment}.
   */
  default void lock(MemorySegment segment, long offset, long length, boolean lock)
      throws IOException {
    if (length == 0) {
      return; // the page an empty range starts in is not part of it
    }
    NativeOs os = os();
    long page = os.pageSize();
    long start = (segment.address() + offset) & -page;
    long end = pageEnd(segment.address() + offset + length, page);
    if (lock) {
      os.mlock(start, end - start);
    } else {
      os.munlock(start, end - start);
    }
  }

  /**
   * Starts the write-back of {@code [offset, offset + length)} of {@code segment} without waiting
   * for it ({@code msync(MS_ASYNC)}); a backing that cannot do so writes back synchronously.
   */
  default void syncAsync(MemorySegment segment, long offset, long length) throws IOException {
    sync(segment, offset, length);
  }

  /** {@return {@code address} rounded up to a multiple of {@code page}} */
  private static long pageEnd(long address, long page) {
    return (address + page - 1) & -page;
  }

  /** {@return the OS layer this backing calls} */
  NativeOs os();

  /** Closes {@code b}, ignoring a failure: another one is being reported. */
  static void closeQuietly(Backing b) {
    try {
      b.close();
    } catch (IOException | RuntimeException ignored) {
      // the mapping failed already; that failure is the one to report
    }
  }

  /**
   * {@return whether {@link #remap} moves the mapping itself}: if so the caller must close the old
   * segment's arena first (the old range disappears), otherwise it maps anew with {@link #map}.
   */
  boolean remapsInPlace();

  /**
   * Changes the length of a mapping whose arena is already closed. On failure the old mapping is
   * unchanged and still mapped.
   *
   * @return the new segment, living in {@code arena}
   */
  MemorySegment remap(MemorySegment old, long newLength, Arena arena) throws IOException;

  /** {@return a segment over an existing mapping, living in {@code arena}} */
  MemorySegment rewrap(MemorySegment old, Arena arena);

  /**
   * Refuses a resize that this backing cannot make without losing data.
   *
   * @throws UnsupportedOperationException if it cannot
   */
  default void checkResizable() {}

  /**
   * {@return whether a {@code map} that failed with {@code ENOMEM} may succeed once the collector
   * has released maps nobody closed ({@link Reclaim})}: false where {@code ENOMEM} means something
   * else, such as too few reserved huge pages
   */
  default boolean shortageCurable() {
    return true;
  }

  /** {@return whether there is a file (or memory file) whose size follows the mapping} */
  boolean hasFile();

  /** {@return the size of the file behind the mapping} */
  long fileSize() throws IOException;

  /** Sets the size of the file behind the mapping, reserving blocks when it grows. */
  void setFileSize(long size, long oldSize) throws IOException;

  /** Writes back {@code [offset, offset + length)} of {@code segment}, synchronously. */
  void sync(MemorySegment segment, long offset, long length) throws IOException;

  /** {@return a short description for messages, e.g. the path} */
  String describe();

  /** Releases the descriptor or the reference this backing holds. */
  void close() throws IOException;
}
