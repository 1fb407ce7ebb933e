package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread that searched once must not keep memory for it: a server may park a hundred thousand
 * virtual threads, each of which searched a map once. Measured in a child JVM, whose heap holds
 * nothing else.
 */
class VirtualThreadMemoryTest {
  private static final int THREADS = 10_000;

  @TempDir Path dir;

  @Test
  void tenThousandParkedVirtualThreadsThatSearchedKeepUnderOneKibibyteEachMoreThanIdleOnes()
      throws Exception {
    ChildJvm.Result r =
        ChildJvm.run(
            dir,
            List.of("-Xmx1g", "-XX:+UseG1GC"),
            VirtualThreadMemoryChild.class,
            Integer.toString(THREADS));
    assertEquals(0, r.status(), r.describe());
    Matcher m = Pattern.compile("idle=(-?\\d+) searched=(-?\\d+)").matcher(r.output());
    assertTrue(m.find(), r.describe());
    long idle = Long.parseLong(m.group(1));
    long searched = Long.parseLong(m.group(2));
    assertTrue(
        searched - idle < 1024,
        "each of "
            + THREADS
            + " parked virtual threads that searched once keeps "
            + (searched - idle)
            + " bytes more than an idle one ("
            + searched
            + " against "
            + idle
            + ")");
  }
}
