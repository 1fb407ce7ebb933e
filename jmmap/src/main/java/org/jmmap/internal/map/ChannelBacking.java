package org.jmmap.internal.map;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.jmmap.internal.ffi.NativeOs;

/**
 * A mapping made by {@link FileChannel#map(FileChannel.MapMode, long, long, Arena)} on a channel
 * that the caller owns and may close; jmmap never closes it.
 *
 * <p>A {@code FileChannel} closes itself when a thread blocked in it is interrupted. So that an
 * interrupt of the caller's thread can neither close the caller's channel nor stop a resize
 * half-way, every call on the channel runs in a thread of its own that nobody interrupts, and the
 * caller waits for it; an interrupt that arrives meanwhile is kept for the caller.
 *
 * <p>A confined map cannot let that thread map into the caller's confined arena, which only the
 * caller may use. There the thread maps into a shared arena that is never closed (closing it would
 * cost the handshake a confined map avoids), and the caller makes a segment of its own arena over
 * the same range; jmmap then unmaps and writes back the range itself, as it does for a map of a
 * descriptor.
 */
final class ChannelBacking implements Backing {
  private static final int ZEROS = 64 << 10;

  private final NativeOs os;
  private final FileChannel channel;
  private final FileChannel.MapMode mode;
  private final long offset;
  private final boolean confined;
  private final boolean populate;

  /**
   * @param confined whether the segments live in a confined arena, which the channel's own thread
   *     cannot map into
   * @param populate whether a confined map faults its pages in where it is mapped (a shared map's
   *     caller loads its segment itself)
   */
  ChannelBacking(
      NativeOs os,
      FileChannel channel,
      FileChannel.MapMode mode,
      long offset,
      boolean confined,
      boolean populate) {
    this.os = os;
    this.channel = channel;
    this.mode = mode;
    this.offset = offset;
    this.confined = confined;
    this.populate = populate;
  }

  /**
   * {@return the call's result}, computed in a fresh virtual thread while this one waits without
   * being interruptible; the interrupt status is kept
   */
  static <T> T shielded(Reclaim.Call<T> call) throws IOException {
    @SuppressWarnings("unchecked")
    T[] result = (T[]) new Object[1];
    Throwable[] failure = new Throwable[1];
    Thread worker =
        Thread.ofVirtual()
            .name("jmmap-channel-call")
            .start(
                () -> {
                  try {
                    result[0] = call.run();
                  } catch (Throwable t) {
                    failure[0] = t;
                  }
                });
    boolean interrupted = false;
    while (true) {
      try {
        worker.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Throwable t = failure[0];
    if (t == null) {
      return result[0];
    }
    if (t instanceof IOException e) {
      throw e;
    }
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IOException(t);
  }

  @Override
  public MemorySegment map(long length, Arena arena) throws IOException {
    if (!confined) {
      return shielded(() -> channel.map(mode, offset, length, arena));
    }
    MemorySegment mapped =
        shielded(
            () -> {
              MemorySegment s = channel.map(mode, offset, length, Arena.ofShared());
              if (populate) {
                s.load();
              }
              return s;
            });
    MemorySegment s = os.segment(mapped.address(), mapped.byteSize(), arena);
    return mode == FileChannel.MapMode.READ_ONLY ? s.asReadOnly() : s;
  }

  @Override
  public void unmap(MemorySegment segment) {
    if (confined) {
      os.munmap(segment.address(), segment.byteSize());
    }
    // otherwise the arena unmapped it when it closed
  }

  @Override
  public void checkResizable() {
    if (mode == FileChannel.MapMode.PRIVATE) {
      throw new UnsupportedOperationException(
          "a private map made from a FileChannel cannot be resized: the JDK maps the file anew,"
              + " which would drop the map's private changes; map the Path to resize a private"
              + " map: "
              + describe());
    }
  }

  @Override
  public NativeOs os() {
    return os;
  }

  @Override
  public boolean remapsInPlace() {
    return false;
  }

  @Override
  public MemorySegment remap(MemorySegment old, long newLength, Arena arena) {
    throw new UnsupportedOperationException("channel mappings are mapped anew");
  }

  @Override
  public MemorySegment rewrap(MemorySegment old, Arena arena) {
    throw new UnsupportedOperationException("channel mappings are mapped anew");
  }

  @Override
  public boolean hasFile() {
    return true;
  }

  @Override
  public long fileSize() throws IOException {
    return shielded(channel::size);
  }

  @Override
  public void setFileSize(long size, long oldSize) throws IOException {
    shielded(
        () -> {
          changeFileSize(channel, size, oldSize, describe());
          return null;
        });
  }

  /**
   * Truncates or grows the file of {@code channel} to {@code size}; growing writes every new byte,
   * and a failure leaves the file at {@code oldSize}.
   *
   * @param describe names the file in messages
   */
  static void changeFileSize(FileChannel channel, long size, long oldSize, String describe)
      throws IOException {
    if (size < oldSize) {
      channel.truncate(size);
    } else if (size > oldSize) {
      // write every new byte, so that the file system allocates the blocks now and a later
      // write through the map cannot fault for lack of space
      ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZEROS, size - oldSize));
      try {
        for (long at = oldSize; at < size; ) {
          zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
          at += channel.write(zeros, at);
        }
      } catch (IOException | RuntimeException e) {
        try {
          channel.truncate(oldSize);
        } catch (IOException restore) {
          e.addSuppressed(restore);
        }
        if (e instanceof IOException) {
          throw new IOException(
              "growing the file from "
                  + oldSize
                  + " to "
                  + size
                  + " bytes failed while writing"
                  + " its new blocks ("
                  + e.getMessage()
                  + "); the file keeps its size: "
                  + describe,
              e);
        }
        throw e;
      }
    }
  }

  @Override
  public void syncAsync(MemorySegment segment, long from, long length) throws IOException {
    if (confined) {
      os.msync(segment.address() + from, length, Mman.MS_ASYNC);
    } else {
      sync(segment, from, length);
    }
  }

  @Override
  public void sync(MemorySegment segment, long from, long length) throws IOException {
    if (confined) {
      os.msync(segment.address() + from, length, Mman.MS_SYNC);
    } else {
      segment.asSlice(from, length).force();
    }
  }

  @Override
  public String describe() {
    return "a file mapped through a FileChannel (path unknown)";
  }

  @Override
  public void close() {
    // the caller owns the channel
  }
}
