package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.IntStream;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Mmap#madvise} takes only the advice on its allow-list, whatever int it is given: every
 * other value, including those the kernel gives a meaning to ({@code MADV_HWPOISON} poisons a page
 * for real when run as root; {@code MADV_GUARD_INSTALL}, 102 since Linux 6.13, makes the next
 * access a SIGSEGV that kills the JVM), is refused with {@link IllegalArgumentException} before the
 * kernel sees it, and no advice leaves the map unusable from Java.
 *
 * <p>Whatever may reach the kernel on a build without the allow-list runs in a child JVM. The child
 * never passes {@code MADV_HWPOISON} or {@code MADV_SOFT_OFFLINE} with a non-empty range unless the
 * build refused them with an empty one: the kernel returns at once for an empty range, before it
 * looks at those two, so that probe is harmless on any build.
 */
class AdviceFuzzTest {
  static final int PS = Mmap.PAGESIZE;
  static final long LENGTH = 3L * PS + 5; // not a page multiple: the last page is partly the map's

  /** The advice jmmap accepts; every other int must be refused. */
  static final int[] ALLOWED =
      java.util.Arrays.stream(org.jmmap.Advice.values())
          .mapToInt(org.jmmap.Advice::value)
          .toArray();

  /** Advice that leaves the bytes of every kind of map as they are. */
  static final int[] KEEPS_BYTES = {
    Mmap.MADV_NORMAL, Mmap.MADV_RANDOM, Mmap.MADV_SEQUENTIAL, Mmap.MADV_WILLNEED,
    Mmap.MADV_DONTFORK, Mmap.MADV_DOFORK, Mmap.MADV_MERGEABLE, Mmap.MADV_UNMERGEABLE,
    Mmap.MADV_HUGEPAGE, Mmap.MADV_NOHUGEPAGE, Mmap.MADV_DONTDUMP, Mmap.MADV_DODUMP,
    Mmap.MADV_POPULATE_READ, Mmap.MADV_POPULATE_WRITE
  };

  static final int SOFT_OFFLINE = 101;

  /**
   * Values Linux gives a meaning to that are not on the allow-list: WIPEONFORK to PAGEOUT (18 to
   * 21), DONTNEED_LOCKED and COLLAPSE (24, 25), HWPOISON, SOFT_OFFLINE, GUARD_INSTALL and
   * GUARD_REMOVE (100 to 103).
   */
  static final int[] KERNEL_ONLY = {18, 19, 20, 21, 24, 25, 100, 101, 102, 103};

  @TempDir Path dir;

  enum Kind {
    ANONYMOUS_SHARED("shared anonymous memory"),
    ANONYMOUS_PRIVATE("private anonymous memory"),
    FILE_SHARED("a shared file map"),
    FILE_PRIVATE("a private file map");

    final String what;

    Kind(String what) {
      this.what = what;
    }
  }

  static boolean allowed(int advice) {
    return Arrays.stream(ALLOWED).anyMatch(a -> a == advice);
  }

  static byte[] pattern(long n) {
    byte[] b = new byte[(int) n];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  /** {@return a new map of {@link #LENGTH} bytes of {@link #pattern}} */
  static Mmap make(Kind kind, Path dir) throws IOException {
    Mmap m;
    switch (kind) {
      case ANONYMOUS_SHARED -> m = Mmap.anonymous(LENGTH);
      case ANONYMOUS_PRIVATE -> m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(LENGTH);
      default -> {
        Path f = Files.write(Files.createTempFile(dir, "advice", ".bin"), pattern(LENGTH));
        return kind == Kind.FILE_SHARED
            ? Mmap.map(f, 0, Access.WRITE)
            : Mmap.options().flags(Mmap.MAP_PRIVATE).map(f);
      }
    }
    m.setSlice(0, LENGTH, pattern(LENGTH));
    return m;
  }

  /**
   * Reads every byte and writes every page back. A page that advice made unusable fails here with
   * an exception, or (a guard page) ends the JVM.
   */
  static void useEveryPage(Mmap m) {
    byte[] all = m.slice(0, m.length());
    for (int i = 0; i < all.length; i += PS) {
      m.set(i, all[i]);
    }
    m.set(all.length - 1, all[all.length - 1]);
  }

  interface Call {
    void run() throws Exception;
  }

  static Throwable outcome(Call c) {
    try {
      c.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  /**
   * {@return what is wrong with {@code t}, the outcome of {@code madvise(advice, start, length)} on
   * an open map of {@code mapLength} bytes, or null} The checks come in CPython's order: start,
   * negative length, then the advice.
   */
  static String judge(int advice, long start, long length, long mapLength, Throwable t) {
    if (start < 0 || start >= mapLength || length < 0 || length > Long.MAX_VALUE - start) {
      return t instanceof IllegalArgumentException
          ? null
          : "start or length out of range, but " + Problems.what(t);
    }
    if (!allowed(advice)) {
      if (t == null) {
        return "advice off the allow-list accepted";
      }
      if (!(t instanceof IllegalArgumentException)) {
        return "advice off the allow-list refused with "
            + t.getClass().getSimpleName()
            + " instead of IllegalArgumentException";
      }
      return Problems.names(t.getMessage(), advice)
          ? null
          : "IllegalArgumentException for advice off the allow-list does not name the value";
    }
    return t == null || t instanceof UncheckedIOException
        ? null
        : "allowed advice refused with " + Problems.what(t);
  }

  // ---------------------------------------------------------------- in this JVM

  @Test
  void everyAllowedAdviceIsTakenOrRefusedByTheKernelAndLeavesTheMapUsable() throws Exception {
    Problems problems = new Problems();
    for (Kind kind : Kind.values()) {
      for (int advice : ALLOWED) {
        long[][] ranges = {{0, Long.MAX_VALUE}, {0, LENGTH}, {PS, PS}, {2L * PS, 0}, {3, 1}};
        for (int i = -1; i < ranges.length; i++) {
          try (Mmap m = make(kind, dir)) {
            long start = i < 0 ? 0 : ranges[i][0];
            long length = i < 0 ? LENGTH : ranges[i][1];
            String call =
                i < 0
                    ? "madvise(" + advice + ")"
                    : "madvise(" + advice + ", " + start + ", " + length + ")";
            Throwable t =
                i < 0
                    ? outcome(() -> m.madvise(advice))
                    : outcome(() -> m.madvise(advice, start, length));
            String p = judge(advice, start, length, LENGTH, t);
            if (p != null) {
              problems.add(p, call + " on " + kind.what);
            }
            Throwable use = outcome(() -> useEveryPage(m));
            if (use != null) {
              problems.add(
                  "map unusable after allowed advice",
                  call + " on " + kind.what + ": " + Problems.what(use));
            } else if (Arrays.stream(KEEPS_BYTES).anyMatch(a -> a == advice)
                && !Arrays.equals(pattern(LENGTH), m.slice(0, LENGTH))) {
              problems.add("bytes changed by advice that keeps them", call + " on " + kind.what);
            }
          }
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.toString());
  }

  /**
   * An empty range: the kernel returns before it acts on any advice, so this is harmless even on a
   * build that passes the value on, and shows whether the build refuses it first.
   */
  @Test
  void adviceThatOnlyTheKernelKnowsIsRefusedBeforeTheKernelSeesIt() throws Exception {
    Problems problems = new Problems();
    for (int advice : KERNEL_ONLY) {
      try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(PS)) {
        String p = judge(advice, 0, 0, PS, outcome(() -> m.madvise(advice, 0, 0)));
        if (p != null) {
          problems.add(p, Integer.toString(advice));
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.toString());
  }

  @Test
  void aClosedMapRefusesAnyAdviceWithIllegalStateExceptionBeforeLookingAtIt() throws Exception {
    int[] advice = {
      Mmap.MADV_NORMAL,
      Mmap.MADV_DONTNEED,
      Mmap.MADV_HWPOISON,
      102,
      9999,
      -1,
      Integer.MIN_VALUE,
      Integer.MAX_VALUE
    };
    long[] starts = {0, -1, LENGTH, Long.MIN_VALUE, Long.MAX_VALUE};
    Problems problems = new Problems();
    for (Kind kind : Kind.values()) {
      Mmap m = make(kind, dir);
      m.close();
      for (int a : advice) {
        Throwable t = outcome(() -> m.madvise(a));
        if (!(t instanceof IllegalStateException)) {
          problems.add(
              "closed map", "madvise(" + a + ") on " + kind.what + ": " + Problems.what(t));
        }
        for (long s : starts) {
          Throwable u = outcome(() -> m.madvise(a, s, -1));
          if (!(u instanceof IllegalStateException)) {
            problems.add(
                "closed map",
                "madvise(" + a + ", " + s + ", -1) on " + kind.what + ": " + Problems.what(u));
          }
        }
      }
    }
    assertTrue(problems.isEmpty(), problems.toString());
  }

  /**
   * The start, then a negative length, are reported before the advice, as CPython checks them. The
   * poison value is only ever paired with an unaligned start here, which the kernel refuses before
   * it acts on the advice.
   */
  @Test
  void anOutOfRangeStartOrANegativeLengthIsReportedBeforeTheAdvice() throws Exception {
    Problems problems = new Problems();
    try (Mmap m = make(Kind.ANONYMOUS_PRIVATE, dir)) {
      for (int a : new int[] {Mmap.MADV_NORMAL, Mmap.MADV_HWPOISON, 102, 9999, -7}) {
        for (long s : new long[] {-1, LENGTH, LENGTH + 2, Long.MAX_VALUE, Long.MIN_VALUE + 1}) {
          Throwable t = outcome(() -> m.madvise(a, s, PS));
          if (!(t instanceof IllegalArgumentException) || !Problems.names(t.getMessage(), s)) {
            problems.add(
                "bad start not reported first",
                "madvise(" + a + ", " + s + ", " + PS + "): " + Problems.what(t));
          }
        }
        for (long n : new long[] {-1, -PS, Long.MIN_VALUE}) {
          Throwable t = outcome(() -> m.madvise(a, 1, n));
          if (!(t instanceof IllegalArgumentException) || !Problems.names(t.getMessage(), n)) {
            problems.add(
                "negative length not reported first",
                "madvise(" + a + ", 1, " + n + "): " + Problems.what(t));
          }
        }
      }
      assertArrayEquals(pattern(LENGTH), m.slice(0, LENGTH));
    }
    assertTrue(problems.isEmpty(), problems.toString());
  }

  // ---------------------------------------------------------------- in a child JVM

  @Test
  void everyIntOffTheAllowListIsRefusedAndNoAdviceLeavesAMapUnusable() throws Exception {
    sweepInAChild(100_000, false);
  }

  @Test
  @Tag("long")
  void everyIntOffTheAllowListIsRefusedOnEveryMapWithEveryOverload() throws Exception {
    sweepInAChild(300_000, true);
  }

  private void sweepInAChild(int randoms, boolean everyCombination) throws Exception {
    long seed = Long.getLong("jmmap.fuzz.seed", System.nanoTime());
    FuzzChild.Run run =
        FuzzChild.run(
            dir,
            List.of(),
            "advice",
            dir.toString(),
            Long.toString(seed),
            Integer.toString(randoms),
            Boolean.toString(everyCombination));
    List<String> problems = run.lines("PROBLEM");
    List<String> calls = run.lines("CALL");
    boolean done = !run.lines("DONE").isEmpty();
    assertTrue(
        run.exit() == 0 && done && problems.isEmpty(),
        "seed "
            + seed
            + " (-Djmmap.fuzz.seed="
            + seed
            + " replays it), "
            + run.describe()
            + (run.exit() != 0 && !calls.isEmpty()
                ? "\nthe last call the child began: " + calls.getLast()
                : "")
            + "\n"
            + String.join("\n", problems));
  }

  /**
   * {@return every int in [-4096, 4096], every int with one or two bits set, and the extremes},
   * without the allowed advice
   */
  static int[] fixedValues() {
    Set<Integer> v = new LinkedHashSet<>();
    IntStream.rangeClosed(-4096, 4096).forEach(v::add);
    for (int i = 0; i < 32; i++) {
      v.add(1 << i);
      for (int j = i + 1; j < 32; j++) {
        v.add((1 << i) | (1 << j));
      }
    }
    v.add(Integer.MIN_VALUE);
    v.add(Integer.MAX_VALUE);
    return v.stream().mapToInt(Integer::intValue).filter(a -> !allowed(a)).toArray();
  }

  /** A start or length from anywhere in the long range, with the values that matter most. */
  static long wide(RandomGenerator r, long len) {
    long[] special = {
      Long.MIN_VALUE,
      Long.MIN_VALUE + 1,
      Long.MAX_VALUE,
      Long.MAX_VALUE - 1,
      -1,
      0,
      1,
      len - 1,
      len,
      len + 1,
      PS - 1,
      PS,
      PS + 1,
      2L * PS,
      -PS,
      1L << 31,
      1L << 32,
      1L << 47,
      1L << 48,
      1L << 62,
      Long.MAX_VALUE - PS + 1
    };
    return switch (r.nextInt(4)) {
      case 0, 1 -> special[r.nextInt(special.length)];
      case 2 -> r.nextLong();
      default -> r.nextLong(-2 * len, 2 * len);
    };
  }

  /** A start inside the map (mostly page-aligned) and a length up to past its end. */
  static long[] inside(RandomGenerator r, long len) {
    long start = r.nextInt(4) == 0 ? r.nextLong(len) : PS * r.nextLong((len + PS - 1) / PS);
    long[] lengths = {0, 1, PS, len, len - start, Long.MAX_VALUE - start, r.nextLong(2 * len)};
    return new long[] {start, lengths[r.nextInt(lengths.length)]};
  }

  /** One value to try on some of the maps with some of the overloads. */
  record Trial(int advice, int[] kinds, int[] overloads) {}

  private static final int[] ALL_KINDS = {0, 1, 2, 3};
  private static final int[] ALL_OVERLOADS = {0, 1, 2};

  /**
   * The child's sweep. First every value with an empty range (harmless: for an empty range the
   * kernel only checks that it knows the advice, and returns), which shows both whether the build
   * refuses the value and whether the kernel knows it. Then every value with the three overloads on
   * every kind of map (a random value: on one kind, with one overload, unless {@code
   * everyCombination}): values the kernel rejects first, the ones it takes after them (a crash
   * there is the defect; "CALL" lines say which call began it), and the two that damage the machine
   * last, only if the build refused them. Prints "PROBLEM" lines and, at the end, "DONE".
   */
  static void everyAdvice(Path dir, long seed, int randoms, boolean everyCombination)
      throws Exception {
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    List<Trial> trials = new ArrayList<>();
    for (int v : fixedValues()) {
      trials.add(new Trial(v, ALL_KINDS, ALL_OVERLOADS));
    }
    for (int i = 0; i < randoms; i++) {
      int v = r.nextInt();
      if (!allowed(v)) {
        trials.add(
            everyCombination
                ? new Trial(v, ALL_KINDS, ALL_OVERLOADS)
                : new Trial(v, new int[] {i % 4}, new int[] {(i / 4) % 3}));
      }
    }
    Mmap[] maps = new Mmap[Kind.values().length];
    for (int k = 0; k < maps.length; k++) {
      maps[k] = make(Kind.values()[k], dir);
    }
    Problems problems = new Problems();
    Set<Integer> kernelKnows = new TreeSet<>();
    Set<Integer> notRefused = new TreeSet<>();
    long calls = 0;
    long t0 = System.nanoTime();
    for (Trial trial : trials) {
      int v = trial.advice();
      for (int k : trial.kinds()) {
        Throwable t = outcome(() -> maps[k].madvise(v, 0, 0));
        calls++;
        if (t == null) {
          kernelKnows.add(v);
        }
        if (!(t instanceof IllegalArgumentException)) {
          notRefused.add(v);
        }
        String p = judge(v, 0, 0, LENGTH, t);
        if (p != null) {
          problems.add(
              p + " (empty range)",
              "madvise("
                  + v
                  + ", 0, 0) on "
                  + Kind.values()[k].what
                  + (t == null ? "" : ": " + Problems.what(t)));
        }
      }
    }
    print(problems);
    List<Trial> ordinary = new ArrayList<>();
    List<Trial> risky = new ArrayList<>();
    List<Trial> damaging = new ArrayList<>();
    for (Trial trial : trials) {
      int v = trial.advice();
      if (v == Mmap.MADV_HWPOISON || v == SOFT_OFFLINE) {
        if (!notRefused.contains(v)) {
          damaging.add(trial);
        }
      } else {
        (kernelKnows.contains(v) ? risky : ordinary).add(trial);
      }
    }
    calls += sweep(maps, r, ordinary, false);
    calls += sweep(maps, r, risky, true);
    calls += sweep(maps, r, damaging, true);
    if (damaging.isEmpty()) {
      System.out.println(
          "SKIPPED madvise(100) and madvise(101) with non-empty ranges: this build"
              + " does not refuse them, and the kernel may poison or offline a page");
    }
    for (Mmap m : maps) {
      m.close();
    }
    System.out.printf(
        Locale.ROOT,
        "DONE %d values, %d calls in %d ms; the kernel knows %s%n",
        trials.size(),
        calls,
        (System.nanoTime() - t0) / 1_000_000,
        kernelKnows);
  }

  private static void print(Problems problems) {
    for (String l : problems.lines()) {
      System.out.println("PROBLEM " + l);
    }
    System.out.flush();
  }

  /**
   * Makes every call of {@code trials} and prints the problems; with {@code announce}, each call is
   * printed before it is made and its problems right after it. {@return how many calls}
   */
  private static long sweep(Mmap[] maps, RandomGenerator r, List<Trial> trials, boolean announce) {
    Problems problems = new Problems();
    long calls = 0;
    for (Trial trial : trials) {
      int v = trial.advice();
      for (int k : trial.kinds()) {
        Mmap m = maps[k];
        String on = " on " + Kind.values()[k].what;
        for (int overload : trial.overloads()) {
          long[] range =
              overload == 0
                  ? new long[] {0, LENGTH}
                  : overload == 1
                      ? inside(r, LENGTH)
                      : new long[] {wide(r, LENGTH), wide(r, LENGTH)};
          String call =
              overload == 0
                  ? "madvise(" + v + ")"
                  : "madvise(" + v + ", " + range[0] + ", " + range[1] + ")";
          if (announce) {
            System.out.println("CALL " + call + on);
            System.out.flush();
          }
          Throwable t =
              overload == 0
                  ? outcome(() -> m.madvise(v))
                  : outcome(() -> m.madvise(v, range[0], range[1]));
          calls++;
          String p = judge(v, range[0], range[1], LENGTH, t);
          if (p != null) {
            problems.add(p, call + on + (t == null ? "" : ": " + Problems.what(t)));
          }
          // a refused call cannot have changed the map; check those now and then
          if (!(t instanceof IllegalArgumentException) || calls % 256 == 0) {
            Throwable use = outcome(() -> useEveryPage(m));
            if (use != null) {
              problems.add("map unusable after advice", call + on + ": " + Problems.what(use));
            }
          }
          if (announce && !problems.isEmpty()) {
            print(problems);
            problems = new Problems();
          }
        }
      }
    }
    for (int k = 0; k < maps.length; k++) {
      Mmap m = maps[k];
      Throwable use = outcome(() -> useEveryPage(m));
      if (use != null) {
        problems.add(
            "map unusable at the end of a sweep",
            Kind.values()[k].what + ": " + Problems.what(use));
      }
    }
    print(problems);
    return calls;
  }
}
