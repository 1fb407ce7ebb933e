package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jmmap.Backings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maps dropped without {@code close()} must not starve the process: when {@code open} or {@code
 * mmap} fails for lack of descriptors or address space, jmmap collects the unreachable maps and
 * tries again before it gives up. Each check runs in a child JVM whose limit its shell sets.
 */
class ReclaimTest {
  private static final int OPEN_FILES = 256;
  private static final int COUNT = 3000;

  /** Shared memory reserves its pages and names a file: fewer, still four times the limit. */
  private static final int SHM_COUNT = 1000;

  @TempDir Path dir;

  /**
   * Runs the child under the shell's {@code limit}; it must report {@code limitSeen}, or the check
   * would prove nothing.
   */
  private void allSucceed(
      String kind,
      int count,
      long size,
      String limit,
      String limitSeen,
      List<String> jvm,
      Map<String, String> env)
      throws Exception {
    ContractChild.Result r =
        ContractChild.run(
            dir,
            limit,
            env,
            jvm,
            "reclaim",
            kind,
            Integer.toString(count),
            dir.toString(),
            Long.toString(size));
    String report =
        kind
            + " maps made and dropped unclosed under `"
            + limit
            + "`: exit status "
            + r.status()
            + ", output:\n"
            + r.output()
            + (r.output().contains("NoClassDefFoundError")
                ? "\n(a class could not be loaded once descriptors ran out: the path that reclaims"
                    + " maps must not load classes from the class path)"
                : "");
    assertTrue(r.output().contains(limitSeen), "the child did not run under the limit: " + report);
    assertEquals(0, r.status(), report);
    assertTrue(r.output().contains("ok " + kind + " " + count), report);
  }

  private void underDescriptorLimit(String kind, int count) throws Exception {
    String limit = "ulimit -n " + OPEN_FILES;
    allSucceed(
        kind, count, 4096, limit, "open files limit " + OPEN_FILES, List.of("-Xmx64m"), Map.of());
  }

  @Test
  void everyCallWorksWhileDescriptorsAreExhaustedWithClassesInADirectory() throws Exception {
    // the child's class path is the build's class directories, where each class not yet loaded
    // takes a descriptor to load, and a load that fails then fails for good
    ContractChild.Result r =
        ContractChild.run(dir, "ulimit -n 64", Map.of(), List.of(), "exhausted", dir.toString());
    String report = "exit status " + r.status() + ", output:\n" + r.output();
    assertTrue(r.output().contains("descriptors exhausted"), report);
    assertTrue(r.output().contains("round 0 failed: []"), report);
    assertTrue(r.output().contains("round 1 failed: []"), report);
    assertTrue(r.output().contains("hugePages while exhausted: "), report);
    if (Backings.portable()) {
      assertTrue(r.output().contains("not supported by the portable backing"), report);
    } else {
      assertFalse(
          r.output().contains("hugePages while exhausted: java.lang.UnsupportedOperationException"),
          "a shortage of descriptors is not a missing kernel feature: " + report);
    }
    assertEquals(0, r.status(), report);
  }

  @Test
  void threeThousandFileMapsDroppedUnclosedAllSucceedUnder256OpenFiles() throws Exception {
    underDescriptorLimit("file", COUNT);
  }

  @Test
  void threeThousandAnonymousSharedMapsDroppedUnclosedAllSucceedUnder256OpenFiles()
      throws Exception {
    underDescriptorLimit("anonymous", COUNT);
  }

  @Test
  void aThousandSharedMemoryCreationsDroppedUnclosedAllSucceedUnder256OpenFiles() throws Exception {
    Backings.assumeSharedMemory();
    underDescriptorLimit("shm-create", SHM_COUNT);
  }

  @Test
  void aThousandSharedMemoryOpensDroppedUnclosedAllSucceedUnder256OpenFiles() throws Exception {
    Backings.assumeSharedMemory();
    underDescriptorLimit("shm-open", SHM_COUNT);
  }

  @Test
  void fileMapsDroppedUnclosedSucceedWhenTheyExhaustTheAddressSpace() throws Exception {
    // 200 maps of 64 MiB are 12.5 GiB, far beyond a 2 GiB address space; the JVM itself is
    // kept small so that the limit binds on the maps, not on the JVM's own reservations
    allSucceed(
        "file-read",
        200,
        64L << 20,
        "ulimit -v 2000000",
        "address space limit " + 2000000L * 1024,
        List.of(
            "-Xmx64m",
            "-XX:+UseSerialGC",
            "-XX:ReservedCodeCacheSize=64m",
            "-XX:CompressedClassSpaceSize=64m",
            "-XX:MaxMetaspaceSize=128m"),
        Map.of("MALLOC_ARENA_MAX", "2"));
  }

  private static final int PLATFORM_THREADS = 8;
  private static final int VIRTUAL_THREADS = 32;

  /** Runs {@link ReclaimThreadsChild#many} under {@code limit}; every map must succeed. */
  private void manyThreads(
      int perThread, long size, String kinds, String limit, String limitSeen, List<String> jvm)
      throws Exception {
    manyThreads(PLATFORM_THREADS, VIRTUAL_THREADS, perThread, size, kinds, limit, limitSeen, jvm);
  }

  private void manyThreads(
      int platformThreads,
      int virtualThreads,
      int perThread,
      long size,
      String kinds,
      String limit,
      String limitSeen,
      List<String> jvm)
      throws Exception {
    ContractChild.Result r =
        ContractChild.run(
            dir,
            limit,
            Map.of("MALLOC_ARENA_MAX", "2"),
            jvm,
            "reclaim-threads",
            Integer.toString(platformThreads),
            Integer.toString(virtualThreads),
            Integer.toString(perThread),
            dir.toString(),
            Long.toString(size),
            kinds);
    String report =
        platformThreads
            + " platform and "
            + virtualThreads
            + " virtual threads, each making "
            + perThread
            + " "
            + kinds
            + " maps dropped unclosed under `"
            + limit
            + "`: exit status "
            + r.status()
            + ", output:\n"
            + r.output();
    assertTrue(r.output().contains(limitSeen), "the child did not run under the limit: " + report);
    assertEquals(0, r.status(), report);
    int all = (platformThreads + virtualThreads) * perThread;
    assertTrue(r.output().contains("ok " + all), report);
  }

  private void manyThreadsUnder128OpenFiles(int perThread) throws Exception {
    manyThreads(
        perThread,
        4096,
        "file,anonymous",
        "ulimit -n 128",
        "open files limit 128",
        List.of("-Xmx64m"));
  }

  @Test
  void fortyPlatformAndVirtualThreadsMappingAtOnceAllSucceedUnder128OpenFiles() throws Exception {
    manyThreadsUnder128OpenFiles(Backings.rounds(500)); // each thread runs short many times
  }

  /**
   * More threads than free descriptors: a thread that holds the descriptor of the file it opened
   * while it waits to map it must not keep it from the thread that collects.
   */
  @Test
  void aHundredThreadsMappingAtOnceAllSucceedUnder64OpenFiles() throws Exception {
    manyThreads(
        4,
        96,
        Backings.rounds(30),
        4096,
        "file,anonymous",
        "ulimit -n 64",
        "open files limit 64",
        List.of("-Xmx64m"));
  }

  @Test
  @Tag("long")
  void fortyThreadsMakingTwoThousandMapsEachAllSucceedUnder128OpenFiles() throws Exception {
    manyThreadsUnder128OpenFiles(2000);
  }

  @Test
  void fortyThreadsMappingAtOnceAllSucceedWhenTheyExhaustTheAddressSpace() throws Exception {
    manyThreads(
        10,
        64L << 20,
        "file-read",
        "ulimit -v 2000000",
        "address space limit " + 2000000L * 1024,
        List.of(
            "-Xmx64m",
            "-XX:+UseSerialGC",
            "-XX:ReservedCodeCacheSize=64m",
            "-XX:CompressedClassSpaceSize=64m",
            "-XX:MaxMetaspaceSize=128m"));
  }

  @Test
  void aRealShortageFailsForEveryThreadWithThePublicTypeAndEndsWhenMapsAreClosed()
      throws Exception {
    ContractChild.Result r =
        ContractChild.run(
            dir,
            "ulimit -n 128",
            Map.of(),
            List.of("-Xmx64m"),
            "shortage",
            Integer.toString(PLATFORM_THREADS),
            Integer.toString(VIRTUAL_THREADS),
            dir.toString());
    String report = "exit status " + r.status() + ", output:\n" + r.output();
    assertEquals(0, r.status(), report);
    assertTrue(r.output().contains("errno=24"), "the first failure is not EMFILE: " + report);
    int all = PLATFORM_THREADS + VIRTUAL_THREADS;
    assertTrue(
        r.output().contains("while short: {SystemCallException errno=24=" + all + "}"),
        "every thread must fail with SystemCallException (EMFILE): " + report);
    assertTrue(
        r.output().contains("after closing half: {mapped=" + all + "}"),
        "once maps are closed, every thread must map again: " + report);
  }
}
