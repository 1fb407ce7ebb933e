package org.jmmap.internal.map;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One generation of a region's mapping: its arena, its raw segment and the cleaner that unmaps it
 * if it is abandoned.
 *
 * <p>The cleaner is registered on the arena's scope, which every segment and {@link
 * java.nio.ByteBuffer} made from the generation references: a view that is still reachable keeps
 * the memory mapped, even when the map it came from is not.
 *
 * <p>A backing that unmaps by closing the arena (the portable one) cannot be watched that way: the
 * cleaner would have to hold the arena, and so keep the scope reachable. Its cleaner watches the
 * region instead, and closes the arena only if no view was ever handed out ({@link Region#export});
 * otherwise it releases the file and leaves the memory mapped until the JVM exits, since a view may
 * still be in use and no public JDK API tells when the last one is gone.
 */
final class Generation {
  private static final Cleaner CLEANER = Cleaner.create();

  /** Bytes of generations not yet unmapped, for {@link Reclaim}. */
  static final AtomicLong MAPPED = new AtomicLong();

  /**
   * Generations released so far (unmapped, or their descriptor given back), for {@link Reclaim}.
   */
  static final AtomicLong RELEASED = new AtomicLong();

  /**
   * Threads in or before {@link Reclaim}'s gate, waiting for generations to be released; written
   * under the gate. Counted here, with what every map counts, so that a map made while nothing runs
   * short loads no class of Reclaim.
   */
  static volatile int waiting;

  /** {@return whether threads wait for descriptors or address space that collections release} */
  static boolean shortage() {
    return waiting != 0;
  }

  /** {@return how many generations were released so far}, for {@link Reclaim#failed} */
  static long releasedSoFar() {
    return RELEASED.get();
  }

  /** Counts bytes mapped ({@code delta > 0}) or unmapped ({@code delta < 0}). */
  private static void mapped(long delta) {
    MAPPED.addAndGet(delta);
    if (delta < 0) {
      RELEASED.incrementAndGet();
    }
  }

  final Arena arena;
  final MemorySegment raw;
  private final Release release;
  private final Cleaner.Cleanable cleanable;

  /**
   * @param owner what a backing that unmaps by closing the arena watches instead of the arena's
   *     scope, which a cleaner that holds the arena would keep reachable: the region
   * @param exported set once a view of the region was handed out
   */
  Generation(
      Arena arena,
      MemorySegment raw,
      Backing backing,
      Throwable createdAt,
      Object owner,
      AtomicBoolean exported) {
    this.arena = arena;
    this.raw = raw;
    boolean byArena = backing.unmapsWithArena();
    this.release =
        new Release(
            backing, raw.address(), raw.byteSize(), createdAt, byArena ? arena : null, exported);
    this.cleanable = CLEANER.register(byArena ? owner : raw.scope(), release);
    mapped(raw.byteSize());
  }

  /** Forgets this generation without unmapping it (it was closed, moved or unmapped). */
  void retire() {
    if (!release.disarmed) {
      release.disarmed = true;
      mapped(-raw.byteSize());
    }
    cleanable.clean();
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
    private final Arena arena; // closing it unmaps the generation; null if the backing unmaps
    private final AtomicBoolean exported;
    volatile boolean disarmed;

    Release(
        Backing backing,
        long address,
        long length,
        Throwable createdAt,
        Arena arena,
        AtomicBoolean exported) {
      this.backing = backing;
      this.address = address;
      this.length = length;
      this.createdAt = createdAt;
      this.arena = arena;
      this.exported = exported;
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
                    + backing.describe()
                    + (arena != null && exported.get()
                        ? " (its memory stays mapped until the JVM exits: a segment or buffer of"
                            + " it was handed out, which may still be in use)"
                        : ""),
                createdAt);
      }
      if (arena != null && exported.get()) {
        RELEASED.incrementAndGet(); // the descriptor, not the memory
      } else {
        try {
          if (arena == null) {
            backing.unmapUnreachable(address, length);
          } else {
            try {
              arena.close();
            } catch (RuntimeException stillInUse) {
              // a confined arena, which only its owner may close, or one a native I/O call holds:
              // its memory stays mapped until the JVM exits
            }
          }
        } finally {
          // counted once it is unmapped, not before: a thread short of address space that sees it
          // released retries at once, and must find the room free (the first unmap of a JVM may
          // wait for the native linker to be set up)
          mapped(-length);
        }
      }
      Backing.closeQuietly(backing);
    }
  }
}
