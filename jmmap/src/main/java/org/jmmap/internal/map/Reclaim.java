package org.jmmap.internal.map;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.jmmap.internal.ffi.OsException;

/**
 * Retries a call that failed for lack of descriptors or address space after letting the garbage
 * collector find maps that nobody closed and nobody can reach: each holds a descriptor and a
 * mapping until its cleaner runs. The JDK reserves direct buffer memory the same way.
 */
final class Reclaim {
  private static final AtomicLong MAPPED = new AtomicLong(); // bytes of generations not unmapped

  /** Counts bytes mapped ({@code delta > 0}) or unmapped ({@code delta < 0}). */
  static void mapped(long delta) {
    MAPPED.addAndGet(delta);
  }

  private static final int MAX_SLEEPS = 10; // 1 + 2 + ... + 512 ms: about a second in all

  private Reclaim() {}

  /** A call into the OS. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws IOException;
  }

  /**
   * {@return the call's result}, retried after a garbage collection, for about a second in all,
   * while it fails with {@code EMFILE} or {@code ENFILE}, or with {@code ENOMEM} when maps not yet
   * unmapped hold at least {@code bytes}: a collection can release no more than they hold, so a
   * request that large maps cannot make room for fails at once
   *
   * @param bytes how much address space the call asks for; 0 when it asks for a descriptor
   */
  static <T> T retrying(long bytes, Call<T> call) throws IOException {
    try {
      return call.run();
    } catch (OsException e) {
      if (!e.isResourceShortage() || (e.errno() == OsException.ENOMEM && MAPPED.get() < bytes)) {
        throw e;
      }
      return retry(call, e);
    }
  }

  private static <T> T retry(Call<T> call, OsException first) throws IOException {
    long sleep = 1;
    for (int i = 0; i < MAX_SLEEPS; i++) {
      System.gc();
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw first;
      }
      sleep <<= 1;
      try {
        return call.run();
      } catch (OsException again) {
        if (!again.isResourceShortage()) {
          throw again;
        }
        // the cleaner may still be releasing what the collection found: wait longer
      }
    }
    throw first;
  }
}
