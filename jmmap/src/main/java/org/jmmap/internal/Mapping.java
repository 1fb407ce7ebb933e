package org.jmmap.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jmmap.internal.ffi.NativeOs;

/**
 * The lifetime of one mapping: map, remap, unmap.
 *
 * <p>Each generation of the mapping is a segment in its own shared {@link Arena}. Readers take the
 * current segment without locking; closing the arena makes every later access throw {@link
 * IllegalStateException} and waits (the JDK's handshake) until no thread is inside an access, so
 * the range is unmapped only when nobody can touch it. {@link #close} and {@link #resize} hold the
 * write lock; system calls on the range ({@code msync}, {@code madvise}) hold the read lock, so
 * the range cannot go away, and its address be reused, during the call.
 */
public final class Mapping {
  private final Backing backing;
  private final boolean readOnly;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private Arena arena;
  private volatile MemorySegment segment; // null once closed
  private static final VarHandle SEGMENT;

  static {
    try {
      SEGMENT = MethodHandles.lookup().findVarHandle(Mapping.class, "segment", MemorySegment.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
  private volatile boolean remapping;

  private Mapping(Backing backing, boolean readOnly) {
    this.backing = backing;
    this.readOnly = readOnly;
  }

  /**
   * Maps {@code length} bytes of {@code backing}; on failure the backing is closed.
   *
   * @param readOnly whether the segment handed out refuses writes
   */
  static Mapping open(Backing backing, long length, boolean readOnly) throws IOException {
    Mapping m = new Mapping(backing, readOnly);
    Arena arena = Arena.ofShared();
    boolean success = false;
    try {
      m.install(backing.map(length, arena), arena);
      success = true;
      return m;
    } finally {
      if (!success) {
        arena.close();
        closeQuietly(backing);
      }
    }
  }

  private void install(MemorySegment s, Arena a) {
    arena = a;
    segment = readOnly ? s.asReadOnly() : s;
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
    return segment == null && !remapping;
  }

  /** {@return the mapping's length} @throws IllegalStateException if closed */
  public long length() {
    return segment().byteSize();
  }

  /**
   * {@return the exception for an access that found its segment no longer alive}: the mapping
   * was closed, or a concurrent {@link #resize} replaced the segment.
   */
  public IllegalStateException stale(IllegalStateException cause) {
    IllegalStateException e =
        isClosed()
            ? closed()
            : new IllegalStateException(
                "mmap was remapped by a concurrent resize(); the access did not happen: "
                    + backing.describe());
    e.initCause(cause);
    return e;
  }

  /** {@return the exception for any use of a closed mapping} */
  public IllegalStateException closed() {
    return new IllegalStateException("mmap closed or invalid: " + backing.describe());
  }

  /** Unmaps and releases the backing. Idempotent; waits for accesses in flight to finish. */
  public void close() throws IOException {
    lock.writeLock().lock();
    try {
      MemorySegment s = segment;
      if (s == null) {
        return;
      }
      segment = null;
      arena.close();
      backing.unmap(s);
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
   * after an {@link IOException}, none of it.
   */
  public void resize(long offset, long newLength) throws IOException {
    lock.writeLock().lock();
    try {
      MemorySegment old = segment();
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

  /** Replaces the current segment by one of {@code newLength}; on failure keeps the old one. */
  private void remap(long newLength) throws IOException {
    MemorySegment old = segment;
    Arena next = Arena.ofShared();
    if (backing.remapsInPlace()) {
      remapping = true;
      try {
        segment = null;
        arena.close(); // from here no thread can touch the old range, which mremap may move
        MemorySegment s;
        try {
          s = backing.remap(old, newLength, next);
        } catch (IOException | RuntimeException e) {
          install(backing.rewrap(old, next), next);
          throw e;
        }
        install(s, next);
      } finally {
        remapping = false;
      }
    } else {
      MemorySegment s;
      try {
        s = backing.map(newLength, next);
      } catch (IOException | RuntimeException e) {
        next.close();
        throw e;
      }
      Arena previous = arena;
      install(s, next);
      previous.close();
      backing.unmap(old);
    }
  }

  /** Writes back a range synchronously. */
  public void sync(long offset, long length) throws IOException {
    lock.readLock().lock();
    try {
      backing.sync(segment(), offset, length);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Calls {@code madvise(2)} on a range. */
  public void advise(NativeOs os, int advice, long offset, long length) throws IOException {
    lock.readLock().lock();
    try {
      os.madvise(segment().address() + offset, length, advice);
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
