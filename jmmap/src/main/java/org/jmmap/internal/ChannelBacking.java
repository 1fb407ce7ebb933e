package org.jmmap.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A mapping made by {@link FileChannel#map(FileChannel.MapMode, long, long, Arena)} on a channel
 * that the caller owns and may close; jmmap never closes it.
 */
final class ChannelBacking implements Backing {
  private final FileChannel channel;
  private final FileChannel.MapMode mode;
  private final long offset;

  ChannelBacking(FileChannel channel, FileChannel.MapMode mode, long offset) {
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
      channel.write(ByteBuffer.allocate(1), size - 1);
    }
  }

  @Override
  public void sync(MemorySegment segment, long from, long length) {
    segment.asSlice(from, length).force();
  }

  @Override
  public String describe() {
    return "channel " + channel;
  }

  @Override
  public void close() {
    // the caller owns the channel
  }
}
