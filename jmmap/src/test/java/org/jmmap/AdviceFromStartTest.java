package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code madvise(option, start)} and {@code madvise(Advice, start)} over the whole range of starts,
 * on every kind of map, shared and confined: a start outside the map is {@link
 * IllegalArgumentException}, an unaligned one inside it the kernel's {@code EINVAL}, an aligned one
 * advice to the end; none changes a byte.
 */
class AdviceFromStartTest {
  private static final int RANDOM_STARTS = 1000;

  @TempDir Path dir;
  private final List<FileChannel> channels = new ArrayList<>();

  /** The kinds of map. */
  enum Kind {
    FILE,
    COPY_FILE,
    CHANNEL,
    SHARED_ANONYMOUS,
    PRIVATE_ANONYMOUS,
    CONFINED_FILE,
    CONFINED_CHANNEL,
    CONFINED_SHARED_ANONYMOUS,
    CONFINED_PRIVATE_ANONYMOUS
  }

  @AfterEach
  void closeChannels() throws IOException {
    for (FileChannel c : channels) {
      c.close();
    }
  }

  private Mmap make(Kind kind, byte[] content) throws IOException {
    Path f = Files.write(dir.resolve(kind + ".bin"), content);
    MmapOptions o = kind.name().startsWith("CONFINED") ? Mmap.options().confined() : Mmap.options();
    Mmap m =
        switch (kind) {
          case FILE, CONFINED_FILE -> o.map(f);
          case COPY_FILE -> o.access(Access.COPY).map(f);
          case CHANNEL, CONFINED_CHANNEL -> {
            FileChannel c = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
            channels.add(c);
            yield o.map(c);
          }
          case SHARED_ANONYMOUS, CONFINED_SHARED_ANONYMOUS -> o.anonymous(content.length);
          case PRIVATE_ANONYMOUS, CONFINED_PRIVATE_ANONYMOUS ->
              o.flags(Mmap.MAP_PRIVATE).anonymous(content.length);
        };
    if (kind.name().endsWith("ANONYMOUS")) {
      m.setSlice(content);
    }
    return m;
  }

  /** {@return "ok", "IAE" or "EINVAL"}: what advice from {@code start} did */
  private static String advise(Mmap m, long start, boolean asEnum) {
    try {
      if (asEnum) {
        m.madvise(Advice.WILLNEED, start);
      } else {
        m.madvise(Mmap.MADV_WILLNEED, start);
      }
      return "ok";
    } catch (IllegalArgumentException e) {
      return "IAE";
    } catch (UncheckedIOException e) {
      return e.getMessage().contains("EINVAL") ? "EINVAL" : "other " + e;
    }
  }

  private static String expected(long start, long length) {
    if (start < 0 || start >= length) {
      return "IAE";
    }
    return start % Mmap.PAGESIZE == 0 ? "ok" : "EINVAL";
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void adviceFromEveryStartNearTheMapAndFromRandomLongsIsTakenOrRefusedAsTheStartSays(Kind kind)
      throws Exception {
    long seed = System.nanoTime();
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    byte[] content = new byte[Mmap.PAGESIZE];
    r.nextBytes(content);
    try (Mmap m = make(kind, content)) {
      long length = m.length();
      List<Long> starts = new ArrayList<>();
      for (long s = -4096; s <= length + 4096; s++) {
        starts.add(s);
      }
      for (int i = 0; i < RANDOM_STARTS; i++) {
        starts.add(r.nextLong());
      }
      starts.addAll(List.of(Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, -length));
      for (long s : starts) {
        for (boolean asEnum : new boolean[] {false, true}) {
          String got = advise(m, s, asEnum);
          if (!got.equals(expected(s, length))) {
            fail(
                kind
                    + " madvise("
                    + (asEnum ? "Advice" : "int")
                    + ", "
                    + s
                    + ") on a map of "
                    + length
                    + " bytes: "
                    + got
                    + ", expected "
                    + expected(s, length)
                    + "; seed="
                    + seed);
          }
        }
      }
      assertEquals(length, m.length(), kind + " seed=" + seed);
      byte[] now = m.slice();
      for (int i = 0; i < content.length; i++) {
        if (now[i] != content[i]) {
          fail(kind + ": advice changed byte " + i + "; seed=" + seed);
        }
      }
    }
  }
}
