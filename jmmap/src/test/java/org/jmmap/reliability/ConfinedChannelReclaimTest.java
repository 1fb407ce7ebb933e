package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.jmmap.Mmap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A confined map of a {@code FileChannel} lives in a shared arena of the JDK's that is never
 * closed; dropped unclosed, resized before, or left behind by an owner thread that ended, every
 * such mapping must still be unmapped once the garbage collector finds it unreachable.
 */
class ConfinedChannelReclaimTest {
  private static final int COUNT = 1500;

  @TempDir Path dir;

  /** {@return how many lines of /proc/self/maps map {@code file}} */
  private static long mappingsOf(Path file) throws IOException {
    String name = file.toRealPath().toString();
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
      return lines.filter(l -> l.endsWith(name)).count();
    }
  }

  private static Mmap make(String how, FileChannel channel, int i) throws Exception {
    return switch (how) {
      case "dropped" -> Mmap.options().confined().map(channel);
      case "resized" -> {
        Mmap m = Mmap.options().confined().map(channel);
        m.resize(4L * Mmap.PAGESIZE + (i % 3) * Mmap.PAGESIZE);
        m.resize(4L * Mmap.PAGESIZE);
        yield m;
      }
      case "owner-ended" -> {
        Mmap[] made = new Mmap[1];
        Exception[] failed = new Exception[1];
        Thread owner =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        made[0] = Mmap.options().confined().map(channel);
                        made[0].get(i % Mmap.PAGESIZE);
                      } catch (Exception e) {
                        failed[0] = e;
                      }
                    });
        owner.join();
        if (failed[0] != null) {
          throw failed[0];
        }
        yield made[0];
      }
      default -> throw new IllegalArgumentException(how);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"dropped", "resized", "owner-ended"})
  void confinedChannelMapsDroppedUnclosedAreAllUnmappedByTheGarbageCollector(String how)
      throws Exception {
    Path f = Files.write(dir.resolve(how + ".bin"), new byte[4 * Mmap.PAGESIZE]);
    try (FileChannel channel =
        FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      for (int i = 0; i < COUNT; i++) {
        Mmap m = make(how, channel, i);
        if (!how.equals("owner-ended")) {
          m.set(i % Mmap.PAGESIZE, (byte) i);
        }
      }
      long left = mappingsOf(f);
      // the cleaner runs after a collection finds the maps; give it a few collections
      for (int round = 0; round < 50 && left > 0; round++) {
        System.gc();
        Thread.sleep(20);
        left = mappingsOf(f);
      }
      assertEquals(0, left, how + ": mappings of the file left after " + COUNT + " dropped maps");
    }
  }
}
