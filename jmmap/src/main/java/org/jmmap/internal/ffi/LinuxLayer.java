package org.jmmap.internal.ffi;

import java.io.FileInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Linux layer as {@link NativeOs#current()} hands it out: it knows the page size from the
 * auxiliary vector the kernel gave the process, and sets {@link LinuxNativeOs} up (its class, then
 * each C function's binding) only when a call needs it. A program that maps files only to read them
 * makes no call (the maps are made through the JDK), and linking the layer's class, which names
 * much of the FFM API, is milliseconds that its first map would otherwise wait for.
 */
final class LinuxLayer implements NativeOs {
  static final LinuxLayer INSTANCE = new LinuxLayer();

  private static final int AT_PAGESZ = 6; // <elf.h>: the auxiliary vector's page size entry

  private final long pageSize; // -1 when the auxiliary vector could not be read

  private LinuxLayer() {
    pageSize = auxvPageSize();
  }

  /**
   * {@return the page size from the auxiliary vector the kernel gave the process, or -1}: reading
   * it costs no native binding
   */
  static long auxvPageSize() {
    // a FileInputStream reads into the array directly: Files.readAllBytes would set up the JDK's
    // direct buffers first, which nothing else a map of a file needs
    try (FileInputStream in = new FileInputStream("/proc/self/auxv")) {
      ByteBuffer auxv = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.nativeOrder());
      while (auxv.remaining() >= 16) {
        long type = auxv.getLong();
        long value = auxv.getLong();
        if (type == AT_PAGESZ) {
          return value > 0 && Long.bitCount(value) == 1 ? value : -1;
        }
        if (type == 0) {
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: the C library is asked instead
    }
    return -1;
  }

  private static NativeOs os() {
    return LinuxNativeOs.INSTANCE;
  }

  @Override
  public String unavailableReason() {
    return os().unavailableReason();
  }

  @Override
  public long pageSize() {
    return pageSize > 0 ? pageSize : os().pageSize();
  }

  @Override
  public boolean supportsRemap() {
    return os().supportsRemap();
  }

  @Override
  public boolean supportsMemfd() {
    return os().supportsMemfd();
  }

  @Override
  public int open(byte[] path, String shown, boolean writable, boolean followLinks)
      throws IOException {
    return os().open(path, shown, writable, followLinks);
  }

  @Override
  public int create(byte[] path, String shown, int mode) throws IOException {
    return os().create(path, shown, mode);
  }

  @Override
  public int createUnnamed(byte[] directory, String shown, int mode) throws IOException {
    return os().createUnnamed(directory, shown, mode);
  }

  @Override
  public boolean linkUnnamed(int fd, byte[] path, String shown) throws IOException {
    return os().linkUnnamed(fd, path, shown);
  }

  @Override
  public void link(byte[] existing, String shownExisting, byte[] path, String shown)
      throws IOException {
    os().link(existing, shownExisting, path, shown);
  }

  @Override
  public void close(int fd) throws IOException {
    os().close(fd);
  }

  @Override
  public long hugePageSize(int fd) throws IOException {
    return os().hugePageSize(fd);
  }

  @Override
  public FileStat fstat(int fd) throws IOException {
    return os().fstat(fd);
  }

  @Override
  public void ftruncate(int fd, long size) throws IOException {
    os().ftruncate(fd, size);
  }

  @Override
  public boolean allocate(int fd, long offset, long length) throws IOException {
    return os().allocate(fd, offset, length);
  }

  @Override
  public void writeZeros(int fd, long offset, long length) throws IOException {
    os().writeZeros(fd, offset, length);
  }

  @Override
  public int memfdCreate(String name, boolean hugeTlb) throws IOException {
    return os().memfdCreate(name, hugeTlb);
  }

  @Override
  public long mmap(long length, int prot, int flags, int fd, long offset) throws IOException {
    return os().mmap(length, prot, flags, fd, offset);
  }

  @Override
  public void munmap(long address, long length) {
    os().munmap(address, length);
  }

  @Override
  public long mremap(long address, long oldLength, long newLength) throws IOException {
    return os().mremap(address, oldLength, newLength);
  }

  @Override
  public void msync(long address, long length, int flags) throws IOException {
    os().msync(address, length, flags);
  }

  @Override
  public void madvise(long address, long length, int advice) throws IOException {
    os().madvise(address, length, advice);
  }

  @Override
  public long mincore(long address, long length) throws IOException {
    return os().mincore(address, length);
  }

  @Override
  public void mlock(long address, long length) throws IOException {
    os().mlock(address, length);
  }

  @Override
  public void munlock(long address, long length) throws IOException {
    os().munlock(address, length);
  }

  @Override
  public MemorySegment segment(long address, long length, Arena arena) {
    return os().segment(address, length, arena);
  }
}
