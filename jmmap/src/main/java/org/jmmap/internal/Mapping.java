package org.jmmap.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The lifetime of one mapping: map, remap, unmap.
 *
 * <p>Each generation of the mapping is a segment in its own shared {@link Arena}. Readers take the
 * current segment without locking; closing the arena makes every later access throw {@link
 * IllegalStateException} and waits (the JDK's handshake) until no thread is inside an access, so
 * the range is unmapped only when nobody can touch it. {@link #close} and {@link #resize} hold the
 * write lock; every other system call on the range ({@code msync}, {@code madvise}) holds the read
 * lock and takes the address and length of the generation that is live under it, so that the range
 * cannot go away, and its address be reused by another mapping, during the call.
 *
 * <p>A generation that nobody closes is unmapped by a {@link Cleaner} registered on its arena's
 * scope, which every segment and {@link java.nio.ByteBuffer} made from it references: a view that
 * is still reachable keeps the memory mapped, even when the map it came from is not.
 */
public final class Mapping {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final VarHandle SEGMENT;

  static {
    try {
      SEGMENT = MethodHandles.lookup().findVarHandle(Mapping.class, "segment", MemorySegment.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Backing backing;
  private final boolean readOnly;
  private final Throwable createdAt;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private Generation live; // guarded by lock; null once closed
  private volatile MemorySegment segment; // the live generation's segment; null once closed
  private volatile boolean closed;

  /**
   * Checks a range against the length that is live under the lock.
   *
   * <p>Returns how many bytes the call covers, or -1 when there is nothing to do.
   */
  @FunctionalInterface
  public interface RangeCheck {
    /**
     * {@return the number of bytes to cover, or -1 for none}
     *
     * @param liveLength the length of the live generation
     * @throws IOException to refuse the call as the OS would
     */
    long check(long liveLength) throws IOException;
  }

  /** One generation: its arena, its raw segment and the cleaner that unmaps it if abandoned. */
  private static final class Generation {
    final Arena arena;
    final MemorySegment raw;
    final Release release;
    final Cleaner.Cleanable cleanable;

    Generation(Arena arena, MemorySegment raw, Backing backing, Throwable createdAt) {
      this.arena = arena;
      this.raw = raw;
      this.release = new Release(backing, raw.address(), raw.byteSize(), createdAt);
      this.cleanable = CLEANER.register(raw.scope(), release);
      Reclaim.mapped(raw.byteSize());
    }

    /** Forgets this generation without unmapping it (it was closed, moved or unmapped). */
    void retire() {
      if (!release.disarmed) {
        release.disarmed = true;
        Reclaim.mapped(-raw.byteSize());
      }
      cleanable.clean();
    }
  }

  /**
   * Unmaps a generation that became unreachable, with every segment and buffer over it, without
   * being closed; it must not reach the arena, or the generation would never become unreachable.
   */
  private static final class Release implements Runnable {
    private final Backing backing;
    private final long address;
    private final long length;
    private final Throwable createdAt;
    volatile boolean disarmed;

    Release(Backing backing, long address, long length, Throwable createdAt) {
      this.backing = backing;
      this.address = address;
      this.length = length;
      this.createdAt = createdAt;
    }

    @Override
    public void run() {
      if (disarmed) {
        return;
      }
      if (createdAt != null) {
        System.getLogger("org.jmmap")
            .log(
                System.Logger.Level.WARNING,
                "an Mmap was never closed and has been released by the garbage collector: "
                    + backing.describe(),
                createdAt);
      }
      Reclaim.mapped(-length);
      backing.unmapUnreachable(address, length);
      closeQuietly(backing);
    }
  }

  private Mapping(Backing backing, boolean readOnly, Throwable createdAt) {
    this.backing = backing;
    this.readOnly = readOnly;
    this.createdAt = createdAt;
  }

  /**
   * Maps {@code length} bytes of {@code backing}; on failure the backing is closed.
   *
   * @param readOnly whether the segment handed out refuses writes
   * @param createdAt where the map was made, logged if it is never closed; or null
   */
  static Mapping open(Backing backing, long length, boolean readOnly, Throwable createdAt)
      throws IOException {
    Mapping m = new Mapping(backing, readOnly, createdAt);
    Arena arena = Arena.ofShared();
    boolean success = false;
    try {
      MemorySegment s = Reclaim.retrying(length, () -> backing.map(length, arena));
      m.lock.writeLock().lock();
      try {
        m.install(new Generation(arena, s, backing, createdAt));
      } finally {
        m.lock.writeLock().unlock();
      }
      success = true;
      return m;
    } finally {
      if (!success) {
        arena.close();
        closeQuietly(backing);
      }
    }
  }

  private void install(Generation g) {
    live = g;
    segment = readOnly ? g.raw.asReadOnly() : g.raw;
  }

  /**
   * {@return the live segment} @throws IllegalStateException if the mapping is closed
   *
   * <p>A plain read, which the JIT may hoist out of a caller's loop together with the segment's
   * bounds and liveness checks; read anew for every access, as a volatile read must be, those
   * checks halve the throughput of random access. A stale segment is harmless: {@link #close} and
   * {@link #resize} close its arena first, so using it throws {@link IllegalStateException}.
   */
  public MemorySegment segment() {
    MemorySegment s = (MemorySegment) SEGMENT.get(this);
    if (s == null) {
      throw closed();
    }
    return s;
  }

  /** {@return whether {@link #close} has run} */
  public boolean isClosed() {
    return closed;
  }

  /** {@return the mapping's length} @throws IllegalStateException if closed */
  public long length() {
    return segment().byteSize();
  }

  /**
   * {@return the exception for an access that found its segment no longer alive}: the mapping was
   * closed, or a concurrent {@link #resize} replaced the segment.
   */
  public IllegalStateException stale(IllegalStateException cause) {
    IllegalStateException e =
        closed
            ? closed()
            : new IllegalStateException(
                "mmap was remapped by resize() after this access or view began; the access did"
                    + " not happen: "
                    + backing.describe());
    e.initCause(cause);
    return e;
  }

  /** {@return the exception for any use of a closed mapping} */
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
   * Unmaps and releases the backing. Idempotent; waits for accesses in flight to finish.
   *
   * @throws IllegalStateException if a native I/O operation on a view holds the memory; then
   *     nothing is changed and the mapping stays open
   */
  public void close() throws IOException {
    lock.writeLock().lock();
    try {
      Generation g = live;
      if (g == null) {
        return;
      }
      try {
        g.arena.close();
      } catch (IllegalStateException e) {
        throw busy("close()", e);
      }
      closed = true;
      live = null;
      segment = null;
      g.retire();
      backing.unmap(g.raw);
      backing.close();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** {@return the file's size} @throws IllegalStateException if closed */
  public long fileSize() throws IOException {
    lock.readLock().lock();
    try {
      segment();
      return backing.fileSize();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@return whether there is a file whose size follows the mapping} */
  public boolean hasFile() {
    return backing.hasFile();
  }

  /**
   * Changes the length, and the file's size to offset + newLength. Either all of it happens or,
   * after an exception, none of it.
   *
   * @throws IllegalStateException if closed, or if a native I/O operation on a view holds the
   *     memory (then nothing is changed)
   */
  public void resize(long offset, long newLength) throws IOException {
    lock.writeLock().lock();
    try {
      MemorySegment old = segment();
      backing.checkResizable();
      long oldLength = old.byteSize();
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
          restoreFileSize(oldFileSize, e);
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
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void restoreFileSize(long oldFileSize, Exception failure) {
    try {
      backing.setFileSize(oldFileSize, Long.MAX_VALUE);
    } catch (IOException restore) {
      failure.addSuppressed(restore);
    }
  }

  /** Replaces the live generation by one of {@code newLength}; on failure keeps the old one. */
  private void remap(long newLength) throws IOException {
    Generation old = live;
    Arena next = Arena.ofShared();
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
        install(new Generation(next, backing.rewrap(old.raw, next), backing, createdAt));
        throw e;
      }
      install(new Generation(next, s, backing, createdAt));
    } else {
      MemorySegment s;
      try {
        s = Reclaim.retrying(newLength, () -> backing.map(newLength, next));
      } catch (IOException | RuntimeException e) {
        next.close();
        throw e;
      }
      Generation fresh = new Generation(next, s, backing, createdAt);
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

  /**
   * Writes back a range synchronously.
   *
   * @param range checks the range against the live length and returns how many bytes from {@code
   *     offset} to write back, or -1 for none
   */
  public void sync(long offset, RangeCheck range) throws IOException {
    lock.readLock().lock();
    try {
      MemorySegment s = segment();
      long n = range.check(s.byteSize());
      if (n >= 0) {
        backing.sync(live.raw, offset, n);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Calls {@code madvise(2)} on a range.
   *
   * @param range checks the range against the live length and returns how many bytes from {@code
   *     offset} to advise
   */
  public void advise(int advice, long offset, RangeCheck range) throws IOException {
    lock.readLock().lock();
    try {
      MemorySegment s = segment();
      long n = range.check(s.byteSize());
      if (n >= 0) {
        backing.advise(live.raw, offset, n, advice);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** {@return the backing's description} */
  public String describe() {
    return backing.describe();
  }

  static void closeQuietly(Backing b) {
    try {
      b.close();
    } catch (IOException | RuntimeException ignored) {
      // the mapping failed already; that failure is the one to report
    }
  }
}
