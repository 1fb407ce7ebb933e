package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jmmap.internal.map.Opener;
import org.junit.jupiter.api.function.Executable;

/**
 * Which backing the tests run on: the Linux layer, or the portable one forced for a run. A child
 * JVM that a test starts maps through the same backing as the test: {@link #childOptions()} gives
 * it the forced backing, and {@link #checkChild()}, first thing in its main, proves it.
 */
public final class Backings {
  /** What every refusal of the portable backing tells the user to do. */
  public static final String HOW = "--enable-native-access=org.jmmap";

  /** The property that tells a child JVM which backing its parent's maps go through. */
  private static final String PARENT = "jmmap.test.parentBacking";

  private Backings() {}

  /** {@return whether this JVM maps through the portable backing} */
  public static boolean portable() {
    return "portable".equals(System.getProperty("jmmap.backing"));
  }

  /**
   * {@return how many rounds, cycles or maps a long check makes}: {@code n}, but a tenth of it in
   * the portable run of {@code ./build test}, which repeats suites of the Linux layer and must keep
   * the build short; {@code ./build long} makes them all there too (it runs the excluded groups,
   * which the portable run passes on as {@code jmmap.excludedGroups})
   */
  public static int rounds(int n) {
    return shortRun() ? Math.max(1, n / 10) : n;
  }

  /**
   * {@return whether this is the portable run of {@code ./build test}}, which makes a tenth of the
   * rounds of a long check ({@link #rounds})
   */
  public static boolean shortRun() {
    return portable() && System.getProperty("jmmap.excludedGroups", "long").contains("long");
  }

  /** {@return the backing this JVM maps through: {@code native} or {@code portable}} */
  public static String current() {
    return Opener.system().backing();
  }

  /**
   * Skips the calling test on the portable backing, once it has checked that the backing refuses
   * named shared memory ({@link SharedMemory}) with an {@link UnsupportedOperationException} that
   * names it and says how to get it.
   */
  public static void assumeSharedMemory() {
    if (portable()) {
      String name = "jmmap_never_" + ProcessHandle.current().pid();
      for (Executable call :
          new Executable[] {() -> SharedMemory.create(name, 4096), () -> SharedMemory.open(name)}) {
        var e = assertThrows(UnsupportedOperationException.class, call);
        assertTrue(
            e.getMessage().contains("SharedMemory") && e.getMessage().contains(HOW),
            e.getMessage());
      }
    }
    assumeFalse(
        portable(),
        "named shared memory (SharedMemory) is not supported by the portable backing, which"
            + " refuses it as checked here");
  }

  /**
   * {@return the options that make a child JVM map through this JVM's backing}: the forced backing,
   * if one is, and the backing the child checks in {@link #checkChild()}
   */
  public static List<String> childOptions() {
    List<String> options = new ArrayList<>();
    String forced = System.getProperty("jmmap.backing");
    if (forced != null) {
      options.add("-Djmmap.backing=" + forced);
    }
    options.add("-D" + PARENT + "=" + current());
    return options;
  }

  /**
   * Checks that this child JVM maps through the backing its parent maps through, by the {@code
   * toString()} of a map it makes. Does nothing in a JVM that no test started.
   *
   * @throws IOException if the map cannot be made
   * @throws AssertionError if the backings differ
   */
  public static void checkChild() throws IOException {
    String parent = System.getProperty(PARENT);
    if (parent == null) {
      return;
    }
    try (Mmap m = Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(1)) {
      if (!m.toString().endsWith(", backing=" + parent + "]")) {
        throw new AssertionError(
            "the child JVM does not map through its parent's backing ("
                + parent
                + "): "
                + m
                + "; -Djmmap.backing="
                + System.getProperty("jmmap.backing"));
      }
    }
  }
}
