package org.jmmap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.Objects;
import java.util.function.Supplier;
import org.jmmap.internal.map.Region;

/**
 * The stream and channel views of a map. Each view has its own position, never changes the map's
 * length, and reports a closed view, a closed map and a fault as an {@link IOException}, as callers
 * of these interfaces expect. They keep no bytes of the map: every call takes the live segment, so
 * that after a resize they read and write the new mapping at their own position, and nothing they
 * return lies past the map's length at the time of the call.
 */
final class MmapStreams {
  private MmapStreams() {}

  // Mmap makes its streams here, typed as the JDK's classes: linking Mmap, which every program
  // does, then loads neither stream class (it would, to check the type of a new In or Out)

  /** {@return an input stream over the map, from byte 0} */
  static InputStream inputStream(Region region) {
    return new In(region);
  }

  /** {@return an output stream into the map, from byte 0}; {@code who} names it in messages */
  static OutputStream outputStream(Region region, Supplier<String> who) {
    return new Out(region, who);
  }

  /** The segment of a map that is still open, or the IOException that a view reports. */
  private static MemorySegment segment(Region region) throws IOException {
    try {
      return region.segment();
    } catch (IllegalStateException e) {
      throw new ClosedChannelIoException(e);
    }
  }

  private static IOException io(RuntimeException e) {
    return e instanceof UncheckedIOException u ? u.getCause() : new ClosedChannelIoException(e);
  }

  /**
   * Copies between the map's segment {@code s} and an array, turning access failures into
   * IOExceptions. {@return false if a resize remapped the map before the copy could run}: then
   * nothing was copied, and the caller makes its access again, on the live segment, as it would
   * have had it started after the resize
   */
  private static boolean copy(
      Region region, MemorySegment s, long pos, byte[] b, int off, int n, boolean toMap)
      throws IOException {
    try {
      if (toMap) {
        MemorySegment.copy(b, off, s, JAVA_BYTE, pos, n);
      } else {
        MemorySegment.copy(s, JAVA_BYTE, pos, b, off, n);
      }
      return true;
    } catch (IllegalStateException e) {
      MemorySegment now = region.settledSegment();
      if (now != null && now != s) {
        return false;
      }
      throw new ClosedChannelIoException(region.stale(e));
    } catch (InternalError e) {
      throw io(Faults.translate(region, e, pos));
    }
  }

  /** An IOException for a view whose map is closed. */
  static final class ClosedChannelIoException extends ClosedChannelException {
    private static final long serialVersionUID = 1L;

    ClosedChannelIoException(RuntimeException cause) {
      initCause(cause);
    }

    @Override
    public String getMessage() {
      return getCause().getMessage();
    }
  }

  static final class In extends InputStream {
    private final Region region;
    private long pos;
    private volatile boolean closed;

    In(Region region) {
      this.region = region;
    }

    private MemorySegment open() throws IOException {
      if (closed) {
        throw new IOException("stream closed");
      }
      return segment(region);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      while (true) {
        MemorySegment s = open();
        if (len == 0) {
          return 0;
        }
        long left = s.byteSize() - pos;
        if (left <= 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        if (copy(region, s, pos, b, off, n, false)) {
          pos += n;
          return n;
        }
      }
    }

    @Override
    public synchronized long skip(long n) throws IOException {
      MemorySegment s = open();
      long k = Math.max(0, Math.min(n, s.byteSize() - pos));
      pos += k;
      return k;
    }

    @Override
    public synchronized int available() throws IOException {
      return (int) Math.min(Integer.MAX_VALUE, Math.max(0, open().byteSize() - pos));
    }

    @Override
    public void close() {
      region.checkOwner(); // a confined map's views answer only to its owner
      closed = true;
    }
  }

  static final class Out extends OutputStream {
    private final Region region;
    private final Supplier<String> who;
    private final boolean readOnly;
    private long pos;
    private volatile boolean closed;

    Out(Region region, Supplier<String> who) {
      this.region = region;
      this.who = who;
      this.readOnly = region.mode().readOnly();
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      while (true) {
        if (closed) {
          throw new IOException("stream closed");
        }
        MemorySegment s = segment(region);
        if (readOnly) {
          throw new IOException("the map is read-only: " + who.get());
        }
        if (len == 0) {
          return; // nothing to write, wherever the position is
        }
        if (len > s.byteSize() - pos) {
          throw new IOException(
              "write past the end of the map: "
                  + len
                  + " bytes at position "
                  + pos
                  + " of "
                  + s.byteSize()
                  + "; the stream never grows the map");
        }
        if (copy(region, s, pos, b, off, len, true)) {
          pos += len;
          return;
        }
      }
    }

    @Override
    public void close() {
      region.checkOwner(); // a confined map's views answer only to its owner
      closed = true;
    }
  }

  static final class Channel implements SeekableByteChannel {
    private final Region region;
    private final Supplier<String> who;
    private final boolean readOnly;
    private long pos;
    private volatile boolean open = true;

    Channel(Region region, Supplier<String> who) {
      this.region = region;
      this.who = who;
      this.readOnly = region.mode().readOnly();
    }

    private MemorySegment live() throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      return segment(region);
    }

    private static byte[] heapArray(ByteBuffer b) {
      return b.hasArray() ? b.array() : null;
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
      while (true) {
        MemorySegment s = live();
        if (dst.isReadOnly()) {
          throw new IllegalArgumentException(
              "the buffer to read into is read-only: " + dst + ": " + who.get());
        }
        long left = s.byteSize() - pos;
        if (left <= 0) {
          return dst.hasRemaining() ? -1 : 0;
        }
        int n = (int) Math.min(dst.remaining(), left);
        byte[] a = heapArray(dst);
        if (a != null) {
          if (!copy(region, s, pos, a, dst.arrayOffset() + dst.position(), n, false)) {
            continue;
          }
        } else {
          byte[] tmp = new byte[n];
          if (!copy(region, s, pos, tmp, 0, n, false)) {
            continue;
          }
          dst.put(dst.position(), tmp);
        }
        dst.position(dst.position() + n);
        pos += n;
        return n;
      }
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
      while (true) {
        MemorySegment s = live();
        if (readOnly) {
          throw new NonWritableChannelException();
        }
        int n = src.remaining();
        if (n == 0) {
          return 0; // nothing to write, wherever the position is
        }
        if (n > s.byteSize() - pos) {
          throw new IOException(
              "write past the end of the map: "
                  + n
                  + " bytes at position "
                  + pos
                  + " of "
                  + s.byteSize()
                  + "; the channel never grows the map");
        }
        byte[] tmp = new byte[n];
        src.get(src.position(), tmp);
        if (copy(region, s, pos, tmp, 0, n, true)) {
          src.position(src.position() + n);
          pos += n;
          return n;
        }
      }
    }

    @Override
    public synchronized long position() throws IOException {
      live();
      return pos;
    }

    @Override
    public synchronized SeekableByteChannel position(long newPosition) throws IOException {
      live();
      if (newPosition < 0) {
        throw new IllegalArgumentException("negative position: " + newPosition);
      }
      pos = newPosition;
      return this;
    }

    @Override
    public synchronized long size() throws IOException {
      return live().byteSize();
    }

    @Override
    public synchronized SeekableByteChannel truncate(long size) throws IOException {
      MemorySegment s = live();
      if (size < 0) {
        throw new IllegalArgumentException("negative size: " + size);
      }
      if (readOnly) {
        throw new NonWritableChannelException();
      }
      if (size < s.byteSize()) {
        throw new IOException(
            "a channel over a map cannot truncate it: size "
                + size
                + " < length "
                + s.byteSize()
                + "; use Mmap.resize: "
                + who.get());
      }
      pos = Math.min(pos, size); // as SeekableByteChannel says, also when nothing is truncated
      return this;
    }

    /** {@return false once this channel or its map is closed} */
    @Override
    public boolean isOpen() {
      region.checkOwner();
      return open && !region.isClosed();
    }

    @Override
    public void close() {
      region.checkOwner();
      open = false;
    }
  }
}
