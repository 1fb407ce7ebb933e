package org.jmmap.internal.ffi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import org.jmmap.SystemCallException;

/** {@link NativeOs} on Linux (glibc or musl), x86_64 and aarch64, through the FFM linker. */
@SuppressWarnings("restricted") // this package is the one place allowed to make restricted calls
final class LinuxNativeOs implements NativeOs {

  // <fcntl.h>, identical on x86_64 and aarch64 but for O_NOFOLLOW
  private static final boolean AARCH64_ARCH = "aarch64".equals(System.getProperty("os.arch"));
  private static final int O_RDONLY = 0;
  private static final int O_RDWR = 2;
  private static final int O_CLOEXEC = 0x80000;
  private static final int O_NONBLOCK = 0x800; // so that opening a FIFO cannot block
  private static final int O_CREAT = 0x40;
  private static final int O_EXCL = 0x80;
  private static final int O_NOFOLLOW = AARCH64_ARCH ? 0x8000 : 0x20000;
  // __O_TMPFILE | O_DIRECTORY: a kernel without O_TMPFILE sees O_DIRECTORY and fails with EISDIR
  private static final int O_TMPFILE = 0x400000 | (AARCH64_ARCH ? 0x4000 : 0x10000);
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_FOLLOW = 0x400;
  // <unistd.h>
  private static final int SC_PAGESIZE = 30;
  // <sys/mman.h>
  private static final int MREMAP_MAYMOVE = 1;
  private static final int MFD_CLOEXEC = 1;
  private static final int MFD_HUGETLB = 4;
  // <sys/stat.h>
  private static final int S_IFMT = 0xF000;
  private static final int S_IFREG = 0x8000;
  private static final int S_IFDIR = 0x4000;
  // <errno.h>
  private static final int ENOENT = 2;
  private static final int EINTR = 4;
  private static final int EISDIR = 21;
  private static final int EINVAL = 22;
  private static final int EOPNOTSUPP = 95;
  private static final int ENOSYS = 38;
  // struct stat: st_mode and st_size offsets differ between the two 64-bit ABIs
  private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
  private static final long ST_MODE_OFFSET = AARCH64 ? 16 : 24;
  private static final long ST_SIZE_OFFSET = 48;
  private static final long ST_DEV_OFFSET = 0;
  private static final long ST_INO_OFFSET = 8;
  // st_blksize: a long on x86_64, an int then padding on aarch64; either way an int here suffices
  private static final long ST_BLKSIZE_OFFSET = 56;
  private static final long STAT_SIZE = 256; // larger than either ABI's struct stat
  // struct statfs on 64-bit Linux: f_type, then f_bsize, each a long (120 bytes in all)
  private static final long F_TYPE_OFFSET = 0;
  private static final long F_BSIZE_OFFSET = 8;
  private static final long HUGETLBFS_MAGIC = 0x958458f6L; // <linux/magic.h>

  // pages asked of mincore(2) at a time
  private static final long MINCORE_CHUNK = 1 << 16;

  private static final String LIBC = "libc.so.6"; // glibc's soname on every Linux it supports

  /**
   * The C library functions jmmap calls, each bound to a downcall handle the first time it is used:
   * binding one costs milliseconds in a fresh JVM (the linker generates and loads classes for it),
   * and a short program that maps a file and reads it needs only a few of them.
   */
  private enum Fn {
    OPEN("open", 2),
    CLOSE("close", -1),
    FSTAT("fstat", -1),
    FSTATFS("fstatfs", -1),
    FTRUNCATE("ftruncate", -1),
    FALLOCATE("fallocate", -1),
    MEMFD_CREATE("memfd_create", -1),
    MMAP("mmap", -1),
    MUNMAP("munmap", -1),
    MREMAP("mremap", -1),
    MSYNC("msync", -1),
    MADVISE("madvise", -1),
    MINCORE("mincore", -1),
    MLOCK("mlock", -1),
    MUNLOCK("munlock", -1),
    LINKAT("linkat", -1),
    PWRITE("pwrite", -1),
    // neither of these two sets an errno jmmap reports: bound without the capture
    STRERROR("strerror", -1),
    SYSCONF("sysconf", -1);

    final String symbol;
    final int firstVariadic; // -1 if the function is not variadic

    Fn(String symbol, int firstVariadic) {
      this.symbol = symbol;
      this.firstVariadic = firstVariadic;
    }

    /**
     * {@return the function's C signature}, made when it is bound: making a descriptor loads and
     * links the JDK's layout classes, which a JVM that never binds should not pay for
     */
    FunctionDescriptor descriptor() {
      return switch (this) {
        case OPEN -> FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        case CLOSE -> FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        case FSTAT, FSTATFS -> FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
        case FTRUNCATE -> FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG);
        case FALLOCATE -> FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG);
        case MEMFD_CREATE -> FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
        case MMAP ->
            FunctionDescriptor.of(
                JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
        case MUNMAP, MLOCK, MUNLOCK -> FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG);
        case MINCORE -> FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS);
        case MREMAP -> FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT);
        case MSYNC, MADVISE -> FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT);
        case LINKAT ->
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT);
        case PWRITE -> FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG);
        case STRERROR -> FunctionDescriptor.of(ADDRESS, JAVA_INT);
        case SYSCONF -> FunctionDescriptor.of(JAVA_LONG, JAVA_INT);
      };
    }

    boolean capturesErrno() {
      return this != STRERROR && this != SYSCONF;
    }
  }

  /** What every binding needs, made once on the first binding. */
  private record Core(Linker linker, SymbolLookup libc, StructLayout capture, VarHandle errno) {}

  private static final Fn[] FNS = Fn.values();

  // after every other static field, which the constructor reads
  static final LinuxNativeOs INSTANCE = new LinuxNativeOs();

  // written under this lock, read without it: the volatile read publishes a handle whole
  private final AtomicReferenceArray<MethodHandle> bound = new AtomicReferenceArray<>(FNS.length);
  private final boolean[] missing = new boolean[FNS.length]; // guarded by this
  private volatile Core core;
  private volatile SymbolLookup libcByName;
  private volatile String unavailable;
  private final long pageSize;

  private LinuxNativeOs() {
    // load what a failure needs now: when descriptors run out, loading a class from a directory
    // on the class path fails too, and the failure must reach Reclaim intact
    Errno.name(Errno.EMFILE); // a named errno: the fallback's string concatenation links slowly
    Errno.isResourceShortage(Errno.about(new SystemCallException(null, "", 0), "").errno());
    long page = LinuxLayer.auxvPageSize();
    if (page <= 0) {
      page = 4096;
      try {
        MethodHandle sysconf = handle(Fn.SYSCONF);
        page = (long) sysconf.invokeExact(SC_PAGESIZE);
      } catch (Throwable t) {
        // the layer is unavailable and says why on its first call; the usual page size will do
      }
    }
    pageSize = page;
  }

  /**
   * {@return the downcall handle of {@code f}}, bound now if it is the first use
   *
   * @throws UnsupportedOperationException if the OS layer cannot be set up (native access is not
   *     enabled, for example) or a required function is missing
   */
  private MethodHandle handle(Fn f) {
    MethodHandle h = bound.get(f.ordinal());
    return h != null ? h : bind(f);
  }

  /** {@return the handle of an optional function}, or null when the C library lacks it */
  private MethodHandle optional(Fn f) {
    MethodHandle h = bound.get(f.ordinal());
    if (h != null) {
      return h;
    }
    synchronized (this) {
      if (missing[f.ordinal()]) {
        return null;
      }
    }
    return bind(f);
  }

  private synchronized MethodHandle bind(Fn f) {
    MethodHandle h = bound.get(f.ordinal());
    if (h != null || missing[f.ordinal()]) {
      return h;
    }
    checkAvailable();
    Core c = core();
    Optional<MemorySegment> symbol = c.libc().find(f.symbol);
    Optional<SymbolLookup> byName = Optional.empty();
    if (symbol.isEmpty()) {
      // The JDK's default lookup comes from a library it loads on first use; when that happened
      // while every descriptor was taken, it stays empty for the JVM's life. The C library itself
      // is loaded already, so naming it costs no descriptor.
      byName = libcByName();
      symbol = byName.flatMap(l -> l.find(f.symbol));
    }
    if (symbol.isEmpty()) {
      boolean known = byName.isPresent(); // the C library was asked, not only the default lookup
      if (known && (f == Fn.FALLOCATE || f == Fn.MEMFD_CREATE || f == Fn.MREMAP)) {
        missing[f.ordinal()] = true;
        return null;
      }
      // not for good: the next call asks again
      throw new UnsupportedOperationException(
          "the OS layer could not be set up: "
              + (known
                  ? "no " + f.symbol + " in the C library"
                  : "the C library's functions could not be looked up (no file descriptor free?)"
                      + " to find "
                      + f.symbol));
    }
    Linker.Option[] options =
        !f.capturesErrno()
            ? new Linker.Option[0]
            : f.firstVariadic < 0
                ? new Linker.Option[] {Linker.Option.captureCallState("errno")}
                : new Linker.Option[] {
                  Linker.Option.captureCallState("errno"),
                  Linker.Option.firstVariadicArg(f.firstVariadic)
                };
    try {
      h = c.linker().downcallHandle(symbol.get(), f.descriptor(), options);
    } catch (IllegalCallerException e) {
      // for good: native access is decided when the JVM starts; any other failure (no memory
      // for the stub, say) is thrown as it is and the next call tries again
      unavailable =
          "native access is not enabled for jmmap: run java with"
              + " --enable-native-access=org.jmmap (module path) or"
              + " --enable-native-access=ALL-UNNAMED (class path) ("
              + e.getMessage()
              + ")";
      throw new UnsupportedOperationException(unavailable, e);
    }
    bound.set(f.ordinal(), h);
    return h;
  }

  /** {@return the C library looked up by its name}, or empty when it cannot be loaded now */
  private Optional<SymbolLookup> libcByName() {
    SymbolLookup l = libcByName;
    if (l == null) {
      try {
        l = SymbolLookup.libraryLookup(LIBC, Arena.global());
      } catch (IllegalArgumentException e) {
        return Optional.empty(); // not remembered: a later call tries again
      }
      libcByName = l;
    }
    return Optional.of(l);
  }

  private Core core() {
    Core c = core;
    if (c == null) {
      Linker linker = Linker.nativeLinker();
      StructLayout layout = Linker.Option.captureStateLayout();
      c =
          new Core(
              linker,
              linker.defaultLookup(),
              layout,
              layout.varHandle(MemoryLayout.PathElement.groupElement("errno")));
      core = c;
    }
    return c;
  }

  @Override
  public String unavailableReason() {
    if (unavailable == null) {
      try {
        handle(Fn.CLOSE);
      } catch (UnsupportedOperationException e) {
        // unavailable now says why
      }
    }
    return unavailable;
  }

  @Override
  public long pageSize() {
    return pageSize;
  }

  @Override
  public boolean supportsRemap() {
    return available() && optional(Fn.MREMAP) != null;
  }

  @Override
  public boolean supportsMemfd() {
    return available() && optional(Fn.MEMFD_CREATE) != null;
  }

  private boolean available() {
    try {
      handle(Fn.CLOSE);
      return true;
    } catch (UnsupportedOperationException e) {
      return false;
    }
  }

  private void checkAvailable() {
    String reason = unavailable;
    if (reason != null) {
      throw new UnsupportedOperationException(reason);
    }
  }

  /** One call into the C library, given the arena for its arguments and the errno capture. */
  @FunctionalInterface
  private interface Downcall {
    long invoke(Arena arena, MemorySegment state) throws Throwable;
  }

  /**
   * Makes a call that returns -1 and sets errno on failure, retrying on {@code EINTR}.
   *
   * @param path the file the call is about, for {@code NoSuchFileException} and its kind, or null
   * @param what describes the call and its arguments; asked only on failure
   */
  private long syscall(String path, Supplier<String> what, Downcall call) throws IOException {
    checkAvailable();
    try (Arena a = Arena.ofConfined()) {
      MemorySegment state = a.allocate(core().capture());
      long r;
      do {
        r = call.invoke(a, state);
      } while (r == -1 && errno(state) == EINTR);
      if (r == -1) {
        throw failure(path, what.get(), errno(state));
      }
      return r;
    } catch (IOException | RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new AssertionError(t);
    }
  }

  @Override
  public int open(byte[] path, String shown, boolean writable, boolean followLinks)
      throws IOException {
    int flags =
        (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK | (followLinks ? 0 : O_NOFOLLOW);
    return (int)
        syscall(
            shown,
            () ->
                "open("
                    + shown
                    + ", "
                    + (writable ? "O_RDWR" : "O_RDONLY")
                    + (followLinks ? "" : "|O_NOFOLLOW")
                    + ")",
            (a, state) -> (int) handle(Fn.OPEN).invokeExact(state, cString(a, path), flags, 0));
  }

  @Override
  public int create(byte[] path, String shown, int mode) throws IOException {
    int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    return (int)
        syscall(
            shown,
            () ->
                String.format(
                    Locale.ROOT, "open(%s, O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW, 0%o)", shown, mode),
            (a, state) -> (int) handle(Fn.OPEN).invokeExact(state, cString(a, path), flags, mode));
  }

  @Override
  public int createUnnamed(byte[] directory, String shown, int mode) throws IOException {
    int flags = O_RDWR | O_TMPFILE | O_CLOEXEC;
    int unsupported = -2;
    int fd =
        (int)
            syscall(
                shown,
                () -> String.format(Locale.ROOT, "open(%s, O_RDWR|O_TMPFILE, 0%o)", shown, mode),
                (a, state) -> {
                  int r =
                      (int) handle(Fn.OPEN).invokeExact(state, cString(a, directory), flags, mode);
                  int e = r < 0 ? errno(state) : 0;
                  return e == EOPNOTSUPP || e == EISDIR || e == EINVAL ? unsupported : r;
                });
    return fd == unsupported ? -1 : fd;
  }

  @Override
  public boolean linkUnnamed(int fd, byte[] path, String shown) throws IOException {
    byte[] magic = ("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII);
    int noProc = -2;
    long r =
        syscall(
            shown,
            () -> "linkat(/proc/self/fd/" + fd + ", " + shown + ", AT_SYMLINK_FOLLOW)",
            (a, state) -> {
              int x =
                  (int)
                      handle(Fn.LINKAT)
                          .invokeExact(
                              state,
                              AT_FDCWD,
                              cString(a, magic),
                              AT_FDCWD,
                              cString(a, path),
                              AT_SYMLINK_FOLLOW);
              return x < 0 && errno(state) == ENOENT ? noProc : x;
            });
    return r != noProc;
  }

  @Override
  public void link(byte[] existing, String shownExisting, byte[] path, String shown)
      throws IOException {
    syscall(
        shown,
        () -> "link(" + shownExisting + ", " + shown + ")",
        (a, state) ->
            (int)
                handle(Fn.LINKAT)
                    .invokeExact(
                        state, AT_FDCWD, cString(a, existing), AT_FDCWD, cString(a, path), 0));
  }

  /** {@return a NUL-terminated copy of {@code path}} @throws IllegalArgumentException on a NUL */
  private static MemorySegment cString(Arena a, byte[] path) {
    for (byte b : path) {
      if (b == 0) {
        throw new IllegalArgumentException("a file name cannot contain a NUL byte");
      }
    }
    MemorySegment s = a.allocate(path.length + 1L);
    MemorySegment.copy(path, 0, s, ValueLayout.JAVA_BYTE, 0, path.length);
    return s;
  }

  @Override
  public void close(int fd) throws IOException {
    syscall(
        null,
        () -> "close(" + fd + ")",
        (a, state) -> {
          int r = (int) handle(Fn.CLOSE).invokeExact(state, fd);
          // close(2) must not be retried on Linux: after EINTR the descriptor is gone anyway
          return r < 0 && errno(state) == EINTR ? 0 : r;
        });
  }

  @Override
  public FileStat fstat(int fd) throws IOException {
    long[] modeAndSize = new long[5];
    syscall(
        null,
        () -> "fstat(" + fd + ")",
        (a, state) -> {
          MemorySegment buf = a.allocate(STAT_SIZE, 8);
          int r = (int) handle(Fn.FSTAT).invokeExact(state, fd, buf);
          modeAndSize[0] = buf.get(JAVA_INT, ST_MODE_OFFSET);
          modeAndSize[1] = buf.get(JAVA_LONG, ST_SIZE_OFFSET);
          modeAndSize[2] = buf.get(JAVA_LONG, ST_DEV_OFFSET);
          modeAndSize[3] = buf.get(JAVA_LONG, ST_INO_OFFSET);
          modeAndSize[4] = buf.get(JAVA_INT, ST_BLKSIZE_OFFSET);
          return r;
        });
    return new FileStat(
        modeAndSize[1],
        (modeAndSize[0] & S_IFMT) == S_IFREG,
        (modeAndSize[0] & S_IFMT) == S_IFDIR,
        modeAndSize[2],
        modeAndSize[3],
        modeAndSize[4]);
  }

  @Override
  public long hugePageSize(int fd) throws IOException {
    long[] typeAndBlock = new long[2];
    syscall(
        null,
        () -> "fstatfs(" + fd + ")",
        (a, state) -> {
          MemorySegment buf = a.allocate(STAT_SIZE, 8);
          int r = (int) handle(Fn.FSTATFS).invokeExact(state, fd, buf);
          typeAndBlock[0] = buf.get(JAVA_LONG, F_TYPE_OFFSET);
          typeAndBlock[1] = buf.get(JAVA_LONG, F_BSIZE_OFFSET);
          return r;
        });
    long block = typeAndBlock[1];
    boolean huge = (typeAndBlock[0] & 0xFFFF_FFFFL) == HUGETLBFS_MAGIC;
    return huge && block > pageSize() && Long.bitCount(block) == 1 ? block : 0;
  }

  @Override
  public void ftruncate(int fd, long size) throws IOException {
    syscall(
        null,
        () -> "ftruncate(" + fd + ", " + size + ")",
        (a, state) -> (int) handle(Fn.FTRUNCATE).invokeExact(state, fd, size));
  }

  @Override
  public boolean allocate(int fd, long offset, long length) throws IOException {
    MethodHandle fallocate = optional(Fn.FALLOCATE);
    if (fallocate == null || length <= 0) {
      return fallocate != null;
    }
    long unsupported = -2;
    long r =
        syscall(
            null,
            () -> "fallocate(" + fd + ", 0, " + offset + ", " + length + ")",
            (a, state) -> {
              int x = (int) fallocate.invokeExact(state, fd, 0, offset, length);
              int e = x < 0 ? errno(state) : 0;
              return e == EOPNOTSUPP || e == ENOSYS ? unsupported : x;
            });
    return r != unsupported;
  }

  @Override
  public void writeZeros(int fd, long offset, long length) throws IOException {
    checkAvailable();
    int chunk = (int) Math.min(length, 1 << 20);
    try (Arena a = Arena.ofConfined()) {
      MemorySegment zeros = a.allocate(Math.max(chunk, 1)); // zero-filled by the arena
      long done = 0;
      while (done < length) {
        long at = offset + done;
        long n = Math.min(chunk, length - done);
        done +=
            syscall(
                null,
                () -> "pwrite(" + fd + ", " + n + " zero bytes, offset " + at + ")",
                (b, state) -> (long) handle(Fn.PWRITE).invokeExact(state, fd, zeros, n, at));
      }
    }
  }

  @Override
  public int memfdCreate(String name, boolean hugeTlb) throws IOException {
    if (optional(Fn.MEMFD_CREATE) == null) {
      throw new UnsupportedOperationException("memfd_create is not available in this C library");
    }
    int flags = MFD_CLOEXEC | (hugeTlb ? MFD_HUGETLB : 0);
    return (int)
        syscall(
            null,
            () ->
                "memfd_create("
                    + name
                    + (hugeTlb ? ", MFD_CLOEXEC|MFD_HUGETLB)" : ", MFD_CLOEXEC)"),
            (a, state) ->
                (int) handle(Fn.MEMFD_CREATE).invokeExact(state, a.allocateFrom(name), flags));
  }

  @Override
  public long mmap(long length, int prot, int flags, int fd, long offset) throws IOException {
    return syscall(
        null,
        () ->
            String.format(
                Locale.ROOT,
                "mmap(NULL, %d, prot=0x%x, flags=0x%x, fd=%d, offset=%d)",
                length,
                prot,
                flags,
                fd,
                offset),
        (a, state) ->
            (long) handle(Fn.MMAP).invokeExact(state, 0L, length, prot, flags, fd, offset));
  }

  @Override
  public void munmap(long address, long length) {
    try {
      syscall(
          null,
          () -> "munmap(" + length + " bytes)",
          (a, state) -> (int) handle(Fn.MUNMAP).invokeExact(state, address, length));
    } catch (IOException impossible) {
      // munmap only fails for ranges that mmap did not return
    }
  }

  @Override
  public long mremap(long address, long oldLength, long newLength) throws IOException {
    if (optional(Fn.MREMAP) == null) {
      throw new UnsupportedOperationException("mremap is not available in this C library");
    }
    return syscall(
        null,
        () ->
            String.format(
                Locale.ROOT, "mremap(%d bytes to %d bytes, MREMAP_MAYMOVE)", oldLength, newLength),
        (a, state) ->
            (long)
                handle(Fn.MREMAP)
                    .invokeExact(state, address, oldLength, newLength, MREMAP_MAYMOVE));
  }

  @Override
  public void msync(long address, long length, int flags) throws IOException {
    syscall(
        null,
        () -> String.format(Locale.ROOT, "msync(%d bytes, flags=%d)", length, flags),
        (a, state) -> (int) handle(Fn.MSYNC).invokeExact(state, address, length, flags));
  }

  @Override
  public void madvise(long address, long length, int advice) throws IOException {
    syscall(
        null,
        () -> String.format(Locale.ROOT, "madvise(%d bytes, advice=%d)", length, advice),
        (a, state) -> (int) handle(Fn.MADVISE).invokeExact(state, address, length, advice));
  }

  @Override
  public long mincore(long address, long length) throws IOException {
    checkAvailable();
    long page = pageSize;
    long pages = length / page + (length % page == 0 ? 0 : 1);
    // a bounded vector, reused for each chunk of the range: a map may have millions of pages
    long chunk = Math.min(pages, MINCORE_CHUNK);
    long resident = 0;
    try (Arena a = Arena.ofConfined()) {
      MemorySegment vec = a.allocate(Math.max(chunk, 1));
      for (long done = 0; done < pages; done += chunk) {
        long n = Math.min(chunk, pages - done);
        long at = address + done * page;
        long bytes = Math.min(n * page, length - done * page);
        syscall(
            null,
            () -> String.format(Locale.ROOT, "mincore(%d bytes)", bytes),
            (b, state) -> (int) handle(Fn.MINCORE).invokeExact(state, at, bytes, vec));
        for (long i = 0; i < n; i++) {
          resident += vec.get(ValueLayout.JAVA_BYTE, i) & 1;
        }
      }
    }
    return resident;
  }

  @Override
  public void mlock(long address, long length) throws IOException {
    syscall(
        null,
        () -> String.format(Locale.ROOT, "mlock(%d bytes)", length),
        (a, state) -> (int) handle(Fn.MLOCK).invokeExact(state, address, length));
  }

  @Override
  public void munlock(long address, long length) throws IOException {
    syscall(
        null,
        () -> String.format(Locale.ROOT, "munlock(%d bytes)", length),
        (a, state) -> (int) handle(Fn.MUNLOCK).invokeExact(state, address, length));
  }

  @Override
  public MemorySegment segment(long address, long length, Arena arena) {
    checkAvailable();
    return MemorySegment.ofAddress(address).reinterpret(length, arena, null);
  }

  private int errno(MemorySegment state) {
    return (int) core().errno().get(state, 0L);
  }

  private IOException failure(String path, String call, int errno) {
    return Errno.exception(path, call + " failed: " + describe(errno), errno);
  }

  /** {@return e.g. {@code "EINVAL (Invalid argument)"}} */
  private String describe(int errno) {
    String text;
    try {
      MemorySegment s = (MemorySegment) handle(Fn.STRERROR).invokeExact(errno);
      text = s.reinterpret(1024).getString(0);
    } catch (Throwable t) {
      text = "errno " + errno;
    }
    return Errno.name(errno) + " (" + text + ")";
  }
}
