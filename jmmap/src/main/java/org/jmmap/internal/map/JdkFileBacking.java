package org.jmmap.internal.map;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import org.jmmap.internal.ffi.NativeOs;

/**
 * A read-only map of a regular file that the Linux layer made through the JDK ({@link
 * FileChannel#open} and {@link FileChannel#map(FileChannel.MapMode, long, long, Arena)}) rather
 * than through its own {@code open} and {@code mmap}: those need the FFM linker, which a fresh JVM
 * spends over a hundred milliseconds getting ready, and a program that maps a file only to read it
 * should not wait for that. What the JDK cannot do is still a call into the Linux layer, made when
 * it is needed: {@code madvise}, and {@code munmap} of a map the collector found unreachable.
 *
 * <p>Only maps that can never need the descriptor for a native call are made this way (see {@link
 * Opener}): a read-only map is never resized and never written back. The channel is jmmap's own,
 * opened for reading; it answers {@code size()} and is closed with the map. Closing a generation's
 * arena unmaps it (the JDK registered the unmapping there); a generation that became unreachable
 * unclosed is unmapped with {@code munmap}, as a map of the Linux layer's own is, since nobody can
 * close its arena any more.
 */
final class JdkFileBacking implements Backing {
  private final NativeOs os;
  private final FileChannel channel;
  private final long offset;
  private final String description;

  /**
   * @param channel the file, open for reading; closed by {@link #close}
   * @param offset where the map starts in the file
   */
  JdkFileBacking(NativeOs os, FileChannel channel, long offset, String description) {
    this.os = os;
    this.channel = channel;
    this.offset = offset;
    this.description = description;
  }

  @Override
  public MemorySegment map(long length, Arena arena) throws IOException {
    // in the caller's thread: a confined arena admits no other, and an interrupt that closes the
    // channel only makes the Linux layer map the file instead (Opener)
    return channel.map(FileChannel.MapMode.READ_ONLY, offset, length, arena);
  }

  @Override
  public void unmap(MemorySegment segment) {
    // the arena unmapped it when it closed
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
    throw new UnsupportedOperationException("a read-only map is never resized");
  }

  @Override
  public MemorySegment rewrap(MemorySegment old, Arena arena) {
    throw new UnsupportedOperationException("a read-only map is never resized");
  }

  @Override
  public void checkResizable() {
    throw new UnsupportedOperationException("a read-only map is never resized: " + description);
  }

  @Override
  public boolean hasFile() {
    return true;
  }

  @Override
  public long fileSize() throws IOException {
    // shielded: an interrupt of the caller's thread would close the channel
    return ChannelBacking.shielded(channel::size);
  }

  @Override
  public void setFileSize(long size, long oldSize) {
    throw new UnsupportedOperationException("a read-only map is never resized: " + description);
  }

  @Override
  public void sync(MemorySegment segment, long from, long length) {
    // a read-only map has nothing to write back
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
