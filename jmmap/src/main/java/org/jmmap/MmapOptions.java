package org.jmmap;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Objects;
import org.jmmap.internal.ffi.Errno;
import org.jmmap.internal.map.HugePages;
import org.jmmap.internal.map.Mman;
import org.jmmap.internal.map.Opener;
import org.jmmap.internal.map.Request;
import org.jmmap.internal.map.Source;

/**
 * Every argument of Python's {@code mmap.mmap(fileno, length, flags, prot, access, offset, *,
 * trackfd)}, set one by one and then used to make a map.
 *
 * {@snippet :
 * try (Mmap m = Mmap.options().access(Access.READ).offset(Mmap.PAGESIZE).map(path)) {
 *   System.out.println(m.readLine().length);
 * }
 * }
 *
 * <p>An options object is a mutable builder; it can make any number of maps, each with the values
 * set at the time.
 */
public final class MmapOptions {
  private long length;
  private Access access = Access.DEFAULT;
  private int flags = Mman.MAP_SHARED;
  private int prot = Mman.PROT_READ | Mman.PROT_WRITE;
  private long offset;
  private boolean trackFd = true;
  private boolean populate;
  private boolean confined;
  private boolean hugePages;

  MmapOptions() {}

  /**
   * Sets how many bytes to map; 0, the default, maps the file from the offset to its end.
   *
   * @param length the length, at least 0
   * @return this
   */
  public MmapOptions length(long length) {
    this.length = length;
    return this;
  }

  /**
   * Sets the access mode (default {@link Access#DEFAULT}). Any other mode cannot be combined with
   * flags or prot other than their defaults.
   *
   * @param access the mode
   * @return this
   */
  public MmapOptions access(Access access) {
    this.access = Objects.requireNonNull(access, "access");
    return this;
  }

  /**
   * Sets the {@code MAP_*} flags (default {@link Mmap#MAP_SHARED}). {@code MAP_FIXED}, {@code
   * MAP_FIXED_NOREPLACE} and {@code MAP_GROWSDOWN} are refused when the map is made, since they
   * could map over memory the JVM uses.
   *
   * @param flags the flags
   * @return this
   */
  public MmapOptions flags(int flags) {
    this.flags = flags;
    return this;
  }

  /**
   * Sets the {@code PROT_*} bits (default {@code PROT_READ | PROT_WRITE}). Without {@code
   * PROT_WRITE} the map is read-only. {@code PROT_READ} is always added, and 0 is refused, because
   * jmmap reads what it maps.
   *
   * @param prot the protection bits
   * @return this
   */
  public MmapOptions prot(int prot) {
    this.prot = prot;
    return this;
  }

  /**
   * Sets the file offset to map from (default 0): a multiple of {@link Mmap#ALLOCATIONGRANULARITY}.
   *
   * @param offset the offset
   * @return this
   */
  public MmapOptions offset(long offset) {
    this.offset = offset;
    return this;
  }

  /**
   * Sets whether the map keeps its file descriptor (default true). Without it the map holds no
   * descriptor, and {@link Mmap#resize(long)} and, for a map of a file, {@link Mmap#size()} throw
   * {@link UnsupportedOperationException}: Python's {@code trackfd=False}. Anonymous memory's size
   * is its length either way.
   *
   * @param trackFd whether to keep the descriptor
   * @return this
   */
  public MmapOptions trackFd(boolean trackFd) {
    this.trackFd = trackFd;
    return this;
  }

  /**
   * Sets whether to fault every page in when mapping ({@link Mmap#MAP_POPULATE}; default false).
   *
   * @param populate whether to prefault
   * @return this
   */
  public MmapOptions populate(boolean populate) {
    this.populate = populate;
    return this;
  }

  /**
   * Sets whether {@link #anonymous(long)} asks for huge pages (default false), which spare the TLB
   * on large arrays. Where the administrator reserved enough free huge pages for the map ({@code
   * HugePages_Free} less {@code HugePages_Rsvd} in {@code /proc/meminfo}; {@code
   * /proc/sys/vm/nr_hugepages} reserves them), the memory is mapped in them ({@code MAP_HUGETLB},
   * or a memory file made with {@code MFD_HUGETLB} for shared memory, which another process then
   * maps in whole huge pages too): they are taken from the pool when the map is made, so no later
   * access can find it empty, and the map takes whole huge pages, 2 MiB each on x86_64, even where
   * its length is less. Such a map cannot be resized, and refuses the advice that would give its
   * pages back to the pool ({@link Mmap#MADV_DONTNEED}, {@link Mmap#MADV_FREE}, {@link
   * Mmap#MADV_REMOVE}): {@link UnsupportedOperationException}. jmmap maps the shared memory file
   * the same way when it is mapped again through {@link Mmap#attachPath()} (it asks {@code
   * fstatfs(2)}); a program that maps it otherwise, or shrinks it, takes pages from under this map,
   * whose accesses then fault as on a truncated file (see "Atomic updates" in {@link Mmap}).
   *
   * <p>Otherwise the memory is advised with {@link Mmap#MADV_HUGEPAGE}, so that the kernel backs it
   * with transparent huge pages where it can: whether a page is huge shows in {@code AnonHugePages}
   * of {@code /proc/self/smaps}, and the kernel falls back to ordinary pages where it finds no free
   * huge page. A {@link Mmap#resize(long)} may give such memory ordinary pages again; advise it
   * anew after one.
   *
   * <p>{@link #anonymous(long)} refuses with {@link UnsupportedOperationException}, naming the pool
   * and the setting, where neither is possible: too few reserved pages free, and transparent huge
   * pages set to {@code never} in {@code /sys/kernel/mm/transparent_hugepage/enabled} (for {@code
   * MAP_PRIVATE} memory) or {@code shmem_enabled} (for shared memory, a memory file); and on the
   * portable backing. File maps ignore the option.
   *
   * @param hugePages whether to ask for huge pages
   * @return this
   */
  public MmapOptions hugePages(boolean hugePages) {
    this.hugePages = hugePages;
    return this;
  }

  /**
   * Makes the maps confined to the thread that makes them: their memory lives in a confined {@link
   * java.lang.foreign.Arena}, whose close needs no handshake with the JVM's other threads, so that
   * {@link Mmap#close()} costs a few system calls instead of tens of microseconds. Use it for many
   * short-lived maps that one thread makes, reads and closes (a map of a small file per request,
   * say); the default, a map any thread may use, stays as safe as it is.
   *
   * <p>What a confined map gives up:
   *
   * <ul>
   *   <li><b>Other threads.</b> Every method of the map but {@link Mmap#isClosed()} and {@link
   *       Mmap#toString()}, {@link Mmap#close()} included, throws {@link WrongThreadException} when
   *       called from any thread but the one that made it, and changes nothing. So does every view:
   *       {@link Mmap#segment()}, {@link Mmap#asByteBuffer(long, int)}, the streams, the channel,
   *       {@link Mmap#asCharSequence()} and {@link Mmap#matches} can be used only in the owner
   *       thread. Nothing can crash: another thread can never be inside an access when the owner
   *       closes the map. Whatever hands a view to other threads fails there: a parallel {@code
   *       matches(p).parallel()} stream, or an {@code AsynchronousFileChannel} given an {@code
   *       asByteBuffer} (whose worker then dies without completing the operation).
   *   <li><b>An owner that ends.</b> Once the owner thread has ended, nobody can use or close the
   *       map; it is unmapped, and its descriptor closed, when it becomes unreachable, as any
   *       unclosed map is.
   *   <li><b>Resizing</b> still works, in the owner thread: each new mapping is confined to it too.
   *   <li><b>Reclaiming.</b> A confined map that is never closed is released, like any other, once
   *       neither it nor any view of it is reachable: the garbage collector's cleaner unmaps the
   *       range and closes the descriptor without touching the memory.
   *   <li><b>{@link FileChannel} maps</b> are made by a thread of jmmap's (see {@link
   *       #map(FileChannel)}) into a shared arena that is never closed, since closing it would cost
   *       the handshake; jmmap unmaps the range itself when the map is closed. The JDK's {@code
   *       "mapped"} {@code java.lang.management.BufferPoolMXBean} therefore still counts each such
   *       map after it is closed, though its memory is unmapped.
   *   <li><b>{@link SharedMemory}</b> always makes maps that any thread may use. To use named
   *       shared memory confined to a thread, map its file, {@code /dev/shm/<name>}, with these
   *       options.
   * </ul>
   *
   * @return this
   */
  public MmapOptions confined() {
    this.confined = true;
    return this;
  }

  /**
   * Maps a file, which jmmap opens itself ({@code O_RDWR} for a writable shared map, otherwise
   * {@code O_RDONLY}) and closes when the map is closed.
   *
   * @param file the file
   * @return the new map
   * @throws IOException if the file cannot be opened or mapped; {@link
   *     java.nio.file.NoSuchFileException} and {@link java.nio.file.AccessDeniedException} where
   *     they fit
   * @throws IllegalArgumentException if an option is out of range, the file is empty and length is
   *     0, or the range does not fit in the file
   */
  public Mmap map(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    return Mmap.open(request(new Source.File(file, true), length));
  }

  /**
   * Maps a file through a channel the caller owns, by {@link FileChannel#map(FileChannel.MapMode,
   * long, long, java.lang.foreign.Arena)}. The channel must be readable, and writable for a
   * writable shared map and for every private map ({@link Access#COPY}, {@code MAP_PRIVATE}):
   * {@code FileChannel.map} makes a private map only through a channel open for reading and
   * writing. Closing the channel later does not affect the map, but {@link Mmap#size()} and {@link
   * Mmap#resize(long)} then fail, and a fault reports the file's size as unknown. Growing such a
   * map writes zeros over the new part of the file first, so that the file system allocates its
   * blocks and a later write cannot fault for lack of space. A private map made this way cannot be
   * resized ({@link UnsupportedOperationException}): the JDK can only map the file anew, which
   * would drop the map's private changes. jmmap calls the channel from a thread of its own, so that
   * interrupting the caller's thread never closes the caller's channel.
   *
   * @param channel the channel
   * @return the new map
   * @throws java.nio.file.AccessDeniedException if the channel is not open for reading, or not for
   *     writing where the map needs it
   * @throws IOException if the file cannot be mapped
   * @throws UnsupportedOperationException if flags other than {@code MAP_SHARED}, {@code
   *     MAP_PRIVATE} and {@code MAP_POPULATE} are set (map the {@link Path} instead)
   * @throws IllegalArgumentException as for {@link #map(Path)}
   */
  public Mmap map(FileChannel channel) throws IOException {
    Objects.requireNonNull(channel, "channel");
    return Mmap.open(request(new Source.Channel(channel), length));
  }

  /**
   * Maps anonymous, zero-filled memory of the given length. Shared memory (the default {@code
   * MAP_SHARED}) lives in a memory file, so that it can grow and another process can attach to it
   * through {@link Mmap#attachPath()}; {@code MAP_PRIVATE} memory is the process's own.
   *
   * @param length the length, at least 1; {@link #length(long)} is ignored
   * @return the new map
   * @throws IOException if the memory cannot be mapped
   * @throws IllegalArgumentException if length is not positive, or an option is out of range
   * @throws UnsupportedOperationException if {@link #hugePages(boolean)} asks for huge pages that
   *     this kernel or backing does not give
   */
  public Mmap anonymous(long length) throws IOException {
    if (!hugePages || length <= 0) {
      // a length that is not positive is refused there, as for any anonymous memory
      return Mmap.open(request(new Source.Anonymous(), length));
    }
    Opener.system()
        .requireNative("hugePages(true), which maps reserved huge pages or advises memory,");
    long reserved = HugePages.reservedFor(length);
    String pool = null;
    if (reserved != 0) {
      try {
        return Mmap.open(request(new Source.Anonymous(reserved), length));
      } catch (SystemCallException e) {
        if (e.errno() != Errno.ENOMEM) {
          throw e;
        }
        // another map took the free pages since they were counted: transparent ones instead
        pool = "the free reserved huge pages were taken before the map was made (" + e + ")";
      }
    }
    String refusal = HugePages.refusal((flags & Mman.MAP_TYPE) != Mman.MAP_PRIVATE);
    if (refusal != null) {
      throw new UnsupportedOperationException(
          "hugePages(true) is not possible: "
              + (pool != null ? pool : HugePages.poolShortage(length))
              + "; and "
              + refusal);
    }
    Mmap m = Mmap.open(request(new Source.Anonymous(), length));
    boolean success = false;
    try {
      m.madvise(Mman.MADV_HUGEPAGE);
      success = true;
      return m;
    } finally {
      if (!success) {
        m.close();
      }
    }
  }

  /** {@return an immutable copy of these options, for {@code source}} */
  Request request(Source source, long length) {
    return new Request(
        source, length, Mmap.kind(access), flags, prot, offset, trackFd, populate, confined);
  }
}
