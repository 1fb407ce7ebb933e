package org.jmmap.reliability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.SystemCallException;

/**
 * What {@link ReclaimTest} runs in a child JVM under a descriptor or address-space limit with many
 * threads at once: maps dropped unclosed by platform and virtual threads together, and a shortage
 * that no collection can cure.
 */
final class ReclaimThreadsChild {
  private ReclaimThreadsChild() {}

  /** Starts {@code platform} platform and {@code virtual} virtual threads running {@code work}. */
  private static List<Thread> start(int platform, int virtual, IntWork work) {
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < platform + virtual; t++) {
      int id = t;
      Runnable r =
          () -> {
            try {
              work.run(id);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          };
      threads.add(t < platform ? Thread.ofPlatform().start(r) : Thread.ofVirtual().start(r));
    }
    return threads;
  }

  /** Work of one thread. */
  @FunctionalInterface
  private interface IntWork {
    void run(int thread) throws Exception;
  }

  /**
   * Each thread makes {@code count} maps of {@code kinds} in turn ("file", "file-read",
   * "anonymous") and drops each unclosed; prints {@code ok N} when every one of them succeeded,
   * else the failures by exception.
   */
  static void many(int platform, int virtual, int count, Path dir, long size, String kinds)
      throws Exception {
    System.out.println("open files limit " + ContractChild.softLimit("Max open files"));
    System.out.println("address space limit " + ContractChild.softLimit("Max address space"));
    Path file = dir.resolve("reclaim-threads.bin");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size);
    }
    String[] kind = kinds.split(",");
    AtomicInteger made = new AtomicInteger();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    List<Thread> threads =
        start(
            platform,
            virtual,
            t -> {
              for (int i = 0; i < count; i++) {
                byte v = (byte) i;
                try {
                  switch (kind[(t + i) % kind.length]) {
                    case "file" -> Mmap.map(file, 0, Access.WRITE).set(i % size, v);
                    case "file-read" -> Mmap.map(file, 0, Access.READ).get(i % size);
                    case "anonymous" -> Mmap.anonymous(size).set(i % size, v);
                    default -> throw new IllegalArgumentException(kinds);
                  }
                  made.incrementAndGet();
                } catch (Throwable e) {
                  failures.merge(e.toString(), 1, Integer::sum);
                }
              }
            });
    for (Thread t : threads) {
      t.join();
    }
    int all = (platform + virtual) * count;
    if (!failures.isEmpty()) {
      System.out.println(
          "failed " + (all - made.get()) + " of " + all + ": " + new TreeMap<>(failures));
      System.exit(3);
    }
    System.out.println("ok " + made.get());
  }

  /** Has every thread map {@code file} at once, and counts what each got. */
  private static void everyThreadMaps(
      int platform, int virtual, Path file, Map<String, Integer> outcomes) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads =
        start(
            platform,
            virtual,
            t -> {
              go.await();
              try (Mmap m = Mmap.map(file, 0, Access.READ)) {
                outcomes.merge(m.length() == 4096 ? "mapped" : "wrong length", 1, Integer::sum);
              } catch (SystemCallException e) {
                outcomes.merge("SystemCallException errno=" + e.errno(), 1, Integer::sum);
              } catch (IOException | RuntimeException e) {
                outcomes.merge(e.toString(), 1, Integer::sum);
              }
            });
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
  }

  /**
   * Holds maps until descriptors run out, then has many threads map at once: each must fail with
   * {@link SystemCallException} ({@code EMFILE}), since every descriptor is held by a map that is
   * still reachable. Then closes half of the held maps, after which every thread's map succeeds.
   */
  static void shortage(int platform, int virtual, Path dir) throws Exception {
    Path file = dir.resolve("shortage.bin");
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(4096);
    }
    // every class the threads need is loaded now: once descriptors run out, none can be
    Map<String, Integer> outcomes = new ConcurrentHashMap<>();
    everyThreadMaps(1, 1, file, outcomes);
    System.out.println("before: " + new TreeMap<>(outcomes));
    List<Mmap> held = new ArrayList<>();
    long start = System.nanoTime();
    SystemCallException first = null;
    while (first == null) {
      try {
        held.add(Mmap.map(file, 0, Access.READ));
      } catch (SystemCallException e) {
        first = e;
      }
    }
    System.out.printf(
        "held %d maps; the next failed after %d ms: %s errno=%d%n",
        held.size(), (System.nanoTime() - start) / 1_000_000, first, first.errno());
    outcomes.clear();
    start = System.nanoTime();
    everyThreadMaps(platform, virtual, file, outcomes);
    System.out.printf(
        "while short: %s in %d ms%n",
        new TreeMap<>(outcomes), (System.nanoTime() - start) / 1_000_000);
    for (int i = 0; i < held.size() / 2; i++) {
      held.get(i).close();
    }
    outcomes.clear();
    everyThreadMaps(platform, virtual, file, outcomes);
    System.out.println("after closing half: " + new TreeMap<>(outcomes));
    for (Mmap m : held) {
      m.close();
    }
  }
}
