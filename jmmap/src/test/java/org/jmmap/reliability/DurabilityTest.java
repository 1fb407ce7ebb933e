package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.interop.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is flushed survives the writer's death; shared writes reach other processes at once. */
class DurabilityTest {
  @TempDir Path dir;

  @Test
  void everyFlushedRecordSurvivesSigkill() throws Exception {
    int count = 100_000;
    Path f = dir.resolve("records.bin");
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(16L * count);
    }
    Process child =
        new ProcessBuilder(
                ProcessRunner.javaCommand(
                    RChild.class, "records", f.toString(), Integer.toString(count)))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    int flushed = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        flushed = Integer.parseInt(line.substring("flushed ".length()));
        if (flushed >= 2000) {
          break;
        }
      }
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no unmapping, no last flush
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(flushed >= 2000, "the child said it flushed " + flushed);
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < flushed; i++) {
      assertEquals(i, b.getLong(16 * i), "record " + i);
      assertEquals(~i, b.getLong(16 * i + 8), "record " + i);
    }
  }

  @Test
  void sharedWritesAreVisibleToAnotherProcessBeforeAnyFlush() throws Exception {
    Path f = Files.write(dir.resolve("shared.bin"), new byte[4096]);
    try (Mmap mine = Mmap.map(f, 0, Access.READ)) {
      Process child =
          new ProcessBuilder(ProcessRunner.javaCommand(RChild.class, "coherence", f.toString()))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        assertEquals("written", out.readLine());
        String expected = "written by the child";
        assertEquals(
            expected, new String(mine.slice(0, expected.length()), StandardCharsets.US_ASCII));
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
          byte[] b = new byte[expected.length()];
          raf.readFully(b);
          assertEquals(expected, new String(b, StandardCharsets.US_ASCII));
        }
        child.getOutputStream().close();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue());
      }
    }
  }
}
