package org.jmmap.internal.map;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the kernel gives anonymous memory transparent huge pages when asked with {@code
 * MADV_HUGEPAGE}: {@code /sys/kernel/mm/transparent_hugepage/enabled} for private memory, {@code
 * shmem_enabled} for shared memory, which lives in a memory file.
 */
public final class HugePages {
  private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage");

  private HugePages() {}

  /**
   * {@return null if {@code madvise(MADV_HUGEPAGE)} gives anonymous memory huge pages here, or why
   * it does not}
   *
   * @param shared whether the memory is shared (a memory file) rather than private
   */
  public static String refusal(boolean shared) {
    String name = shared ? "shmem_enabled" : "enabled";
    Path setting = THP.resolve(name);
    String value;
    try {
      value = selected(Files.readString(setting));
    } catch (IOException e) {
      return "this kernel has no transparent huge pages (" + setting + " cannot be read)";
    }
    boolean ok =
        shared
            ? value.equals("always")
                || value.equals("within_size")
                || value.equals("advise")
                || value.equals("force")
            : value.equals("always") || value.equals("madvise");
    if (ok) {
      return null;
    }
    return setting
        + " is ["
        + value
        + "], so the kernel gives "
        + (shared ? "shared" : "private")
        + " anonymous memory no huge pages when asked ("
        + (shared
            ? "it needs advise, always or within_size there; or map MAP_PRIVATE memory"
            : "it needs madvise or always there")
        + ")";
  }

  /** {@return the bracketed choice of a sysfs setting such as {@code always [madvise] never}} */
  static String selected(String setting) {
    int open = setting.indexOf('[');
    int close = setting.indexOf(']', open + 1);
    return open < 0 || close < 0 ? setting.strip() : setting.substring(open + 1, close);
  }
}
