package org.jmmap.reliability;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.Serializable;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jmmap.Access;
import org.jmmap.Backings;
import org.jmmap.Mmap;
import org.jmmap.MmapFaultException;
import org.jmmap.internal.search.Search;

/**
 * What {@link HotTruncationTest} runs in a child JVM: every path that reads or writes mapped
 * memory, first compiled by C2 on an intact file, then run against a file truncated under the map,
 * before the access and while it runs, through a shared, a private and a channel's map. It prints
 * one line per path, and exits with status 1 if any outcome was not one of the documented ones; a
 * fault the JVM does not catch ends the process with a crash instead.
 */
public final class HotTruncationChild {
  private HotTruncationChild() {}

  static final int PS = Mmap.PAGESIZE;

  /** Bytes at the start of the file that the phases touch and that are restored every round. */
  static final int HEAD = 8 * PS;

  /** One way of touching {@code [at, at + len)} of a map; {@code k} is a random int. */
  interface Op extends Serializable {
    long run(Mmap m, long at, int len, int k) throws Exception;
  }

  /** Where a path's warm-up accesses go: anywhere past the head, near it, or near the end. */
  enum Warm {
    ANY,
    NEAR,
    END
  }

  /**
   * One path.
   *
   * @param name what the summary line calls it
   * @param lens the lengths {@code [at, at + len)} it touches, one chosen per call
   * @param align the alignment {@code at} must have
   * @param atomic whether it is an atomic update, run only with a file truncated before the call
   * @param warm where its warm-up accesses go
   * @param hot the methods that must all have live C2 code before each part of a phase, or empty
   *     for the op's own body
   * @param past how many bytes past the end of the file {@code [at, at + len)} must reach for the
   *     access to be sure to touch a page the file no longer has (a search may skip bytes); only
   *     such accesses must fail
   * @param op the access
   */
  record PathSpec(
      String name,
      int[] lens,
      int align,
      boolean atomic,
      Warm warm,
      List<String> hot,
      int past,
      Op op) {
    PathSpec past(int bytes) {
      return new PathSpec(name, lens, align, atomic, warm, hot, bytes, op);
    }
  }

  /** The file's bytes: runs of 'a' with a newline every {@value #PERIOD} bytes. */
  static final int PERIOD = 1000;

  static byte[] pristine;
  static final byte[] A = new byte[64 << 10];
  static final long AAAA = 0x6161616161616161L;

  static {
    Arrays.fill(A, (byte) 'a');
  }

  /** Where the results go, so that no access is dead code; never read. */
  static long sink;

  static Object boxed;
  static final int[] TABLE = new int[256];
  static final int[] TABLE16 = new int[65536];
  static final byte[] BUF = new byte[64 << 10];
  static final ByteBuffer DIRECT = ByteBuffer.allocateDirect(64 << 10);
  static final Pattern LINE_END = Pattern.compile("a\n");

  /** The bytes of {@link #LINE_END}, for the byte searches. */
  static final byte[] LINE_END_BYTES = {'a', '\n'};

  /** {@link #LINE_END} with a lookbehind, which {@code matches} searches in the map itself. */
  static final Pattern LINE_END_LOOKBEHIND = Pattern.compile("a\n(?<=a\n)");

  /** {@link #LINE_END} as a pattern that does not start with a literal. */
  static final Pattern LINE_END_NO_PREFIX = Pattern.compile("[a]\n");

  static final int[] NEEDLE_LENGTHS = {1, 2, 3, 8, 33, 300};

  /**
   * A needle that never occurs. When n > 2 its first and last bytes match almost everywhere, and
   * only its second-to-last byte differs, so that each candidate is verified over n - 2 bytes: for
   * a long needle the JDK compares them in its vectorizedMismatch stub, which HotSpot does not
   * guard, and a truncation racing with the verification reaches it.
   */
  static byte[] absentNeedle(int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) 'a');
    b[Math.max(0, n - 2)] = 'b';
    return b;
  }

  private static ByteOrder order(int k) {
    return (k & 1) == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
  }

  // arrays for the bulk paths, large enough for the longest range; every byte is 'a'
  static final short[] SHORTS = new short[64 << 10];
  static final int[] INTS = new int[32 << 10];
  static final long[] LONGS = new long[16 << 10];
  static final float[] FLOATS = new float[32 << 10];
  static final double[] DOUBLES = new double[16 << 10];

  static {
    Arrays.fill(SHORTS, (short) 0x6161);
    Arrays.fill(INTS, 0x61616161);
    Arrays.fill(LONGS, AAAA);
    Arrays.fill(FLOATS, Float.intBitsToFloat(0x61616161));
    Arrays.fill(DOUBLES, Double.longBitsToDouble(AAAA));
  }

  /**
   * One bulk access of {@code [at, at + len)}: {@code type} is the element size, 5 for float and 9
   * for double
   */
  private static long bulk(Mmap m, long at, int len, int k, int type, boolean put) {
    ByteOrder o = order(k);
    switch (type) {
      case 2 -> {
        if (put) m.putShorts(at, SHORTS, 0, len / 2, o);
        else m.getShorts(at, SHORTS, 0, len / 2, o);
      }
      case 4 -> {
        if (put) m.putInts(at, INTS, 0, len / 4, o);
        else m.getInts(at, INTS, 0, len / 4, o);
      }
      case 8 -> {
        if (put) m.putLongs(at, LONGS, 0, len / 8, o);
        else m.getLongs(at, LONGS, 0, len / 8, o);
      }
      case 5 -> {
        if (put) m.putFloats(at, FLOATS, 0, len / 4, o);
        else m.getFloats(at, FLOATS, 0, len / 4, o);
      }
      default -> {
        if (put) m.putDoubles(at, DOUBLES, 0, len / 8, o);
        else m.getDoubles(at, DOUBLES, 0, len / 8, o);
      }
    }
    return 0;
  }

  private static PathSpec p(String name, int[] lens, Op op) {
    return new PathSpec(name, lens, 1, false, Warm.ANY, List.of(), 1, op);
  }

  private static int[] lens(int... l) {
    return l;
  }

  static List<PathSpec> paths() {
    List<PathSpec> p = new ArrayList<>();
    int big = 3 * PS + 64;
    // the searches first: run early in a JVM, the compiled vector kernel was seen to crash on
    // faults that it survived when it ran after the other paths
    for (int n : NEEDLE_LENGTHS) {
      byte[] needle = absentNeedle(n);
      int window = n + 256;
      // a candidate that lies wholly past the end must be looked at
      p.add(
          p("find/" + n, lens(window), (m, at, len, k) -> m.find(needle, at, at + len))
              .past(n + 8));
      p.add(
          p("rfind/" + n, lens(window), (m, at, len, k) -> m.rfind(needle, at, at + len))
              .past(n + 8));
    }
    p.add(p("get", lens(1), (m, at, len, k) -> m.get(at)));
    // a caller's ordinary use of the byte; C2 trusts that a byte is in [-128, 127], so the
    // boxing cache is indexed without a range check
    p.add(
        p(
            "get, the byte boxed",
            lens(1),
            (m, at, len, k) -> {
              boxed = m.get(at);
              return 0;
            }));
    // C2 trusts readByte's value and a char from the regex view to lie in [0, 255], and drops the
    // range check of a 256-entry table
    p.add(
        p(
            "readByte as a table index",
            lens(1),
            (m, at, len, k) -> {
              m.seek(at);
              return TABLE[m.readByte()];
            }));
    p.add(
        p(
            "getShort as a table index",
            lens(2),
            (m, at, len, k) -> {
              return TABLE16[m.getShort(at, order(k)) + 32768];
            }));
    p.add(
        p(
            "charAt as a table index",
            lens(1),
            (m, at, len, k) -> {
              CharSequence cs = m.asCharSequence();
              return TABLE[cs.charAt((int) at)];
            }));
    p.add(
        p(
            "set",
            lens(1),
            (m, at, len, k) -> {
              m.set(at, (byte) 'a');
              return 0;
            }));
    p.add(p("slice", lens(8, big), (m, at, len, k) -> m.slice(at, at + len).length));
    p.add(
        p("slice step 3", lens(24, 600), (m, at, len, k) -> m.slice(at, at + len, 3).length)
            .past(3));
    p.add(
        p(
            "slice step -1",
            lens(8, 600),
            (m, at, len, k) ->
                m.slice(at + len - 1, at == 0 ? Long.MIN_VALUE : at - 1, -1).length));
    p.add(
        p(
            "setSlice",
            lens(8, big),
            (m, at, len, k) -> {
              m.setSlice(at, at + len, Arrays.copyOfRange(pristine, (int) at, (int) at + len));
              return 0;
            }));
    p.add(
        p(
                "setSlice step 2",
                lens(8, 600),
                (m, at, len, k) -> {
                  m.setSlice(at, at + len, 2, Arrays.copyOf(A, (len + 1) / 2));
                  return 0;
                })
            .past(2));
    p.add(
        p(
            "read(n)",
            lens(8, big),
            (m, at, len, k) -> {
              m.seek(at);
              return m.read(len).length;
            }));
    p.add(
        new PathSpec(
            "read()",
            lens(1),
            1,
            false,
            Warm.END,
            List.of(),
            1,
            (m, at, len, k) -> {
              m.seek(at);
              return m.read().length;
            }));
    p.add(
        p(
            "readByte",
            lens(1),
            (m, at, len, k) -> {
              m.seek(at);
              return m.readByte();
            }));
    p.add(
        p(
            "readLine",
            lens(1),
            (m, at, len, k) -> {
              m.seek(at);
              return m.readLine().length;
            }));
    p.add(
        p(
            "readLineSegment",
            lens(1),
            (m, at, len, k) -> {
              m.seek(at);
              return m.readLineSegment().byteSize();
            }));
    p.add(
        p(
            "write",
            lens(8, big),
            (m, at, len, k) -> {
              m.seek(at);
              return m.write(Arrays.copyOfRange(pristine, (int) at, (int) at + len));
            }));
    p.add(
        p(
            "writeByte",
            lens(1),
            (m, at, len, k) -> {
              m.seek(at);
              m.writeByte(pristine[(int) at]);
              return 0;
            }));
    p.add(
        p(
            "move forward",
            lens(big, 64 << 10),
            (m, at, len, k) -> {
              m.move(at + 17, at, len - 17);
              return 0;
            }));
    p.add(
        p(
            "move backward",
            lens(big, 64 << 10),
            (m, at, len, k) -> {
              m.move(at, at + 17, len - 17);
              return 0;
            }));
    p.add(p("getShort", lens(2), (m, at, len, k) -> m.getShort(at, order(k))));
    p.add(p("getInt", lens(4), (m, at, len, k) -> m.getInt(at, order(k))));
    p.add(p("getLong", lens(8), (m, at, len, k) -> m.getLong(at, order(k))));
    p.add(
        p(
            "getFloat",
            lens(4),
            (m, at, len, k) -> Float.floatToRawIntBits(m.getFloat(at, order(k)))));
    p.add(
        p(
            "getDouble",
            lens(8),
            (m, at, len, k) -> Double.doubleToRawLongBits(m.getDouble(at, order(k)))));
    p.add(
        p(
            "putShort",
            lens(2),
            (m, at, len, k) -> {
              m.putShort(at, order(k), (short) 0x6161);
              return 0;
            }));
    p.add(
        p(
            "putInt",
            lens(4),
            (m, at, len, k) -> {
              m.putInt(at, order(k), 0x61616161);
              return 0;
            }));
    p.add(
        p(
            "putLong",
            lens(8),
            (m, at, len, k) -> {
              m.putLong(at, order(k), 0x6161616161616161L);
              return 0;
            }));
    p.add(
        p(
            "putFloat",
            lens(4),
            (m, at, len, k) -> {
              m.putFloat(at, order(k), Float.intBitsToFloat(0x61616161));
              return 0;
            }));
    p.add(
        p(
            "putDouble",
            lens(8),
            (m, at, len, k) -> {
              m.putDouble(at, order(k), Double.longBitsToDouble(0x6161616161616161L));
              return 0;
            }));
    // the bulk accessors: a plain copy in native order, a swapping copy in the other
    p.add(p("getShorts", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 2, false)));
    p.add(p("getInts", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 4, false)));
    p.add(p("getLongs", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 8, false)));
    p.add(p("getFloats", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 5, false)));
    p.add(p("getDoubles", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 9, false)));
    p.add(p("putShorts", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 2, true)));
    p.add(p("putInts", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 4, true)));
    p.add(p("putLongs", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 8, true)));
    p.add(p("putFloats", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 5, true)));
    p.add(p("putDoubles", lens(16, big), (m, at, len, k) -> bulk(m, at, len, k, 9, true)));
    p.add(
        p(
            "populate",
            lens(16, big),
            (m, at, len, k) -> {
              m.populate(at, len);
              return 0;
            }));
    p.add(
        new PathSpec(
            "getLongVolatile",
            lens(8),
            8,
            false,
            Warm.ANY,
            List.of(),
            1,
            (m, at, len, k) -> m.getLongVolatile(at)));
    p.add(
        new PathSpec(
            "putLongRelease",
            lens(8),
            8,
            false,
            Warm.ANY,
            List.of(),
            1,
            (m, at, len, k) -> {
              m.putLongRelease(at, 0x6161616161616161L);
              return 0;
            }));
    p.add(
        new PathSpec(
            "compareAndSetLong",
            lens(8),
            8,
            true,
            Warm.ANY,
            List.of(),
            1,
            (m, at, len, k) -> m.compareAndSetLong(at, AAAA, AAAA) ? 1 : 0));
    p.add(
        new PathSpec(
            "getAndAddLong",
            lens(8),
            8,
            true,
            Warm.ANY,
            List.of(),
            1,
            (m, at, len, k) -> m.getAndAddLong(at, 0)));
    p.add(
        p(
            "asCharSequence charAt",
            lens(1),
            (m, at, len, k) -> m.asCharSequence().charAt((int) at)));
    p.add(
        p(
            "asCharSequence toString",
            lens(8, big),
            (m, at, len, k) -> m.asCharSequence(at, at + len).toString().length()));
    p.add(
        p(
            "asCharSequence subSequence",
            lens(8, 600),
            (m, at, len, k) -> {
              CharSequence s = m.asCharSequence().subSequence((int) at, (int) at + len);
              long sum = 0;
              for (int i = 0; i < s.length(); i++) {
                sum += s.charAt(i);
              }
              return sum;
            }));
    p.add(
        p(
                "Matcher.find over asCharSequence",
                lens(600, 2 * PS),
                (m, at, len, k) -> {
                  Matcher mt = LINE_END.matcher(m.asCharSequence(at, at + len));
                  int n = 0;
                  while (mt.find()) {
                    n++;
                  }
                  return n;
                })
            .past(LINE_END.pattern().length()));
    p.add(
        new PathSpec(
            "matches(Pattern).count()",
            lens(1),
            1,
            false,
            Warm.END,
            List.of("java.util.regex.Pattern$Start.match(", "org.jmmap.MappedCharSequence.charAt("),
            1,
            (m, at, len, k) -> m.matches(LINE_END_NO_PREFIX).count()));
    // a pattern with a literal prefix: a block of the map is copied to the heap, the candidates
    // are found and tried there, and a match that reaches the copy's end is tried on the map; the
    // copy is made in load(), which the test keeps out of line (a call scans the whole map, so
    // the op's own body would take C2 too long to compile)
    p.add(
        new PathSpec(
            "matches(Pattern).count(), literal prefix",
            lens(1),
            1,
            false,
            Warm.END,
            List.of("org.jmmap.WindowedMatches.load("),
            1,
            (m, at, len, k) -> m.matches(LINE_END).count()));
    // with lookbehind: the search kernel finds the candidates in the map itself, and the matcher
    // tries them on the map's view, in hasNextCandidateInMap(), which the test keeps out of line
    p.add(
        new PathSpec(
            "matches(Pattern).count(), literal prefix and lookbehind",
            lens(1),
            1,
            false,
            Warm.END,
            List.of("org.jmmap.WindowedMatches.hasNextCandidateInMap("),
            1,
            (m, at, len, k) -> m.matches(LINE_END_LOOKBEHIND).count()));
    // the whole-map streams: blocks of the map are copied to the heap and scanned there, in the
    // spliterators' forEachRemaining and in ChunkScanner.forEach, which the test keeps out of line
    p.add(
        new PathSpec(
            "lines(ISO_8859_1).count()",
            lens(1),
            1,
            false,
            Warm.END,
            List.of("org.jmmap.LineSpliterator.forEachRemaining("),
            1,
            (m, at, len, k) -> {
              m.seek(at);
              return m.lines(StandardCharsets.ISO_8859_1).count();
            }));
    p.add(
        new PathSpec(
            "lineSegments().parallel().count()",
            lens(1),
            1,
            false,
            Warm.END,
            List.of("org.jmmap.LineSpliterator.forEachRemaining("),
            1,
            (m, at, len, k) -> {
              m.seek(at);
              return m.lineSegments().parallel().count();
            }));
    p.add(
        new PathSpec(
            "count(byte[])",
            lens(1),
            1,
            false,
            Warm.END,
            List.of("org.jmmap.internal.search.ChunkScanner.forEach("),
            1,
            (m, at, len, k) -> m.count(LINE_END_BYTES)));
    p.add(
        new PathSpec(
            "findAll(byte[]).parallel().count()",
            lens(1),
            1,
            false,
            Warm.END,
            List.of("org.jmmap.internal.search.ChunkScanner.forEach("),
            1,
            (m, at, len, k) -> m.findAll(LINE_END_BYTES).parallel().count()));
    p.add(
        new PathSpec(
            "matches(Pattern).parallel().count(), literal prefix",
            lens(1),
            1,
            false,
            Warm.END,
            List.of("org.jmmap.WindowedMatches.load("),
            1,
            (m, at, len, k) -> m.matches(LINE_END).parallel().count()));
    p.add(
        p(
            "inputStream read",
            lens(1, 8, big),
            (m, at, len, k) -> {
              InputStream in = m.inputStream();
              in.skip(at);
              return len == 1 ? in.read() : in.read(BUF, 0, len);
            }));
    p.add(
        new PathSpec(
            "inputStream transferTo",
            lens(1),
            1,
            false,
            Warm.END,
            List.of(),
            1,
            (m, at, len, k) -> {
              InputStream in = m.inputStream();
              in.skip(at);
              return in.transferTo(OutputStream.nullOutputStream());
            }));
    p.add(
        new PathSpec(
            "outputStream write",
            lens(1, 8, big),
            1,
            false,
            Warm.NEAR,
            List.of(),
            1,
            (m, at, len, k) -> {
              OutputStream out = m.outputStream();
              out.write(pristine, 0, (int) at);
              if (len == 1) {
                out.write(pristine[(int) at]);
              } else {
                out.write(pristine, (int) at, len);
              }
              return 0;
            }));
    p.add(
        p(
            "channel read heap",
            lens(8, big),
            (m, at, len, k) -> m.channel().position(at).read(ByteBuffer.wrap(BUF, 0, len))));
    p.add(
        p(
            "channel read direct",
            lens(8, big),
            (m, at, len, k) -> m.channel().position(at).read(DIRECT.clear().limit(len))));
    p.add(
        p(
            "channel write heap",
            lens(8, big),
            (m, at, len, k) ->
                m.channel().position(at).write(ByteBuffer.wrap(pristine, (int) at, len))));
    p.add(
        p(
            "channel write direct",
            lens(8, big),
            (m, at, len, k) -> {
              DIRECT.clear().put(0, pristine, (int) at, len).limit(len);
              return m.channel().position(at).write(DIRECT);
            }));
    p.add(
        p(
            "asByteBuffer get",
            lens(1, 8, big),
            (m, at, len, k) -> {
              ByteBuffer b = m.asByteBuffer(at, len);
              return len == 1 ? b.get(0) : b.get(BUF, 0, len).position();
            }));
    p.add(
        p(
            "asByteBuffer put",
            lens(1, 8, big),
            (m, at, len, k) -> {
              ByteBuffer b = m.asByteBuffer(at, len);
              return (len == 1 ? b.put(0, (byte) 'a') : b.put(0, pristine, (int) at, len))
                  .position();
            }));
    p.add(
        p(
            "segment get",
            lens(1, 8),
            (m, at, len, k) ->
                len == 1
                    ? m.segment().get(JAVA_BYTE, at)
                    : m.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, at)));
    p.add(
        p(
            "segment copy",
            lens(8, big),
            (m, at, len, k) -> {
              MemorySegment.copy(m.segment(), JAVA_BYTE, at, BUF, 0, len);
              return 0;
            }));
    return p;
  }

  // ---------------------------------------------------------------- the run

  /** A map of the file, by the kind of mapping. */
  record MapKind(String name, Mmap map) {}

  private final List<String> failures = new ArrayList<>();
  private RandomGenerator rnd;
  private Path file;
  private RandomAccessFile control;
  private long length;
  private int rounds;

  /**
   * Runs the paths.
   *
   * @param args the directory for the file, the seed, the rounds per phase, and optionally the
   *     index of the first path to run, a regular expression of the path names to run and one of
   *     the path names to skip
   * @throws Exception if the set-up fails
   */
  public static void main(String[] args) throws Exception {
    Backings.checkChild();
    HotTruncationChild c = new HotTruncationChild();
    long seed = Long.parseLong(args[1]);
    c.rounds = Integer.parseInt(args[2]);
    int from = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    Pattern only = Pattern.compile(args.length > 4 ? args[4] : ".*");
    Pattern skip = Pattern.compile(args.length > 5 ? args[5] : "");
    c.rnd = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    c.length = PS * (long) ((1 << 20) / PS + c.rnd.nextInt(3 * (1 << 20) / PS + 1));
    say(
        "seed "
            + seed
            + " rounds "
            + c.rounds
            + " map length "
            + c.length
            + " kernel "
            + Search.kernel()
            + " vm "
            + System.getProperty("java.vm.version"));
    c.file = Files.createTempFile(Path.of(args[0]), "hot", ".bin");
    pristine = new byte[(int) c.length];
    for (int i = 0; i < pristine.length; i++) {
      pristine[i] = (byte) (i % PERIOD == PERIOD - 1 ? '\n' : 'a');
    }
    Files.write(c.file, pristine);
    c.control = new RandomAccessFile(c.file.toFile(), "rw");
    try (FileChannel ch =
            FileChannel.open(c.file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Mmap shared = Mmap.map(c.file, 0, Access.WRITE);
        Mmap priv = Mmap.options().flags(Mmap.MAP_PRIVATE).map(c.file);
        Mmap fromChannel = Mmap.map(ch, 0, Access.WRITE, 0)) {
      List<MapKind> kinds =
          List.of(
              new MapKind("shared", shared),
              new MapKind("private", priv),
              new MapKind("channel", fromChannel));
      List<PathSpec> paths = paths();
      for (int i = from; i < paths.size(); i++) {
        PathSpec path = paths.get(i);
        if (only.matcher(path.name()).matches() && !skip.matcher(path.name()).matches()) {
          c.runPath(i, path, kinds);
        }
      }
    }
    c.control.close();
    Files.delete(c.file);
    if (c.failures.isEmpty()) {
      say("ok");
    } else {
      say(c.failures.size() + " failures, seed " + seed + ":");
      c.failures.forEach(HotTruncationChild::say);
      System.exit(1);
    }
  }

  static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  /** Counts of what one phase saw. */
  static final class Tally {
    long calls;
    long returned;
    long mmapFaults;
    long internalErrors;
    long ioExceptions;
    long late;
    long unexpected;
    long sureReturned;
    String firstReturn;
    boolean lastReturned;
    boolean lastSure;

    long faults() {
      return mmapFaults + internalErrors + ioExceptions;
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%d calls, %d faults (%d MmapFault, %d InternalError"
              + " (%d after the call returned), %d IOException), %d returned, %d unexpected",
          calls,
          faults(),
          mmapFaults,
          internalErrors,
          late,
          ioExceptions,
          returned,
          unexpected);
    }
  }

  /** How many parts a phase's rounds are run in; before each, C2's code is checked again. */
  static final int CHUNKS = 3;

  private void runPath(int index, PathSpec path, List<MapKind> kinds) throws Exception {
    List<String> hot = path.hot().isEmpty() ? List.of(bodyName(path.op())) : path.hot();
    String where = "#" + index + " " + path.name();
    say("begin " + where);
    int failuresBefore = failures.size();
    long t0 = System.nanoTime();
    String compiled = warmUp(path, kinds, hot, where, 20_000);
    if (failures.size() > failuresBefore) {
      return;
    }
    long t1 = System.nanoTime();
    rewarms = 0;
    Tally before = new Tally();
    for (int chunk = 0; chunk < CHUNKS; chunk++) {
      if (chunk > 0) {
        warmUp(path, kinds, hot, where, 0);
      }
      say("truncated before " + where + ", part " + (chunk + 1) + " of " + CHUNKS);
      for (int r = chunk * rounds / CHUNKS; r < (chunk + 1) * rounds / CHUNKS; r++) {
        beforeRound(path, kinds.get(rnd.nextInt(kinds.size())), where, before);
      }
    }
    if (before.sureReturned > 0) {
      failures.add(
          where
              + ": returned normally in "
              + before.sureReturned
              + " calls made after"
              + " the file was truncated, though each had to touch a page the file no longer has;"
              + " first: "
              + before.firstReturn);
    }
    long t2 = System.nanoTime();
    Tally during = new Tally();
    long toggles = 0;
    if (!path.atomic()) {
      for (int chunk = 0; chunk < CHUNKS; chunk++) {
        warmUp(path, kinds, hot, where, 0);
        say("truncated during " + where + ", part " + (chunk + 1) + " of " + CHUNKS);
        toggles +=
            concurrent(
                path,
                kinds,
                where,
                during,
                (chunk + 1) * rounds / CHUNKS - chunk * rounds / CHUNKS);
      }
    }
    long t3 = System.nanoTime();
    say(
        String.format(
            Locale.ROOT,
            "path=%s c2=%s rewarmed=%d | truncated before: %s | during (%s): %s | ms %d+%d+%d",
            path.name(),
            compiled,
            rewarms,
            before,
            path.atomic() ? "atomic, not run" : toggles + " toggles",
            during,
            (t1 - t0) / 1_000_000,
            (t2 - t1) / 1_000_000,
            (t3 - t2) / 1_000_000));
  }

  private int rewarms;

  /**
   * Runs the path on the intact file, through every kind of map in turn, at least {@code minCalls}
   * times and until C2 has compiled it. {@return the compile id of the C2 code}
   */
  private String warmUp(
      PathSpec path, List<MapKind> kinds, List<String> hot, String where, int minCalls)
      throws Exception {
    restoreAll();
    long calls = 0;
    long t0 = System.nanoTime();
    String id = minCalls == 0 ? compiledId(hot) : null;
    if (id != null) {
      return id;
    }
    if (minCalls == 0) {
      rewarms++;
    }
    int checks = 0;
    while (true) {
      long batchEnd = System.nanoTime() + 50_000_000L;
      for (int i = 0; i < 20_000 && (i < 10 || System.nanoTime() < batchEnd); i++, calls++) {
        Mmap m = kinds.get((int) (calls % kinds.size())).map();
        int len = path.lens()[rnd.nextInt(path.lens().length)];
        long at = warmOffset(path, len);
        try {
          sink += path.op().run(m, at, len, rnd.nextInt());
        } catch (Throwable e) {
          fail(
              where
                  + " on the intact file (warm-up call "
                  + calls
                  + ", at "
                  + at
                  + ", len "
                  + len
                  + ")",
              e);
          return "";
        }
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      if (calls >= minCalls || ms >= 1000) {
        id = compiledId(hot);
        checks++;
        if (id != null) {
          return id;
        }
      }
      if (ms > 30_000) {
        failures.add(
            where
                + ": C2 had not compiled all of "
                + hot
                + " after "
                + calls
                + " calls in "
                + ms
                + " ms ("
                + checks
                + " checks)");
        return "";
      }
    }
  }

  private long warmOffset(PathSpec path, int len) {
    long at =
        switch (path.warm()) {
          case ANY -> HEAD + rnd.nextLong(length - HEAD - len + 1);
          case NEAR -> HEAD + rnd.nextLong(4 * PS);
          case END -> length - 4 * PS + rnd.nextLong(4 * PS);
        };
    return at / path.align() * path.align();
  }

  /** {@return where {@code [at, at + len)} starts for an access that reaches past offset b} */
  private long pastOffset(PathSpec path, long b, int len) {
    long lo = Math.max(0, b - len + 1);
    // half the accesses straddle offset b, where a bulk operation meets the missing page midway
    long hi = Math.min(rnd.nextBoolean() ? b : b + PS, length - len);
    long at = lo + rnd.nextLong(hi - lo + 1);
    at = at / path.align() * path.align();
    return at + len <= b ? b : at;
  }

  private void beforeRound(PathSpec path, MapKind kind, String where, Tally t) throws IOException {
    int size = rnd.nextInt(2 * PS + 1);
    control.setLength(size);
    long b = (size + PS - 1) / PS * PS; // the first byte no page of the file backs
    int len = path.lens()[rnd.nextInt(path.lens().length)];
    long at = pastOffset(path, b, len);
    int k = rnd.nextInt();
    String what =
        where
            + " on the "
            + kind.name()
            + " map after truncating to "
            + size
            + " (at "
            + at
            + ", len "
            + len
            + ")";
    try {
      call(path, kind.map(), at, len, k, t, what, at + len >= b + path.past());
    } catch (InternalError e) {
      lateFault(t);
    }
    while (true) {
      try {
        restoreHead();
        return;
      } catch (InternalError e) {
        lateFault(t);
      }
    }
  }

  /**
   * Counts a fault that the JVM reported after the access had returned, at a later safepoint poll
   * in the child's own code, as the fault of that access.
   */
  private static void lateFault(Tally t) {
    if (t.lastReturned) {
      t.lastReturned = false;
      t.returned--;
      t.internalErrors++;
      t.late++;
      if (t.lastSure) {
        t.sureReturned--;
        t.firstReturn = t.sureReturned == 0 ? null : t.firstReturn;
      }
    }
  }

  /**
   * Makes one call and counts its outcome; {@code sure} says whether the access certainly touches a
   * page the file no longer has.
   */
  private void call(
      PathSpec path, Mmap m, long at, int len, int k, Tally t, String what, boolean sure) {
    t.calls++;
    t.lastReturned = false;
    t.lastSure = sure;
    long result;
    try {
      result = path.op().run(m, at, len, k);
    } catch (MmapFaultException e) {
      t.mmapFaults++;
      return;
    } catch (IOException e) {
      t.ioExceptions++;
      return;
    } catch (InternalError e) {
      t.internalErrors++;
      return;
    } catch (Throwable e) {
      t.unexpected++;
      if (t.unexpected == 1) {
        fail(what, e);
      }
      return;
    }
    t.returned++;
    t.lastReturned = true;
    sink += result;
    if (sure) {
      t.sureReturned++;
      if (t.firstReturn == null) {
        t.firstReturn = what + " returned " + result;
      }
    }
  }

  private long concurrent(PathSpec path, List<MapKind> kinds, String where, Tally t, int calls)
      throws Exception {
    long seed = rnd.nextLong();
    AtomicLong toggles = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Throwable[] togglerFailure = {null};
    Thread toggler =
        new Thread(
            () -> {
              RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
              try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                while (!stop.get()) {
                  raf.setLength(r.nextInt(2 * PS + 1));
                  for (int spin = r.nextInt(2000); spin > 0; spin--) {
                    Thread.onSpinWait(); // leave the file short for a moment
                  }
                  raf.setLength(length);
                  raf.getChannel().write(ByteBuffer.wrap(pristine, 0, HEAD), 0);
                  toggles.incrementAndGet();
                }
              } catch (Throwable e) {
                togglerFailure[0] = e;
              }
            },
            "toggler");
    toggler.start();
    try {
      for (int i = 0; i < calls || toggles.get() < calls; i++) {
        try {
          MapKind kind = kinds.get(rnd.nextInt(kinds.size()));
          int len = path.lens()[rnd.nextInt(path.lens().length)];
          long b = rnd.nextInt(3) * (long) PS;
          long at = pastOffset(path, b, len);
          call(
              path,
              kind.map(),
              at,
              len,
              rnd.nextInt(),
              t,
              where
                  + " on the "
                  + kind.name()
                  + " map while another thread truncates (at "
                  + at
                  + ", len "
                  + len
                  + ")",
              false);
        } catch (InternalError e) {
          lateFault(t);
        }
        if (!toggler.isAlive()) {
          break;
        }
      }
    } finally {
      stop.set(true);
    }
    toggler.join();
    if (togglerFailure[0] != null) {
      fail(where + ": the thread that truncates", togglerFailure[0]);
    }
    while (true) {
      try {
        restoreHead();
        return toggles.get();
      } catch (InternalError e) {
        lateFault(t);
      }
    }
  }

  private void fail(String what, Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    String trace = w.toString().lines().limit(12).reduce((a, b) -> a + "\n    " + b).orElse("");
    failures.add(what + ": " + trace);
  }

  private void restoreHead() throws IOException {
    control.setLength(length);
    control.getChannel().write(ByteBuffer.wrap(pristine, 0, HEAD), 0);
  }

  private void restoreAll() throws IOException {
    control.setLength(length);
    ByteBuffer all = ByteBuffer.wrap(pristine);
    while (all.hasRemaining()) {
      control.getChannel().write(all, all.position());
    }
  }

  // ---------------------------------------------------------------- which code C2 compiled

  /** {@return the qualified name, with "(", of the method that holds a lambda's body} */
  static String bodyName(Op op) throws ReflectiveOperationException {
    Method replace = op.getClass().getDeclaredMethod("writeReplace");
    replace.setAccessible(true);
    SerializedLambda s = (SerializedLambda) replace.invoke(op);
    return s.getImplClass().replace('/', '.') + "." + s.getImplMethodName() + "(";
  }

  // jcmd's Compiler.codelist, reached reflectively: the test sources are compiled in a module
  // that does not read java.management
  private static final Object SERVER;
  private static final Object DIAGNOSTICS;
  private static final Method CODELIST;

  static {
    try {
      SERVER =
          Class.forName("java.lang.management.ManagementFactory")
              .getMethod("getPlatformMBeanServer")
              .invoke(null);
      Class<?> name = Class.forName("javax.management.ObjectName");
      DIAGNOSTICS =
          name.getConstructor(String.class)
              .newInstance("com.sun.management:type=DiagnosticCommand");
      CODELIST =
          Class.forName("javax.management.MBeanServerConnection")
              .getMethod("invoke", name, String.class, Object[].class, String[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** {@return the compile ids of live C2 code for each of the methods, or null if one has none} */
  static String compiledId(List<String> methods) throws Exception {
    String list =
        (String)
            CODELIST.invoke(
                SERVER,
                DIAGNOSTICS,
                "compilerCodelist",
                new Object[] {null},
                new String[] {String[].class.getName()});
    List<String> ids = new ArrayList<>();
    for (String m : methods) {
      // each line: compile id, tier, state (0 = in use), method, ...
      String id =
          list.lines()
              .map(line -> line.split(" ", 4))
              .filter(
                  f -> f.length == 4 && f[1].equals("4") && f[2].equals("0") && f[3].startsWith(m))
              .map(f -> f[0])
              .findFirst()
              .orElse(null);
      if (id == null) {
        return null;
      }
      ids.add(id);
    }
    return String.join("+", ids);
  }
}
