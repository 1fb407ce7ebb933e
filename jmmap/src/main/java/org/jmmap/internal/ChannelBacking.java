package org.jmmap.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.jmmap.internal.ffi.NativeOs;

/**
 * A mapping made by {@link FileChannel#map(FileChannel.MapMode, long, long, Arena)} on a channel
 * that the caller owns and may close; jmmap never closes it.
 */
final class ChannelBacking implements Backing {
  private static final int ZEROS = 64 << 10;

  private final NativeOs os;
  private final FileChannel channel;
  private final FileChannel.MapMode mode;
  private final long offset;

  ChannelBacking(NativeOs os, FileChannel channel, FileChannel.MapMode mode, long offset) {
    this.os = os;
    this.channel = channel;
    this.mode = mode;
    this.offset = offset;
  }

  @Override
  public MemorySegment map(long length, Arena arena) throws IOException {
    return channel.map(mode, offset, length, arena);
  }

  @Override
  public void unmap(MemorySegment segment) {
    // the arena unmapped it when it closed
  }

  @Override
  public void unmapUnreachable(long address, long length) {
    // the arena that would have unmapped it is gone unclosed: unmap the JDK's mapping ourselves
    os.munmap(address, length);
  }

  @Override
  public void advise(MemorySegment segment, long from, long length, int advice)
      throws IOException {
    os.madvise(segment.address() + from, length, advice);
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
    return channel.size();
  }

  @Override
  public void setFileSize(long size, long oldSize) throws IOException {
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
              "growing the file from " + oldSize + " to " + size + " bytes failed while writing"
                  + " its new blocks (" + e.getMessage() + "); the file keeps its size: "
                  + describe(),
              e);
        }
        throw e;
      }
    }
  }

  @Override
  public void sync(MemorySegment segment, long from, long length) {
    segment.asSlice(from, length).force();
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
