package org.jmmap.internal.map;

import static org.jmmap.internal.map.Mman.MADV_NORMAL;
import static org.jmmap.internal.map.Mman.MADV_RANDOM;
import static org.jmmap.internal.map.Mman.MADV_SEQUENTIAL;
import static org.jmmap.internal.map.Mman.MADV_WILLNEED;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jmmap.SystemCallException;
import org.jmmap.internal.ffi.Errno;
import org.jmmap.internal.ffi.NativeOs;

/**
 * A mapping made only through public JDK APIs, with no restricted method and no call into {@link
 * NativeOs}: a file is mapped by {@link FileChannel#map(FileChannel.MapMode, long, long, Arena)},
 * private anonymous memory is allocated by the generation's arena, and shared anonymous memory is a
 * temporary file that is deleted when the map is closed, or at the latest when the JVM exits.
 *
 * <p>Closing a generation's arena is what unmaps it, so an abandoned generation is released by
 * closing its arena ({@link #unmapsWithArena}).
 */
final class PortableBacking implements Backing {
  /** How to enable what the portable backing lacks, for every refusal. */
  static final String HOW =
      "it needs jmmap's Linux layer: run on Linux with native access enabled"
          + " (--enable-native-access=org.jmmap on the module path, or ALL-UNNAMED on the class"
          + " path), and without -Djmmap.backing=portable";

  /**
   * The temporary files of shared anonymous memory not closed yet, which a hook deletes when the
   * JVM exits: a map that is never closed, nor collected before the exit, leaves no file behind. A
   * class of its own, so that the hook is set up by the first such memory, not by every map.
   */
  private static final class Temporary implements Runnable {
    static final Set<Path> FILES = ConcurrentHashMap.newKeySet();

    static {
      try {
        Runtime.getRuntime().addShutdownHook(new Thread(new Temporary(), "jmmap-temporary-files"));
      } catch (IllegalStateException shuttingDown) {
        // the first such memory is made while the JVM exits: its file goes when it is closed
      }
    }

    private Temporary() {}

    @Override
    public void run() {
      for (Path p : FILES) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // the JVM is exiting; nobody is left to tell
        }
      }
    }
  }

  private final FileChannel channel; // null for private anonymous memory
  private final FileChannel.MapMode mode;
  private final long offset;
  private final boolean ownsChannel;
  private final boolean reserve;
  private final boolean confined;
  private final long alignment;
  private final Path temporary; // deleted at close; null unless this is shared anonymous memory
  private final String description;
  private boolean firstMapHere; // written before the region is published, then by its first map

  /**
   * Private anonymous memory: the whole pages of the segment that {@link #map} or {@link #mapAnew}
   * made last, of which the map sees the first {@code length} bytes; guarded by the region's lock.
   * After a resize that failed, the freed pages of the segment it made: then they do not start
   * where the live segment does.
   */
  private MemorySegment allocation;

  /**
   * @param channel the file's channel, or null for private anonymous memory
   * @param ownsChannel whether {@link #close} closes the channel
   * @param reserve whether growing the file writes every new byte (false: the file stays sparse)
   * @param confined whether the segments live in a confined arena, which no other thread may use
   * @param alignment the alignment of private anonymous memory
   * @param temporary a file to delete at close, or null
   */
  PortableBacking(
      FileChannel channel,
      FileChannel.MapMode mode,
      long offset,
      boolean ownsChannel,
      boolean reserve,
      boolean confined,
      long alignment,
      Path temporary,
      String description) {
    this.channel = channel;
    this.mode = mode;
    this.offset = offset;
    this.ownsChannel = ownsChannel;
    this.reserve = reserve;
    this.confined = confined;
    this.alignment = alignment;
    this.temporary = temporary;
    if (temporary != null) {
      Temporary.FILES.add(temporary);
    }
    this.description = description;
  }

  /**
   * Lets the first map run in the caller's thread, unshielded from interrupts: for a channel that
   * nobody else holds yet, whose opener makes the map again if an interrupt closes it meanwhile.
   */
  void mapFirstHere() {
    firstMapHere = true;
  }

  @Override
  public MemorySegment map(long length, Arena arena) throws IOException {
    if (channel == null) {
      return allocate(length, arena);
    }
    try {
      if (confined || firstMapHere) {
        // a confined arena admits only this thread; a first map may run here (mapFirstHere)
        firstMapHere = false;
        return channel.map(mode, offset, length, arena);
      }
      return ChannelBacking.shielded(() -> channel.map(mode, offset, length, arena));
    } catch (IOException e) {
      if (!(e.getCause() instanceof OutOfMemoryError)) {
        throw e;
      }
      throw outOfMemory("FileChannel.map at offset " + offset, length, e); // mmap(2) said ENOMEM
    }
  }

  /**
   * {@return {@code length} bytes of zero-filled private memory}: the start of whole pages, as
   * {@code mmap(2)} gives, which become the {@link #allocation}
   */
  private MemorySegment allocate(long length, Arena arena) throws SystemCallException {
    long pages =
        length > Long.MAX_VALUE - alignment
            ? length
            : (length + alignment - 1) / alignment * alignment;
    MemorySegment whole;
    try {
      whole = arena.allocate(pages, alignment); // zero-filled, as anonymous memory is
    } catch (OutOfMemoryError e) {
      throw outOfMemory("Arena.allocate", pages, e); // the C heap (malloc) refused it
    }
    allocation = whole;
    return whole.asSlice(0, length);
  }

  /**
   * {@return the exception of the Linux layer for {@code mmap(2)} failing with {@code ENOMEM}}, for
   * a JDK call that found no memory or address space: {@link Reclaim} retries it after unclosed
   * maps are collected
   */
  private SystemCallException outOfMemory(String call, long bytes, Throwable cause) {
    SystemCallException e =
        new SystemCallException(
            description,
            String.format(
                Locale.ROOT,
                "%s of %d bytes failed: ENOMEM (Cannot allocate memory): %s",
                call,
                bytes,
                cause),
            Errno.ENOMEM);
    e.initCause(cause);
    return e;
  }

  @Override
  public MemorySegment mapAnew(MemorySegment old, long newLength, Arena arena) throws IOException {
    if (channel != null) {
      return map(newLength, arena);
    }
    // private anonymous memory is nothing but its bytes: carry them over, with the rest of the
    // last page, which mremap(2) keeps when it shrinks a map and shows again when it grows it
    MemorySegment from =
        allocation != null && allocation.address() == old.address() ? allocation : old;
    MemorySegment s = allocate(newLength, arena);
    MemorySegment.copy(from, 0, allocation, 0, Math.min(from.byteSize(), allocation.byteSize()));
    return s;
  }

  @Override
  public void unmap(MemorySegment segment) {
    // the arena unmapped or freed it when it closed
  }

  @Override
  public boolean unmapsWithArena() {
    return true;
  }

  @Override
  public void unmapUnreachable(long address, long length) {
    throw new UnsupportedOperationException("the portable backing unmaps by closing the arena");
  }

  @Override
  public void advise(MemorySegment segment, long from, long length, int advice) throws IOException {
    if (from % alignment != 0) {
      // what madvise(2) answers, so that both backings refuse the same calls
      throw new IOException(
          String.format(
              Locale.ROOT,
              "madvise failed: EINVAL (Invalid argument): start %d is not a multiple of PAGESIZE"
                  + " %d: %s",
              from,
              alignment,
              description));
    }
    switch (advice) {
      case MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL -> {
        // hints without a visible effect
      }
      case MADV_WILLNEED -> {
        if (segment.isMapped()) {
          segment.asSlice(from, length).load();
        }
      }
      default ->
          throw new UnsupportedOperationException(
              String.format(
                  Locale.ROOT,
                  "madvise option not supported by the portable backing: option=%d; it carries"
                      + " out MADV_NORMAL, MADV_RANDOM and MADV_SEQUENTIAL (hints it may ignore)"
                      + " and MADV_WILLNEED (MemorySegment.load()), and no other advice, since the"
                      + " JDK gives no way to do what the others do; %s: %s",
                  advice,
                  HOW,
                  description));
    }
  }

  @Override
  public boolean populate(MemorySegment segment, long from, long length, boolean write) {
    return false; // the caller touches each page from Java, which reports a truncated file
  }

  @Override
  public long residentPages(MemorySegment segment, long from, long length) {
    if (!segment.isMapped()) {
      throw new UnsupportedOperationException(
          "residency is not known on the portable backing for memory that is not a mapped file"
              + " (private anonymous memory is allocated by the JDK, which cannot tell what of it"
              + " is in memory); "
              + HOW
              + ": "
              + description);
    }
    if (length == 0) {
      return 0;
    }
    // MemorySegment.isLoaded() answers for a whole range: ask it page by page to count
    long page = alignment;
    long first = Math.floorMod(segment.address() + from, page);
    long resident = 0;
    long at = from - first;
    long end = from + length;
    while (at < end) {
      long lo = Math.max(at, from);
      long hi = Math.min(at + page, end);
      if (segment.asSlice(lo, hi - lo).isLoaded()) {
        resident++;
      }
      at += page;
    }
    return resident;
  }

  @Override
  public void lock(MemorySegment segment, long from, long length, boolean lock) {
    throw new UnsupportedOperationException(
        (lock ? "lock" : "unlock")
            + " is not supported by the portable backing: it needs "
            + (lock ? "mlock(2)" : "munlock(2)")
            + ", which the JDK does not offer; "
            + HOW
            + ": "
            + description);
  }

  @Override
  public String kind() {
    return "portable";
  }

  @Override
  public NativeOs os() {
    throw new UnsupportedOperationException("the portable backing has no OS layer");
  }

  @Override
  public boolean remapsInPlace() {
    return false;
  }

  @Override
  public MemorySegment remap(MemorySegment old, long newLength, Arena arena) {
    throw new UnsupportedOperationException("portable mappings are mapped anew");
  }

  @Override
  public MemorySegment rewrap(MemorySegment old, Arena arena) {
    throw new UnsupportedOperationException("portable mappings are mapped anew");
  }

  @Override
  public void checkResizable() {
    if (mode == FileChannel.MapMode.PRIVATE && channel != null) {
      throw new UnsupportedOperationException(
          "a private map of a file cannot be resized on the portable backing: the JDK maps the"
              + " file anew, which would drop the map's private changes; "
              + HOW
              + ": "
              + description);
    }
  }

  @Override
  public boolean hasFile() {
    return channel != null;
  }

  @Override
  public long fileSize() throws IOException {
    return ChannelBacking.shielded(channel::size);
  }

  @Override
  public void setFileSize(long size, long oldSize) throws IOException {
    ChannelBacking.shielded(
        () -> {
          if (size > oldSize) {
            // set the length first, which fails at once where the size is beyond what the file
            // system allows; only then write the new blocks
            try {
              grow(channel, size);
            } catch (IOException e) {
              try {
                channel.truncate(oldSize);
              } catch (IOException restore) {
                e.addSuppressed(restore);
              }
              throw new IOException(
                  String.format(
                      Locale.ROOT,
                      "growing the file from %d to %d bytes failed (%s); the file keeps its size:"
                          + " %s",
                      oldSize,
                      size,
                      e.getMessage(),
                      description),
                  e);
            }
          }
          if (reserve || size < oldSize) {
            ChannelBacking.changeFileSize(channel, size, oldSize, description);
          }
          return null;
        });
  }

  /** Grows the file of {@code channel} to {@code size} without writing its new bytes but one. */
  static void grow(FileChannel channel, long size) throws IOException {
    ByteBuffer zero = ByteBuffer.allocate(1);
    while (zero.hasRemaining()) {
      channel.write(zero, size - 1);
    }
  }

  @Override
  public void sync(MemorySegment segment, long from, long length) {
    if (channel != null) {
      segment.asSlice(from, length).force();
    }
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() throws IOException {
    IOException failure = null;
    if (ownsChannel && channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        failure = e;
      }
    }
    if (temporary != null) {
      try {
        Files.deleteIfExists(temporary);
        Temporary.FILES.remove(temporary);
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
