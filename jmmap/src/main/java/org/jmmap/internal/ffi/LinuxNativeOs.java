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
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;
import java.util.function.Supplier;

/** {@link NativeOs} on Linux (glibc or musl), x86_64 and aarch64, through the FFM linker. */
@SuppressWarnings("restricted") // this package is the one place allowed to make restricted calls
final class LinuxNativeOs implements NativeOs {

  static final LinuxNativeOs INSTANCE = new LinuxNativeOs();

  // <fcntl.h>, identical on x86_64 and aarch64 but for O_NOFOLLOW
  private static final boolean AARCH64_ARCH = "aarch64".equals(System.getProperty("os.arch"));
  private static final int O_RDONLY = 0;
  private static final int O_RDWR = 2;
  private static final int O_CLOEXEC = 0x80000;
  private static final int O_NONBLOCK = 0x800; // so that opening a FIFO cannot block
  private static final int O_CREAT = 0x40;
  private static final int O_EXCL = 0x80;
  private static final int O_NOFOLLOW = AARCH64_ARCH ? 0x8000 : 0x20000;
  // <unistd.h>
  private static final int SC_PAGESIZE = 30;
  // <sys/mman.h>
  private static final int MREMAP_MAYMOVE = 1;
  private static final int MFD_CLOEXEC = 1;
  // <sys/stat.h>
  private static final int S_IFMT = 0xF000;
  private static final int S_IFREG = 0x8000;
  // <errno.h>
  private static final int EINTR = 4;
  private static final int EOPNOTSUPP = 95;
  private static final int ENOSYS = 38;
  // struct stat: st_mode and st_size offsets differ between the two 64-bit ABIs
  private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));
  private static final long ST_MODE_OFFSET = AARCH64 ? 16 : 24;
  private static final long ST_SIZE_OFFSET = 48;
  private static final long ST_DEV_OFFSET = 0;
  private static final long ST_INO_OFFSET = 8;
  private static final long STAT_SIZE = 256; // larger than either ABI's struct stat

  private final String unavailable;
  private final StructLayout captureLayout;
  private final VarHandle errnoHandle;
  private final MethodHandle open;
  private final MethodHandle close;
  private final MethodHandle fstat;
  private final MethodHandle ftruncate;
  private final MethodHandle fallocate;
  private final MethodHandle memfd_create;
  private final MethodHandle mmap;
  private final MethodHandle munmap;
  private final MethodHandle mremap;
  private final MethodHandle msync;
  private final MethodHandle madvise;
  private final MethodHandle strerror;
  private final MethodHandle pwrite;
  private final long pageSize;

  private LinuxNativeOs() {
    String reason = null;
    StructLayout layout = null;
    VarHandle errno = null;
    MethodHandle[] h = new MethodHandle[13];
    MethodHandle pw = null;
    long page = 4096;
    try {
      Linker linker = Linker.nativeLinker();
      SymbolLookup libc = linker.defaultLookup();
      layout = Linker.Option.captureStateLayout();
      errno = layout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
      Linker.Option err = Linker.Option.captureCallState("errno");
      Binder b = new Binder(linker, libc, err);
      h[0] = b.bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
      h[1] = b.bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
      h[2] = b.bind("fstat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), -1);
      h[3] = b.bind("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG), -1);
      h[4] =
          b.bindOptional(
              "fallocate",
              FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
      h[5] = b.bindOptional("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
      h[6] =
          b.bind(
              "mmap",
              FunctionDescriptor.of(
                  JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
              -1);
      h[7] = b.bind("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), -1);
      h[8] =
          b.bindOptional(
              "mremap",
              FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
      h[9] = b.bind("msync", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), -1);
      h[10] =
          b.bind("madvise", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), -1);
      pw =
          b.bind(
              "pwrite",
              FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG),
              -1);
      h[11] =
          linker.downcallHandle(
              libc.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
      MethodHandle sysconf =
          linker.downcallHandle(
              libc.find("sysconf").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
      page = (long) sysconf.invokeExact(SC_PAGESIZE);
    } catch (Throwable t) {
      reason =
          t instanceof IllegalCallerException
              ? "native access is not enabled for jmmap: run java with"
                  + " --enable-native-access=org.jmmap (module path) or"
                  + " --enable-native-access=ALL-UNNAMED (class path) ("
                  + t.getMessage()
                  + ")"
              : "the OS layer could not be set up: " + t;
    }
    // load what a failure needs now: when descriptors run out, loading a class from a directory
    // on the class path fails too, and the failure must reach Reclaim intact
    Errno.name(0);
    new OsException(null, "", 0).about("").isResourceShortage();
    unavailable = reason;
    captureLayout = layout;
    errnoHandle = errno;
    open = h[0];
    close = h[1];
    fstat = h[2];
    ftruncate = h[3];
    fallocate = h[4];
    memfd_create = h[5];
    mmap = h[6];
    munmap = h[7];
    mremap = h[8];
    msync = h[9];
    madvise = h[10];
    strerror = h[11];
    pwrite = pw;
    pageSize = page;
  }

  /** Looks symbols up; a missing required one fails the whole layer, an optional one is null. */
  private record Binder(Linker linker, SymbolLookup libc, Linker.Option errno) {
    MethodHandle bind(String name, FunctionDescriptor fd, int firstVariadic) {
      MemorySegment symbol =
          libc.find(name).orElseThrow(() -> new UnsupportedOperationException("no " + name));
      return firstVariadic < 0
          ? linker.downcallHandle(symbol, fd, errno)
          : linker.downcallHandle(symbol, fd, errno, Linker.Option.firstVariadicArg(firstVariadic));
    }

    MethodHandle bindOptional(String name, FunctionDescriptor fd) {
      return libc.find(name).map(s -> linker.downcallHandle(s, fd, errno)).orElse(null);
    }
  }

  @Override
  public String unavailableReason() {
    return unavailable;
  }

  @Override
  public long pageSize() {
    return pageSize;
  }

  @Override
  public boolean supportsRemap() {
    return unavailable == null && mremap != null;
  }

  @Override
  public boolean supportsMemfd() {
    return unavailable == null && memfd_create != null;
  }

  private void checkAvailable() {
    if (unavailable != null) {
      throw new UnsupportedOperationException(unavailable);
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
      MemorySegment state = a.allocate(captureLayout);
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
            (a, state) -> (int) open.invokeExact(state, cString(a, path), flags, 0));
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
            (a, state) -> (int) open.invokeExact(state, cString(a, path), flags, mode));
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
          int r = (int) close.invokeExact(state, fd);
          // close(2) must not be retried on Linux: after EINTR the descriptor is gone anyway
          return r < 0 && errno(state) == EINTR ? 0 : r;
        });
  }

  @Override
  public FileStat fstat(int fd) throws IOException {
    long[] modeAndSize = new long[4];
    syscall(
        null,
        () -> "fstat(" + fd + ")",
        (a, state) -> {
          MemorySegment buf = a.allocate(STAT_SIZE, 8);
          int r = (int) fstat.invokeExact(state, fd, buf);
          modeAndSize[0] = buf.get(JAVA_INT, ST_MODE_OFFSET);
          modeAndSize[1] = buf.get(JAVA_LONG, ST_SIZE_OFFSET);
          modeAndSize[2] = buf.get(JAVA_LONG, ST_DEV_OFFSET);
          modeAndSize[3] = buf.get(JAVA_LONG, ST_INO_OFFSET);
          return r;
        });
    return new FileStat(
        modeAndSize[1], (modeAndSize[0] & S_IFMT) == S_IFREG, modeAndSize[2], modeAndSize[3]);
  }

  @Override
  public void ftruncate(int fd, long size) throws IOException {
    syscall(
        null,
        () -> "ftruncate(" + fd + ", " + size + ")",
        (a, state) -> (int) ftruncate.invokeExact(state, fd, size));
  }

  @Override
  public boolean allocate(int fd, long offset, long length) throws IOException {
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
                (b, state) -> (long) pwrite.invokeExact(state, fd, zeros, n, at));
      }
    }
  }

  @Override
  public int memfdCreate(String name) throws IOException {
    if (memfd_create == null) {
      throw new UnsupportedOperationException("memfd_create is not available in this C library");
    }
    return (int)
        syscall(
            null,
            () -> "memfd_create(" + name + ", MFD_CLOEXEC)",
            (a, state) -> (int) memfd_create.invokeExact(state, a.allocateFrom(name), MFD_CLOEXEC));
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
        (a, state) -> (long) mmap.invokeExact(state, 0L, length, prot, flags, fd, offset));
  }

  @Override
  public void munmap(long address, long length) {
    try {
      syscall(
          null,
          () -> "munmap(" + length + " bytes)",
          (a, state) -> (int) munmap.invokeExact(state, address, length));
    } catch (IOException impossible) {
      // munmap only fails for ranges that mmap did not return
    }
  }

  @Override
  public long mremap(long address, long oldLength, long newLength) throws IOException {
    if (mremap == null) {
      throw new UnsupportedOperationException("mremap is not available in this C library");
    }
    return syscall(
        null,
        () ->
            String.format(
                Locale.ROOT, "mremap(%d bytes to %d bytes, MREMAP_MAYMOVE)", oldLength, newLength),
        (a, state) ->
            (long) mremap.invokeExact(state, address, oldLength, newLength, MREMAP_MAYMOVE));
  }

  @Override
  public void msync(long address, long length, int flags) throws IOException {
    syscall(
        null,
        () -> String.format(Locale.ROOT, "msync(%d bytes, flags=%d)", length, flags),
        (a, state) -> (int) msync.invokeExact(state, address, length, flags));
  }

  @Override
  public void madvise(long address, long length, int advice) throws IOException {
    syscall(
        null,
        () -> String.format(Locale.ROOT, "madvise(%d bytes, advice=%d)", length, advice),
        (a, state) -> (int) madvise.invokeExact(state, address, length, advice));
  }

  @Override
  public MemorySegment segment(long address, long length, Arena arena) {
    checkAvailable();
    return MemorySegment.ofAddress(address).reinterpret(length, arena, null);
  }

  private int errno(MemorySegment state) {
    return (int) errnoHandle.get(state, 0L);
  }

  private IOException failure(String path, String call, int errno) {
    String text = call + " failed: " + describe(errno);
    if (path == null) {
      return new OsException(null, text, errno);
    }
    return switch (Errno.name(errno)) {
      case "ENOENT" -> new NoSuchFileException(path, null, text);
      case "EEXIST" -> new FileAlreadyExistsException(path, null, text);
      case "EACCES", "EPERM", "EROFS" -> new AccessDeniedException(path, null, text);
      default -> new OsException(path, text, errno);
    };
  }

  /** {@return e.g. {@code "EINVAL (Invalid argument)"}} */
  private String describe(int errno) {
    String text;
    try {
      MemorySegment s = (MemorySegment) strerror.invokeExact(errno);
      text = s.reinterpret(1024).getString(0);
    } catch (Throwable t) {
      text = "errno " + errno;
    }
    return Errno.name(errno) + " (" + text + ")";
  }
}
