package org.jmmap.internal.map;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.jmmap.SystemCallException;
import org.jmmap.internal.ffi.Errno;

/**
 * One map: every fact of it (mode, offset, what backs it) and every system call on its range.
 *
 * <p>Each generation of the mapping is a segment in its own shared {@link Arena}. Readers take the
 * current segment without locking; closing the arena makes every later access throw {@link
 * IllegalStateException} and waits (the JDK's handshake) until no thread is inside an access, so
 * the range is unmapped only when nobody can touch it. {@link #close} and {@link #resize} hold the
 * write lock; every other system call on the range ({@code msync}, {@code madvise}) holds the read
 * lock and takes the address and length of the generation that is live under it, so that the range
 * cannot go away, and its address be reused by another mapping, during the call. The arguments of
 * those calls are checked against that same live length.
 *
 * <p>A confined region puts every generation in a confined arena of the thread that made it: its
 * close needs no handshake with the other threads, because none of them can be inside an access.
 * Every use from another thread throws {@link WrongThreadException}, from the arena for an access
 * and from this class for everything else, so that such a region answers only to its owner.
 */
public final class Region {
  /**
   * What was resolved while making a map.
   *
   * @param mode how it may be used
   * @param offset where it starts in the file (0 for anonymous memory)
   * @param anonymous whether no file backs it
   * @param trackFd whether a descriptor or channel is kept for size() and resize()
   * @param canGrow false for shared anonymous memory without a memory file (Linux cannot grow it)
   * @param attachPath a path another process can map to share this memory, or null
   * @param pageSize the OS's page size
   * @param confined whether the map belongs to the thread that made it
   */
  record Facts(
      Mode mode,
      long offset,
      boolean anonymous,
      boolean trackFd,
      boolean canGrow,
      Path attachPath,
      long pageSize,
      boolean confined) {}

  /**
   * What a fault on a truncated file is known to be.
   *
   * @param message names the map, the offset and the file's size
   * @param offset the offset in the map of the first byte the file no longer backs
   * @param fileSize the file's size now, or -1 if unknown
   */
  public record Fault(String message, long offset, long fileSize) {}

  /** A refusal to change a read-only map; the public API reports it as its own type. */
  public static final class ReadOnly extends ReadOnlyBufferException {
    private static final long serialVersionUID = 1L;
    private final String message;

    private ReadOnly(String message) {
      this.message = message;
    }

    /**
     * {@return the refusal, typed as its JDK superclass}: a {@code throw new ReadOnly} in Region
     * would make linking Region, which every map does, load this class to check that it is a
     * Throwable
     */
    static RuntimeException of(String message) {
      return new ReadOnly(message);
    }

    @Override
    public String getMessage() {
      return message;
    }
  }

  private final Backing backing;
  private final Facts facts;
  private final Throwable createdAt;
  private final Thread owner; // the only thread that may use a confined region; null if shared
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private Generation live; // guarded by lock; null once closed
  private volatile MemorySegment segment; // the live generation's segment; null once closed

  /**
   * The live segment again, for the plain reads of {@code segment()}: written before the volatile
   * field and cleared with it. A field of its own rather than a plain read of the volatile one
   * through a VarHandle, which a fresh JVM takes a millisecond to set up.
   */
  private MemorySegment plain;

  private volatile boolean closed;
  private volatile boolean closing; // set while close() closes the arena, for stale()
  private final AtomicBoolean exported = new AtomicBoolean(); // a view of a segment was handed out
  private volatile boolean locked; // lock() has locked pages of the live generation

  /** What {@link #touch} read, kept so that its loads cannot be dropped as unused. */
  @SuppressWarnings("unused")
  private static int touched;

  private Region(Backing backing, Facts facts, Throwable createdAt) {
    this.backing = backing;
    this.facts = facts;
    this.createdAt = createdAt;
    this.owner = facts.confined() ? Thread.currentThread() : null;
  }

  /** {@return a new arena for a generation}: confined to the owner, or shared */
  private Arena newArena() {
    return owner != null ? Arena.ofConfined() : Arena.ofShared();
  }

  /**
   * Refuses a call from a thread other than a confined region's owner.
   *
   * @throws WrongThreadException if the region is confined to another thread
   */
  public void checkOwner() {
    if (owner != null && owner != Thread.currentThread()) {
      throw wrongThread();
    }
  }

  /**
   * {@return the exception to throw for {@code e}}, which an arena threw when a view of this region
   * was used from another thread: one that names the owner, the caller and the map, as every other
   * refusal does
   */
  public RuntimeException wrongThread(RuntimeException e) {
    if (owner == null || owner == Thread.currentThread()) {
      return e;
    }
    RuntimeException named = wrongThread();
    named.initCause(e);
    return named;
  }

  private RuntimeException wrongThread() {
    return Thrown.wrongThread(
        "mmap is confined to thread "
            + owner.getName()
            + " (#"
            + owner.threadId()
            + ") and cannot be used from thread "
            + Thread.currentThread().getName()
            + " (#"
            + Thread.currentThread().threadId()
            + "): "
            + backing.describe());
  }

  /**
   * Maps {@code length} bytes of {@code backing}; on failure the backing is closed.
   *
   * @param createdAt where the map was made, logged if it is never closed; or null
   */
  static Region open(Backing backing, long length, Facts facts, Throwable createdAt)
      throws IOException {
    Region r = new Region(backing, facts, createdAt);
    Arena arena = r.newArena();
    boolean success = false;
    try {
      MemorySegment s;
      if (Generation.shortage() && backing.shortageCurable()) {
        s = FirstMap.retrying(backing, length, arena);
      } else {
        long released = Generation.releasedSoFar();
        try {
          s = backing.map(length, arena);
        } catch (IOException e) {
          // no catch clause naming SystemCallException: linking Region would load it
          if (!(e instanceof SystemCallException failure) || !backing.shortageCurable()) {
            throw e;
          }
          s = FirstMap.failed(backing, length, arena, failure, released);
        }
      }
      r.lock.writeLock().lock();
      try {
        r.install(new Generation(arena, s, backing, createdAt, r, r.exported));
      } finally {
        r.lock.writeLock().unlock();
      }
      success = true;
      return r;
    } finally {
      if (!success) {
        arena.close();
        Backing.closeQuietly(backing);
      }
    }
  }

  /**
   * The first map of a region, retried while address space or descriptors run short: a class rather
   * than a lambda, since the first lambda of a call site spins a class at run time.
   */
  private record FirstMap(Backing backing, long length, Arena arena)
      implements Reclaim.Call<MemorySegment> {
    // made here, not in Region: handing a FirstMap to Reclaim in Region would make linking Region
    // load Reclaim.Call, to check that a FirstMap is one

    static MemorySegment retrying(Backing backing, long length, Arena arena) throws IOException {
      return Reclaim.retrying(length, new FirstMap(backing, length, arena));
    }

    static MemorySegment failed(
        Backing backing, long length, Arena arena, SystemCallException e, long released)
        throws IOException {
      return Reclaim.failed(length, new FirstMap(backing, length, arena), e, released);
    }

    @Override
    public MemorySegment run() throws IOException {
      return backing.map(length, arena);
    }
  }

  private void install(Generation g) {
    live = g;
    plain = facts.mode().readOnly() ? g.raw.asReadOnly() : g.raw;
    segment = plain;
  }

  /**
   * {@return the live segment} @throws IllegalStateException if the map is closed
   *
   * <p>A plain read, which the JIT may hoist out of a caller's loop together with the segment's
   * bounds and liveness checks; read anew for every access, as a volatile read must be, those
   * checks halve the throughput of random access. A stale segment is harmless: {@link #close} and
   * {@link #resize} close its arena first, so using it throws {@link IllegalStateException}.
   */
  public MemorySegment segment() {
    checkOwner();
    MemorySegment s = plain;
    if (s == null) {
      throw closed();
    }
    return s;
  }

  /**
   * {@return the live segment, to hand out as a view} (the segment itself, a slice or a buffer):
   * from then on, if the region becomes unreachable unclosed on a backing that unmaps by closing
   * the arena, the collector releases the file but leaves the memory mapped, since the view may
   * still be in use and closing the arena would end it ({@link Generation})
   *
   * @throws IllegalStateException if the map is closed
   */
  public MemorySegment export() {
    MemorySegment s = segment();
    if (!exported.get()) {
      exported.set(true);
    }
    Reference.reachabilityFence(this); // until the mark is set: the collector must not see less
    return s;
  }

  /**
   * Refuses a view made over the segment {@code s} once {@code s} is no longer the live one: the
   * map was closed, or a {@link #resize} to another length remapped it. A field compare, cheap
   * enough for every element a view hands out.
   *
   * @throws IllegalStateException if the map was closed or remapped since {@code s} was live
   * @throws WrongThreadException if the region is confined to another thread
   */
  public void checkLive(MemorySegment s) {
    checkOwner();
    if (segment != s) {
      throw closed
          ? closed()
          : new IllegalStateException(
              "mmap was remapped by resize() after this view was made; the view ends there, take"
                  + " a new one: "
                  + backing.describe());
    }
  }

  /**
   * {@return the live segment once a close or a resize in progress has finished}, or null if the
   * map is closed: for a view whose access found the arena of the segment it took closed, to tell a
   * remap, after which it may make the access again on the new segment, from a close. Takes the
   * read lock, so only for that rare case.
   *
   * @throws WrongThreadException if the region is confined to another thread
   */
  public MemorySegment settledSegment() {
    checkOwner();
    lock.readLock().lock();
    try {
      return segment;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@return whether the region answers only to the thread that made it} */
  public boolean isConfined() {
    return owner != null;
  }

  /** {@return whether {@link #close} has run} */
  public boolean isClosed() {
    return closed;
  }

  /** {@return the map's length} @throws IllegalStateException if closed */
  public long length() {
    return segment().byteSize();
  }

  /** {@return how the map may be used} */
  public Mode mode() {
    return facts.mode();
  }

  /** {@return the file offset the map starts at} */
  public long offset() {
    return facts.offset();
  }

  /** {@return a path through which another process can map the same memory, or null} */
  public Path attachPath() {
    return facts.attachPath();
  }

  /** {@return a short description for messages, e.g. the path} */
  public String describe() {
    return backing.describe();
  }

  /**
   * {@return the map as Python's {@code repr} shows it}, with {@code pos} as its position, e.g.
   * {@code Mmap[closed=false, access=DEFAULT, length=10, pos=0, offset=0, /tmp/x]}
   */
  public String show(long pos) {
    MemorySegment s = plain;
    if (s == null) {
      return "Mmap[closed=true]";
    }
    return "Mmap[closed=false, access="
        + facts.mode().kind()
        + ", length="
        + s.byteSize()
        + ", pos="
        + pos
        + ", offset="
        + facts.offset()
        + ", "
        + backing.describe()
        + ", backing="
        + backing.kind()
        + "]";
  }

  /**
   * {@return the exception for an access that found its segment no longer alive}: the map was
   * closed, or a concurrent {@link #resize} replaced the segment.
   */
  public IllegalStateException stale(IllegalStateException cause) {
    IllegalStateException e =
        closed || closing
            ? closed()
            : new IllegalStateException(
                "mmap was remapped by resize() after this access or view began; the access did"
                    + " not happen: "
                    + backing.describe());
    e.initCause(cause);
    return e;
  }

  /** {@return the exception for any use of a closed map} */
  public IllegalStateException closed() {
    return new IllegalStateException("mmap closed or invalid: " + backing.describe());
  }

  private IllegalStateException busy(String op, IllegalStateException cause) {
    IllegalStateException e =
        new IllegalStateException(
            op
                + " is not possible while a native I/O operation (for example a channel read into"
                + " asByteBuffer()) uses the map's memory; nothing was changed, retry when it"
                + " completes: "
                + backing.describe());
    e.initCause(cause);
    return e;
  }

  /**
   * {@return what a fault at {@code at} found}: the access covered a range from {@code at}; the
   * fault is in its first page that the file no longer backs
   */
  public Fault fault(long at) {
    long fileSize = -1;
    try {
      fileSize = facts.anonymous() || !facts.trackFd() ? -1 : fileSize();
    } catch (IOException | RuntimeException ignored) {
      // the fault is the thing to report; the size stays unknown
    }
    long page = facts.pageSize();
    long offset = facts.offset();
    long backed = fileSize < 0 ? 0 : Math.max(0, fileSize - offset);
    long firstMissing = (backed + page - 1) / page * page;
    long where = fileSize < 0 ? at : Math.max(at, firstMissing);
    return new Fault(
        "fault accessing mapped memory at offset "
            + where
            + " of "
            + backing.describe()
            + " (map offset "
            + offset
            + ", file size now "
            + (fileSize < 0 ? "unknown" : Long.toString(fileSize))
            + "): the file was probably truncated under the map",
        where,
        fileSize);
  }

  /**
   * Unmaps and releases the backing. Idempotent; waits for accesses in flight to finish.
   *
   * @throws IllegalStateException if a native I/O operation on a view holds the memory; then
   *     nothing is changed and the map stays open
   * @throws WrongThreadException if the region is confined to another thread; then nothing is
   *     changed
   */
  public void close() throws IOException {
    checkOwner();
    lock.writeLock().lock();
    try {
      Generation g = live;
      if (g == null) {
        return;
      }
      closing = true; // an access that the arena's close stops must say "closed", not "remapped"
      try {
        g.arena.close();
      } catch (IllegalStateException e) {
        closing = false;
        throw busy("close()", e);
      }
      closed = true;
      live = null;
      segment = null;
      plain = null;
      g.retire();
      backing.unmap(g.raw);
      backing.close();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * {@return the size of the whole file}; for anonymous memory, the length
   *
   * @throws UnsupportedOperationException if the map keeps no descriptor
   */
  public long size() throws IOException {
    long len = length();
    if (facts.anonymous()) {
      return len;
    }
    if (!facts.trackFd()) {
      throw new UnsupportedOperationException(
          "mmap can't get size with trackfd=False: " + backing.describe());
    }
    return fileSize();
  }

  private long fileSize() throws IOException {
    lock.readLock().lock();
    try {
      segment();
      return backing.fileSize();
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Writes {@code [offset, offset + size)} back synchronously; nothing for maps that never write
   * back, once the range is checked against the live length.
   *
   * @throws IllegalArgumentException if the range is negative or passes the end
   * @throws IOException if {@code offset} is not page-aligned, or {@code msync(2)} fails
   */
  public void flush(long offset, long size) throws IOException {
    lock.readLock().lock();
    try {
      sync(offset, size, segment().byteSize(), false);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Writes the whole map back synchronously, at the length that is live under the lock. */
  public void flushAll() throws IOException {
    lock.readLock().lock();
    try {
      long len = segment().byteSize();
      sync(0, len, len, false);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Starts writing {@code [offset, offset + size)} back without waiting ({@code MS_ASYNC}); checked
   * as {@link #flush}.
   */
  public void flushAsync(long offset, long size) throws IOException {
    lock.readLock().lock();
    try {
      sync(offset, size, segment().byteSize(), true);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Checks {@code [offset, offset + size)} against {@code len}, then {@code msync}s it. */
  private void sync(long offset, long size, long len, boolean async) throws IOException {
    if (size < 0 || offset < 0 || len - offset < size) {
      throw new IllegalArgumentException(
          "flush values out of range: offset=" + offset + " size=" + size + " length=" + len);
    }
    if (facts.mode().neverWritesBack()) {
      return;
    }
    if (offset % facts.pageSize() != 0) {
      throw new IOException(
          "msync failed: EINVAL (Invalid argument): flush offset "
              + offset
              + " is not a multiple of PAGESIZE "
              + facts.pageSize()
              + ": "
              + backing.describe());
    }
    if (async) {
      backing.syncAsync(live.raw, offset, size);
    } else {
      backing.sync(live.raw, offset, size);
    }
  }

  /**
   * Faults {@code [offset, offset + length)} in, so that no access to it waits for the disk: with
   * {@code MADV_POPULATE_READ} (or {@code _WRITE} for anonymous memory, whose read faults would map
   * only the shared zero page) where the kernel has it, otherwise by reading one byte of each page
   * from Java.
   *
   * @return null, or where the range has no file behind it any more: nothing faulted
   * @throws IndexOutOfBoundsException if the range is not inside the map
   */
  public Fault populate(long offset, long length) throws IOException {
    lock.readLock().lock();
    try {
      checkRange("populate", offset, length, segment().byteSize());
      if (length == 0) {
        return null;
      }
      MemorySegment raw = live.raw;
      boolean write = facts.anonymous() && !facts.mode().readOnly();
      try {
        if (backing.populate(raw, offset, length, write)) {
          return null;
        }
      } catch (SystemCallException e) {
        if (e.errno() == Errno.EFAULT || e.errno() == Errno.EIO) {
          return fault(offset); // the kernel met a page the file no longer has: SIGBUS, not sent
        }
        throw Errno.about(e, backing.describe());
      }
      return touch(raw, offset, length);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Reads one byte of each page of the range, where a fault is an exception and not a death. */
  private Fault touch(MemorySegment s, long offset, long length) {
    long page = facts.pageSize();
    long end = offset + length;
    int sum = 0;
    try {
      for (long at = offset;
          at < end;
          at = (Math.floorDiv(s.address() + at, page) + 1) * page - s.address()) {
        sum ^= s.get(ValueLayout.JAVA_BYTE, at);
      }
    } catch (InternalError e) {
      return fault(offset);
    }
    touched = sum; // so that the loads are used and cannot be dropped
    return null;
  }

  /**
   * {@return the fraction of the pages that {@code [offset, offset + length)} lies in that are in
   * memory}: 1.0 for an empty range
   *
   * @throws IndexOutOfBoundsException if the range is not inside the map
   * @throws UnsupportedOperationException if the backing cannot tell
   */
  public double residentFraction(long offset, long length) throws IOException {
    lock.readLock().lock();
    try {
      checkRange("residency", offset, length, segment().byteSize());
      MemorySegment raw = live.raw;
      long page = facts.pageSize();
      long first = Math.floorDiv(raw.address() + offset, page);
      long last = Math.floorDiv(raw.address() + offset + length - 1, page);
      long pages = last - first + 1;
      long resident;
      try {
        // asked for an empty range too, so that a backing that cannot tell refuses it as well
        resident = backing.residentPages(raw, offset, length);
      } catch (SystemCallException e) {
        throw Errno.about(e, backing.describe());
      }
      return length == 0 || resident >= pages ? 1.0 : (double) resident / pages;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Locks the pages of {@code [offset, offset + length)} in memory, or unlocks them; a lock ends
   * when the map is closed or resized.
   *
   * @throws IndexOutOfBoundsException if the range is not inside the map
   * @throws IOException if the call fails; for {@code RLIMIT_MEMLOCK}, a message that names it
   */
  public void lock(long offset, long length, boolean on) throws IOException {
    String op = on ? "lock" : "unlock";
    lock.readLock().lock();
    try {
      checkRange(op, offset, length, segment().byteSize());
      try {
        // an empty range too, so that a backing that cannot lock refuses it as well
        backing.lock(live.raw, offset, length, on);
      } catch (SystemCallException e) {
        int errno = e.errno();
        if (on && (errno == Errno.ENOMEM || errno == Errno.EPERM || errno == Errno.EAGAIN)) {
          SystemCallException named =
              new SystemCallException(
                  backing.describe(),
                  e.getReason()
                      + ": locking "
                      + length
                      + " bytes would pass RLIMIT_MEMLOCK, the limit of locked memory"
                      + " (this process: "
                      + memlockLimit()
                      + "; pages this process locked already count, see VmLck in"
                      + " /proc/self/status); raise it (ulimit -l, LimitMEMLOCK= in systemd,"
                      + " memlock in /etc/security/limits.conf) or lock less",
                  errno);
          named.initCause(e);
          throw named;
        }
        throw Errno.about(e, backing.describe());
      }
      if (on && length > 0) {
        locked = true;
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@return the soft and hard {@code RLIMIT_MEMLOCK}, as {@code /proc/self/limits} shows them} */
  private static String memlockLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max locked memory")) {
          String[] f = line.substring("Max locked memory".length()).trim().split("\\s+");
          return "soft " + f[0] + ", hard " + f[1] + (f.length > 2 ? " " + f[2] : "");
        }
      }
    } catch (IOException | RuntimeException e) {
      // the limit stays unnamed; the advice holds anyway
    }
    return "unknown";
  }

  /** Refuses a range that is not inside a map of {@code len} bytes. */
  private void checkRange(String op, long offset, long length, long len) {
    if (offset < 0 || length < 0 || offset > len - length) {
      throw new IndexOutOfBoundsException(
          String.format(
              Locale.ROOT,
              "%s range out of bounds: offset=%d length=%d map length=%d: %s",
              op,
              offset,
              length,
              len,
              backing.describe()));
    }
  }

  /**
   * Calls {@code madvise(2)} on {@code [start, start + length)}, the length clamped to the live
   * end; the arguments are checked in CPython's order, then the advice against jmmap's allow-list.
   *
   * @return null, or what a {@code MADV_POPULATE_*} met where the file no longer backs the range
   *     (the kernel's {@code EFAULT} or {@code EIO})
   * @throws IllegalArgumentException if start is outside the map, length is negative, start +
   *     length overflows, or the advice is not allowed
   * @throws IOException if {@code madvise(2)} fails, naming the map
   */
  public Fault advise(int advice, long start, long length) throws IOException {
    lock.readLock().lock();
    try {
      long len = segment().byteSize();
      if (start < 0 || start >= len) {
        throw new IllegalArgumentException(
            "madvise start out of bounds: start=" + start + " length=" + len);
      }
      if (length < 0) {
        throw new IllegalArgumentException("madvise length invalid: length=" + length);
      }
      if (length > Long.MAX_VALUE - start) {
        throw new IllegalArgumentException(
            "madvise length too large: start=" + start + " length=" + length);
      }
      if (!Mman.allowedAdvice(advice)) {
        throw new IllegalArgumentException(
            "madvise option not allowed: option="
                + advice
                + ": jmmap passes only the MADV_* values it exports and knows to leave the"
                + " map usable from Java (MADV_HWPOISON excluded)");
      }
      try {
        backing.advise(live.raw, start, Math.min(length, len - start), advice);
      } catch (SystemCallException e) {
        if ((advice == Mman.MADV_POPULATE_READ || advice == Mman.MADV_POPULATE_WRITE)
            && (e.errno() == Errno.EFAULT || e.errno() == Errno.EIO)) {
          return fault(start); // a page the file no longer has: SIGBUS, not sent
        }
        throw Errno.about(e, backing.describe());
      }
      return null;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Changes the length, and the file's size to offset + newSize (growing fills with zero bytes).
   * Either all of it happens or, after an exception, none of it.
   *
   * @param who names the map in messages
   * @throws ReadOnly if the map is read-only
   * @throws UnsupportedOperationException if the map keeps no descriptor, is copy-on-write, or
   *     cannot grow
   * @throws IllegalArgumentException if newSize is negative or offset + newSize overflows
   * @throws IOException if newSize is 0, or the file or the mapping cannot be resized
   * @throws IllegalStateException if closed, or if a native I/O operation on a view holds the
   *     memory (then nothing is changed)
   */
  public void resize(long newSize, Supplier<String> who) throws IOException {
    new Resizing().resize(newSize, who);
  }

  /**
   * The work of {@link #resize}, in a class of its own: most maps never resize, and a fresh JVM's
   * first map links Region, which is smaller without it.
   */
  private final class Resizing {
    void resize(long newSize, Supplier<String> who) throws IOException {
      lock.writeLock().lock();
      try {
        long len = length();
        checkResize(newSize, len, who);
        backing.checkResizable();
        change(facts.anonymous() ? 0 : facts.offset(), len, newSize);
        if (locked) {
          // a lock ends at a resize on every backing: mremap would carry it over, but a map made
          // anew (a FileChannel's, or one split by advice) would not
          locked = false;
          try {
            backing.lock(live.raw, 0, live.raw.byteSize(), false);
          } catch (IOException | RuntimeException ignored) {
            // unlocking cannot fail for a range that is mapped
          }
        }
      } finally {
        lock.writeLock().unlock();
      }
    }

    private void checkResize(long newSize, long len, Supplier<String> who) throws IOException {
      if (!facts.trackFd()) {
        throw new UnsupportedOperationException(
            "mmap can't resize with trackfd=False: " + who.get());
      }
      if (facts.mode().readOnly()) {
        throw ReadOnly.of("mmap can't resize a readonly or copy-on-write memory map: " + who.get());
      }
      if (facts.mode().copyOnWrite()) {
        throw new UnsupportedOperationException(
            "mmap can't resize a readonly or copy-on-write memory map: " + who.get());
      }
      if (newSize < 0 || newSize > Long.MAX_VALUE - facts.offset()) {
        throw new IllegalArgumentException("new size out of range: newSize=" + newSize);
      }
      if (newSize == 0) {
        throw new IOException(
            "resize(0) failed: EINVAL (Invalid argument): a mapping cannot be empty; the map and"
                + " the file are unchanged: "
                + who.get());
      }
      if (newSize > len && !facts.canGrow()) {
        throw new UnsupportedOperationException(
            "mmap: can't expand a shared anonymous mapping on Linux without memfd_create: "
                + who.get());
      }
    }

    /** Sets the file's size to offset + newLength and remaps; on failure undoes what it did. */
    private void change(long offset, long oldLength, long newLength) throws IOException {
      long oldFileSize = backing.hasFile() ? backing.fileSize() : 0;
      long target = offset + newLength;
      boolean growFile = backing.hasFile() && target > oldFileSize;
      if (growFile) {
        backing.setFileSize(target, oldFileSize);
      }
      try {
        if (newLength != oldLength) {
          remap(newLength);
        }
      } catch (IOException | RuntimeException e) {
        if (growFile) {
          try {
            backing.setFileSize(oldFileSize, Long.MAX_VALUE);
          } catch (IOException restore) {
            e.addSuppressed(restore);
          }
        }
        throw e;
      }
      if (backing.hasFile() && !growFile && target != oldFileSize) {
        try {
          backing.setFileSize(target, oldFileSize);
        } catch (IOException e) {
          try {
            remap(oldLength);
          } catch (IOException | RuntimeException back) {
            e.addSuppressed(back);
          }
          throw e;
        }
      }
    }

    /** Replaces the live generation by one of {@code newLength}; on failure keeps the old one. */
    private void remap(long newLength) throws IOException {
      Generation old = live;
      Arena next = newArena();
      if (backing.remapsInPlace()) {
        try {
          old.arena.close(); // from here no thread can touch the old range, which mremap may move
        } catch (IllegalStateException e) {
          next.close();
          throw busy("resize()", e);
        }
        old.retire();
        MemorySegment s;
        try {
          s = Reclaim.retrying(newLength, () -> backing.remap(old.raw, newLength, next));
        } catch (IOException | RuntimeException e) {
          install(
              new Generation(
                  next, backing.rewrap(old.raw, next), backing, createdAt, Region.this, exported));
          throw e;
        }
        install(new Generation(next, s, backing, createdAt, Region.this, exported));
      } else {
        MemorySegment s;
        try {
          s = Reclaim.retrying(newLength, () -> backing.mapAnew(old.raw, newLength, next));
        } catch (IOException | RuntimeException e) {
          next.close();
          throw e;
        }
        Generation fresh = new Generation(next, s, backing, createdAt, Region.this, exported);
        try {
          old.arena.close();
        } catch (IllegalStateException e) {
          next.close();
          fresh.retire();
          backing.unmap(s);
          throw busy("resize()", e);
        }
        old.retire();
        backing.unmap(old.raw);
        install(fresh);
      }
    }
  }
}
