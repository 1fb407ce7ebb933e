package org.jmmap.internal.map;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jmmap.SystemCallException;
import org.jmmap.internal.ffi.Errno;

/**
 * Retries a call that failed for lack of descriptors or address space after letting the garbage
 * collector find maps that nobody closed and nobody can reach: each holds a descriptor and a
 * mapping until its cleaner runs. The JDK reserves direct buffer memory the same way.
 *
 * <p>Many threads may run short at once, and what one collection releases is soon taken again by
 * threads that keep mapping. So every thread that runs short queues at one fair gate: the thread at
 * its head collects, waits for the cleaners and retries, and the others follow in turn, each trying
 * once before it collects in its own turn. Short of address space, a caller that arrives while
 * threads wait queues behind them. Short of descriptors, a caller that arrives while threads wait,
 * and has not failed itself, waits for the collector's next retry (a few milliseconds, never long)
 * before it makes its call, so that the collector has the first go at what it released; it never
 * queues at the gate, since it may hold a descriptor from an earlier step of its map that the
 * collector needs. A thread gives up only when its collections released nothing for about a second;
 * a thread behind it that then finds nothing released since gives up at once, so a real shortage
 * fails promptly for all.
 */
final class Reclaim {
  // the bytes mapped, the generations released and the threads in or before the gate are counted
  // in Generation (MAPPED, RELEASED, waiting), which every map updates: a map made while nothing
  // runs short loads no class of this one

  /**
   * Whether the last shortage was of address space rather than descriptors: then a caller that
   * arrives while others wait queues at the gate too, since what it holds cannot be what the
   * collector needs.
   */
  private static volatile boolean shortOfMemory;

  private Reclaim() {}

  /** A call into the OS. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws IOException;
  }

  /**
   * {@return the call's result}, retried after garbage collections while it fails with {@code
   * EMFILE} or {@code ENFILE}, or with {@code ENOMEM} when maps not yet unmapped hold at least
   * {@code bytes} (a collection can release no more than they hold, so a request that large maps
   * cannot make room for fails at once, unless maps were unmapped while it ran), until collections
   * release nothing for about a second
   *
   * @param bytes how much address space the call asks for; 0 when it asks for a descriptor
   */
  static <T> T retrying(long bytes, Call<T> call) throws IOException {
    if (Generation.waiting != 0) {
      if (!shortOfMemory) {
        Shortage.awaitRound(); // let the thread that collects have the first go at what it released
      } else {
        return Shortage.queued(
            bytes, call, null); // queue behind the others rather than take their room
      }
    }
    long released = Generation.RELEASED.get();
    try {
      return call.run();
    } catch (SystemCallException e) {
      return failed(bytes, call, e, released);
    }
  }

  /**
   * {@return the call's result} after its first try, made by the caller itself while nobody was
   * short ({@link Generation#shortage} false), failed with {@code e}: retried as {@link #retrying}
   * retries it. A caller that tries first without a {@link Call} object links no class for it while
   * nothing runs short.
   *
   * @param released {@link Generation#releasedSoFar} before the first try
   */
  static <T> T failed(long bytes, Call<T> call, SystemCallException e, long released)
      throws IOException {
    if (!curable(e, bytes, released)) {
      throw e;
    }
    shortOfMemory = e.errno() == Errno.ENOMEM;
    return Shortage.queued(bytes, call, e);
  }

  /**
   * {@return whether collections may cure {@code e}}: a shortage of descriptors, or of address
   * space while maps not yet unmapped hold at least {@code bytes}, or were unmapped since the call
   * began ({@code released} is {@link Generation#RELEASED} then): the room they left may be what
   * the call missed
   */
  private static boolean curable(SystemCallException e, long bytes, long released) {
    return Errno.isResourceShortage(e.errno())
        && (e.errno() != Errno.ENOMEM
            || Generation.MAPPED.get() >= bytes
            || Generation.RELEASED.get() != released);
  }

  /**
   * The gate and the rounds of threads short of descriptors or address space: a class of its own,
   * loaded only when a call first runs short, so that a program that never does links none of it.
   */
  private static final class Shortage {
    private static final int MAX_SLEEPS = 10; // 1 + 2 + ... + 512 ms: about a second in all

    /** Collections one call makes at most, however much each releases. */
    private static final int MAX_COLLECTIONS = 200;

    private static final ReentrantLock GATE = new ReentrantLock(true);
    private static final AtomicLong FUTILE = new AtomicLong(-1); // RELEASED when a reclaim gave up

    private static final Object ROUND = new Object();
    private static volatile long round; // retries made by collecting threads; guarded by ROUND
    private static final long ROUND_WAIT_MS = 50;

    private Shortage() {}

    /**
     * Waits until the thread that collects has retried once more, for {@link #ROUND_WAIT_MS} at
     * most. Only a caller that failed itself queues at the gate: one that merely arrives while
     * others wait may hold a descriptor from an earlier step of its map (the file it opened, before
     * its {@code mmap}), and queued behind the collector it would keep that descriptor from it.
     */
    static void awaitRound() {
      long seen = round;
      long deadline = System.nanoTime() + ROUND_WAIT_MS * 1_000_000L;
      synchronized (ROUND) {
        for (long left = ROUND_WAIT_MS; round == seen && Generation.waiting != 0 && left > 0; ) {
          try {
            ROUND.wait(left);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt(); // the call runs anyway, as an uncontended one would
            return;
          }
          left = (deadline - System.nanoTime()) / 1_000_000L;
        }
      }
    }

    /** Counts a collector's retry, and lets the callers that waited for it go. */
    private static void roundDone() {
      synchronized (ROUND) {
        round++;
        ROUND.notifyAll();
      }
    }

    static <T> T queued(long bytes, Call<T> call, SystemCallException first) throws IOException {
      synchronized (Reclaim.class) {
        Generation.waiting++;
      }
      try {
        GATE.lockInterruptibly();
      } catch (InterruptedException interrupted) {
        leave();
        Thread.currentThread().interrupt();
        if (first != null) {
          throw first;
        }
        return call.run();
      }
      try {
        long seen = Generation.RELEASED.get();
        try {
          return call.run(); // what the thread ahead waited for may have been released
        } catch (SystemCallException e) {
          if (!curable(e, bytes, seen)) {
            throw e;
          }
          if (first == null) {
            first = e;
          }
          if (FUTILE.get() == seen) {
            throw first; // the thread ahead collected in vain, and nothing was released since
          }
        }
        return collecting(call, first);
      } finally {
        GATE.unlock();
        leave();
      }
    }

    private static void leave() {
      synchronized (Reclaim.class) {
        Generation.waiting--;
      }
    }

    /** Collects, waits for the cleaners and retries, while collections release something. */
    private static <T> T collecting(Call<T> call, SystemCallException first) throws IOException {
      long sleep = 1;
      for (int fruitless = 0, n = 0; fruitless < MAX_SLEEPS && n < MAX_COLLECTIONS; n++) {
        long before = Generation.RELEASED.get();
        System.gc();
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw first;
        }
        try {
          return call.run();
        } catch (SystemCallException again) {
          if (!Errno.isResourceShortage(again.errno())) {
            throw again;
          }
        } finally {
          roundDone();
        }
        if (Generation.RELEASED.get() == before) {
          fruitless++; // the cleaner may still be releasing what the collection found: wait longer
          sleep <<= 1;
        } else {
          fruitless = 0; // released, and taken by others already: collect again soon
          sleep = 1;
        }
      }
      FUTILE.set(Generation.RELEASED.get());
      throw first;
    }
  }
}
