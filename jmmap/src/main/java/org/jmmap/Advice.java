package org.jmmap;

import org.jmmap.internal.map.Mman;

/**
 * The advice {@link Mmap#madvise(Advice)} passes to {@code madvise(2)}: every {@code MADV_*} value
 * that jmmap allows, as a type, so that Java callers cannot pass a meaningless number. The {@code
 * int} constants of {@link Mmap} remain for code ported from Python.
 */
public enum Advice {
  /** No special treatment. ({@link Mmap#MADV_NORMAL}) */
  NORMAL(Mman.MADV_NORMAL),

  /** Expect random access: read ahead less. ({@link Mmap#MADV_RANDOM}) */
  RANDOM(Mman.MADV_RANDOM),

  /** Expect sequential access: read ahead more. ({@link Mmap#MADV_SEQUENTIAL}) */
  SEQUENTIAL(Mman.MADV_SEQUENTIAL),

  /** Expect access soon: read the pages in now. ({@link Mmap#MADV_WILLNEED}) */
  WILLNEED(Mman.MADV_WILLNEED),

  /**
   * Do not expect access soon: drop the pages (a private map's changes are lost, a file map reads
   * the file again, anonymous memory reads zeros). ({@link Mmap#MADV_DONTNEED})
   */
  DONTNEED(Mman.MADV_DONTNEED),

  /** The pages of private anonymous memory may be freed lazily. ({@link Mmap#MADV_FREE}) */
  FREE(Mman.MADV_FREE),

  /**
   * Free the range and its backing store (shared file and memory maps). ({@link Mmap#MADV_REMOVE})
   */
  REMOVE(Mman.MADV_REMOVE),

  /** Do not make the range available to a child after fork. ({@link Mmap#MADV_DONTFORK}) */
  DONTFORK(Mman.MADV_DONTFORK),

  /** Undo {@link #DONTFORK}. ({@link Mmap#MADV_DOFORK}) */
  DOFORK(Mman.MADV_DOFORK),

  /** Allow the kernel to merge identical pages. ({@link Mmap#MADV_MERGEABLE}) */
  MERGEABLE(Mman.MADV_MERGEABLE),

  /** Undo {@link #MERGEABLE}. ({@link Mmap#MADV_UNMERGEABLE}) */
  UNMERGEABLE(Mman.MADV_UNMERGEABLE),

  /** Back the range with huge pages where possible. ({@link Mmap#MADV_HUGEPAGE}) */
  HUGEPAGE(Mman.MADV_HUGEPAGE),

  /** Do not back the range with huge pages. ({@link Mmap#MADV_NOHUGEPAGE}) */
  NOHUGEPAGE(Mman.MADV_NOHUGEPAGE),

  /** Leave the range out of core dumps. ({@link Mmap#MADV_DONTDUMP}) */
  DONTDUMP(Mman.MADV_DONTDUMP),

  /** Undo {@link #DONTDUMP}. ({@link Mmap#MADV_DODUMP}) */
  DODUMP(Mman.MADV_DODUMP),

  /** Fault the range in as reads would. ({@link Mmap#MADV_POPULATE_READ}) */
  POPULATE_READ(Mman.MADV_POPULATE_READ),

  /** Fault the range in as writes would. ({@link Mmap#MADV_POPULATE_WRITE}) */
  POPULATE_WRITE(Mman.MADV_POPULATE_WRITE);

  private final int value;

  Advice(int value) {
    this.value = value;
  }

  /** {@return the {@code MADV_*} value passed to the kernel} */
  public int value() {
    return value;
  }
}
