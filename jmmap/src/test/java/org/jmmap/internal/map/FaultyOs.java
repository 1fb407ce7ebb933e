package org.jmmap.internal.map;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jmmap.SystemCallException;
import org.jmmap.internal.ffi.Errno;
import org.jmmap.internal.ffi.NativeOs;

/**
 * The real OS layer, with one system call made to fail on demand and a ledger of the descriptors
 * and mappings it handed out, so that a test can see what a failure left behind.
 *
 * <p>A failing call does nothing, as the kernel does for every errno injected here, except {@code
 * close}: Linux releases the descriptor even when {@code close(2)} reports an error, so the real
 * close runs first.
 */
public final class FaultyOs implements NativeOs {
  private final NativeOs real = NativeOs.current();
  private final Set<Integer> fds = new HashSet<>();
  private final Map<Long, Long> mappings = new HashMap<>();
  private final List<String> calls = new ArrayList<>();
  private int failAt = -1; // index into calls of the call to fail, or -1
  private int errno;
  private String failed; // the name of the call that was failed, or null
  private boolean noFallocate; // as on a file system that cannot reserve blocks
  private boolean noTmpfile; // as on a file system that cannot make files without a name

  /** Makes {@link #allocate} answer as on a file system without {@code fallocate(2)}. */
  public FaultyOs withoutFallocate() {
    noFallocate = true;
    return this;
  }

  /** Makes {@link #createUnnamed} answer as on a file system without {@code O_TMPFILE}. */
  FaultyOs withoutTmpfile() {
    noTmpfile = true;
    return this;
  }

  /** Makes the {@code n}-th system call from now (0-based) fail with {@code errno}. */
  public void failCall(int n, int errno) {
    calls.clear();
    this.failAt = n;
    this.errno = errno;
    this.failed = null;
  }

  /** Stops failing calls. */
  public void disarm() {
    failAt = -1;
  }

  /** {@return the names of the calls made since {@link #failCall}} */
  public List<String> calls() {
    return calls;
  }

  /** {@return the call that failed, or null if the armed one was never reached} */
  public String failed() {
    return failed;
  }

  Set<Integer> openDescriptors() {
    return Set.copyOf(fds);
  }

  Map<Long, Long> mappings() {
    return Map.copyOf(mappings);
  }

  private void enter(String name) throws SystemCallException {
    calls.add(name);
    if (calls.size() - 1 == failAt) {
      failed = name;
      throw new SystemCallException(null, name + " (injected) failed: " + Errno.name(errno), errno);
    }
  }

  @Override
  public String unavailableReason() {
    return real.unavailableReason();
  }

  @Override
  public long pageSize() {
    return real.pageSize();
  }

  @Override
  public boolean supportsRemap() {
    return real.supportsRemap();
  }

  @Override
  public boolean supportsMemfd() {
    return real.supportsMemfd();
  }

  @Override
  public int open(byte[] path, String shown, boolean writable, boolean followLinks)
      throws IOException {
    enter("open");
    int fd = real.open(path, shown, writable, followLinks);
    fds.add(fd);
    return fd;
  }

  @Override
  public int create(byte[] path, String shown, int mode) throws IOException {
    enter("create");
    int fd = real.create(path, shown, mode);
    fds.add(fd);
    return fd;
  }

  @Override
  public int createUnnamed(byte[] directory, String shown, int mode) throws IOException {
    if (noTmpfile) {
      return -1;
    }
    enter("createUnnamed");
    int fd = real.createUnnamed(directory, shown, mode);
    if (fd >= 0) {
      fds.add(fd);
    }
    return fd;
  }

  @Override
  public boolean linkUnnamed(int fd, byte[] path, String shown) throws IOException {
    enter("linkUnnamed");
    return real.linkUnnamed(fd, path, shown);
  }

  @Override
  public void link(byte[] existing, String shownExisting, byte[] path, String shown)
      throws IOException {
    enter("link");
    real.link(existing, shownExisting, path, shown);
  }

  @Override
  public void close(int fd) throws IOException {
    fds.remove(fd);
    real.close(fd);
    enter("close");
  }

  @Override
  public FileStat fstat(int fd) throws IOException {
    enter("fstat");
    return real.fstat(fd);
  }

  @Override
  public long hugePageSize(int fd) throws IOException {
    enter("fstatfs");
    return real.hugePageSize(fd);
  }

  @Override
  public void ftruncate(int fd, long size) throws IOException {
    enter("ftruncate");
    real.ftruncate(fd, size);
  }

  @Override
  public boolean allocate(int fd, long offset, long length) throws IOException {
    if (noFallocate) {
      return false;
    }
    enter("fallocate");
    return real.allocate(fd, offset, length);
  }

  @Override
  public void writeZeros(int fd, long offset, long length) throws IOException {
    enter("writeZeros");
    real.writeZeros(fd, offset, length);
  }

  @Override
  public int memfdCreate(String name, boolean hugeTlb) throws IOException {
    enter("memfd_create");
    int fd = real.memfdCreate(name, hugeTlb);
    fds.add(fd);
    return fd;
  }

  @Override
  public long mmap(long length, int prot, int flags, int fd, long offset) throws IOException {
    enter("mmap");
    long address = real.mmap(length, prot, flags, fd, offset);
    mappings.put(address, length);
    return address;
  }

  @Override
  public void munmap(long address, long length) {
    // munmap(2) cannot fail for a range mmap returned, and the seam ignores its errors: nothing
    // to inject, but the ledger must balance
    calls.add("munmap");
    mappings.remove(address);
    real.munmap(address, length);
  }

  @Override
  public long mremap(long address, long oldLength, long newLength) throws IOException {
    enter("mremap");
    long moved = real.mremap(address, oldLength, newLength);
    mappings.remove(address);
    mappings.put(moved, newLength);
    return moved;
  }

  @Override
  public void msync(long address, long length, int flags) throws IOException {
    enter("msync");
    real.msync(address, length, flags);
  }

  @Override
  public void madvise(long address, long length, int advice) throws IOException {
    enter("madvise");
    real.madvise(address, length, advice);
  }

  @Override
  public long mincore(long address, long length) throws IOException {
    enter("mincore");
    return real.mincore(address, length);
  }

  @Override
  public void mlock(long address, long length) throws IOException {
    enter("mlock");
    real.mlock(address, length);
  }

  @Override
  public void munlock(long address, long length) throws IOException {
    enter("munlock");
    real.munlock(address, length);
  }

  @Override
  public MemorySegment segment(long address, long length, Arena arena) {
    return real.segment(address, length, arena);
  }
}
