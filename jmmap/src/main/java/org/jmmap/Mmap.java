package org.jmmap;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jmmap.internal.map.Mman;
import org.jmmap.internal.map.Mode;
import org.jmmap.internal.map.Opener;
import org.jmmap.internal.map.Region;
import org.jmmap.internal.map.Request;
import org.jmmap.internal.map.Source;
import org.jmmap.internal.search.Search;

/**
 * A memory-mapped file or anonymous memory, with the semantics of Python's {@code mmap.mmap}: a
 * mutable byte sequence (index, slice, slice assignment) and a file-like object (read, write, seek)
 * at the same time.
 *
 * {@snippet :
 * try (Mmap m = Mmap.map(Path.of("hello.txt"), 0, Access.DEFAULT)) {
 *   byte[] line = m.readLine();        // b"Hello Python!\n"
 *   m.setSlice(6, m.length(), " world!\n".getBytes(StandardCharsets.US_ASCII));
 *   m.flush();
 * }
 * }
 *
 * <h2>Indexes, positions and lengths</h2>
 *
 * All offsets are {@code long}, so a map can be far larger than 2 GiB. Negative indexes count from
 * the end, as in Python. In the slice methods {@link Long#MIN_VALUE} stands for Python's {@code
 * None} at the low end of the map and {@link Long#MAX_VALUE} at the high end: the bound a walk
 * starts from is the low end for a positive step and the high end for a negative one, so {@code
 * m[::2]} is {@code slice(Long.MIN_VALUE, Long.MAX_VALUE, 2)} and {@code m[::-1]} is {@code
 * slice(Long.MAX_VALUE, Long.MIN_VALUE, -1)}; {@link #slice()} is {@code m[:]}. Methods that return
 * a {@code byte[]} cannot return more than {@link Integer#MAX_VALUE} - 8 bytes; reach larger ranges
 * through {@link #segment()}.
 *
 * <h2>Errors</h2>
 *
 * Every method but {@link #close()}, {@link #isClosed()}, {@link #seekable()} and {@link
 * #toString()} throws {@link IllegalStateException} once the map is closed, before it checks
 * anything else. The other exceptions follow CPython's checks, in CPython's order, mapped to Java's
 * standard types: {@code ValueError} for a bad argument is {@link IllegalArgumentException},
 * reading or writing past the end {@link BufferUnderflowException} or {@link
 * BufferOverflowException}, {@code IndexError} {@link IndexOutOfBoundsException}, modifying a
 * read-only map {@link ReadOnlyMmapException}, other refusals {@link
 * UnsupportedOperationException}, and {@code OSError} {@link IOException} (or {@link
 * UncheckedIOException} where a method declares none).
 *
 * <h2>Threads</h2>
 *
 * A map can be used from any thread, except a map made with {@link MmapOptions#confined()}, which
 * answers only to the thread that made it (every other thread gets {@link WrongThreadException}).
 * Byte access is not synchronized. The position (used by {@code read}, {@code readByte}, {@code
 * readLine}, {@code write}, {@code writeByte}, {@code seek}, {@code tell} and the one-argument
 * {@code find}/{@code rfind}) belongs to one thread at a time, as a {@link ByteBuffer}'s does:
 * calls that race on it may lose a move of the position or copy the same bytes twice, but each call
 * still throws only the exceptions documented here and leaves the position within {@code [0,
 * length()]} (unless a {@link #resize} shrank the map past it). Give each thread its own view
 * ({@link #channel()}, {@link #inputStream()}) to read with a position of its own. No use of a map,
 * from any thread and at any time, can crash the JVM: closing or resizing a map while other threads
 * use it makes their accesses throw {@link IllegalStateException}. If the file is truncated under
 * the map, an access to the part that no longer has a file behind it throws {@link
 * MmapFaultException}; the JVM may report such a fault a little after the access that caused it.
 * Views that are the JDK's own objects ({@link #segment()}, {@link #asByteBuffer(long, int)})
 * report it as the JDK does, with an {@link InternalError}.
 *
 * <h2>Atomic updates</h2>
 *
 * The JVM guards plain and volatile accesses to mapped memory, but not the atomic instructions of
 * {@code compareAndSet} and {@code getAndAdd}: a fault inside one would end the process. jmmap
 * reads the word plainly first, so a file truncated before the call gives {@link
 * MmapFaultException}; a truncation by another process racing with the atomic instruction itself
 * cannot be caught. Use atomics on memory that no other process shrinks, such as {@link
 * SharedMemory} or anonymous memory.
 *
 * <h2>Lifetime</h2>
 *
 * Close every map, best with try-with-resources. A map that becomes unreachable unclosed, together
 * with every view of it ({@link #segment()}, {@link #asByteBuffer(long, int)}, the streams), is
 * unmapped by a {@link java.lang.ref.Cleaner}: a view that is still referenced keeps the memory
 * mapped. On the portable backing, which unmaps only by closing an arena and cannot tell when the
 * last segment or buffer of a map is gone, the {@code Cleaner} of a map whose {@link #segment()},
 * {@link #asByteBuffer(long, int)} or {@link #readLineSegment()} was taken releases the file but
 * leaves the memory mapped until the JVM exits. Run with {@code -Djmmap.debugLeaks=true} to log
 * where each map that was never closed was created. When opening or mapping fails for lack of
 * descriptors or address space, jmmap lets the garbage collector release such maps and retries for
 * about a second before it fails.
 */
public final class Mmap implements AutoCloseable {

  /** The size of a memory page ({@code sysconf(_SC_PAGESIZE)}). */
  public static final int PAGESIZE = (int) Opener.systemPageSize();

  /** The alignment that a file offset needs; on Linux, {@link #PAGESIZE}. */
  public static final int ALLOCATIONGRANULARITY = PAGESIZE;

  /** Pages may be read ({@code <sys/mman.h>}). */
  public static final int PROT_READ = Mman.PROT_READ;

  /** Pages may be written. */
  public static final int PROT_WRITE = Mman.PROT_WRITE;

  /** Pages may be executed. */
  public static final int PROT_EXEC = Mman.PROT_EXEC;

  /** Share changes with the file and with other maps of it. */
  public static final int MAP_SHARED = Mman.MAP_SHARED;

  /** Copy-on-write: changes stay private to this map. */
  public static final int MAP_PRIVATE = Mman.MAP_PRIVATE;

  /** Anonymous memory, backed by no file. */
  public static final int MAP_ANONYMOUS = Mman.MAP_ANONYMOUS;

  /** Same as {@link #MAP_ANONYMOUS}. */
  public static final int MAP_ANON = MAP_ANONYMOUS;

  /** Ignored by Linux; kept for compatibility. */
  public static final int MAP_DENYWRITE = Mman.MAP_DENYWRITE;

  /** Ignored by Linux; kept for compatibility. */
  public static final int MAP_EXECUTABLE = Mman.MAP_EXECUTABLE;

  /** Reserve no swap space for the map. */
  public static final int MAP_NORESERVE = Mman.MAP_NORESERVE;

  /** Fault every page in when mapping (see also {@link MmapOptions#populate(boolean)}). */
  public static final int MAP_POPULATE = Mman.MAP_POPULATE;

  /** Memory suitable for a thread stack. */
  public static final int MAP_STACK = Mman.MAP_STACK;

  /** No special treatment ({@code madvise(2)} advice). */
  public static final int MADV_NORMAL = Mman.MADV_NORMAL;

  /** Expect random access. */
  public static final int MADV_RANDOM = Mman.MADV_RANDOM;

  /** Expect sequential access. */
  public static final int MADV_SEQUENTIAL = Mman.MADV_SEQUENTIAL;

  /** Expect access soon: read ahead. */
  public static final int MADV_WILLNEED = Mman.MADV_WILLNEED;

  /** Do not expect access soon. */
  public static final int MADV_DONTNEED = Mman.MADV_DONTNEED;

  /** The pages may be freed lazily. */
  public static final int MADV_FREE = Mman.MADV_FREE;

  /** Free the range and its backing store. */
  public static final int MADV_REMOVE = Mman.MADV_REMOVE;

  /** Do not make the range available to a child after fork. */
  public static final int MADV_DONTFORK = Mman.MADV_DONTFORK;

  /** Undo {@link #MADV_DONTFORK}. */
  public static final int MADV_DOFORK = Mman.MADV_DOFORK;

  /** Allow the kernel to merge identical pages. */
  public static final int MADV_MERGEABLE = Mman.MADV_MERGEABLE;

  /** Undo {@link #MADV_MERGEABLE}. */
  public static final int MADV_UNMERGEABLE = Mman.MADV_UNMERGEABLE;

  /** Back the range with huge pages where possible. */
  public static final int MADV_HUGEPAGE = Mman.MADV_HUGEPAGE;

  /** Do not back the range with huge pages. */
  public static final int MADV_NOHUGEPAGE = Mman.MADV_NOHUGEPAGE;

  /**
   * Fault the range in as reads would, without reading it (Linux 5.14; not in CPython's module).
   * {@link #populate(long, long)} does the same and reports a truncated file by type.
   */
  public static final int MADV_POPULATE_READ = Mman.MADV_POPULATE_READ;

  /**
   * Fault the range in as writes would, without writing it (Linux 5.14; not in CPython's module): a
   * private map takes its own copy of each page, and a shared map's pages are marked dirty.
   */
  public static final int MADV_POPULATE_WRITE = Mman.MADV_POPULATE_WRITE;

  /** Leave the range out of core dumps. */
  public static final int MADV_DONTDUMP = Mman.MADV_DONTDUMP;

  /** Undo {@link #MADV_DONTDUMP}. */
  public static final int MADV_DODUMP = Mman.MADV_DODUMP;

  /**
   * Poison the pages (testing memory failure handling; needs privileges). Exported for Python's
   * name; {@link #madvise(int, long, long)} refuses it, since it poisons physical memory that the
   * page cache may share with every other user of the file.
   */
  public static final int MADV_HWPOISON = Mman.MADV_HWPOISON;

  /** Write back synchronously ({@code msync(2)} flag, Python 3.15). */
  public static final int MS_SYNC = Mman.MS_SYNC;

  /** Schedule the write-back and return. */
  public static final int MS_ASYNC = Mman.MS_ASYNC;

  /** Invalidate other mappings of the same file. */
  public static final int MS_INVALIDATE = Mman.MS_INVALIDATE;

  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private final Region region;

  /**
   * The position: each call reads it once and writes it once, with opaque (never torn) accesses, so
   * that even a map misused from several threads at once keeps it in [0, length]. An AtomicLong
   * rather than a var handle on a field: its opaque accesses need no method handle linked at their
   * first use, which a fresh JVM spends milliseconds on.
   */
  private final AtomicLong pos = new AtomicLong();

  private long pos() {
    return pos.getOpaque();
  }

  private void pos(long p) {
    pos.setOpaque(p);
  }

  private Mmap(Region region) {
    this.region = region;
  }

  /** {@return a map made as {@code request} says} */
  static Mmap open(Request request) throws IOException {
    return open(Opener.system(), request);
  }

  /** {@return a map made as {@code request} says, through {@code opener}} */
  static Mmap open(Opener opener, Request request) throws IOException {
    return new Mmap(opener.open(request));
  }

  /**
   * {@return a builder for every argument of Python's constructor} ({@code flags}, {@code prot},
   * {@code access}, {@code offset}, {@code trackfd}, and {@code MAP_POPULATE}).
   */
  public static MmapOptions options() {
    return new MmapOptions();
  }

  /**
   * Maps a file: Python's {@code mmap.mmap(f.fileno(), length, access=access)}.
   *
   * @param file the file
   * @param length how many bytes to map; 0 maps the whole file
   * @param access the access mode
   * @return the new map
   * @throws IOException if the file cannot be opened or mapped
   * @throws IllegalArgumentException if length is negative, the file is empty and length is 0, or
   *     length is greater than the file
   */
  public static Mmap map(Path file, long length, Access access) throws IOException {
    return map(file, length, access, 0);
  }

  /**
   * Maps a file from an offset: Python's {@code mmap.mmap(f.fileno(), length, access=access,
   * offset=offset)}.
   *
   * @param file the file
   * @param length how many bytes to map; 0 maps from the offset to the end of the file
   * @param access the access mode
   * @param offset where the map starts in the file: a multiple of {@link #ALLOCATIONGRANULARITY}
   * @return the new map
   * @throws IOException if the file cannot be opened or mapped
   * @throws IllegalArgumentException if length or offset is negative, offset is not aligned, or the
   *     range does not fit in the file
   */
  public static Mmap map(Path file, long length, Access access, long offset) throws IOException {
    // as options().length(length).access(access).offset(offset).map(file), checks in its order,
    // without the builder: a fresh JVM's first map loads one class fewer
    Mode.Kind kind = kind(Objects.requireNonNull(access, "access"));
    Objects.requireNonNull(file, "file");
    return open(Request.withDefaults(new Source.File(file, true), length, kind, offset));
  }

  /**
   * {@return the map layer's kind of {@code access}}, by comparisons rather than a switch, whose
   * table of the enum's constants is a class of its own that the first map of a JVM would load
   */
  static Mode.Kind kind(Access access) {
    if (access == Access.READ) {
      return Mode.Kind.READ;
    }
    if (access == Access.WRITE) {
      return Mode.Kind.WRITE;
    }
    if (access == Access.COPY) {
      return Mode.Kind.COPY;
    }
    return Mode.Kind.DEFAULT;
  }

  /**
   * Maps a file through a channel the caller owns and keeps open (see {@link
   * MmapOptions#map(FileChannel)}).
   *
   * @param channel the channel: readable, and writable for {@link Access#WRITE}, {@link
   *     Access#DEFAULT} and {@link Access#COPY} ({@link FileChannel#map} makes a private map only
   *     through a channel open for reading and writing)
   * @param length how many bytes to map; 0 maps from the offset to the end of the file
   * @param access the access mode
   * @param offset where the map starts in the file: a multiple of {@link #ALLOCATIONGRANULARITY}
   * @return the new map
   * @throws java.nio.file.AccessDeniedException if the channel is not open for reading, or not for
   *     writing where the access needs it
   * @throws IOException if the file cannot be mapped
   * @throws IllegalArgumentException as for {@link #map(Path, long, Access, long)}
   */
  public static Mmap map(FileChannel channel, long length, Access access, long offset)
      throws IOException {
    return options().length(length).access(access).offset(offset).map(channel);
  }

  /**
   * Maps zero-filled anonymous shared memory: Python's {@code mmap.mmap(-1, length)}.
   *
   * @param length the length, at least 1
   * @return the new map
   * @throws IOException if the memory cannot be mapped
   * @throws IllegalArgumentException if length is not positive
   */
  public static Mmap anonymous(long length) throws IOException {
    return options().anonymous(length);
  }

  // ---------------------------------------------------------------- sequence

  /** {@return the map's length in bytes: Python's {@code len(m)}} */
  public long length() {
    return region.length();
  }

  /**
   * {@return the byte at an index: Python's {@code m[index]}}, which Python gives as an int; mask
   * with {@code 0xFF} for the same value.
   *
   * <p>The byte is signed, as {@link ByteBuffer#get(int)} and {@link MemorySegment#get} give it, so
   * that {@code set(i, get(i))} needs no cast and the indexed methods read like the buffer methods
   * Java code already uses. {@link #readByte()} instead gives 0 to 255, as Python's {@code
   * read_byte()} and {@link InputStream#read()} do, the stream-like method following the stream
   * convention.
   *
   * @param index the index; negative counts from the end
   * @throws IndexOutOfBoundsException if the index is not in {@code [-length, length)}
   */
  public byte get(long index) {
    MemorySegment s = region.segment();
    long i = index(index, s.byteSize());
    try {
      // when the file was truncated, compiled code skips the faulting load and reports the fault
      // later, leaving whatever the register held; C2 trusts a loaded byte to lie in
      // [-128, 127] (Byte.valueOf indexes its cache with it unchecked), so narrow it again with
      // an instruction it cannot fold away
      return (byte) (s.get(JAVA_BYTE, i) ^ Faults.opaqueZero);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, i);
    }
  }

  /**
   * Sets the byte at an index: Python's {@code m[index] = value}.
   *
   * @param index the index; negative counts from the end
   * @param value the byte
   * @throws ReadOnlyMmapException if the map is read-only (checked before the index)
   * @throws IndexOutOfBoundsException if the index is not in {@code [-length, length)}
   */
  public void set(long index, byte value) {
    MemorySegment s = writable("set");
    long i = index(index, s.byteSize());
    try {
      s.set(JAVA_BYTE, i, value);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, i);
    }
  }

  private static long index(long index, long length) {
    long i = index < 0 ? index + length : index;
    if (i < 0 || i >= length) {
      throw new IndexOutOfBoundsException(
          "mmap index out of range: index=" + index + " length=" + length);
    }
    return i;
  }

  /** {@return a copy of the whole map: Python's {@code m[:]}} */
  public byte[] slice() {
    return slice(Long.MIN_VALUE, Long.MAX_VALUE, 1);
  }

  /**
   * {@return a copy of {@code m[start:stop]}}, clamped as Python clamps.
   *
   * @param start the first index; negative counts from the end
   * @param stop the index after the last; negative counts from the end
   */
  public byte[] slice(long start, long stop) {
    return slice(start, stop, 1);
  }

  /**
   * {@return a copy of {@code m[start:stop:step]}}, clamped as Python clamps, in step order.
   *
   * <p>Python's {@code None} is {@link Long#MIN_VALUE} at the low end and {@link Long#MAX_VALUE} at
   * the high end: {@code m[:b:c]} is {@code slice(Long.MIN_VALUE, b, c)} and {@code m[a::c]} is
   * {@code slice(a, Long.MAX_VALUE, c)} for a positive step; for a negative step the ends swap,
   * {@code m[:b:-c]} is {@code slice(Long.MAX_VALUE, b, -c)} and {@code m[a::-c]} is {@code
   * slice(a, Long.MIN_VALUE, -c)}. (Any bound at or past the end it stands for clamps the same way;
   * these two are the ones that work for every length.)
   *
   * @param start the first index; negative counts from the end
   * @param stop the index at which to stop, not included; negative counts from the end
   * @param step the distance between indexes; negative walks backwards
   * @throws IllegalArgumentException if step is 0
   */
  public byte[] slice(long start, long stop, long step) {
    MemorySegment s = region.segment();
    long[] sl = Slices.adjust(start, stop, step, s.byteSize());
    byte[] out = new byte[arraySize(sl[3])];
    try {
      if (sl[2] == 1) {
        MemorySegment.copy(s, JAVA_BYTE, sl[0], out, 0, out.length);
      } else {
        for (int k = 0; k < out.length; k++) {
          out[k] = s.get(JAVA_BYTE, sl[0] + k * sl[2]);
        }
      }
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, sl[0]);
    }
    return out;
  }

  /**
   * Replaces the whole map with {@code data}, which must have exactly the map's length: Python's
   * {@code m[:] = data}. The position does not change.
   *
   * @param data the new bytes
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if {@code data.length} is not the map's length
   */
  public void setSlice(byte[] data) {
    setSlice(Long.MIN_VALUE, Long.MAX_VALUE, 1, data);
  }

  /**
   * Replaces {@code m[start:stop]} with {@code data}, which must have exactly the slice's length (a
   * map never changes length this way).
   *
   * @param start the first index; negative counts from the end
   * @param stop the index after the last; negative counts from the end
   * @param data the new bytes
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if {@code data.length} is not the slice's length
   */
  public void setSlice(long start, long stop, byte[] data) {
    setSlice(start, stop, 1, data);
  }

  /**
   * Replaces {@code m[start:stop:step]} with {@code data}, which must have exactly the slice's
   * length. The position does not change. Python's {@code None} as a bound is written as for {@link
   * #slice(long, long, long)}: {@link Long#MIN_VALUE} at the low end, {@link Long#MAX_VALUE} at the
   * high end, so that the start is the low end for a positive step and the high end for a negative
   * one.
   *
   * @param start the first index; negative counts from the end
   * @param stop the index at which to stop, not included; negative counts from the end
   * @param step the distance between indexes; negative walks backwards
   * @param data the new bytes, in step order
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IllegalArgumentException if step is 0
   * @throws IndexOutOfBoundsException if {@code data.length} is not the slice's length
   */
  public void setSlice(long start, long stop, long step, byte[] data) {
    MemorySegment s = writable("setSlice");
    long[] sl = Slices.adjust(start, stop, step, s.byteSize());
    Objects.requireNonNull(data, "data");
    if (sl[3] != data.length) {
      throw new IndexOutOfBoundsException(
          "mmap slice assignment is wrong size: slice has "
              + sl[3]
              + " bytes, data has "
              + data.length);
    }
    try {
      if (sl[2] == 1) {
        MemorySegment.copy(data, 0, s, JAVA_BYTE, sl[0], data.length);
      } else {
        for (int k = 0; k < data.length; k++) {
          s.set(JAVA_BYTE, sl[0] + k * sl[2], data[k]);
        }
      }
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, sl[0]);
    }
  }

  // ---------------------------------------------------------------- file

  /** {@return all bytes from the position to the end}, moving the position there. */
  public byte[] read() {
    return read(-1);
  }

  /**
   * Copies up to {@code len} bytes from the position into {@code dst}, as {@link
   * java.io.RandomAccessFile#read(byte[], int, int)} does, and moves the position past them: no
   * array is allocated, so a loop over a large map can reuse one buffer.
   *
   * @param dst the array to fill
   * @param off where in {@code dst} the bytes go
   * @param len how many bytes at most
   * @return how many bytes were copied; -1 when {@code len > 0} and the position is at or past the
   *     end; 0 when {@code len} is 0
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code dst}
   */
  public int read(byte[] dst, int off, int len) {
    MemorySegment s = region.segment();
    Objects.checkFromIndexSize(off, len, Objects.requireNonNull(dst, "dst").length);
    return readInto(s, MemorySegment.ofArray(dst).asSlice(off, len));
  }

  /**
   * Copies bytes from the position into {@code dst}, as many as it has room for or the map has
   * left, moving both positions past them.
   *
   * @param dst the buffer to fill
   * @return how many bytes were copied; -1 when {@code dst} has room and the position is at or past
   *     the end; 0 when {@code dst} has no room
   * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only
   */
  public int read(ByteBuffer dst) {
    MemorySegment s = region.segment();
    if (dst.isReadOnly()) {
      throw Faults.readOnlyBuffer();
    }
    int n = readInto(s, MemorySegment.ofBuffer(dst));
    if (n > 0) {
      dst.position(dst.position() + n);
    }
    return n;
  }

  /** Copies from the position into {@code dst}: the count, 0 for no room, -1 at the end. */
  private int readInto(MemorySegment s, MemorySegment dst) {
    if (dst.byteSize() == 0) {
      return 0;
    }
    long p = pos();
    long end = s.byteSize();
    if (p >= end) {
      return -1;
    }
    int n = (int) Math.min(dst.byteSize(), end - p);
    try {
      MemorySegment.copy(s, p, dst, 0, n);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, p);
    }
    pos(p + n);
    return n;
  }

  /**
   * {@return up to {@code n} bytes from the position}, fewer at the end (none at or past it); the
   * position moves past them.
   *
   * @param n how many bytes at most; negative means all the rest
   */
  public byte[] read(long n) {
    MemorySegment s = region.segment();
    long p = pos();
    long len = s.byteSize();
    long remaining = p < len ? len - p : 0;
    long count = n < 0 || n > remaining ? remaining : n;
    if (count == 0) {
      return new byte[0]; // p may be past the end, where even an empty copy is out of bounds
    }
    // zeroed, then copied over: copying into a per-thread buffer and allocating with
    // Arrays.copyOf, which skips the zeroing, measured slower for 64 KiB reads; what costs is that
    // each new array lies in memory the cache has not seen (a young generation of a few MiB
    // nearly doubles the speed), not the second write
    byte[] out = new byte[arraySize(count)];
    try {
      MemorySegment.copy(s, JAVA_BYTE, p, out, 0, out.length);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, p);
    }
    pos(p + count);
    return out;
  }

  /**
   * {@return the byte at the position, as 0 to 255}, moving the position past it: Python's {@code
   * read_byte()}.
   *
   * <p>Unlike {@link #get(long)}, which gives a signed {@code byte} as {@link ByteBuffer#get(int)}
   * does, this gives an {@code int} from 0 to 255, as Python's {@code read_byte()} and {@link
   * InputStream#read()} do; the end is an exception, never -1.
   *
   * @throws BufferUnderflowException if the position is at or past the end
   */
  public int readByte() {
    MemorySegment s = region.segment();
    long p = pos();
    if (p >= s.byteSize()) {
      throw Faults.underflow("read byte out of range: pos=" + p + " length=" + s.byteSize());
    }
    int b;
    try {
      b = (s.get(JAVA_BYTE, p) ^ Faults.opaqueZero) & 0xFF; // see get(long)
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, p);
    }
    pos(p + 1);
    return b;
  }

  /**
   * {@return the bytes from the position up to and including the next {@code '\n'}}, or to the end
   * if there is none; empty at or past the end. Only {@code '\n'} ends a line. The position moves
   * past the bytes returned.
   */
  public byte[] readLine() {
    MemorySegment s = region.segment();
    long p = pos();
    long len = s.byteSize();
    if (p >= len) {
      return new byte[0];
    }
    byte[] out;
    try {
      // scanned in place, then copied: reading each byte once (a block copied into a per-thread
      // buffer, scanned there, the line taken with Arrays.copyOf) measured no faster on 80-byte
      // lines, whose time goes mostly to the scan
      long nl = Search.indexOf(s, p, len, (byte) '\n');
      long end = nl < 0 ? len : nl + 1;
      out = new byte[arraySize(end - p)];
      // segment to segment, by element layout: a copy into an array looks up the array's type
      // through a pattern switch, and a plain copy between segments sets up the JDK's small-copy
      // code (which looks up the CPU by reflection); the first run of either costs a fresh JVM
      // milliseconds, while this one goes straight to the memory copy
      MemorySegment.copy(s, JAVA_BYTE, p, MemorySegment.ofArray(out), JAVA_BYTE, 0, out.length);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, p);
    }
    pos(p + out.length);
    return out;
  }

  /**
   * {@return the next line as a slice of the map, without copying}: the bytes from the position up
   * to and including the next {@code '\n'}, or to the end if there is none; an empty segment at or
   * past the end. The position moves past the bytes returned. The slice is read-only when the map
   * is.
   *
   * <p>The slice reads and writes the map itself, so it shows later changes to the map and is valid
   * only while the map is: once the map is closed or resized, any access through the slice throws
   * the JDK's {@link IllegalStateException} for a closed arena. A fault on a file truncated under
   * the map while the caller reads the slice surfaces as the JDK's {@link InternalError}, not as
   * {@link MmapFaultException}: only jmmap's own methods translate it. Code that hands the slice to
   * native code, or loads from it with the Vector API in JIT-compiled code, is not guarded by the
   * JVM at all: a truncated file can then kill the JVM. This method itself reads the map to find
   * the line end and throws {@link MmapFaultException} for a fault there.
   *
   * @throws IllegalStateException if the map is closed
   */
  public MemorySegment readLineSegment() {
    MemorySegment s = region.export();
    long p = pos();
    long len = s.byteSize();
    if (p >= len) {
      return s.asSlice(len, 0);
    }
    long end;
    try {
      long nl = Search.indexOf(s, p, len, (byte) '\n');
      end = nl < 0 ? len : nl + 1;
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, p);
    }
    pos(end);
    return s.asSlice(p, end - p);
  }

  /**
   * Writes bytes at the position and moves the position past them. All or nothing: if they do not
   * fit, nothing is written and the position stays.
   *
   * @param data the bytes
   * @return {@code data.length}
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws BufferOverflowException if the bytes do not fit between the position and the end
   */
  public int write(byte[] data) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(data, "data");
    checkWritable("write");
    long p = pos();
    long len = s.byteSize();
    if (p > len || len - p < data.length) {
      throw Faults.overflow(
          "data out of range: " + data.length + " bytes at pos=" + p + " length=" + len);
    }
    try {
      MemorySegment.copy(data, 0, s, JAVA_BYTE, p, data.length);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, p);
    }
    pos(p + data.length);
    return data.length;
  }

  /**
   * Writes one byte at the position and moves the position past it.
   *
   * @param b the byte
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws BufferOverflowException if the position is at or past the end
   */
  public void writeByte(byte b) {
    MemorySegment s = writable("writeByte");
    long p = pos();
    if (p >= s.byteSize()) {
      throw Faults.overflow("write byte out of range: pos=" + p + " length=" + s.byteSize());
    }
    try {
      s.set(JAVA_BYTE, p, b);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, p);
    }
    pos(p + 1);
  }

  /**
   * Sets the position: Python's {@code m.seek(pos)}.
   *
   * @param pos the new position, from 0 to the length
   * @return the new position
   * @throws IllegalArgumentException if pos is outside {@code [0, length]}
   */
  public long seek(long pos) {
    return seek(pos, Whence.SET);
  }

  /**
   * Moves the position: Python's {@code m.seek(dist, whence)}.
   *
   * @param dist the distance from the point {@code whence} names
   * @param whence where to count from
   * @return the new position
   * @throws IllegalArgumentException if the result is outside {@code [0, length]}
   */
  public long seek(long dist, Whence whence) {
    long len = region.length();
    Objects.requireNonNull(whence, "whence");
    long p = pos();
    // an if chain, not a switch expression: its MatchException would be loaded when Mmap is linked
    long base = whence == Whence.SET ? 0 : whence == Whence.CUR ? p : len;
    if (dist > Long.MAX_VALUE - base || base + dist < 0 || base + dist > len) {
      throw new IllegalArgumentException(
          "seek out of range: dist=" + dist + " whence=" + whence + " pos=" + p + " length=" + len);
    }
    pos(base + dist);
    return base + dist;
  }

  /** {@return the position, which can be past the end after a shrinking {@link #resize}} */
  public long tell() {
    region.segment();
    return pos();
  }

  /**
   * {@return true: every map can seek}, Python 3.13's {@code m.seekable()}. Like CPython's, it
   * answers for the type, so it answers true after {@link #close()} as well.
   *
   * @throws WrongThreadException if the map is {@linkplain MmapOptions#confined() confined} to
   *     another thread
   */
  public boolean seekable() {
    region.checkOwner();
    return true;
  }

  /**
   * {@return the size of the whole file}, which may differ from the map's length (for anonymous
   * memory, the length).
   *
   * <p>Anonymous memory has no file to measure, so its size is its length whether or not the map
   * keeps a descriptor: {@code trackFd(false)} makes {@code size()} fail only for maps of files.
   *
   * @apiNote Python 3.11 to 3.14 raise {@code OSError} here for anonymous memory, with or without
   *     {@code trackfd}; jmmap gives the length, as Python 3.15 does.
   * @throws IOException if the file's size cannot be read (e.g. a channel closed since)
   * @throws UnsupportedOperationException if the map is of a file and was made with {@code
   *     trackFd(false)}
   */
  public long size() throws IOException {
    return region.size();
  }

  // ---------------------------------------------------------------- search

  /**
   * {@return the lowest index, from the position on, where {@code sub} occurs, or -1}
   *
   * @param sub the bytes to look for; empty matches at once
   */
  public long find(byte[] sub) {
    return find(sub, pos(), Long.MAX_VALUE);
  }

  /**
   * {@return the lowest index at or after {@code start} where {@code sub} occurs, or -1}
   *
   * @param sub the bytes to look for; empty matches at once
   * @param start where to start; negative counts from the end; clamped to the map
   */
  public long find(byte[] sub, long start) {
    return find(sub, start, Long.MAX_VALUE);
  }

  /**
   * {@return the lowest index i with start &lt;= i and i + sub.length &lt;= end where {@code sub}
   * occurs, or -1} Both bounds count from the end when negative and are clamped to the map; an
   * empty {@code sub} gives the clamped start (even past the data, unlike {@code bytes.find}). The
   * position does not move.
   *
   * @param sub the bytes to look for
   * @param start the lowest index
   * @param end the bound that the match must end at or before
   */
  public long find(byte[] sub, long start, long end) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(sub, "sub");
    long len = s.byteSize();
    long from = clampBound(start, len);
    long to = clampBound(end, len);
    if (to < from) {
      return -1;
    }
    if (sub.length == 0) {
      return from;
    }
    try {
      return Search.find(s, from, to, sub);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, from);
    }
  }

  /**
   * {@return the highest index, from the position on, where {@code sub} occurs, or -1}
   *
   * @param sub the bytes to look for; empty matches at the end
   */
  public long rfind(byte[] sub) {
    return rfind(sub, pos(), Long.MAX_VALUE);
  }

  /**
   * {@return the highest index at or after {@code start} where {@code sub} occurs, or -1}
   *
   * @param sub the bytes to look for; empty matches at the end
   * @param start the lowest index; negative counts from the end; clamped to the map
   */
  public long rfind(byte[] sub, long start) {
    return rfind(sub, start, Long.MAX_VALUE);
  }

  /**
   * {@return the highest index i with start &lt;= i and i + sub.length &lt;= end where {@code sub}
   * occurs, or -1} Bounds are treated as by {@link #find(byte[], long, long)}; an empty {@code sub}
   * gives the clamped end.
   *
   * @param sub the bytes to look for
   * @param start the lowest index
   * @param end the bound that the match must end at or before
   */
  public long rfind(byte[] sub, long start, long end) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(sub, "sub");
    long len = s.byteSize();
    long from = clampBound(start, len);
    long to = clampBound(end, len);
    if (to < from) {
      return -1;
    }
    if (sub.length == 0) {
      return to;
    }
    try {
      return Search.rfind(s, from, to, sub);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(region, e, from);
    }
  }

  private static long clampBound(long bound, long len) {
    if (bound < 0) {
      bound += len;
      return bound < 0 ? 0 : bound;
    }
    return Math.min(bound, len);
  }

  // ---------------------------------------------------------------- whole-map operations

  /**
   * Copies {@code count} bytes from {@code src} to {@code dest}, correctly when the ranges overlap.
   * The position does not move. A move onto itself ({@code dest == src}) writes nothing once the
   * range is checked, as CPython's does for all but a few hundred bytes: it dirties no page of a
   * shared map, and a private map keeps reading the file's pages rather than taking copies of them
   * (which a later truncation of the file would otherwise not reach).
   *
   * @param dest where the bytes go
   * @param src where they come from
   * @param count how many
   * @throws ReadOnlyMmapException if the map is read-only (checked before the range)
   * @throws IllegalArgumentException if any argument is negative or a range passes the end
   */
  public void move(long dest, long src, long count) {
    MemorySegment s = writable("move");
    long len = s.byteSize();
    if (dest < 0 || src < 0 || count < 0 || len - dest < count || len - src < count) {
      throw new IllegalArgumentException(
          "source, destination, or count out of range: dest="
              + dest
              + " src="
              + src
              + " count="
              + count
              + " length="
              + len);
    }
    if (dest == src) {
      return; // CPython's memmove returns here too, so a private map gets no copies of pages
    }
    try {
      MemorySegment.copy(s, src, s, dest, count);
    } catch (RuntimeException | InternalError e) {
      throw Faults.translate(
          region, e, Math.min(src, dest)); // translate finds the first unbacked page
    }
  }

  /**
   * Writes every change back to the file and waits until it is there ({@code msync(MS_SYNC)}). Does
   * nothing for {@link Access#READ} and {@link Access#COPY} maps.
   *
   * @throws IOException if the write-back fails
   */
  public void flush() throws IOException {
    region.flushAll();
  }

  /**
   * Writes the changes in {@code [offset, offset + size)} back to the file and waits until they are
   * there. Does nothing for {@link Access#READ} and {@link Access#COPY} maps, once the range is
   * checked.
   *
   * @param offset where the range starts: a multiple of {@link #PAGESIZE}
   * @param size how many bytes
   * @throws IllegalArgumentException if the range is negative or passes the end
   * @throws IOException if {@code offset} is not page-aligned ({@code EINVAL}, as from {@code
   *     msync(2)}) or the write-back fails
   */
  public void flush(long offset, long size) throws IOException {
    region.flush(offset, size);
  }

  /**
   * Changes the map's length, and the file's size to offset + newSize (growing fills with zero
   * bytes). The position does not change, even if it is now past the end. Either all of it happens
   * or, after an exception, none of it.
   *
   * @apiNote CPython truncates the file before remapping and leaves it truncated when the remap
   *     fails; jmmap leaves both as they were. Shared anonymous memory can grow here, unlike in
   *     CPython (3.11 crashes, 3.13 refuses).
   * @param newSize the new length, at least 1
   * @throws ReadOnlyMmapException if the map is {@link Access#READ}
   * @throws UnsupportedOperationException if the map is {@link Access#COPY}, was made with {@code
   *     trackFd(false)}, is shared anonymous memory that this system cannot grow, or is a private
   *     map made from a {@link FileChannel} (see {@link MmapOptions#map(FileChannel)})
   * @throws IllegalArgumentException if newSize is negative or offset + newSize overflows
   * @throws IllegalStateException if the map is closed, or a native I/O operation on one of its
   *     views (a channel reading into {@link #asByteBuffer(long, int)}) is in progress; then
   *     nothing is changed
   * @throws IOException if newSize is 0, or the file or the mapping cannot be resized; then the map
   *     and the file are as they were
   */
  public void resize(long newSize) throws IOException {
    try {
      region.resize(newSize, this::toString);
    } catch (RuntimeException e) {
      // Region.ReadOnly, told by its superclass: naming either in a catch clause here would make
      // linking Mmap load it
      if (e instanceof ReadOnlyBufferException) {
        throw Faults.readOnly(e.getMessage());
      }
      throw e;
    }
  }

  /**
   * Gives the kernel advice about the whole map: Python's {@code m.madvise(option)}.
   *
   * @param option one of the {@code MADV_*} constants but {@link #MADV_HWPOISON}
   * @throws IllegalArgumentException if the option is not one that jmmap allows (see {@link
   *     #madvise(int, long, long)})
   * @throws UncheckedIOException if {@code madvise(2)} fails, e.g. for advice this kind of map does
   *     not take
   */
  public void madvise(int option) {
    madvise(option, 0, Long.MAX_VALUE);
  }

  /**
   * Gives the kernel advice about the map from {@code start} to its end: Python's {@code
   * m.madvise(option, start)}, whose length defaults to the map's length and is then clamped to the
   * end.
   *
   * @param option one of the {@code MADV_*} constants but {@link #MADV_HWPOISON}
   * @param start where the range starts: in {@code [0, length)}, and page-aligned
   * @throws IllegalArgumentException if start is outside the map, or the option is not one that
   *     jmmap allows (see {@link #madvise(int, long, long)})
   * @throws UncheckedIOException if {@code madvise(2)} fails ({@code EINVAL} for an unaligned
   *     start, or advice this kind of map does not take)
   */
  public void madvise(int option, long start) {
    // any length that reaches the end will do; this one cannot overflow start + length, and a
    // negative start is refused before the length is looked at
    madvise(option, start, Long.MAX_VALUE - Math.max(start, 0));
  }

  /**
   * Gives the kernel advice about {@code [start, start + length)}, the length clamped to the end.
   *
   * <p>Only the advice values that jmmap exports and knows to leave the memory readable and
   * writable from Java are passed to the kernel (see {@link #MADV_NORMAL} and the constants after
   * it); any other value, including {@link #MADV_HWPOISON}, is refused, since some (such as Linux
   * 6.13's guard pages) make the next access to the map kill the JVM.
   *
   * @param option one of the {@code MADV_*} constants but {@link #MADV_HWPOISON}
   * @param start where the range starts: inside the map, and page-aligned
   * @param length how many bytes; clamped to the end of the map
   * @throws IllegalArgumentException if start is outside the map, length is negative, start +
   *     length overflows, or the option is not one that jmmap allows (checked in that order)
   * @throws UncheckedIOException if {@code madvise(2)} fails ({@code EINVAL} for an unaligned
   *     start, or advice this kind of map does not take, e.g. {@link #MADV_FREE} on a file)
   * @throws MmapFaultException for {@link #MADV_POPULATE_READ} or {@link #MADV_POPULATE_WRITE}
   *     where the file no longer backs the range (truncated), as {@link #populate(long, long)}
   *     reports it
   * @throws UnsupportedOperationException on the portable backing, for advice with a visible effect
   *     (any but {@link #MADV_NORMAL}, {@link #MADV_RANDOM}, {@link #MADV_SEQUENTIAL} and {@link
   *     #MADV_WILLNEED}); and on memory in reserved huge pages ({@link MmapOptions#hugePages}), for
   *     {@link #MADV_DONTNEED}, {@link #MADV_FREE} and {@link #MADV_REMOVE}, which would give its
   *     pages back to the pool
   */
  public void madvise(int option, long start, long length) {
    Region.Fault f;
    try {
      f = region.advise(option, start, length);
    } catch (IOException e) {
      throw Faults.unchecked(e);
    }
    if (f != null) {
      throw Faults.fault(f);
    }
  }

  /**
   * Gives the kernel advice about the whole map.
   *
   * @param advice the advice
   * @throws UncheckedIOException if {@code madvise(2)} fails, e.g. for advice this kind of map does
   *     not take
   */
  public void madvise(Advice advice) {
    madvise(Objects.requireNonNull(advice, "advice").value());
  }

  /**
   * Gives the kernel advice about the map from {@code start} to its end; see {@link #madvise(int,
   * long)}.
   *
   * @param advice the advice
   * @param start where the range starts: in {@code [0, length)}, and page-aligned
   * @throws IllegalArgumentException if start is outside the map
   * @throws UncheckedIOException if {@code madvise(2)} fails ({@code EINVAL} for an unaligned
   *     start, or advice this kind of map does not take)
   */
  public void madvise(Advice advice, long start) {
    madvise(Objects.requireNonNull(advice, "advice").value(), start);
  }

  /**
   * Gives the kernel advice about {@code [start, start + length)}, the length clamped to the end;
   * see {@link #madvise(int, long, long)}.
   *
   * @param advice the advice
   * @param start where the range starts: inside the map, and page-aligned
   * @param length how many bytes; clamped to the end of the map
   * @throws IllegalArgumentException if start is outside the map, length is negative, or start +
   *     length overflows
   * @throws UncheckedIOException if {@code madvise(2)} fails
   */
  public void madvise(Advice advice, long start, long length) {
    madvise(Objects.requireNonNull(advice, "advice").value(), start, length);
  }

  // ---------------------------------------------------------------- the page cache

  /**
   * Faults the pages of {@code [offset, offset + length)} in now, so that later accesses to them do
   * not wait for the disk, and finds out before any access whether the file still backs them. Uses
   * {@code madvise(MADV_POPULATE_READ)} (Linux 5.14 and later; {@code MADV_POPULATE_WRITE} for
   * writable anonymous memory, which reads would map only to the shared zero page), which reads no
   * byte of the map; on older kernels and on the portable backing, reads one byte of each page.
   * Unlike {@link MmapOptions#populate(boolean)} ({@code MAP_POPULATE}), it can be asked of any
   * range, at any time, and reports a truncated file.
   *
   * @param offset the first byte, at any alignment (the whole pages the range lies in are faulted)
   * @param length how many bytes
   * @throws IndexOutOfBoundsException if the range is not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   * @throws IOException if {@code madvise(2)} fails otherwise
   */
  public void populate(long offset, long length) throws IOException {
    Region.Fault f = region.populate(offset, length);
    if (f != null) {
      throw Faults.fault(f);
    }
  }

  /**
   * {@return whether every page of {@code [offset, offset + length)} is in memory} ({@code
   * mincore(2)}), as {@link java.nio.MappedByteBuffer#isLoaded()} answers for a buffer; true for an
   * empty range. The answer may be out of date as soon as it is given: the kernel evicts and reads
   * pages at any time.
   *
   * @param offset the first byte, at any alignment
   * @param length how many bytes
   * @throws IndexOutOfBoundsException if the range is not inside the map
   * @throws UnsupportedOperationException on the portable backing, for private anonymous memory
   * @throws IOException if {@code mincore(2)} fails
   */
  public boolean isLoaded(long offset, long length) throws IOException {
    return region.residentFraction(offset, length) == 1.0;
  }

  /**
   * {@return the fraction, from 0.0 to 1.0, of the pages of {@code [offset, offset + length)} that
   * are in memory} ({@code mincore(2)}); 1.0 for an empty range. The whole pages the range lies in
   * count, the first and last included. See {@link #isLoaded(long, long)}.
   *
   * @param offset the first byte, at any alignment
   * @param length how many bytes
   * @throws IndexOutOfBoundsException if the range is not inside the map
   * @throws UnsupportedOperationException on the portable backing, for private anonymous memory
   * @throws IOException if {@code mincore(2)} fails
   */
  public double residentFraction(long offset, long length) throws IOException {
    return region.residentFraction(offset, length);
  }

  /**
   * Locks the pages of {@code [offset, offset + length)} in memory ({@code mlock(2)}), faulting
   * them in first: the kernel neither evicts nor swaps them out until they are unlocked, the map is
   * closed or it is resized (a resize ends every lock of the map; lock again after it). Locked
   * memory counts against the process's {@code RLIMIT_MEMLOCK} ({@code ulimit -l}).
   *
   * @param offset the first byte, at any alignment (the whole pages the range lies in are locked)
   * @param length how many bytes
   * @throws IndexOutOfBoundsException if the range is not inside the map
   * @throws UnsupportedOperationException on the portable backing
   * @throws IOException if {@code mlock(2)} fails; when {@code RLIMIT_MEMLOCK} does not allow the
   *     lock ({@code ENOMEM}, {@code EPERM} or {@code EAGAIN}), the message names the limit
   */
  public void lock(long offset, long length) throws IOException {
    region.lock(offset, length, true);
  }

  /**
   * Unlocks the pages of {@code [offset, offset + length)} ({@code munlock(2)}); pages that were
   * not locked are left as they are.
   *
   * @param offset the first byte, at any alignment
   * @param length how many bytes
   * @throws IndexOutOfBoundsException if the range is not inside the map
   * @throws UnsupportedOperationException on the portable backing
   * @throws IOException if {@code munlock(2)} fails
   */
  public void unlock(long offset, long length) throws IOException {
    region.lock(offset, length, false);
  }

  /**
   * Starts writing the changes in {@code [offset, offset + size)} back to the file without waiting
   * for them ({@code msync(MS_ASYNC)}); arguments are checked as by {@link #flush(long, long)}. On
   * Linux the kernel writes dirty pages back on its own schedule and {@code MS_ASYNC} only makes
   * sure that they are marked; {@link #flush(long, long)} waits until they are on disk. Maps made
   * from a {@link FileChannel} by several threads and maps of the portable backing write back and
   * wait, as {@link #flush(long, long)} does.
   *
   * @param offset where the range starts: a multiple of {@link #PAGESIZE}
   * @param size how many bytes
   * @throws IllegalArgumentException if the range is negative or passes the end
   * @throws IOException if {@code offset} is not page-aligned, or the call fails
   */
  public void flushAsync(long offset, long size) throws IOException {
    region.flushAsync(offset, size);
  }

  // ---------------------------------------------------------------- lifetime and views

  /**
   * Unmaps the memory and releases the file. Idempotent. Every later use of this map, and of every
   * segment that {@link #segment()} returned, throws {@link IllegalStateException}; other threads
   * in the middle of an access finish it first.
   *
   * @apiNote Python refuses to close a map while buffers are exported ({@code BufferError}); jmmap
   *     closes anyway and invalidates them, unless a native I/O operation is using one of them at
   *     that moment.
   * @throws IllegalStateException if a native I/O operation on a view (a channel reading into
   *     {@link #asByteBuffer(long, int)}) is in progress: nothing is closed, and a later {@code
   *     close()} succeeds once the operation ends
   * @throws UncheckedIOException if the file descriptor cannot be closed (the memory is unmapped
   *     regardless)
   */
  @Override
  public void close() {
    try {
      region.close();
    } catch (IOException e) {
      throw Faults.unchecked(e);
    }
  }

  /** {@return whether {@link #close()} has been called} */
  public boolean isClosed() {
    return region.isClosed();
  }

  /**
   * {@return the live mapping as a segment}, read-only for {@link Access#READ} maps. It is invalid,
   * and every access through it throws {@link IllegalStateException}, once this map is closed or
   * resized. A fault on a file truncated under the map surfaces through it as the JDK's {@link
   * InternalError}; native code or JIT-compiled Vector API loads given this segment are not guarded
   * by the JVM, and a truncated file can then kill it.
   */
  public MemorySegment segment() {
    return region.export();
  }

  /** {@return the access mode, as resolved from access, flags and prot} */
  public Access access() {
    region.segment();
    return access(region.mode().kind());
  }

  static Access access(Mode.Kind kind) {
    // an if chain, not a switch expression: its MatchException would be loaded when Mmap is linked
    if (kind == Mode.Kind.READ) {
      return Access.READ;
    } else if (kind == Mode.Kind.WRITE) {
      return Access.WRITE;
    } else if (kind == Mode.Kind.COPY) {
      return Access.COPY;
    }
    return Access.DEFAULT;
  }

  /** {@return the file offset the map starts at} */
  public long offset() {
    region.segment();
    return region.offset();
  }

  /**
   * {@return a path through which another process can map the same shared memory}: for shared
   * anonymous memory {@code /proc/<pid>/fd/<fd>} of its memory file, valid while this map is open;
   * for a map of a file opened by path, that path; otherwise empty.
   */
  public Optional<Path> attachPath() {
    region.segment();
    return Optional.ofNullable(region.attachPath());
  }

  /**
   * {@return e.g. {@code Mmap[closed=false, access=DEFAULT, length=10, pos=0, offset=0, /tmp/x,
   * backing=native]}}, or {@code Mmap[closed=true]}, like Python's {@code repr}; {@code backing} is
   * {@code native} for jmmap's Linux layer and {@code portable} for the backing built only on
   * public JDK APIs.
   */
  @Override
  public String toString() {
    return region.show(pos());
  }

  // ---------------------------------------------------------------- typed and atomic access

  /**
   * Copies {@code len} elements of {@code layout} from {@code offset} of {@code s} into the array
   * {@code dst} (of {@code dstLength} elements) at {@code off}, once the array range is checked.
   */
  private void copyOut(
      String op,
      MemorySegment s,
      long offset,
      Object dst,
      int dstLength,
      int off,
      int len,
      ValueLayout layout) {
    checkArray(op, "dst", dstLength, off, len);
    try {
      MemorySegment.copy(s, layout, offset, dst, off, len);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, op, (long) len * layout.byteSize());
    }
  }

  /**
   * Copies {@code len} elements of {@code layout} from the array {@code src} (of {@code srcLength}
   * elements) at {@code off} to {@code offset} of {@code s}, once the array range is checked.
   */
  private void copyIn(
      String op,
      MemorySegment s,
      long offset,
      Object src,
      int srcLength,
      int off,
      int len,
      ValueLayout layout) {
    checkArray(op, "src", srcLength, off, len);
    try {
      MemorySegment.copy(src, off, s, layout, offset, len);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, op, (long) len * layout.byteSize());
    }
  }

  /**
   * The layouts and handles of typed and atomic access, made when the first such access runs: a
   * program that only maps and reads lines never pays for building them (a layout's var handle
   * costs milliseconds in a fresh JVM).
   */
  private static final class Typed {
    static final ValueLayout.OfShort SHORT_BE = unaligned(JAVA_SHORT_UNALIGNED, true);
    static final ValueLayout.OfShort SHORT_LE = unaligned(JAVA_SHORT_UNALIGNED, false);
    static final ValueLayout.OfInt INT_BE = unaligned(JAVA_INT_UNALIGNED, true);
    static final ValueLayout.OfInt INT_LE = unaligned(JAVA_INT_UNALIGNED, false);
    static final ValueLayout.OfLong LONG_BE = unaligned(JAVA_LONG_UNALIGNED, true);
    static final ValueLayout.OfLong LONG_LE = unaligned(JAVA_LONG_UNALIGNED, false);
    static final ValueLayout.OfFloat FLOAT_BE = unaligned(JAVA_FLOAT_UNALIGNED, true);
    static final ValueLayout.OfFloat FLOAT_LE = unaligned(JAVA_FLOAT_UNALIGNED, false);
    static final ValueLayout.OfDouble DOUBLE_BE = unaligned(JAVA_DOUBLE_UNALIGNED, true);
    static final ValueLayout.OfDouble DOUBLE_LE = unaligned(JAVA_DOUBLE_UNALIGNED, false);
    static final VarHandle INT_ATOMIC = ValueLayout.JAVA_INT.varHandle();
    static final VarHandle LONG_ATOMIC = ValueLayout.JAVA_LONG.varHandle();

    private Typed() {}

    @SuppressWarnings("unchecked")
    private static <L extends ValueLayout> L unaligned(L layout, boolean big) {
      return (L) layout.withOrder(big ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    }
  }

  private static boolean big(ByteOrder order) {
    return Objects.requireNonNull(order, "order") == ByteOrder.BIG_ENDIAN;
  }

  /**
   * {@return the 2 bytes at {@code offset}, any alignment, as a short in the given order}
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param order the byte order
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public short getShort(long offset, ByteOrder order) {
    MemorySegment s = region.segment();
    try {
      return (short)
          (s.get(big(order) ? Typed.SHORT_BE : Typed.SHORT_LE, offset)
              ^ Faults.opaqueZero); // see get
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "getShort", 2);
    }
  }

  /**
   * {@return the 4 bytes at {@code offset}, any alignment, as an int in the given order}
   *
   * @param offset the offset of the first byte
   * @param order the byte order
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public int getInt(long offset, ByteOrder order) {
    MemorySegment s = region.segment();
    try {
      return s.get(big(order) ? Typed.INT_BE : Typed.INT_LE, offset);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "getInt", 4);
    }
  }

  /**
   * {@return the 8 bytes at {@code offset}, any alignment, as a long in the given order}
   *
   * @param offset the offset of the first byte
   * @param order the byte order
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public long getLong(long offset, ByteOrder order) {
    MemorySegment s = region.segment();
    try {
      return s.get(big(order) ? Typed.LONG_BE : Typed.LONG_LE, offset);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "getLong", 8);
    }
  }

  /**
   * {@return the 4 bytes at {@code offset}, any alignment, as a float in the given order}
   *
   * @param offset the offset of the first byte
   * @param order the byte order
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public float getFloat(long offset, ByteOrder order) {
    MemorySegment s = region.segment();
    try {
      return s.get(big(order) ? Typed.FLOAT_BE : Typed.FLOAT_LE, offset);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "getFloat", 4);
    }
  }

  /**
   * {@return the 8 bytes at {@code offset}, any alignment, as a double in the given order}
   *
   * @param offset the offset of the first byte
   * @param order the byte order
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public double getDouble(long offset, ByteOrder order) {
    MemorySegment s = region.segment();
    try {
      return s.get(big(order) ? Typed.DOUBLE_BE : Typed.DOUBLE_LE, offset);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "getDouble", 8);
    }
  }

  /**
   * Writes a short as 2 bytes at {@code offset}, any alignment, in the given order.
   *
   * @param offset the offset of the first byte
   * @param order the byte order
   * @param value the value
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public void putShort(long offset, ByteOrder order, short value) {
    MemorySegment s = writable("putShort");
    try {
      s.set(big(order) ? Typed.SHORT_BE : Typed.SHORT_LE, offset, value);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "putShort", 2);
    }
  }

  /**
   * Writes an int as 4 bytes at {@code offset}, any alignment, in the given order.
   *
   * @param offset the offset of the first byte
   * @param order the byte order
   * @param value the value
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public void putInt(long offset, ByteOrder order, int value) {
    MemorySegment s = writable("putInt");
    try {
      s.set(big(order) ? Typed.INT_BE : Typed.INT_LE, offset, value);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "putInt", 4);
    }
  }

  /**
   * Writes a long as 8 bytes at {@code offset}, any alignment, in the given order.
   *
   * @param offset the offset of the first byte
   * @param order the byte order
   * @param value the value
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public void putLong(long offset, ByteOrder order, long value) {
    MemorySegment s = writable("putLong");
    try {
      s.set(big(order) ? Typed.LONG_BE : Typed.LONG_LE, offset, value);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "putLong", 8);
    }
  }

  /**
   * Writes a float as 4 bytes at {@code offset}, any alignment, in the given order.
   *
   * @param offset the offset of the first byte
   * @param order the byte order
   * @param value the value
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public void putFloat(long offset, ByteOrder order, float value) {
    MemorySegment s = writable("putFloat");
    try {
      s.set(big(order) ? Typed.FLOAT_BE : Typed.FLOAT_LE, offset, value);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "putFloat", 4);
    }
  }

  /**
   * Writes a double as 8 bytes at {@code offset}, any alignment, in the given order.
   *
   * @param offset the offset of the first byte
   * @param order the byte order
   * @param value the value
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public void putDouble(long offset, ByteOrder order, double value) {
    MemorySegment s = writable("putDouble");
    try {
      s.set(big(order) ? Typed.DOUBLE_BE : Typed.DOUBLE_LE, offset, value);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "putDouble", 8);
    }
  }

  // ---------------------------------------------------------------- bulk typed access

  /**
   * Reads {@code len} shorts of 2 bytes each, from {@code offset} on at any alignment, in the given
   * order, into {@code dst[off, off + len)}: numpy's {@code np.frombuffer(buf, dtype, len, offset)}
   * into an array of Java's, in one copy.
   *
   * <p>Every argument is checked before a byte is copied. If the file is truncated under the map
   * during the call, the call throws {@link MmapFaultException} and part of {@code dst} may have
   * been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param dst the array to fill
   * @param off the index in {@code dst} of the first short
   * @param len how many shorts
   * @param order the byte order
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code dst}, or the
   *     {@code len * 2} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void getShorts(long offset, short[] dst, int off, int len, ByteOrder order) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(dst, "dst");
    copyOut(
        "getShorts",
        s,
        offset,
        dst,
        dst.length,
        off,
        len,
        big(order) ? Typed.SHORT_BE : Typed.SHORT_LE);
  }

  /**
   * Reads {@code len} ints of 4 bytes each, from {@code offset} on at any alignment, in the given
   * order, into {@code dst[off, off + len)}: numpy's {@code np.frombuffer(buf, dtype, len, offset)}
   * into an array of Java's, in one copy.
   *
   * <p>Every argument is checked before a byte is copied. If the file is truncated under the map
   * during the call, the call throws {@link MmapFaultException} and part of {@code dst} may have
   * been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param dst the array to fill
   * @param off the index in {@code dst} of the first int
   * @param len how many ints
   * @param order the byte order
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code dst}, or the
   *     {@code len * 4} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void getInts(long offset, int[] dst, int off, int len, ByteOrder order) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(dst, "dst");
    copyOut(
        "getInts", s, offset, dst, dst.length, off, len, big(order) ? Typed.INT_BE : Typed.INT_LE);
  }

  /**
   * Reads {@code len} longs of 8 bytes each, from {@code offset} on at any alignment, in the given
   * order, into {@code dst[off, off + len)}: numpy's {@code np.frombuffer(buf, dtype, len, offset)}
   * into an array of Java's, in one copy.
   *
   * <p>Every argument is checked before a byte is copied. If the file is truncated under the map
   * during the call, the call throws {@link MmapFaultException} and part of {@code dst} may have
   * been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param dst the array to fill
   * @param off the index in {@code dst} of the first long
   * @param len how many longs
   * @param order the byte order
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code dst}, or the
   *     {@code len * 8} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void getLongs(long offset, long[] dst, int off, int len, ByteOrder order) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(dst, "dst");
    copyOut(
        "getLongs",
        s,
        offset,
        dst,
        dst.length,
        off,
        len,
        big(order) ? Typed.LONG_BE : Typed.LONG_LE);
  }

  /**
   * Reads {@code len} floats of 4 bytes each, from {@code offset} on at any alignment, in the given
   * order, into {@code dst[off, off + len)}: numpy's {@code np.frombuffer(buf, dtype, len, offset)}
   * into an array of Java's, in one copy.
   *
   * <p>Every argument is checked before a byte is copied. If the file is truncated under the map
   * during the call, the call throws {@link MmapFaultException} and part of {@code dst} may have
   * been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param dst the array to fill
   * @param off the index in {@code dst} of the first float
   * @param len how many floats
   * @param order the byte order
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code dst}, or the
   *     {@code len * 4} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void getFloats(long offset, float[] dst, int off, int len, ByteOrder order) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(dst, "dst");
    copyOut(
        "getFloats",
        s,
        offset,
        dst,
        dst.length,
        off,
        len,
        big(order) ? Typed.FLOAT_BE : Typed.FLOAT_LE);
  }

  /**
   * Reads {@code len} doubles of 8 bytes each, from {@code offset} on at any alignment, in the
   * given order, into {@code dst[off, off + len)}: numpy's {@code np.frombuffer(buf, dtype, len,
   * offset)} into an array of Java's, in one copy.
   *
   * <p>Every argument is checked before a byte is copied. If the file is truncated under the map
   * during the call, the call throws {@link MmapFaultException} and part of {@code dst} may have
   * been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param dst the array to fill
   * @param off the index in {@code dst} of the first double
   * @param len how many doubles
   * @param order the byte order
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code dst}, or the
   *     {@code len * 8} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void getDoubles(long offset, double[] dst, int off, int len, ByteOrder order) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(dst, "dst");
    copyOut(
        "getDoubles",
        s,
        offset,
        dst,
        dst.length,
        off,
        len,
        big(order) ? Typed.DOUBLE_BE : Typed.DOUBLE_LE);
  }

  /**
   * Writes {@code src[off, off + len)} as {@code len} shorts of 2 bytes each, from {@code offset}
   * on at any alignment, in the given order, in one copy.
   *
   * <p>Every argument is checked before a byte is written: a call that throws for an argument
   * leaves the map as it was. If the file is truncated under the map during the call, the call
   * throws {@link MmapFaultException} and part of the range may have been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param src the array to write from
   * @param off the index in {@code src} of the first short
   * @param len how many shorts
   * @param order the byte order
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code src}, or the
   *     {@code len * 2} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void putShorts(long offset, short[] src, int off, int len, ByteOrder order) {
    MemorySegment s = writable("putShorts");
    Objects.requireNonNull(src, "src");
    copyIn(
        "putShorts",
        s,
        offset,
        src,
        src.length,
        off,
        len,
        big(order) ? Typed.SHORT_BE : Typed.SHORT_LE);
  }

  /**
   * Writes {@code src[off, off + len)} as {@code len} ints of 4 bytes each, from {@code offset} on
   * at any alignment, in the given order, in one copy.
   *
   * <p>Every argument is checked before a byte is written: a call that throws for an argument
   * leaves the map as it was. If the file is truncated under the map during the call, the call
   * throws {@link MmapFaultException} and part of the range may have been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param src the array to write from
   * @param off the index in {@code src} of the first int
   * @param len how many ints
   * @param order the byte order
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code src}, or the
   *     {@code len * 4} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void putInts(long offset, int[] src, int off, int len, ByteOrder order) {
    MemorySegment s = writable("putInts");
    Objects.requireNonNull(src, "src");
    copyIn(
        "putInts", s, offset, src, src.length, off, len, big(order) ? Typed.INT_BE : Typed.INT_LE);
  }

  /**
   * Writes {@code src[off, off + len)} as {@code len} longs of 8 bytes each, from {@code offset} on
   * at any alignment, in the given order, in one copy.
   *
   * <p>Every argument is checked before a byte is written: a call that throws for an argument
   * leaves the map as it was. If the file is truncated under the map during the call, the call
   * throws {@link MmapFaultException} and part of the range may have been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param src the array to write from
   * @param off the index in {@code src} of the first long
   * @param len how many longs
   * @param order the byte order
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code src}, or the
   *     {@code len * 8} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void putLongs(long offset, long[] src, int off, int len, ByteOrder order) {
    MemorySegment s = writable("putLongs");
    Objects.requireNonNull(src, "src");
    copyIn(
        "putLongs",
        s,
        offset,
        src,
        src.length,
        off,
        len,
        big(order) ? Typed.LONG_BE : Typed.LONG_LE);
  }

  /**
   * Writes {@code src[off, off + len)} as {@code len} floats of 4 bytes each, from {@code offset}
   * on at any alignment, in the given order, in one copy.
   *
   * <p>Every argument is checked before a byte is written: a call that throws for an argument
   * leaves the map as it was. If the file is truncated under the map during the call, the call
   * throws {@link MmapFaultException} and part of the range may have been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param src the array to write from
   * @param off the index in {@code src} of the first float
   * @param len how many floats
   * @param order the byte order
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code src}, or the
   *     {@code len * 4} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void putFloats(long offset, float[] src, int off, int len, ByteOrder order) {
    MemorySegment s = writable("putFloats");
    Objects.requireNonNull(src, "src");
    copyIn(
        "putFloats",
        s,
        offset,
        src,
        src.length,
        off,
        len,
        big(order) ? Typed.FLOAT_BE : Typed.FLOAT_LE);
  }

  /**
   * Writes {@code src[off, off + len)} as {@code len} doubles of 8 bytes each, from {@code offset}
   * on at any alignment, in the given order, in one copy.
   *
   * <p>Every argument is checked before a byte is written: a call that throws for an argument
   * leaves the map as it was. If the file is truncated under the map during the call, the call
   * throws {@link MmapFaultException} and part of the range may have been written.
   *
   * @param offset the offset of the first byte (not counted from the end)
   * @param src the array to write from
   * @param off the index in {@code src} of the first double
   * @param len how many doubles
   * @param order the byte order
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IndexOutOfBoundsException if {@code [off, off + len)} is not inside {@code src}, or the
   *     {@code len * 8} bytes are not inside the map
   * @throws MmapFaultException if the file no longer backs part of the range
   */
  public void putDoubles(long offset, double[] src, int off, int len, ByteOrder order) {
    MemorySegment s = writable("putDoubles");
    Objects.requireNonNull(src, "src");
    copyIn(
        "putDoubles",
        s,
        offset,
        src,
        src.length,
        off,
        len,
        big(order) ? Typed.DOUBLE_BE : Typed.DOUBLE_LE);
  }

  /** Refuses {@code [off, off + len)} if it is not inside an array of {@code length} elements. */
  private static void checkArray(String op, String name, int length, int off, int len) {
    if (off < 0 || len < 0 || off > length - len) {
      throw new IndexOutOfBoundsException(
          op
              + " array range out of bounds: off="
              + off
              + " len="
              + len
              + " "
              + name
              + ".length="
              + length);
    }
  }

  /**
   * Reads the byte at {@code offset} plainly before an atomic read-modify-write there. The JVM
   * turns a fault in a plain access into an exception, but not a fault inside an atomic update,
   * which would kill it; reading first turns a file truncated before the call into an {@link
   * MmapFaultException}. See "Atomic updates" in the class documentation for what remains.
   */
  private static void probe(MemorySegment s, long offset) {
    s.get(JAVA_BYTE, offset);
  }

  /** {@return the live segment, after checking that {@code offset} is aligned for atomics} */
  private MemorySegment aligned(MemorySegment s, long offset, int size) {
    if (((s.address() + offset) & (size - 1)) != 0) {
      throw new IllegalArgumentException(
          "misaligned offset for a "
              + size
              + "-byte atomic access: offset="
              + offset
              + " alignment="
              + size);
    }
    return s;
  }

  /**
   * {@return the int at {@code offset}, read with volatile semantics}, in native order.
   *
   * @param offset a multiple of 4
   * @throws IllegalArgumentException if the offset is not a multiple of 4
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public int getIntVolatile(long offset) {
    MemorySegment s = aligned(region.segment(), offset, 4);
    try {
      return (int) Typed.INT_ATOMIC.getVolatile(s, offset);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "getIntVolatile", 4);
    }
  }

  /**
   * {@return the long at {@code offset}, read with volatile semantics}, in native order.
   *
   * @param offset a multiple of 8
   * @throws IllegalArgumentException if the offset is not a multiple of 8
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public long getLongVolatile(long offset) {
    MemorySegment s = aligned(region.segment(), offset, 8);
    try {
      return (long) Typed.LONG_ATOMIC.getVolatile(s, offset);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "getLongVolatile", 8);
    }
  }

  /**
   * Writes an int at {@code offset} with release semantics, in native order.
   *
   * @param offset a multiple of 4
   * @param value the value
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IllegalArgumentException if the offset is not a multiple of 4
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public void putIntRelease(long offset, int value) {
    MemorySegment s = aligned(writable("putIntRelease"), offset, 4);
    try {
      Typed.INT_ATOMIC.setRelease(s, offset, value);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "putIntRelease", 4);
    }
  }

  /**
   * Writes a long at {@code offset} with release semantics, in native order.
   *
   * @param offset a multiple of 8
   * @param value the value
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IllegalArgumentException if the offset is not a multiple of 8
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public void putLongRelease(long offset, long value) {
    MemorySegment s = aligned(writable("putLongRelease"), offset, 8);
    try {
      Typed.LONG_ATOMIC.setRelease(s, offset, value);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "putLongRelease", 8);
    }
  }

  /**
   * Atomically sets the int at {@code offset} to {@code value} if it is {@code expected}; other
   * processes mapping the same memory see the operation as atomic too.
   *
   * @param offset a multiple of 4
   * @param expected the value it must have
   * @param value the new value
   * @return whether the value was set
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IllegalArgumentException if the offset is not a multiple of 4
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public boolean compareAndSetInt(long offset, int expected, int value) {
    MemorySegment s = aligned(writable("compareAndSetInt"), offset, 4);
    try {
      probe(s, offset);
      return Typed.INT_ATOMIC.compareAndSet(s, offset, expected, value);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "compareAndSetInt", 4);
    }
  }

  /**
   * Atomically sets the long at {@code offset} to {@code value} if it is {@code expected}.
   *
   * @param offset a multiple of 8
   * @param expected the value it must have
   * @param value the new value
   * @return whether the value was set
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IllegalArgumentException if the offset is not a multiple of 8
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public boolean compareAndSetLong(long offset, long expected, long value) {
    MemorySegment s = aligned(writable("compareAndSetLong"), offset, 8);
    try {
      probe(s, offset);
      return Typed.LONG_ATOMIC.compareAndSet(s, offset, expected, value);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "compareAndSetLong", 8);
    }
  }

  /**
   * Atomically adds {@code delta} to the int at {@code offset}.
   *
   * @param offset a multiple of 4
   * @param delta what to add
   * @return the value before the addition
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IllegalArgumentException if the offset is not a multiple of 4
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public int getAndAddInt(long offset, int delta) {
    MemorySegment s = aligned(writable("getAndAddInt"), offset, 4);
    try {
      probe(s, offset);
      return (int) Typed.INT_ATOMIC.getAndAdd(s, offset, delta);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "getAndAddInt", 4);
    }
  }

  /**
   * Atomically adds {@code delta} to the long at {@code offset}.
   *
   * @param offset a multiple of 8
   * @param delta what to add
   * @return the value before the addition
   * @throws ReadOnlyMmapException if the map is read-only
   * @throws IllegalArgumentException if the offset is not a multiple of 8
   * @throws IndexOutOfBoundsException if the bytes are not inside the map
   */
  public long getAndAddLong(long offset, long delta) {
    MemorySegment s = aligned(writable("getAndAddLong"), offset, 8);
    try {
      probe(s, offset);
      return (long) Typed.LONG_ATOMIC.getAndAdd(s, offset, delta);
    } catch (IllegalStateException | InternalError | IndexOutOfBoundsException e) {
      throw Faults.translate(region, e, offset, "getAndAddLong", 8);
    }
  }

  // ---------------------------------------------------------------- views

  /** The longest match {@link #matches(Pattern)} guarantees to find whole across a window edge. */
  public static final long MATCH_OVERLAP = 1L << 20;

  private static final long MATCH_WINDOW = 256L << 20;

  /**
   * {@return the whole map as a zero-copy {@link CharSequence}}, one char per byte (ISO-8859-1),
   * for {@link java.util.regex.Pattern}, {@link String#contentEquals(CharSequence)} and the like.
   * Reads go to the mapping that is live when it is made: once the map is closed, or resized to
   * another length, every method of the sequence ({@code length()} included) throws {@link
   * IllegalStateException}; take a new one.
   *
   * @throws IllegalArgumentException if the map is longer than {@link Integer#MAX_VALUE} bytes (use
   *     {@link #asCharSequence(long, long)} or {@link #matches(Pattern)})
   */
  public CharSequence asCharSequence() {
    MemorySegment s = region.segment();
    return MappedCharSequence.of(region, s, 0, s.byteSize());
  }

  /**
   * {@return bytes {@code [start, end)} of the map as a zero-copy {@link CharSequence}}, one char
   * per byte (ISO-8859-1); {@code subSequence} is zero-copy too. Offsets in a {@code Matcher} over
   * it count from {@code start}. As with {@link #asCharSequence()}, once the map is closed or
   * resized to another length, every method of the sequence throws {@link IllegalStateException}.
   *
   * @param start the first byte
   * @param end the byte after the last
   * @throws IndexOutOfBoundsException if {@code 0 <= start <= end <= length()} does not hold
   * @throws IllegalArgumentException if the range is longer than {@link Integer#MAX_VALUE} bytes
   */
  public CharSequence asCharSequence(long start, long end) {
    MemorySegment s = region.segment();
    Objects.checkFromToIndex(start, end, s.byteSize());
    return MappedCharSequence.of(region, s, start, end);
  }

  /**
   * {@return every match of {@code pattern} in the whole map, in order}, for maps of any size. The
   * map is searched in windows of 256 MiB through zero-copy views, so the heap needed does not grow
   * with the map. A match of at most {@link #MATCH_OVERLAP} bytes (1 MiB) is found whole, and at
   * the same offset, as a search of the whole map would find it; a longer match that crosses a
   * window edge may be cut short there. Lookbehind sees up to {@link #MATCH_OVERLAP} bytes before a
   * window. Each {@link MmapMatch} gives its offsets in the map as {@code long}s.
   *
   * <p>When every match must start with literal bytes (as {@code ERROR +\[worker-(\d+)\]} must
   * start with {@code "ERROR "}), the matcher runs only where they occur; the matches are the same.
   * The bytes are then read in blocks of 64 KiB, copied to the heap, up to a block ahead of the
   * matches the stream has returned: a change to the bytes of the map or a truncation of the file
   * after a block was read is seen from the next block on. A prefix is used for a pattern that
   * begins with plain chars, escaped punctuation or a {@code \Q..\E} quote, or has the {@code
   * LITERAL} flag; not with {@code COMMENTS}, {@code CANON_EQ}, inline flags or a {@code |} outside
   * a quote, and with {@code CASE_INSENSITIVE} only up to the first letter.
   *
   * <p>The stream belongs to the mapping that is live when it is made. Once the map is closed, or
   * resized to another length, from any thread, the stream hands out no further match: the next
   * element it is asked for throws {@link IllegalStateException}, even when the match was already
   * found in a block read before (only a match that the stream's {@code iterator()} took before the
   * change, to answer {@code hasNext()}, is still returned by its {@code next()}). Each {@link
   * MmapMatch} handed out stays valid. A parallel stream ({@link Stream#parallel()}) searches
   * chunks of the map at once in the common {@link java.util.concurrent.ForkJoinPool}, each from
   * its first byte, and takes them in order: where a match before a chunk ends inside it, the chunk
   * is searched again from that end until the two searches meet, so the matches are exactly those
   * of the sequential stream, in the same order (a pattern with {@code \G}, which matches where a
   * search starts, is searched sequentially); on a map made with {@link MmapOptions#confined()} it
   * throws {@link UnsupportedOperationException} as soon as it tries (every parallel terminal
   * operation but {@code iterator()} and {@code spliterator()} does), in the thread that started
   * it.
   *
   * @param pattern the pattern
   * @throws IllegalStateException if the map is closed, or when the stream is consumed after the
   *     map was closed or resized to another length
   * @throws MmapFaultException if the file is truncated under the map while the stream is consumed
   * @throws UnsupportedOperationException when a parallel stream of a confined map's matches starts
   *     its terminal operation
   */
  public Stream<MmapMatch> matches(Pattern pattern) {
    return matches(pattern, MATCH_WINDOW, MATCH_OVERLAP, true);
  }

  Stream<MmapMatch> matches(Pattern pattern, long window, long overlap) {
    return matches(pattern, window, overlap, true);
  }

  Stream<MmapMatch> matches(Pattern pattern, long window, long overlap, boolean prefilter) {
    return matches(pattern, window, overlap, prefilter, WindowedMatches.BLOCK);
  }

  Stream<MmapMatch> matches(
      Pattern pattern, long window, long overlap, boolean prefilter, int block) {
    return matches(pattern, window, overlap, prefilter, block, 0);
  }

  /** {@code chunk}: bytes a parallel stream searches at a time; 0 chooses from the length. */
  Stream<MmapMatch> matches(
      Pattern pattern, long window, long overlap, boolean prefilter, int block, long chunk) {
    Objects.requireNonNull(pattern, "pattern");
    MemorySegment s = region.segment();
    MatchSpliterator.Searches searches =
        new MatchSpliterator.Searches(region, s, pattern, window, overlap, prefilter, block);
    WindowedMatches it = searches.from(0, Long.MAX_VALUE);
    return StreamSupport.stream(new MatchSpliterator(it, searches, chunk), false);
  }

  // ---------------------------------------------------------------- whole-map streams

  /**
   * {@return the lines from the position to the end, as slices of the map, without copying}: each
   * line as {@link #readLineSegment()} would return it, up to and including its {@code '\n'} (the
   * last line may have none); no empty line at the end. Only {@code '\n'} ends a line.
   *
   * <p>The stream covers the bytes from the position to the end of the map as they are when it is
   * made. It does not move the map's position, as {@link java.nio.file.Files#lines} moves nothing:
   * {@code seek(pos)} afterwards if that is wanted. The bytes are scanned in heap copies of 64 KiB
   * at a time with the search kernel, never in place with vector loads, so a file truncated under
   * the map gives {@link MmapFaultException} rather than a crash. A parallel stream ({@link
   * Stream#parallel()}) splits at line starts near the middle of what is left, as {@code
   * Files.lines} does, and its lines are searched by the common {@link
   * java.util.concurrent.ForkJoinPool}, one range per thread; a sequential stream uses the calling
   * thread only. Each slice is read-only when the map is, and is valid as long as the map stays
   * open and is not resized: see {@link #readLineSegment()} for what a slice is and is not guarded
   * against.
   *
   * <p>The stream belongs to the mapping that is live when it is made. Once the map is closed, or
   * resized to another length, from any thread, the stream hands out no further line: the next one
   * it is asked for throws {@link IllegalStateException}, even when its bytes were copied before.
   * On a map made with {@link MmapOptions#confined()} a parallel stream throws {@link
   * UnsupportedOperationException} as soon as it tries to split, in the thread that started it.
   *
   * @throws IllegalStateException if the map is closed, or when the stream is consumed after the
   *     map was closed or resized to another length
   * @throws MmapFaultException if the file is truncated under the map while the stream is consumed
   * @throws UnsupportedOperationException when a parallel stream of a confined map's lines starts
   *     its terminal operation
   */
  public Stream<MemorySegment> lineSegments() {
    return lineSegments(LineSpliterator.BLOCK, LineSpliterator.MIN_SPLIT);
  }

  Stream<MemorySegment> lineSegments(int block, long minSplit) {
    return StreamSupport.stream(lineSegmentSpliterator(block, minSplit), false);
  }

  LineSpliterator<MemorySegment> lineSegmentSpliterator(int block, long minSplit) {
    MemorySegment s = region.export();
    long p = Math.min(pos(), s.byteSize());
    return LineSpliterator.ofSegments(region, s, p, block, minSplit);
  }

  /**
   * {@return the lines from the position to the end, decoded with {@code charset}}: each line as
   * {@link #readLine()} would return it, up to and including its {@code '\n'} (the last line may
   * have none), decoded as {@link String#String(byte[], Charset)} decodes (malformed input is
   * replaced); no empty line at the end. Only the byte {@code '\n'} ends a line, so use a charset
   * in which that byte is always a line feed (ISO-8859-1, US-ASCII, UTF-8 and the like, not
   * UTF-16).
   *
   * @apiNote Unlike {@link java.nio.file.Files#lines}, which drops the line terminators, each line
   *     keeps its {@code '\n'}, as Python's {@code readline()} and {@link #readLine()} keep it;
   *     {@code line.stripTrailing()} or {@code line.substring(0, line.length() - 1)} drops it.
   *     ISO-8859-1 is the fastest charset: its strings are made by a plain copy.
   *     <p>The stream covers the bytes from the position to the end as they are when it is made,
   *     does not move the position, may run in parallel, and ends at a close or a resize, as {@link
   *     #lineSegments()} says. Each string is a copy and stays valid.
   * @param charset how to decode each line
   * @throws IllegalStateException if the map is closed, or when the stream is consumed after the
   *     map was closed or resized to another length
   * @throws MmapFaultException if the file is truncated under the map while the stream is consumed
   * @throws UnsupportedOperationException when a parallel stream of a confined map's lines starts
   *     its terminal operation
   */
  public Stream<String> lines(Charset charset) {
    return lines(charset, LineSpliterator.BLOCK, LineSpliterator.MIN_SPLIT);
  }

  Stream<String> lines(Charset charset, int block, long minSplit) {
    return StreamSupport.stream(lineSpliterator(charset, block, minSplit), false);
  }

  LineSpliterator<String> lineSpliterator(Charset charset, int block, long minSplit) {
    Objects.requireNonNull(charset, "charset");
    MemorySegment s = region.segment();
    long p = Math.min(pos(), s.byteSize());
    return LineSpliterator.ofStrings(region, s, p, charset, block, minSplit);
  }

  /**
   * {@return how many times {@code needle} occurs in the whole map without overlap}, as Python's
   * {@code bytes.count} counts: left to right, each occurrence counted starting at or after the end
   * of the one before ({@code "aa"} occurs twice in {@code "aaaa"}, not three times). An empty
   * needle occurs {@code length() + 1} times, at every offset and at the end, as in Python. The
   * position is neither used nor moved.
   *
   * <p>The count runs in the calling thread; for a count over every core, use {@code
   * findAll(needle).parallel().count()}, which gives the same number. The bytes are scanned in heap
   * copies with the search kernel, as {@link #find(byte[])} scans them.
   *
   * @param needle the bytes to count
   * @throws IllegalStateException if the map is closed, or is closed or resized during the count
   * @throws MmapFaultException if the file is truncated under the map during the count
   */
  public long count(byte[] needle) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(needle, "needle");
    if (needle.length == 0) {
      return s.byteSize() + 1;
    }
    return new OccurrenceSpliterator(region, s, needle.clone(), 0, s.byteSize(), Long.MAX_VALUE)
        .count();
  }

  /**
   * {@return the offset of every occurrence of {@code needle} in the whole map without overlap, in
   * order}, the ones {@link #count(byte[])} counts: left to right, each at or after the end of the
   * one before. An empty needle occurs at every offset from 0 to {@code length()} inclusive. The
   * position is neither used nor moved.
   *
   * <p>A parallel stream ({@link java.util.stream.LongStream#parallel()}) splits the map near the
   * middle of what is left, at a point that no occurrence crosses, so that its offsets are exactly
   * the sequential ones, and searches the parts in the common {@link
   * java.util.concurrent.ForkJoinPool}; a sequential stream uses the calling thread only. The
   * stream belongs to the mapping that is live when it is made: once the map is closed, or resized
   * to another length, from any thread, the next offset it is asked for throws {@link
   * IllegalStateException}. On a map made with {@link MmapOptions#confined()} a parallel stream
   * throws {@link UnsupportedOperationException} as soon as it tries to split.
   *
   * @param needle the bytes to look for
   * @throws IllegalStateException if the map is closed, or when the stream is consumed after the
   *     map was closed or resized to another length
   * @throws MmapFaultException if the file is truncated under the map while the stream is consumed
   * @throws UnsupportedOperationException when a parallel stream of a confined map's offsets starts
   *     its terminal operation
   */
  public LongStream findAll(byte[] needle) {
    return findAll(needle, OccurrenceSpliterator.MIN_SPLIT);
  }

  LongStream findAll(byte[] needle, long minSplit) {
    MemorySegment s = region.segment();
    Objects.requireNonNull(needle, "needle");
    if (needle.length == 0) {
      return LongStream.rangeClosed(0, s.byteSize());
    }
    return StreamSupport.longStream(occurrenceSpliterator(s, needle, minSplit), false);
  }

  OccurrenceSpliterator occurrenceSpliterator(MemorySegment s, byte[] needle, long minSplit) {
    return occurrenceSpliterator(s, needle, 0, minSplit);
  }

  /** The occurrences from {@code from} on, for tests of maps too large to scan whole. */
  OccurrenceSpliterator occurrenceSpliterator(
      MemorySegment s, byte[] needle, long from, long minSplit) {
    return new OccurrenceSpliterator(region, s, needle.clone(), from, s.byteSize(), minSplit);
  }

  OccurrenceSpliterator occurrenceSpliterator(byte[] needle, long from, long minSplit) {
    return occurrenceSpliterator(region.segment(), needle, from, minSplit);
  }

  /**
   * {@return an {@link InputStream} over the map}, from byte 0, with its own position. It reads the
   * live mapping: after a resize it reads the new one from its position, and is at the end of the
   * stream where that position is at or past the new length. Once it or the map is closed, {@code
   * read}, {@code skip} and {@code available} throw {@link IOException}.
   *
   * @throws IllegalStateException if the map is closed
   */
  public InputStream inputStream() {
    region.segment();
    return MmapStreams.inputStream(region);
  }

  /**
   * {@return an {@link OutputStream} into the map}, from byte 0, with its own position. It writes
   * into the live mapping (after a resize, the new one) and never grows the map: a write that does
   * not fit throws {@link IOException} and writes nothing, as does any write to a read-only map or
   * once the stream or the map is closed. A write of zero bytes succeeds wherever the position is.
   *
   * @throws IllegalStateException if the map is closed
   */
  public OutputStream outputStream() {
    region.segment();
    return MmapStreams.outputStream(region, this::toString);
  }

  /**
   * {@return a {@link SeekableByteChannel} over the map}, from position 0, with its own position.
   * Its size is the live map's length (after a resize, the new one); it never grows the map: a
   * {@code write} of bytes past the end throws {@link IOException} and writes nothing (a write of
   * zero bytes returns 0 wherever the position is), and {@code truncate} below the length throws
   * {@link IOException} too, while {@code truncate} to the length or more moves a position past the
   * given size back to it. A read-only map's channel throws {@link
   * java.nio.channels.NonWritableChannelException} on {@code write} and {@code truncate}. Once the
   * channel or the map is closed, {@link java.nio.channels.Channel#isOpen()} is false and every
   * other call but {@code close} throws {@link java.nio.channels.ClosedChannelException}.
   *
   * @throws IllegalStateException if the map is closed
   */
  public SeekableByteChannel channel() {
    region.segment();
    return new MmapStreams.Channel(region, this::toString);
  }

  /**
   * {@return a {@link ByteBuffer} over {@code [offset, offset + length)} of the map}, zero-copy,
   * big-endian like every new buffer, and read-only for {@link Access#READ} maps. It is valid until
   * the map is closed or resized; after that, using it throws {@link IllegalStateException}.
   *
   * @param offset the first byte
   * @param length how many bytes
   * @throws IndexOutOfBoundsException if the range is not inside the map
   */
  public ByteBuffer asByteBuffer(long offset, int length) {
    MemorySegment s = region.export();
    if (offset < 0 || length < 0 || offset > s.byteSize() - length) {
      throw new IndexOutOfBoundsException(
          "asByteBuffer range out of bounds: offset="
              + offset
              + " length="
              + length
              + " map length="
              + s.byteSize()
              + ": "
              + region.describe());
    }
    return s.asSlice(offset, length).asByteBuffer();
  }

  // ---------------------------------------------------------------- helpers

  private MemorySegment writable(String op) {
    MemorySegment s = region.segment();
    checkWritable(op);
    return s;
  }

  private void checkWritable(String op) {
    if (region.mode().readOnly()) {
      throw Faults.readOnly("mmap can't modify a readonly memory map (" + op + "): " + this);
    }
  }

  private static int arraySize(long n) {
    if (n > MAX_ARRAY) {
      throw new OutOfMemoryError(
          "Required array size too large: "
              + n
              + " bytes; read a large map in parts or through"
              + " segment()");
    }
    return (int) n;
  }
}
