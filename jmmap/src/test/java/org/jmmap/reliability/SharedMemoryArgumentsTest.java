package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.jmmap.SharedMemory;
import org.junit.jupiter.api.Test;

/**
 * {@link SharedMemory#create(String, long, int)} over the whole range of its size and mode: a size
 * that is not positive and a mode with bits beyond {@code 0777} are refused before anything is
 * created, a size no file system can hold fails with an {@link IOException}, and neither leaves an
 * entry in {@code /dev/shm}. Sizes between a few pages and the size of {@code /dev/shm} are left
 * out on purpose: they would really take that much memory.
 */
class SharedMemoryArgumentsTest {
  private static final long SMALL = 1L << 16;
  private static final long HUGE = 1L << 50; // far beyond any /dev/shm

  private static String name(String what) {
    return "jmmap_args_" + what + "_" + ProcessHandle.current().pid();
  }

  @Test
  void everySizeOverTheWholeLongRangeIsRefusedCreatedOrFailsWithoutLeavingAnEntry()
      throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    List<Long> sizes =
        new ArrayList<>(
            List.of(
                Long.MIN_VALUE,
                -1L,
                0L,
                1L,
                4095L,
                4096L,
                4097L,
                SMALL,
                HUGE,
                Long.MAX_VALUE,
                Long.MAX_VALUE - 4095,
                1L << 62));
    for (int i = 0; i < 200; i++) {
      long v = r.nextLong();
      // keep the values that cannot allocate real memory: refused ones and impossible ones
      sizes.add(v <= 0 || v >= HUGE ? v : r.nextLong(1, SMALL));
    }
    String n = name("size");
    Path entry = Path.of("/dev/shm", n);
    List<String> problems = new ArrayList<>();
    for (long size : sizes) {
      try (SharedMemory shm = SharedMemory.create(n, size)) {
        if (size <= 0 || size >= HUGE) {
          problems.add("size " + size + " was created");
        } else if (shm.size() != size || shm.mmap().length() != size) {
          problems.add("size " + size + " gave " + shm.size());
        } else {
          shm.mmap().set(size - 1, (byte) 1);
        }
        shm.unlink();
      } catch (IllegalArgumentException e) {
        if (size > 0) {
          problems.add("size " + size + ": " + e);
        }
        assertTrue(e.getMessage().contains(Long.toString(size)), e.getMessage());
      } catch (IOException e) {
        if (size < HUGE) {
          problems.add("size " + size + ": " + e);
        }
      } catch (RuntimeException e) {
        problems.add("size " + size + ": undocumented " + e);
      }
      if (Files.exists(entry)) {
        Files.delete(entry);
        problems.add("size " + size + " left " + entry);
      }
    }
    assertEquals(List.of(), problems, "seed " + seed);
  }

  @Test
  void everyModeOverTheWholeIntRangeIsRefusedOrGivesExactlyThosePermissions() throws IOException {
    long seed = System.nanoTime();
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    List<Integer> modes = new ArrayList<>(List.of(Integer.MIN_VALUE, Integer.MAX_VALUE, -1, 0));
    for (int bit = 0; bit < 32; bit++) {
      modes.add(1 << bit);
    }
    for (int m = 0; m <= 07777; m += 7) {
      modes.add(m);
    }
    for (int i = 0; i < 300; i++) {
      modes.add(r.nextInt());
    }
    String n = name("mode");
    Path entry = Path.of("/dev/shm", n);
    for (int mode : modes) {
      boolean allowed = (mode & ~0777) == 0;
      try (SharedMemory shm = SharedMemory.create(n, 4096, mode)) {
        if (!allowed) {
          fail("seed " + seed + ": mode 0" + Integer.toOctalString(mode) + " was created");
        }
        // the process's umask (0022 here or stricter) may only take bits away
        int actual = Files.getAttribute(entry, "unix:mode") instanceof Integer i ? i & 0777 : -1;
        assertEquals(0, actual & ~mode, "seed " + seed + ": mode 0" + Integer.toOctalString(mode));
        shm.unlink();
      } catch (IllegalArgumentException e) {
        if (allowed) {
          fail("seed " + seed + ": mode 0" + Integer.toOctalString(mode) + ": " + e);
        }
      } finally {
        Files.deleteIfExists(entry);
      }
      assertFalse(Files.exists(entry));
    }
  }
}
