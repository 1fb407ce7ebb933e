package org.jmmap.internal.map;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Whether anonymous memory can live in huge pages here: in pages the administrator reserved ({@code
 * HugePages_*} in {@code /proc/meminfo}, set by {@code /proc/sys/vm/nr_hugepages}), mapped with
 * {@code MAP_HUGETLB}; or in transparent huge pages when asked with {@code MADV_HUGEPAGE}, which
 * {@code /sys/kernel/mm/transparent_hugepage/enabled} allows for private memory, {@code
 * shmem_enabled} for shared memory, which lives in a memory file.
 */
public final class HugePages {
  private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage");
  private static final Path MEMINFO = Path.of("/proc/meminfo");

  private HugePages() {}

  /**
   * {@return null if {@code madvise(MADV_HUGEPAGE)} gives anonymous memory huge pages here, or why
   * it does not}
   *
   * @param shared whether the memory is shared (a memory file) rather than private
   * @throws IOException if the setting exists but cannot be read (no descriptor left, say)
   */
  public static String refusal(boolean shared) throws IOException {
    String name = shared ? "shmem_enabled" : "enabled";
    Path setting = THP.resolve(name);
    String value;
    try {
      value = selected(Files.readString(setting));
    } catch (NoSuchFileException e) {
      return "this kernel has no transparent huge pages (" + setting + " does not exist)";
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

  /**
   * {@return the size of the reserved huge pages that {@code length} bytes can be mapped in now},
   * or 0 where fewer of them are free for new maps than it takes (none reserved, or taken): the
   * default huge page size, {@code Hugepagesize} in {@code /proc/meminfo}; free are {@code
   * HugePages_Free} less {@code HugePages_Rsvd}, which maps already made hold. Another process may
   * take them before the map is made, which {@code mmap(2)} then refuses with {@code ENOMEM}.
   *
   * @param length at least 1
   * @throws IOException if {@code /proc/meminfo} exists but cannot be read
   */
  public static long reservedFor(long length) throws IOException {
    long[] pool = pool();
    long size = pool[0];
    if (size <= 0 || length > Long.MAX_VALUE - size) {
      return 0;
    }
    return pool[1] >= roundUp(length, size) / size ? size : 0;
  }

  /**
   * {@return why {@code length} bytes cannot be mapped in reserved huge pages now}, for a refusal
   *
   * @param length at least 1
   * @throws IOException if {@code /proc/meminfo} exists but cannot be read
   */
  public static String poolShortage(long length) throws IOException {
    long[] pool = pool();
    if (pool[0] <= 0) {
      return MEMINFO + " names no huge page size";
    }
    String pages = "reserved huge pages of " + (pool[0] >> 10) + " kB";
    if (pool[2] == 0) {
      return "no " + pages + " exist (HugePages_Total is 0; /proc/sys/vm/nr_hugepages sets it)";
    }
    long needed = length > Long.MAX_VALUE - pool[0] ? -1 : roundUp(length, pool[0]) / pool[0];
    return pool[1]
        + " of "
        + pool[2]
        + " "
        + pages
        + " are free for new maps, and the map needs "
        + (needed < 0 ? "more" : Long.toString(needed));
  }

  /**
   * {@return the default huge page size in bytes, how many huge pages are free for new maps and how
   * many exist}, from {@code /proc/meminfo}; zeros where there is none or it names no huge pages
   *
   * @throws IOException if it exists but cannot be read
   */
  private static long[] pool() throws IOException {
    long size = 0;
    long free = 0;
    long reserved = 0;
    long total = 0;
    try {
      for (String line : Files.readAllLines(MEMINFO)) {
        if (line.startsWith("Hugepagesize:")) {
          size = number(line) << 10;
        } else if (line.startsWith("HugePages_Free:")) {
          free = number(line);
        } else if (line.startsWith("HugePages_Rsvd:")) {
          reserved = number(line);
        } else if (line.startsWith("HugePages_Total:")) {
          total = number(line);
        }
      }
    } catch (NoSuchFileException | RuntimeException e) {
      return new long[3];
    }
    return new long[] {size, Math.max(0, free - reserved), total};
  }

  /**
   * {@return the number in a line of {@code /proc/meminfo} such as {@code Hugepagesize: 2048 kB}}
   */
  private static long number(String line) {
    String[] words = line.substring(line.indexOf(':') + 1).strip().split("\\s+");
    return Long.parseLong(words[0]);
  }

  /** {@return {@code length} rounded up to a multiple of {@code size}, a power of two} */
  static long roundUp(long length, long size) {
    return (length + size - 1) & -size;
  }
}
