package org.jmmap.internal;

import java.io.IOException;
import org.jmmap.internal.ffi.OsException;

/**
 * Retries a call that failed for lack of descriptors or address space after letting the garbage
 * collector find maps that nobody closed and nobody can reach: each holds a descriptor and a
 * mapping until its cleaner runs. The JDK reserves direct buffer memory the same way.
 */
final class Reclaim {
  private static final int MAX_SLEEPS = 10; // 1 + 2 + ... + 512 ms: about a second in all

  private Reclaim() {}

  /** A call into the OS. */
  @FunctionalInterface
  interface Call<T> {
    T run() throws IOException;
  }

  /**
   * {@return the call's result}, retried after a garbage collection, for about a second in all,
   * while it fails with {@code EMFILE}, {@code ENFILE} or {@code ENOMEM}
   */
  static <T> T retrying(Call<T> call) throws IOException {
    try {
      return call.run();
    } catch (OsException e) {
      if (!e.isResourceShortage()) {
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
