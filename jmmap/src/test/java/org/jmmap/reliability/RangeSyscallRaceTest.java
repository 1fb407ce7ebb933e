package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every system call on a map's range ({@code madvise} with every advice, {@code msync} through
 * {@code flush}, {@code fstat} through {@code size()}) runs on the mapping that is live under the
 * map's lock, never on a range that a concurrent {@code resize} or {@code close} gave up: there it
 * would reach memory that the next mapping (another map, the JVM's own) has taken. Racing them
 * throws only the documented exceptions ({@link IllegalStateException}, {@link
 * IllegalArgumentException}, {@link java.io.UncheckedIOException}, {@link java.io.IOException}).
 * The race runs in a child JVM ({@link RangeSyscallChild}), since corrupted memory may crash it.
 */
class RangeSyscallRaceTest {
  static final long SEED = Long.getLong("jmmap.seed", System.nanoTime());
  private static final Pattern OVERLAPS = Pattern.compile("canaries-in-freed-range=(\\d+)");
  @TempDir Path dir;

  private void race(String kind, int rounds) throws Exception {
    ChildJvm.Result r =
        ChildJvm.run(
            dir,
            RangeSyscallChild.class,
            kind,
            Integer.toString(rounds),
            Long.toString(SEED),
            dir.toString());
    System.out.println("RangeSyscallRaceTest " + kind + ": " + r.output().strip());
    assertEquals(0, r.status(), "seed " + SEED + ": " + r.describe());
    Matcher m = OVERLAPS.matcher(r.output());
    assertTrue(
        m.find() && Long.parseLong(m.group(1)) > 0,
        "seed "
            + SEED
            + ": no fresh map ever landed where the map had been, so a stale system"
            + " call could not have been seen: "
            + r.describe());
  }

  @ParameterizedTest(name = "{0} map")
  @ValueSource(strings = {"file", "private", "shared"})
  void systemCallsOnAMapNeverReachMemoryThatAConcurrentResizeOrCloseFreed(String kind)
      throws Exception {
    race(kind, 100);
  }

  @Tag("long")
  @ParameterizedTest(name = "{0} map, 2,000 rounds")
  @ValueSource(strings = {"file", "private", "shared"})
  void systemCallsOnAMapNeverReachFreedMemoryInTwoThousandRounds(String kind) throws Exception {
    race(kind, 2000);
  }
}
