package org.jmmap.reliability;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** A small tmpfs for tests of full file systems (needs root, as CI has; elsewhere skipped). */
final class Tmpfs {
  private Tmpfs() {}

  /** {@return a tmpfs mounted at {@code dir/fs} with {@code options}, e.g. {@code size=1m}} */
  static Path mount(Path dir, String options) throws Exception {
    Path mount = dir.resolve("fs");
    Files.createDirectories(mount);
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", mount.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assumeTrue(p.waitFor() == 0, "cannot mount a tmpfs here (needs root): " + out);
    return mount;
  }

  /** Unmounts what {@link #mount} mounted, if it did. */
  static void unmount(Path mount) throws Exception {
    if (mount != null) {
      new ProcessBuilder("umount", mount.toString()).start().waitFor();
    }
  }
}
