package org.jmmap.reliability;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.Stream;
import org.jmmap.Mmap;
import org.jmmap.ReadOnlyMmapException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link org.jmmap.MmapOptions#flags(int)} and {@link org.jmmap.MmapOptions#prot(int)} take only
 * their allow-lists, over the whole int range: every other value is refused with {@link
 * IllegalArgumentException} naming it, before anything is created or changed, and every allowed
 * value makes a map that works. The seed is in every failure; {@code -Djmmap.fuzz.seed=N} replays
 * it.
 */
class OptionsFuzzTest {
  static final int PS = Mmap.PAGESIZE;
  static final int LENGTH = 2 * PS;

  /** Flags a map may add to exactly one of MAP_SHARED and MAP_PRIVATE. */
  static final int OPTIONAL =
      Mmap.MAP_NORESERVE
          | Mmap.MAP_POPULATE
          | Mmap.MAP_DENYWRITE
          | Mmap.MAP_EXECUTABLE
          | Mmap.MAP_STACK;

  /** Linux values with a meaning that jmmap must refuse (x86-64 numbering). */
  static final int MAP_SHARED_VALIDATE = 3;

  static final int MAP_DROPPABLE = 0x08;
  static final int MAP_FIXED = 0x10;
  static final int MAP_32BIT = 0x40;
  static final int MAP_GROWSDOWN = 0x100;
  static final int MAP_LOCKED = 0x2000;
  static final int MAP_NONBLOCK = 0x10000;
  static final int MAP_HUGETLB = 0x40000;
  static final int MAP_SYNC = 0x80000;
  static final int MAP_FIXED_NOREPLACE = 0x100000;
  static final int MAP_UNINITIALIZED = 0x4000000;

  @TempDir Path dir;

  static boolean fileFlagsAllowed(int flags) {
    int type = flags & ~OPTIONAL;
    return type == Mmap.MAP_SHARED || type == Mmap.MAP_PRIVATE;
  }

  static boolean anonymousFlagsAllowed(int flags) {
    return fileFlagsAllowed(flags & ~Mmap.MAP_ANONYMOUS);
  }

  static boolean protAllowed(int prot) {
    return prot != 0 && (prot & ~(Mmap.PROT_READ | Mmap.PROT_WRITE | Mmap.PROT_EXEC)) == 0;
  }

  static byte[] pattern() {
    return AdviceFuzzTest.pattern(LENGTH);
  }

  /**
   * {@return the values to try}: every single bit, every pair of bits, the named values alone and
   * with each type, every allowed combination, and random ints, some of them with a valid map type
   * so that unknown bits beside a valid type are tried densely.
   */
  static int[] values(RandomGenerator r, int randoms) {
    Set<Integer> v = new LinkedHashSet<>();
    for (int x :
        new int[] {0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, MAP_SHARED_VALIDATE, 7, 8, 15}) {
      v.add(x);
    }
    for (int i = 0; i < 32; i++) {
      v.add(1 << i);
      for (int j = i + 1; j < 32; j++) {
        v.add((1 << i) | (1 << j));
      }
    }
    int[] named = {
      Mmap.MAP_ANONYMOUS,
      MAP_DROPPABLE,
      MAP_FIXED,
      MAP_32BIT,
      MAP_GROWSDOWN,
      MAP_LOCKED,
      MAP_NONBLOCK,
      MAP_HUGETLB,
      MAP_SYNC,
      MAP_FIXED_NOREPLACE,
      MAP_UNINITIALIZED,
      MAP_HUGETLB | (21 << 26),
      MAP_HUGETLB | (30 << 26)
    };
    for (int n : named) {
      for (int type : new int[] {0, 1, 2, 3}) {
        v.add(n | type);
        v.add(n | type | OPTIONAL);
        v.add(n | type | Mmap.MAP_ANONYMOUS);
      }
    }
    for (int type = 1; type <= 2; type++) {
      for (int extra = 0; extra < 64; extra++) {
        int flags = type;
        int bit = 0;
        for (int o :
            new int[] {
              Mmap.MAP_NORESERVE,
              Mmap.MAP_POPULATE,
              Mmap.MAP_DENYWRITE,
              Mmap.MAP_EXECUTABLE,
              Mmap.MAP_STACK,
              Mmap.MAP_ANONYMOUS
            }) {
          if ((extra & (1 << bit++)) != 0) {
            flags |= o;
          }
        }
        v.add(flags);
      }
    }
    for (int i = 0; i < randoms; i++) {
      int x = r.nextInt();
      v.add(x);
      v.add((x & ~0xf) | 1 + r.nextInt(2));
    }
    return v.stream().mapToInt(Integer::intValue).toArray();
  }

  private long seed;
  private RandomGenerator random;

  private void seed() {
    seed = Long.getLong("jmmap.fuzz.seed", System.nanoTime());
    random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
  }

  private String seedNote() {
    return "seed " + seed + " (-Djmmap.fuzz.seed=" + seed + " replays it)\n";
  }

  static long openDescriptors() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  interface Maker {
    Mmap make() throws Exception;
  }

  /**
   * Tries one value: {@code allowed} must make a map that {@code works} accepts, anything else must
   * throw IllegalArgumentException naming the value, and the file must stay as it was.
   */
  private static void attempt(
      String what,
      int value,
      boolean allowed,
      boolean hexOnly,
      Maker maker,
      Path file,
      MapCheck works,
      Problems problems)
      throws Exception {
    Mmap m = null;
    Throwable t = null;
    try {
      m = maker.make();
    } catch (Throwable e) {
      t = e;
    }
    String example = String.format(java.util.Locale.ROOT, "%s 0x%x", what, value);
    try {
      if (allowed) {
        if (m != null) {
          String wrong = works.check(m);
          if (wrong != null) {
            problems.add(what + ": an allowed value made a map that " + wrong, example);
          }
        } else if (!(t instanceof UnsupportedOperationException && what.contains("channel"))
            && !(t instanceof IOException
                && (value & Mmap.PROT_EXEC) != 0
                && what.contains("prot"))) {
          problems.add(what + ": allowed value refused", example + ": " + Problems.what(t));
        }
      } else if (m != null) {
        String reads = "";
        if (file != null) {
          Mmap made = m;
          Throwable read =
              AdviceFuzzTest.outcome(
                  () -> {
                    if (made.get(0) != pattern()[0]) {
                      throw new IllegalStateException();
                    }
                  });
          reads = read == null ? "" : " (the map does not show the file)";
        }
        problems.add(what + ": value off the allow-list accepted" + reads, example);
      } else if (!(t instanceof IllegalArgumentException)) {
        problems.add(
            what
                + ": value off the allow-list refused with "
                + (t == null ? "nothing" : t.getClass().getSimpleName())
                + " instead of IllegalArgumentException",
            example + ": " + Problems.what(t));
      } else if (hexOnly
          ? !Problems.namesHex(t.getMessage(), value)
          : !Problems.names(t.getMessage(), value)) {
        problems.add(
            what
                + ": the IllegalArgumentException does not name the value"
                + (hexOnly ? " in hex" : ""),
            example + ": " + Problems.what(t));
      }
    } finally {
      if (m != null) {
        m.close();
      }
    }
    if (file != null && !allowed) {
      byte[] now = Files.readAllBytes(file);
      if (!java.util.Arrays.equals(pattern(), now)) {
        problems.add(what + ": a refused value changed the file", example);
        Files.write(file, pattern());
      }
    }
  }

  interface MapCheck {
    /** {@return what is wrong with a map made with an allowed value, or null} */
    String check(Mmap m) throws Exception;
  }

  /** A map made with allowed flags maps the file, and shares writes only when MAP_SHARED. */
  static MapCheck fileMapWorks(Path file, int flags) {
    return m -> {
      if (m.length() != LENGTH || m.get(PS) != pattern()[PS]) {
        return "does not show the file";
      }
      m.set(PS, (byte) (m.get(PS) + 1));
      m.flush();
      byte[] now = Files.readAllBytes(file);
      boolean shared = (flags & Mmap.MAP_PRIVATE) == 0;
      byte[] expected = pattern();
      if (shared) {
        expected[PS]++;
      }
      Files.write(file, pattern());
      return java.util.Arrays.equals(expected, now)
          ? null
          : shared ? "does not write through to the file" : "writes through to the file";
    };
  }

  static MapCheck anonymousMapWorks() {
    return m -> {
      m.set(LENGTH - 1, (byte) 5);
      return m.length() == LENGTH && m.get(0) == 0 && m.get(LENGTH - 1) == 5
          ? null
          : "does not hold what was written";
    };
  }

  /** Allowed prot: without PROT_WRITE the map is read-only, with it writable. */
  static MapCheck protWorks(int prot) {
    return m -> {
      boolean writable = (prot & Mmap.PROT_WRITE) != 0;
      m.get(0);
      try {
        m.set(0, m.get(0));
        return writable ? null : "is writable without PROT_WRITE";
      } catch (ReadOnlyMmapException e) {
        return writable ? "is read-only with PROT_WRITE" : null;
      }
    };
  }

  // ---------------------------------------------------------------- flags

  @Test
  void mapAnonymousOnAFileMapIsRefusedRatherThanMappingZeros() throws Exception {
    Path f = Files.write(dir.resolve("anon"), pattern());
    for (int flags :
        new int[] {Mmap.MAP_SHARED | Mmap.MAP_ANONYMOUS, Mmap.MAP_PRIVATE | Mmap.MAP_ANONYMOUS}) {
      Throwable t =
          AdviceFuzzTest.outcome(
              () -> {
                try (Mmap m = Mmap.options().flags(flags).map(f)) {
                  m.set(0, (byte) 99);
                  throw new AssertionError(
                      String.format(
                          java.util.Locale.ROOT,
                          "flags=0x%x made a map of the file that reads %d where the file has %d",
                          flags,
                          m.get(1),
                          pattern()[1]));
                }
              });
      assertTrue(
          t instanceof IllegalArgumentException && Problems.namesHex(t.getMessage(), flags),
          String.valueOf(t));
    }
    assertArrayEquals(pattern(), Files.readAllBytes(f));
  }

  @Test
  void everyFlagsValueOffTheAllowListIsRefusedAndEveryAllowedOneWorks() throws Exception {
    sweepFlags(5_000);
  }

  @Test
  @Tag("long")
  void everyFlagsValueOffTheAllowListIsRefusedWithManyRandomValues() throws Exception {
    sweepFlags(200_000);
  }

  private void sweepFlags(int randoms) throws Exception {
    seed();
    Path f = Files.write(dir.resolve("flags"), pattern());
    Problems problems = new Problems();
    long fds = openDescriptors();
    try (FileChannel ch = FileChannel.open(f, READ, WRITE)) {
      for (int flags : values(random, randoms)) {
        boolean file = fileFlagsAllowed(flags);
        attempt(
            "flags on a path map",
            flags,
            file,
            true,
            () -> Mmap.options().flags(flags).map(f),
            f,
            fileMapWorks(f, flags),
            problems);
        attempt(
            "flags on a channel map",
            flags,
            file,
            true,
            () -> Mmap.options().flags(flags).map(ch),
            f,
            fileMapWorks(f, flags),
            problems);
        attempt(
            "flags on anonymous memory",
            flags,
            anonymousFlagsAllowed(flags),
            true,
            () -> Mmap.options().flags(flags).anonymous(LENGTH),
            null,
            anonymousMapWorks(),
            problems);
      }
    }
    assertEquals(fds, openDescriptors(), seedNote() + "descriptors leaked\n" + problems);
    assertArrayEquals(pattern(), Files.readAllBytes(f));
    assertTrue(problems.isEmpty(), seedNote() + problems);
  }

  // ---------------------------------------------------------------- prot

  @Test
  void protMinusOneIsRefusedRatherThanMappingReadWriteExecute() throws Exception {
    Path f = Files.write(dir.resolve("prot"), pattern());
    for (Maker maker :
        new Maker[] {
          () -> Mmap.options().prot(-1).map(f), () -> Mmap.options().prot(-1).anonymous(PS)
        }) {
      Throwable t =
          AdviceFuzzTest.outcome(
              () -> {
                try (Mmap m = maker.make()) {
                  throw new AssertionError("prot(-1) made a map: " + m);
                }
              });
      assertTrue(
          t instanceof IllegalArgumentException && Problems.names(t.getMessage(), -1),
          String.valueOf(t));
    }
    assertArrayEquals(pattern(), Files.readAllBytes(f));
  }

  @Test
  void everyProtValueOffTheAllowListIsRefusedAndEveryAllowedOneWorks() throws Exception {
    sweepProt(5_000);
  }

  @Test
  @Tag("long")
  void everyProtValueOffTheAllowListIsRefusedWithManyRandomValues() throws Exception {
    sweepProt(200_000);
  }

  private void sweepProt(int randoms) throws Exception {
    seed();
    Path f = Files.write(dir.resolve("prot"), pattern());
    Problems problems = new Problems();
    long fds = openDescriptors();
    for (int prot : values(random, randoms)) {
      boolean allowed = protAllowed(prot);
      attempt(
          "prot on a path map",
          prot,
          allowed,
          false,
          () -> Mmap.options().prot(prot).map(f),
          f,
          protWorks(prot),
          problems);
      attempt(
          "prot on anonymous memory",
          prot,
          allowed,
          false,
          () -> Mmap.options().prot(prot).anonymous(LENGTH),
          null,
          protWorks(prot),
          problems);
    }
    assertEquals(fds, openDescriptors(), seedNote() + "descriptors leaked\n" + problems);
    assertArrayEquals(pattern(), Files.readAllBytes(f));
    assertTrue(problems.isEmpty(), seedNote() + problems);
  }
}
