package org.jmmap.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One map of a sparse 64 GiB file, in a JVM with a 64 MiB heap. */
class BigTest {
  @TempDir Path dir;

  @Test
  void sixtyFourGibMappedWholeWithA64MibHeap() throws Exception {
    String out = RChild.run("-Xmx64m", "big", dir.toString(), Long.toString(64L << 30));
    assertTrue(out.startsWith("ok 64 GiB"), out);
  }
}
