package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.jmmap.SharedMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SharedMemory#create} racing {@link SharedMemory#open} and another {@code create} of the
 * same name: the memory appears under its name whole, so an {@code open} finds either no such
 * object or all of it, never an empty one; of two {@code create}s exactly one wins and the other is
 * told the name is taken.
 */
class SharedMemoryRaceTest {
  private final long seed = System.nanoTime();
  private final RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
  private final ExecutorService pool = Executors.newFixedThreadPool(3);
  private final String name = "jmmap_race_" + ProcessHandle.current().pid();
  private final Path entry = Path.of("/dev/shm", name);

  @AfterEach
  void stopAndClean() throws IOException {
    pool.shutdownNow();
    Files.deleteIfExists(entry);
  }

  private long size() {
    return random.nextBoolean() ? random.nextLong(1, 3 * 4096) : 4096L * random.nextInt(1, 9);
  }

  /**
   * {@return what an {@code open} that retries while there is no such object found}: null when it
   * found the whole object, otherwise a description of the problem
   */
  private String openUntilFound(CyclicBarrier start, AtomicBoolean made, long size)
      throws Exception {
    start.await();
    while (true) {
      boolean last = made.get(); // read before the attempt: after it, the object must be found
      try (SharedMemory s = SharedMemory.open(name)) {
        return s.size() == size ? null : "open saw size " + s.size() + " of " + size;
      } catch (NoSuchFileException e) {
        if (last) {
          return "open found no object after create returned: " + e;
        }
      } catch (IOException | RuntimeException e) {
        return "open threw " + e;
      }
    }
  }

  /** {@return null when create made the object, "taken" when the name was taken, or a problem} */
  private String create(CyclicBarrier start, AtomicBoolean made, long size) throws Exception {
    start.await();
    try (SharedMemory s = SharedMemory.create(name, size)) {
      made.set(true);
      return s.size() == size ? null : "create made size " + s.size() + " of " + size;
    } catch (FileAlreadyExistsException e) {
      made.set(true); // another create made it
      return "taken";
    } catch (IOException | RuntimeException e) {
      made.set(true); // so that the open stops waiting
      return "create threw " + e;
    }
  }

  @Test
  void openRacingCreateFindsNoObjectOrTheWholeOneInAThousandRounds() throws Exception {
    List<String> problems = new ArrayList<>();
    for (int round = 0; round < 1000 && problems.size() < 5; round++) {
      long size = size();
      CyclicBarrier start = new CyclicBarrier(3);
      AtomicBoolean made = new AtomicBoolean();
      // two openers, so that one is likely to be trying at the instant the name appears
      List<Callable<String>> parties =
          List.of(
              () -> create(start, made, size),
              () -> openUntilFound(start, made, size),
              () -> openUntilFound(start, made, size));
      for (Future<String> f : pool.invokeAll(parties)) {
        if (f.get() != null) {
          problems.add("round " + round + ", size " + size + ": " + f.get());
        }
      }
      Files.deleteIfExists(entry);
    }
    assertEquals(List.of(), problems, "seed " + seed);
  }

  @Test
  void twoCreatesAndAnOpenRacingHaveOneWinnerAndTheOpenNeverSeesItHalfMade() throws Exception {
    List<String> problems = new ArrayList<>();
    for (int round = 0; round < 300 && problems.size() < 5; round++) {
      long size = size();
      CyclicBarrier start = new CyclicBarrier(3);
      AtomicBoolean made = new AtomicBoolean();
      List<Callable<String>> parties =
          List.of(
              () -> create(start, made, size),
              () -> create(start, made, size),
              () -> openUntilFound(start, made, size));
      List<String> results = new ArrayList<>();
      for (Future<String> f : pool.invokeAll(parties)) {
        results.add(f.get());
      }
      List<String> creates = results.subList(0, 2);
      boolean oneWinner = creates.contains(null) && creates.contains("taken");
      if (!oneWinner || results.get(2) != null) {
        problems.add(
            "round " + round + ", size " + size + ": create, create, open gave " + results);
      }
      Files.deleteIfExists(entry);
    }
    assertEquals(List.of(), problems, "seed " + seed);
  }
}
