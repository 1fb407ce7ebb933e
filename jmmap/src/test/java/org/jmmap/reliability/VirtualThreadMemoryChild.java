package org.jmmap.reliability;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.jmmap.Mmap;

/**
 * Parks {@code N} virtual threads that did nothing, then {@code N} that each searched a map once,
 * and prints the heap that each group retains per thread: {@code idle=B searched=B}.
 */
public final class VirtualThreadMemoryChild {
  private VirtualThreadMemoryChild() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    byte[] absent = "needle that is not there".getBytes(StandardCharsets.US_ASCII);
    AtomicLong found = new AtomicLong();
    CountDownLatch release = new CountDownLatch(1);
    try (Mmap m = Mmap.anonymous(256 << 10)) {
      m.setSlice(m.size() - 1, m.size(), new byte[] {'\n'});
      long before = usedHeap();
      park(n, release, () -> {});
      long idle = usedHeap();
      park(
          n,
          release,
          () -> {
            // each call scans far past the in-place phase, so it needs a chunk buffer
            found.addAndGet(m.find(absent) + m.rfind(absent) + m.find(new byte[] {'\n'}, 1000));
          });
      long searched = usedHeap();
      release.countDown();
      if (found.get() != (long) n * (-2 + m.size() - 1)) {
        throw new AssertionError("wrong search results: " + found.get());
      }
      System.out.printf("idle=%d searched=%d%n", (idle - before) / n, (searched - idle) / n);
    }
  }

  /** Starts {@code n} virtual threads that run {@code work}, then park until {@code release}. */
  private static void park(int n, CountDownLatch release, Runnable work)
      throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      Thread.ofVirtual()
          .start(
              () -> {
                work.run();
                ready.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
    }
    ready.await();
  }

  private static long usedHeap() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }
}
