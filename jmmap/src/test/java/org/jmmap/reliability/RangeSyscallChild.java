package org.jmmap.reliability;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.jmmap.Access;
import org.jmmap.Mmap;

/**
 * The child JVM of {@link RangeSyscallRaceTest}: threads call {@code madvise}, {@code msync}
 * ({@code flush}) and {@code fstat} ({@code size()}) on a map while the main thread shrinks, grows
 * and closes it; after every shrink and close the main thread maps fresh memory and fills heap
 * arrays (canaries), which a system call on a stale range would zero. Prints {@code ok} and counts,
 * or {@code FAIL} lines and exits with status 1.
 */
public final class RangeSyscallChild {
  static final int PS = Mmap.PAGESIZE;
  static final int BIG_PAGES = 64;
  static final long BIG = (long) BIG_PAGES * PS;
  static final int ADVISORS = 2;

  /** Every advice but {@code MADV_HWPOISON}, which poisons the pages for real when run as root. */
  static final int[] ADVICE =
      java.util.Arrays.stream(org.jmmap.Advice.values())
          .mapToInt(org.jmmap.Advice::value)
          .toArray();

  private RangeSyscallChild() {}

  private final List<String> failures = new ArrayList<>();

  private synchronized void fail(String what) {
    if (failures.size() < 20) {
      failures.add(what);
    }
  }

  private synchronized int failureCount() {
    return failures.size();
  }

  /**
   * Runs the check.
   *
   * @param args the kind of map ({@code file}, {@code private}, {@code shared}), the number of
   *     rounds, the seed, and a directory for the file
   * @throws Exception if the set-up fails
   */
  public static void main(String[] args) throws Exception {
    String kind = args[0];
    int rounds = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    Path dir = Path.of(args[3]);
    RangeSyscallChild c = new RangeSyscallChild();
    String summary = c.run(kind, rounds, seed, dir);
    if (c.failures.isEmpty()) {
      System.out.println("ok " + summary);
      System.exit(0);
    }
    for (String f : c.failures) {
      System.out.println("FAIL " + f);
    }
    System.out.println("failed " + summary);
    System.exit(1);
  }

  private static Mmap open(String kind, Path file) throws IOException {
    return switch (kind) {
      case "file" -> Mmap.map(file, 0, Access.WRITE);
      case "private" -> Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(BIG);
      case "shared" -> Mmap.anonymous(BIG);
      default -> throw new IllegalArgumentException("kind " + kind);
    };
  }

  private String run(String kind, int rounds, long seed, Path dir) throws Exception {
    Path file = dir.resolve("syscall-race.bin");
    if (kind.equals("file")) {
      Files.write(file, new byte[(int) BIG]);
    }
    AtomicReference<Mmap> current = new AtomicReference<>(open(kind, file));
    AtomicBoolean done = new AtomicBoolean();
    AtomicLongArray ops = new AtomicLongArray(ADVISORS);
    List<Thread> advisors = new ArrayList<>();
    for (int t = 0; t < ADVISORS; t++) {
      int id = t;
      SplittableRandom rnd = new SplittableRandom(seed + 1 + t);
      advisors.add(
          Thread.ofPlatform()
              .name("advisor-" + t)
              .start(
                  () -> {
                    while (!done.get()) {
                      systemCall(current.get(), rnd, seed);
                      ops.incrementAndGet(id);
                    }
                  }));
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    AtomicInteger overlaps = new AtomicInteger();
    int shrinks = 0;
    int closes = 0;
    int regrowFailures = 0;
    try {
      for (int round = 0; round < rounds && failureCount() == 0; round++) {
        Mmap m = current.get();
        long address = m.segment().address();
        if (round % 64 == 63) {
          m.close();
          closes++;
          canaries(address, BIG, rnd, ops, overlaps, "round " + round + " after close");
          current.set(open(kind, file));
        } else {
          long small = (1 + rnd.nextInt(BIG_PAGES / 2)) * (long) PS;
          m.resize(small);
          shrinks++;
          canaries(
              address + small,
              BIG - small,
              rnd,
              ops,
              overlaps,
              "round " + round + " after resize(" + small + ")");
          try {
            m.resize(BIG);
          } catch (IOException e) {
            // mremap fails with EFAULT once advice such as MADV_DONTFORK on part of the map split
            // it into several kernel mappings; start again with a fresh map
            regrowFailures++;
            m.close();
            if (kind.equals("file")) {
              try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(BIG);
              }
            }
            current.set(open(kind, file));
          }
        }
      }
    } finally {
      done.set(true);
      for (Thread t : advisors) {
        t.join();
      }
      current.get().close();
    }
    return String.format(
        Locale.ROOT,
        "kind=%s seed=%d rounds=%d shrinks=%d closes=%d failed-regrows=%d"
            + " canaries-in-freed-range=%d",
        kind,
        seed,
        rounds,
        shrinks,
        closes,
        regrowFailures,
        overlaps.get());
  }

  /** {@return whether the advice changes pages rather than the flags of the range} */
  private static boolean discards(int advice) {
    return advice == Mmap.MADV_DONTNEED
        || advice == Mmap.MADV_REMOVE
        || advice == Mmap.MADV_FREE
        || advice == Mmap.MADV_WILLNEED;
  }

  /** One call on the map's range, with arguments that fit the map's largest length. */
  private void systemCall(Mmap m, SplittableRandom rnd, long seed) {
    int op = rnd.nextInt(10);
    // mostly the advice that discards memory; the rest rarely, since advice that changes a
    // part of the map's flags splits it, and a split map cannot grow
    int advice =
        rnd.nextInt(4) != 0
            ? (rnd.nextBoolean() ? Mmap.MADV_DONTNEED : Mmap.MADV_REMOVE)
            : ADVICE[rnd.nextInt(ADVICE.length)];
    if (op < 4 && rnd.nextInt(64) != 0 && !discards(advice)) {
      op = 4;
    }
    long start = (long) rnd.nextInt(BIG_PAGES) * PS;
    long length = 1 + rnd.nextLong(BIG);
    String call =
        switch (op) {
          case 0, 1, 2, 3 -> "madvise(" + advice + ", " + start + ", " + length + ")";
          case 4, 5 -> "madvise(" + advice + ")";
          case 6, 7 -> "flush(" + start + ", " + Math.min(length, BIG - start) + ")";
          case 8 -> "flush()";
          default -> "size()";
        };
    try {
      switch (op) {
        case 0, 1, 2, 3 -> m.madvise(advice, start, length);
        case 4, 5 -> m.madvise(advice);
        case 6, 7 -> m.flush(start, Math.min(length, BIG - start));
        case 8 -> m.flush();
        default -> m.size();
      }
    } catch (IllegalStateException | IllegalArgumentException e) {
      // closed or remapped concurrently, or the range is no longer inside the map
    } catch (UncheckedIOException | IOException e) {
      // ENOMEM means part of the range was not mapped: the call ran on a range the map had
      // already given up, which another mapping may have taken
      if (String.valueOf(e.getMessage()).contains("ENOMEM")) {
        fail(call + " ran on a range that was no longer mapped (seed " + seed + "): " + e);
      }
    } catch (Throwable e) {
      fail(call + " threw an undocumented " + e + " (seed " + seed + ")");
    }
  }

  /**
   * Maps fresh memory of the freed range's size, private and shared, writes a pattern into every
   * page and into heap arrays, waits until every advisor has made one more call, and checks that
   * the pattern is intact.
   */
  private void canaries(
      long freedFrom,
      long size,
      SplittableRandom rnd,
      AtomicLongArray ops,
      AtomicInteger overlaps,
      String when)
      throws IOException {
    long pattern = rnd.nextLong() | 1;
    List<Mmap> maps = new ArrayList<>();
    try {
      maps.add(Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(size));
      maps.add(Mmap.anonymous(size));
      for (Mmap c : maps) {
        MemorySegment s = c.segment();
        for (long p = 0; p < size; p += PS) {
          s.set(ValueLayout.JAVA_LONG, p, pattern ^ p);
        }
        long a = s.address();
        if (a < freedFrom + size && freedFrom < a + size) {
          overlaps.incrementAndGet();
        }
      }
      long[][] heap = new long[8][(int) (size / 8)];
      for (long[] h : heap) {
        java.util.Arrays.fill(h, pattern);
      }
      long[] before = new long[ADVISORS];
      for (int t = 0; t < ADVISORS; t++) {
        before[t] = ops.get(t);
      }
      // bounded: a starved advisor must not stall the run
      long deadline = System.nanoTime() + 200_000_000L;
      for (int t = 0; t < ADVISORS; t++) {
        while (ops.get(t) < before[t] + 1 && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
      }
      for (int i = 0; i < maps.size(); i++) {
        MemorySegment s = maps.get(i).segment();
        for (long p = 0; p < size; p += PS) {
          long got = s.get(ValueLayout.JAVA_LONG, p);
          if (got != (pattern ^ p)) {
            fail(
                String.format(
                    Locale.ROOT,
                    "%s: a fresh %s anonymous map at 0x%x lost its contents at offset %d (0x%x):"
                        + " %d instead of %d",
                    when,
                    i % 2 == 0 ? "MAP_PRIVATE" : "shared",
                    s.address(),
                    p,
                    s.address() + p,
                    got,
                    pattern ^ p));
            break;
          }
        }
      }
      for (long[] h : heap) {
        for (int k = 0; k < h.length; k++) {
          if (h[k] != pattern) {
            fail(when + ": a heap array lost its contents at index " + k);
            break;
          }
        }
      }
    } finally {
      for (Mmap c : maps) {
        c.close();
      }
    }
  }
}
