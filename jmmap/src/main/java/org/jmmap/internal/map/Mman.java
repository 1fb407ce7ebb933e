package org.jmmap.internal.map;

/**
 * The {@code <sys/mman.h>} values jmmap uses, as Linux defines them on x86_64 and aarch64 (the
 * generic and x86 headers agree on every value here). {@code org.jmmap.Mmap} re-exports the ones
 * Python's {@code mmap} module exports; nothing else writes these numbers out.
 */
public final class Mman {
  private Mman() {}

  /** Pages may be read. */
  public static final int PROT_READ = 1;

  /** Pages may be written. */
  public static final int PROT_WRITE = 2;

  /** Pages may be executed. */
  public static final int PROT_EXEC = 4;

  /** Share changes with the file and with other maps of it. */
  public static final int MAP_SHARED = 1;

  /** Copy-on-write. */
  public static final int MAP_PRIVATE = 2;

  /** Both type bits: the mask of a map's type, and {@code MAP_SHARED_VALIDATE} as a value. */
  public static final int MAP_TYPE = 3;

  /** Anonymous memory. */
  public static final int MAP_ANONYMOUS = 0x20;

  /** Ignored by Linux. */
  public static final int MAP_DENYWRITE = 0x800;

  /** Ignored by Linux. */
  public static final int MAP_EXECUTABLE = 0x1000;

  /** Reserve no swap space. */
  public static final int MAP_NORESERVE = 0x4000;

  /** Fault every page in when mapping. */
  public static final int MAP_POPULATE = 0x8000;

  /** Memory for a thread stack. */
  public static final int MAP_STACK = 0x20000;

  /** {@code madvise(2)}: no special treatment. */
  public static final int MADV_NORMAL = 0;

  /** Expect random access. */
  public static final int MADV_RANDOM = 1;

  /** Expect sequential access. */
  public static final int MADV_SEQUENTIAL = 2;

  /** Expect access soon. */
  public static final int MADV_WILLNEED = 3;

  /** Do not expect access soon. */
  public static final int MADV_DONTNEED = 4;

  /** Free lazily. */
  public static final int MADV_FREE = 8;

  /** Free the range and its backing store. */
  public static final int MADV_REMOVE = 9;

  /** Keep the range from a child after fork. */
  public static final int MADV_DONTFORK = 10;

  /** Undo {@link #MADV_DONTFORK}. */
  public static final int MADV_DOFORK = 11;

  /** Allow merging identical pages. */
  public static final int MADV_MERGEABLE = 12;

  /** Undo {@link #MADV_MERGEABLE}. */
  public static final int MADV_UNMERGEABLE = 13;

  /** Use huge pages where possible. */
  public static final int MADV_HUGEPAGE = 14;

  /** Do not use huge pages. */
  public static final int MADV_NOHUGEPAGE = 15;

  /** Leave out of core dumps. */
  public static final int MADV_DONTDUMP = 16;

  /** Undo {@link #MADV_DONTDUMP}. */
  public static final int MADV_DODUMP = 17;

  /** Fault the range in for reading, as a read would (Linux 5.14). */
  public static final int MADV_POPULATE_READ = 22;

  /** Fault the range in for writing, as a write would (Linux 5.14). */
  public static final int MADV_POPULATE_WRITE = 23;

  /** Use huge pages for anonymous memory, from reserved pages ({@code mmap(2)}). */
  public static final int MAP_HUGETLB = 0x40000;

  /** Poison the pages; exported for Python's name, never passed to the kernel. */
  public static final int MADV_HWPOISON = 100;

  /** {@code msync(2)}: write back and wait. */
  public static final int MS_SYNC = 4;

  /** Schedule the write-back. */
  public static final int MS_ASYNC = 1;

  /** Invalidate other mappings of the file. */
  public static final int MS_INVALIDATE = 2;

  /**
   * {@return whether jmmap passes {@code advice} to the kernel}: only values known to leave the
   * memory readable and writable from Java (some others, such as guard pages, make the next access
   * kill the JVM)
   */
  static boolean allowedAdvice(int advice) {
    return switch (advice) {
      case MADV_NORMAL,
          MADV_RANDOM,
          MADV_SEQUENTIAL,
          MADV_WILLNEED,
          MADV_DONTNEED,
          MADV_FREE,
          MADV_REMOVE,
          MADV_DONTFORK,
          MADV_DOFORK,
          MADV_MERGEABLE,
          MADV_UNMERGEABLE,
          MADV_HUGEPAGE,
          MADV_NOHUGEPAGE,
          MADV_DONTDUMP,
          MADV_DODUMP,
          MADV_POPULATE_READ,
          MADV_POPULATE_WRITE ->
          true;
      default -> false;
    };
  }
}
