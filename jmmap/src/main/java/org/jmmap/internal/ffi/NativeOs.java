package org.jmmap.internal.ffi;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The seam between jmmap and the operating system: every system call jmmap makes goes through one
 * implementation of this interface. Only mapping management goes through here; no method ever reads
 * or writes the bytes of a file-backed mapping, so a fault on a truncated file can only happen in
 * Java code, where the JVM turns it into an exception instead of dying.
 *
 * <p>Addresses are plain {@code long}s. Every failing call throws an {@link IOException} whose
 * message names the call, its arguments and the errno text.
 */
public interface NativeOs {

  /** {@return the implementation for this platform} */
  static NativeOs current() {
    return LinuxLayer.INSTANCE;
  }

  /** {@return null when every call here can be made, or why the OS layer is unavailable} */
  String unavailableReason();

  /** {@return the size of a page, in bytes} */
  long pageSize();

  /** {@return whether {@link #mremap} is available} */
  boolean supportsRemap();

  /** {@return whether {@link #memfdCreate} is available} */
  boolean supportsMemfd();

  /**
   * Opens a file ({@code O_CLOEXEC | O_NONBLOCK} always, so that a FIFO cannot block).
   *
   * @param path the file's name as the kernel sees it, without a terminating NUL
   * @param shown the name for messages
   * @param writable {@code O_RDWR} when true, otherwise {@code O_RDONLY}
   * @param followLinks false adds {@code O_NOFOLLOW}: a symbolic link is refused with {@code ELOOP}
   * @return the new file descriptor
   * @throws IOException if {@code open(2)} fails ({@code NoSuchFileException}, {@code
   *     AccessDeniedException} where they fit, otherwise {@link org.jmmap.SystemCallException})
   */
  int open(byte[] path, String shown, boolean writable, boolean followLinks) throws IOException;

  /**
   * Creates a file that must not exist yet ({@code O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
   * O_CLOEXEC}): an existing entry, a symbolic link included, is {@code EEXIST}.
   *
   * @param path the file's name as the kernel sees it, without a terminating NUL
   * @param shown the name for messages
   * @param mode the permission bits, e.g. {@code 0600} (the process's umask applies)
   * @return the new file descriptor
   * @throws IOException if {@code open(2)} fails ({@code FileAlreadyExistsException} if the file
   *     exists)
   */
  int create(byte[] path, String shown, int mode) throws IOException;

  /**
   * Creates a file that has no name yet in a directory ({@code O_RDWR | O_TMPFILE | O_CLOEXEC}),
   * for {@link #linkUnnamed} to name once it is ready: until then no other process can find it, and
   * if this process dies first the file is gone with it.
   *
   * @param directory the directory's name as the kernel sees it, without a terminating NUL
   * @param shown the directory's name for messages
   * @param mode the permission bits, e.g. {@code 0600} (the process's umask applies)
   * @return the new file descriptor, or -1 when the kernel or the file system cannot make files
   *     without a name ({@code EOPNOTSUPP}, {@code EISDIR}, {@code EINVAL})
   * @throws IOException if {@code open(2)} fails for any other reason
   */
  int createUnnamed(byte[] directory, String shown, int mode) throws IOException;

  /**
   * Gives a file made by {@link #createUnnamed} its name ({@code linkat(2)} of {@code
   * /proc/self/fd/<fd>} with {@code AT_SYMLINK_FOLLOW}, which needs no privilege). Nothing is ever
   * replaced: an existing entry, a symbolic link included, is {@code EEXIST}, and a link is never
   * followed.
   *
   * @param fd the descriptor {@link #createUnnamed} returned
   * @param path the new name as the kernel sees it, without a terminating NUL
   * @param shown the name for messages
   * @return false when the descriptor cannot be named this way ({@code ENOENT}: no {@code /proc})
   * @throws IOException if {@code linkat(2)} fails for any other reason ({@code
   *     FileAlreadyExistsException} if the name is taken)
   */
  boolean linkUnnamed(int fd, byte[] path, String shown) throws IOException;

  /**
   * Gives a file a second name ({@code link(2)}). Nothing is ever replaced: an existing entry, a
   * symbolic link included, is {@code EEXIST}, and a link is never followed.
   *
   * @param existing the file's name as the kernel sees it, without a terminating NUL
   * @param shownExisting that name for messages
   * @param path the new name as the kernel sees it, without a terminating NUL
   * @param shown the new name for messages
   * @throws IOException if {@code link(2)} fails ({@code FileAlreadyExistsException} if the name is
   *     taken)
   */
  void link(byte[] existing, String shownExisting, byte[] path, String shown) throws IOException;

  /**
   * Closes a file descriptor.
   *
   * @param fd the descriptor
   * @throws IOException if {@code close(2)} fails
   */
  void close(int fd) throws IOException;

  /**
   * Reads a file's type and size.
   *
   * @param fd the descriptor
   * @return the status
   * @throws IOException if {@code fstat(2)} fails
   */
  FileStat fstat(int fd) throws IOException;

  /**
   * {@return the size of the huge pages a file of {@code hugetlbfs} is made of, or 0 for a file of
   * any other file system} ({@code fstatfs(2)}). Such a file is mapped and unmapped in whole huge
   * pages: {@code munmap(2)} of a length that is not refuses with {@code EINVAL}.
   *
   * @param fd the descriptor
   * @throws IOException if {@code fstatfs(2)} fails
   */
  long hugePageSize(int fd) throws IOException;

  /**
   * Sets a file's size.
   *
   * @param fd the descriptor
   * @param size the new size
   * @throws IOException if {@code ftruncate(2)} fails
   */
  void ftruncate(int fd, long size) throws IOException;

  /**
   * Reserves disk blocks for a byte range, so that later writes through a mapping cannot fail for
   * lack of space.
   *
   * @param fd the descriptor
   * @param offset the first byte
   * @param length how many bytes
   * @return false when the file system cannot reserve blocks (the caller goes on without)
   * @throws IOException if the reservation fails for any other reason, e.g. {@code ENOSPC}
   */
  boolean allocate(int fd, long offset, long length) throws IOException;

  /**
   * Writes zeros over a byte range with {@code pwrite(2)}, from a buffer of jmmap's own, so that
   * the file system allocates the blocks where {@link #allocate} cannot.
   *
   * @param fd the descriptor
   * @param offset the first byte
   * @param length how many bytes
   * @throws IOException if a write fails, e.g. {@code ENOSPC}
   */
  void writeZeros(int fd, long offset, long length) throws IOException;

  /**
   * Creates an anonymous memory file ({@code memfd_create(2)}, close-on-exec).
   *
   * @param name the name shown in {@code /proc/<pid>/fd}
   * @param hugeTlb whether the file lives in reserved huge pages of the default size ({@code
   *     MFD_HUGETLB}): its size and mappings are then whole huge pages
   * @return the new descriptor
   * @throws IOException if the call fails
   */
  int memfdCreate(String name, boolean hugeTlb) throws IOException;

  /**
   * Maps memory ({@code mmap(2)} with a null address hint; {@code MAP_FIXED} is never passed).
   *
   * @param length bytes
   * @param prot {@code PROT_*} bits
   * @param flags {@code MAP_*} bits
   * @param fd a descriptor, or -1 for anonymous memory
   * @param offset the file offset
   * @return the address of the mapping
   * @throws IOException if the call fails
   */
  long mmap(long length, int prot, int flags, int fd, long offset) throws IOException;

  /**
   * Unmaps memory. Failures are impossible for ranges that {@link #mmap} returned and are ignored.
   *
   * @param address the address
   * @param length bytes
   */
  void munmap(long address, long length);

  /**
   * Resizes a mapping, possibly moving it ({@code mremap(2)} with {@code MREMAP_MAYMOVE}).
   *
   * @param address the old address
   * @param oldLength the old length
   * @param newLength the new length
   * @return the new address; the old range is no longer mapped
   * @throws IOException if the call fails, in which case the old mapping is unchanged
   */
  long mremap(long address, long oldLength, long newLength) throws IOException;

  /**
   * Writes dirty pages back to the file ({@code msync(2)}).
   *
   * @param address a page-aligned address inside a mapping
   * @param length bytes
   * @param flags {@code MS_*} bits
   * @throws IOException if the call fails
   */
  void msync(long address, long length, int flags) throws IOException;

  /**
   * Gives the kernel advice about a range ({@code madvise(2)}).
   *
   * @param address a page-aligned address inside a mapping
   * @param length bytes
   * @param advice an {@code MADV_*} value
   * @throws IOException if the call fails
   */
  void madvise(long address, long length, int advice) throws IOException;

  /**
   * Counts the pages of a range that are in memory ({@code mincore(2)}). Only the kernel's page
   * tables are read: the bytes of the range are never touched.
   *
   * @param address a page-aligned address inside a mapping
   * @param length bytes
   * @return how many of the range's pages are resident
   * @throws IOException if the call fails
   */
  long mincore(long address, long length) throws IOException;

  /**
   * Locks the pages of a range in memory ({@code mlock(2)}), faulting them in.
   *
   * @param address an address inside a mapping
   * @param length bytes
   * @throws IOException if the call fails: {@code ENOMEM}, {@code EPERM} or {@code EAGAIN} when
   *     {@code RLIMIT_MEMLOCK} does not allow it
   */
  void mlock(long address, long length) throws IOException;

  /**
   * Unlocks the pages of a range ({@code munlock(2)}); unlocked pages stay as they are.
   *
   * @param address an address inside a mapping
   * @param length bytes
   * @throws IOException if the call fails
   */
  void munlock(long address, long length) throws IOException;

  /**
   * Makes a segment over memory that {@link #mmap} returned. The segment is valid until {@code
   * arena} is closed; unmapping stays the caller's job, after the arena is closed, so that no
   * thread can still be reading the range when it goes away.
   *
   * @param address the mapping's address
   * @param length its length
   * @param arena the arena that bounds the segment's lifetime
   * @return the segment
   */
  MemorySegment segment(long address, long length, Arena arena);

  /**
   * A file's identity, type and size.
   *
   * @param size {@code st_size}
   * @param regular whether the file is a regular file
   * @param directory whether the file is a directory
   * @param device {@code st_dev}
   * @param inode {@code st_ino}
   * @param blockSize {@code st_blksize}, the huge page size for a file of {@code hugetlbfs}
   */
  record FileStat(
      long size, boolean regular, boolean directory, long device, long inode, long blockSize) {}
}
