package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream and channel views report a map closed under them as an {@link IOException}, as callers
 * of {@link InputStream}, {@link OutputStream} and {@link SeekableByteChannel} expect, and never
 * with anything else: every call of each view ({@code InputStream.read}, {@code skip}, {@code
 * available}, {@code OutputStream.write}, the channel's {@code read}, {@code write}, {@code
 * position} and {@code size}) races {@code close()}. The race runs interpreted in a child JVM
 * ({@link ViewRaceChild}), where a check and a later use of the map are furthest apart; the JIT may
 * merge them into one read.
 */
class ViewRaceTest {
  static final long SEED = Long.getLong("jmmap.seed", System.nanoTime());
  @TempDir Path dir;

  private void interpreted(int rounds) throws Exception {
    ChildJvm.Result r =
        ChildJvm.run(
            dir,
            List.of("-Xint"),
            ViewRaceChild.class,
            dir.toString(),
            Integer.toString(rounds),
            Long.toString(SEED));
    System.out.println("ViewRaceTest: " + r.output().strip());
    assertEquals(0, r.status(), "seed " + SEED + ": " + r.describe());
  }

  @Test
  void everyStreamAndChannelCallReportsAConcurrentCloseAsIoException() throws Exception {
    interpreted(80);
  }

  @Tag("long")
  @Test
  void everyStreamAndChannelCallReportsAConcurrentCloseAsIoExceptionInterpretedLongRun()
      throws Exception {
    interpreted(2000);
  }

  @Tag("long")
  @Test
  void everyStreamAndChannelCallReportsAConcurrentCloseAsIoExceptionCompiled() throws Exception {
    assertEquals(
        List.of(), List.copyOf(ViewRaceChild.race(dir, 3000, SEED).values()), "seed " + SEED);
  }
}
