package org.jmmap.reliability;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.MmapFaultException;
import org.jmmap.Whence;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every long parameter of the offset and length kind over the whole long range, including the
 * values the kernel and the JVM give a meaning to (2^31, 2^32, 2^47, 2^48, 2^62, 2^63 - page size):
 * each call either succeeds, with the result a plain model of Python's mmap predicts, or throws a
 * documented exception and changes nothing (bytes, length, position, file size). The seed is in
 * every failure; {@code -Djmmap.fuzz.seed=N} replays it.
 *
 * <p>Growing a file or a memory file may reserve every new block, so a test must not ask for more
 * than the machine can spare: {@code resize} of those maps, and new shared anonymous memory, are
 * tried up to {@link #GROWTH_CAP} only ({@link #LONG_GROWTH_CAP} in the long run). Private
 * anonymous memory is tried over the whole range, since the kernel reserves nothing for it up
 * front.
 */
class ArgumentRangeTest {
  static final int PS = Mmap.PAGESIZE;
  static final int LENGTH = 3 * PS + 5;
  static final long GROWTH_CAP = 16L << 20;
  static final long LONG_GROWTH_CAP = 256L << 20;
  static final int[] SAFE_ADVICE = {
    Mmap.MADV_NORMAL,
    Mmap.MADV_RANDOM,
    Mmap.MADV_SEQUENTIAL,
    Mmap.MADV_WILLNEED,
    Mmap.MADV_DONTDUMP,
    Mmap.MADV_DODUMP
  };

  @TempDir Path dir;

  enum Kind {
    PATH_WRITE(true, true, true),
    PATH_READ(false, true, false),
    PATH_COPY(true, true, false),
    CHANNEL_WRITE(true, true, true),
    ANONYMOUS_SHARED(true, false, true),
    ANONYMOUS_PRIVATE(true, false, true);

    final boolean writable;
    final boolean file;

    /** Whether flush checks the offset's alignment (it returns early for READ and COPY). */
    final boolean syncs;

    Kind(boolean writable, boolean file, boolean syncs) {
      this.writable = writable;
      this.file = file;
      this.syncs = syncs;
    }
  }

  static byte[] pattern(int n) {
    return AdviceFuzzTest.pattern(n);
  }

  /** A map, and the file and channel behind it. */
  private final class Fixture implements AutoCloseable {
    final Kind kind;
    final Path file;
    final FileChannel channel;
    final Mmap m;

    Fixture(Kind kind) throws IOException {
      this.kind = kind;
      file =
          kind.file
              ? Files.write(Files.createTempFile(dir, "range", ".bin"), pattern(LENGTH))
              : null;
      channel = kind == Kind.CHANNEL_WRITE ? FileChannel.open(file, READ, WRITE) : null;
      m =
          switch (kind) {
            case PATH_WRITE -> Mmap.map(file, 0, Access.WRITE);
            case PATH_READ -> Mmap.map(file, 0, Access.READ);
            case PATH_COPY -> Mmap.map(file, 0, Access.COPY);
            case CHANNEL_WRITE -> Mmap.map(channel, 0, Access.WRITE, 0);
            case ANONYMOUS_SHARED -> Mmap.anonymous(LENGTH);
            case ANONYMOUS_PRIVATE -> Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(LENGTH);
          };
      if (!kind.file) {
        m.setSlice(0, LENGTH, pattern(LENGTH));
      }
    }

    State state() throws IOException {
      return new State(
          m.slice(0, m.length()), m.length(), m.tell(), file == null ? -1 : Files.size(file));
    }

    /** Puts the map back to {@code s} after a call that changed it. */
    void restore(State s) throws IOException {
      if (m.length() != s.length()) {
        return; // the next round starts with backToLength
      }
      if (kind.writable) {
        m.setSlice(0, s.length(), s.bytes());
      }
      m.seek(s.pos());
    }

    @Override
    public void close() throws IOException {
      m.close();
      if (channel != null) {
        channel.close();
      }
    }
  }

  record State(byte[] bytes, long length, long pos, long fileSize) {
    String differences(State o) {
      List<String> d = new ArrayList<>();
      if (!Arrays.equals(bytes, o.bytes)) {
        d.add("bytes");
      }
      if (length != o.length) {
        d.add("length " + length + " -> " + o.length);
      }
      if (pos != o.pos) {
        d.add("position " + pos + " -> " + o.pos);
      }
      if (fileSize != o.fileSize) {
        d.add("file size " + fileSize + " -> " + o.fileSize);
      }
      return String.join(", ", d);
    }
  }

  /**
   * One call: what it is, whether its arguments are in range (true: it must succeed; false: it must
   * throw; null: either, e.g. the OS may refuse), the call, and a check of its success.
   */
  record Plan(String desc, Boolean valid, Callable<Object> call, Function<Object, String> check) {}

  static long[] specials(long len) {
    return new long[] {
      Long.MIN_VALUE,
      Long.MIN_VALUE + 1,
      Long.MAX_VALUE,
      Long.MAX_VALUE - 1,
      -1,
      0,
      1,
      -2,
      2,
      3,
      4,
      7,
      8,
      PS - 1,
      PS,
      PS + 1,
      2L * PS - 1,
      2L * PS,
      2L * PS + 1,
      3L * PS,
      len - 8,
      len - 4,
      len - 1,
      len,
      len + 1,
      -len,
      -len - 1,
      -PS,
      -PS - 1,
      Integer.MAX_VALUE - 8,
      Integer.MAX_VALUE,
      (1L << 31) + 1,
      Integer.MIN_VALUE,
      (1L << 32) - 1,
      1L << 32,
      (1L << 32) + 1,
      1L << 47,
      (1L << 47) - PS,
      1L << 48,
      1L << 62,
      -(1L << 62),
      Long.MAX_VALUE - PS + 1,
      Long.MIN_VALUE + PS
    };
  }

  static long value(RandomGenerator r, long len) {
    long[] s = specials(len);
    return switch (r.nextInt(10)) {
      case 0, 1, 2, 3 -> s[r.nextInt(s.length)];
      case 4 -> r.nextLong();
      case 5, 6 -> r.nextLong(-2 * len, 2 * len + 1);
      case 7 -> (r.nextBoolean() ? 1 : -1) * (1L << r.nextInt(63)) + r.nextLong(-2, 3);
      default -> PS * r.nextLong(-4, 5) + r.nextLong(-1, 2);
    };
  }

  static int intValue(RandomGenerator r, long len) {
    long v = value(r, len);
    return r.nextInt(4) == 0
        ? (int) v
        : (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
  }

  /** {@return the indexes Python's {@code range(len)[start:stop:step]} selects, by walking} */
  static long[] sliceIndexes(long start, long stop, long step, long len) {
    if (step < -Long.MAX_VALUE) {
      step = -Long.MAX_VALUE;
    }
    start = clampSlice(start, step, len);
    stop = clampSlice(stop, step, len);
    List<Long> out = new ArrayList<>();
    long i = start;
    if (step > 0) {
      while (i < stop) {
        out.add(i);
        if (step >= stop - i) {
          break;
        }
        i += step;
      }
    } else {
      while (i > stop) {
        out.add(i);
        if (-step >= i - stop) {
          break;
        }
        i += step;
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  private static long clampSlice(long index, long step, long len) {
    if (index < 0) {
      index += len;
      return index < 0 ? (step < 0 ? -1 : 0) : index;
    }
    return index >= len ? (step < 0 ? len - 1 : len) : index;
  }

  static long clampBound(long bound, long len) {
    return bound < 0 ? Math.max(0, bound + len) : Math.min(bound, len);
  }

  static long find(byte[] d, byte[] sub, long start, long end, boolean last) {
    long from = clampBound(start, d.length);
    long to = clampBound(end, d.length);
    if (to < from) {
      return -1;
    }
    if (sub.length == 0) {
      return last ? to : from;
    }
    long found = -1;
    for (long i = from; i + sub.length <= to; i++) {
      if (Arrays.equals(d, (int) i, (int) i + sub.length, sub, 0, sub.length)) {
        found = i;
        if (!last) {
          break;
        }
      }
    }
    return found;
  }

  static boolean documented(Throwable t) {
    if (t instanceof MmapFaultException) {
      return false; // nothing truncates the file here
    }
    return t instanceof IllegalArgumentException
        || t instanceof IndexOutOfBoundsException
        || t instanceof BufferUnderflowException
        || t instanceof BufferOverflowException
        || t instanceof UnsupportedOperationException // ReadOnlyMmapException is one
        || t instanceof IOException
        || t instanceof UncheckedIOException;
  }

  private static boolean in(long offset, long size, long len) {
    return offset >= 0 && offset <= len - size;
  }

  private static String bytesAre(byte[] expected, Mmap m) {
    return Arrays.equals(expected, m.slice(0, m.length())) ? null : "wrong bytes after it";
  }

  /** {@return a random call on {@code fx}, or null to draw again} */
  private Plan plan(RandomGenerator r, Fixture fx, State s, long growthCap) {
    Mmap m = fx.m;
    long len = s.length();
    byte[] b = s.bytes();
    boolean w = fx.kind.writable;
    long a = value(r, len);
    long c = value(r, len);
    long e = value(r, len);
    ByteOrder order = r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    ByteOrder nat = ByteOrder.nativeOrder();
    int draw = r.nextInt(31);
    // a resize remaps twice (there and back), by far the slowest call: draw it half as often
    int op = draw == 25 && r.nextBoolean() ? r.nextInt(25) : draw;
    switch (op) {
      case 0:
        {
          long i = a < 0 ? a + len : a;
          boolean ok = a >= -len && a < len;
          return new Plan(
              "get(" + a + ")",
              ok,
              () -> m.get(a),
              x -> (byte) x == b[(int) i] ? null : "wrong byte");
        }
      case 1:
        {
          long i = a < 0 ? a + len : a;
          boolean ok = w && a >= -len && a < len;
          return new Plan(
              "set(" + a + ", " + (byte) c + ")",
              ok,
              () -> {
                m.set(a, (byte) c);
                return null;
              },
              x -> {
                byte[] after = b.clone();
                after[(int) i] = (byte) c;
                return bytesAre(after, m);
              });
        }
      case 2:
        return new Plan(
            "getLong(" + a + ", " + order + ")",
            in(a, 8, len),
            () -> m.getLong(a, order),
            x ->
                (long) x == ByteBuffer.wrap(b).order(order).getLong((int) a) ? null : "wrong long");
      case 3:
        return new Plan(
            "putLong(" + a + ", " + order + ", " + c + ")",
            w && in(a, 8, len),
            () -> {
              m.putLong(a, order, c);
              return null;
            },
            x -> {
              byte[] after = b.clone();
              ByteBuffer.wrap(after).order(order).putLong((int) a, c);
              return bytesAre(after, m);
            });
      case 4:
        return new Plan(
            "getInt(" + a + ", " + order + ")",
            in(a, 4, len),
            () -> m.getInt(a, order),
            x -> (int) x == ByteBuffer.wrap(b).order(order).getInt((int) a) ? null : "wrong int");
      case 5:
        return new Plan(
            "putShort(" + a + ", " + order + ", " + (short) c + ")",
            w && in(a, 2, len),
            () -> {
              m.putShort(a, order, (short) c);
              return null;
            },
            x -> {
              byte[] after = b.clone();
              ByteBuffer.wrap(after).order(order).putShort((int) a, (short) c);
              return bytesAre(after, m);
            });
      case 6:
        return new Plan(
            "getIntVolatile(" + a + ")",
            in(a, 4, len) && a % 4 == 0,
            () -> m.getIntVolatile(a),
            x -> (int) x == ByteBuffer.wrap(b).order(nat).getInt((int) a) ? null : "wrong int");
      case 7:
        return new Plan(
            "getLongVolatile(" + a + ")",
            in(a, 8, len) && a % 8 == 0,
            () -> m.getLongVolatile(a),
            x -> (long) x == ByteBuffer.wrap(b).order(nat).getLong((int) a) ? null : "wrong long");
      case 8:
      case 9:
        {
          int size = op == 8 ? 4 : 8;
          return new Plan(
              (size == 4 ? "putIntRelease(" : "putLongRelease(") + a + ", " + c + ")",
              w && in(a, size, len) && a % size == 0,
              () -> {
                if (size == 4) {
                  m.putIntRelease(a, (int) c);
                } else {
                  m.putLongRelease(a, c);
                }
                return null;
              },
              x -> {
                byte[] after = b.clone();
                if (size == 4) {
                  ByteBuffer.wrap(after).order(nat).putInt((int) a, (int) c);
                } else {
                  ByteBuffer.wrap(after).order(nat).putLong((int) a, c);
                }
                return bytesAre(after, m);
              });
        }
      case 10:
      case 11:
      case 12:
      case 13:
        {
          int size = op % 2 == 0 ? 4 : 8;
          boolean cas = op < 12;
          boolean ok = w && in(a, size, len) && a % size == 0;
          long current =
              !in(a, size, len)
                  ? 0
                  : size == 4
                      ? ByteBuffer.wrap(b).order(nat).getInt((int) a)
                      : ByteBuffer.wrap(b).order(nat).getLong((int) a);
          long expected = r.nextBoolean() ? current : e;
          String name = (cas ? "compareAndSet" : "getAndAdd") + (size == 4 ? "Int(" : "Long(");
          return new Plan(
              name + a + (cas ? ", " + expected : "") + ", " + c + ")",
              ok,
              () -> {
                if (cas) {
                  return size == 4
                      ? m.compareAndSetInt(a, (int) expected, (int) c)
                      : m.compareAndSetLong(a, expected, c);
                }
                return size == 4 ? (long) m.getAndAddInt(a, (int) c) : m.getAndAddLong(a, c);
              },
              x -> {
                boolean swapped = size == 4 ? (int) current == (int) expected : current == expected;
                long now = cas ? (swapped ? c : current) : current + c;
                if (cas
                    ? (boolean) x != swapped
                    : size == 4 ? (long) x != (int) current : (long) x != current) {
                  return "wrong result";
                }
                byte[] after = b.clone();
                if (size == 4) {
                  ByteBuffer.wrap(after).order(nat).putInt((int) a, (int) now);
                } else {
                  ByteBuffer.wrap(after).order(nat).putLong((int) a, now);
                }
                return bytesAre(after, m);
              });
        }
      case 14:
      case 15:
        {
          long step = op == 14 ? 1 : e;
          long[] idx = step == 0 ? new long[0] : sliceIndexes(a, c, step, len);
          return new Plan(
              "slice(" + a + ", " + c + (op == 14 ? "" : ", " + step) + ")",
              step != 0,
              () -> op == 14 ? m.slice(a, c) : m.slice(a, c, step),
              x -> {
                byte[] got = (byte[]) x;
                byte[] want = new byte[idx.length];
                for (int k = 0; k < idx.length; k++) {
                  want[k] = b[(int) idx[k]];
                }
                return Arrays.equals(want, got) ? null : "wrong bytes";
              });
        }
      case 16:
      case 17:
        {
          long step = op == 16 ? 1 : e;
          long[] idx = step == 0 ? new long[0] : sliceIndexes(a, c, step, len);
          int n = r.nextInt(4) == 0 ? r.nextInt(LENGTH + 2) : idx.length;
          byte[] data = new byte[n];
          r.nextBytes(data);
          boolean ok = w && step != 0 && n == idx.length;
          return new Plan(
              "setSlice(" + a + ", " + c + (op == 16 ? "" : ", " + step) + ", " + n + " bytes)",
              ok,
              () -> {
                if (op == 16) {
                  m.setSlice(a, c, data);
                } else {
                  m.setSlice(a, c, step, data);
                }
                return null;
              },
              x -> {
                byte[] after = b.clone();
                for (int k = 0; k < idx.length; k++) {
                  after[(int) idx[k]] = data[k];
                }
                return bytesAre(after, m);
              });
        }
      case 18:
      case 19:
      case 20:
      case 21:
        {
          boolean last = op % 2 == 1;
          boolean two = op >= 20;
          byte[] sub;
          if (r.nextBoolean()) {
            int at = r.nextInt(LENGTH);
            sub = Arrays.copyOfRange(b, at, Math.min(LENGTH, at + r.nextInt(6)));
          } else {
            sub = new byte[1 + r.nextInt(3)];
            r.nextBytes(sub);
          }
          long end = two ? Long.MAX_VALUE : c;
          long want = find(b, sub, a, end, last);
          String name = last ? "rfind(" : "find(";
          return new Plan(
              name + sub.length + " bytes, " + a + (two ? "" : ", " + c) + ")",
              true,
              () ->
                  two
                      ? (last ? m.rfind(sub, a) : m.find(sub, a))
                      : (last ? m.rfind(sub, a, c) : m.find(sub, a, c)),
              x -> (long) x == want ? null : "found " + x + ", not " + want);
        }
      case 22:
        {
          boolean ok = w && a >= 0 && c >= 0 && e >= 0 && e <= len - a && e <= len - c;
          return new Plan(
              "move(" + a + ", " + c + ", " + e + ")",
              ok,
              () -> {
                m.move(a, c, e);
                return null;
              },
              x -> {
                byte[] after = b.clone();
                System.arraycopy(b, (int) c, after, (int) a, (int) e);
                return bytesAre(after, m);
              });
        }
      case 23:
        {
          boolean range = c >= 0 && a >= 0 && c <= len - a;
          boolean ok = range && (!fx.kind.syncs || a % PS == 0);
          return new Plan(
              "flush(" + a + ", " + c + ")",
              ok,
              () -> {
                m.flush(a, c);
                return null;
              },
              x -> bytesAre(b, m));
        }
      case 24:
      case 30:
        {
          Whence whence = op == 30 ? Whence.SET : Whence.values()[r.nextInt(3)];
          long base =
              switch (whence) {
                case SET -> 0;
                case CUR -> s.pos();
                case END -> len;
              };
          long to = base + a;
          boolean overflow = ((base ^ to) & (a ^ to)) < 0;
          boolean ok = !overflow && to >= 0 && to <= len;
          return new Plan(
              op == 30 ? "seek(" + a + ")" : "seek(" + a + ", " + whence + ")",
              ok,
              () -> op == 30 ? m.seek(a) : m.seek(a, whence),
              x ->
                  (long) x == to && m.tell() == to ? null : "moved to " + m.tell() + ", not " + to);
        }
      case 25:
        {
          if (a > len && a > growthCap && fx.kind != Kind.ANONYMOUS_PRIVATE) {
            return null;
          }
          Boolean ok =
              fx.kind == Kind.PATH_READ || fx.kind == Kind.PATH_COPY || a <= 0 ? false : null;
          return new Plan(
              "resize(" + a + ")",
              ok,
              () -> {
                m.resize(a);
                return null;
              },
              x -> {
                try {
                  if (m.length() != a || m.tell() != s.pos()) {
                    return "length " + m.length() + " and position " + m.tell() + " after it";
                  }
                  int keep = (int) Math.min(len, a);
                  if (!Arrays.equals(Arrays.copyOf(b, keep), m.slice(0, keep))) {
                    return "lost bytes";
                  }
                  if (a > len
                      && !Arrays.equals(
                          new byte[(int) Math.min(a - len, PS)],
                          m.slice(len, len + Math.min(a - len, PS)))) {
                    return "grew with non-zero bytes";
                  }
                  if (fx.file != null && fx.kind != Kind.PATH_COPY && Files.size(fx.file) != a) {
                    return "file size " + Files.size(fx.file);
                  }
                  return null;
                } catch (IOException ex) {
                  return ex.toString();
                }
              });
        }
      case 26:
        {
          int n = intValue(r, len);
          boolean ok = a >= 0 && n >= 0 && n <= len - a;
          return new Plan(
              "asByteBuffer(" + a + ", " + n + ")",
              ok,
              () -> m.asByteBuffer(a, n),
              x -> {
                ByteBuffer buf = (ByteBuffer) x;
                byte[] got = new byte[buf.remaining()];
                buf.duplicate().get(got);
                return buf.capacity() == n
                        && buf.isReadOnly() == !w
                        && Arrays.equals(got, Arrays.copyOfRange(b, (int) a, (int) a + n))
                    ? null
                    : "wrong buffer " + buf;
              });
        }
      case 27:
        {
          boolean ok = a >= 0 && a <= c && c <= len;
          return new Plan(
              "asCharSequence(" + a + ", " + c + ")",
              ok,
              () -> m.asCharSequence(a, c),
              x -> {
                CharSequence cs = (CharSequence) x;
                if (cs.length() != c - a) {
                  return "length " + cs.length();
                }
                for (int k = 0; k < cs.length(); k += 97) {
                  if (cs.charAt(k) != (b[(int) a + k] & 0xFF)) {
                    return "wrong char at " + k;
                  }
                }
                return null;
              });
        }
      case 28:
        {
          long pos = s.pos();
          long rest = pos >= len ? 0 : len - pos;
          long n = a < 0 || a > rest ? rest : a;
          return new Plan(
              "read(" + a + ") at " + pos,
              true,
              () -> m.read(a),
              x ->
                  Arrays.equals((byte[]) x, Arrays.copyOfRange(b, (int) pos, (int) (pos + n)))
                          && m.tell() == pos + n
                      ? null
                      : "wrong bytes or position");
        }
      default:
        {
          int advice = SAFE_ADVICE[r.nextInt(SAFE_ADVICE.length)];
          boolean range = a >= 0 && a < len && c >= 0 && c <= Long.MAX_VALUE - a;
          return new Plan(
              "madvise(" + advice + ", " + a + ", " + c + ")",
              range ? null : false,
              () -> {
                m.madvise(advice, a, c);
                return null;
              },
              x -> bytesAre(b, m));
        }
    }
  }

  /**
   * {@return {@code fx}, resized back to {@link #LENGTH} after a resize, or a new fixture where
   * that fails} A map whose range advice split into several kernel mappings cannot be grown by
   * {@code mremap} ({@code EFAULT}), so a map shrunk after such advice may not grow back.
   */
  private Fixture backToLength(Fixture fx) throws IOException {
    if (fx.m.length() == LENGTH) {
      return fx;
    }
    try {
      fx.m.resize(LENGTH);
      return fx;
    } catch (IOException | RuntimeException e) {
      fx.close();
      if (fx.file != null) {
        Files.delete(fx.file);
      }
      return new Fixture(fx.kind);
    }
  }

  private void sweep(int rounds, long growthCap) throws Exception {
    long seed = Long.getLong("jmmap.fuzz.seed", System.nanoTime());
    Problems problems = new Problems();
    for (Kind kind : Kind.values()) {
      RandomGenerator r =
          RandomGeneratorFactory.of("L64X128MixRandom").create(seed + kind.ordinal());
      Fixture fx = new Fixture(kind);
      try {
        for (int i = 0; i < rounds; i++) {
          fx = backToLength(fx);
          State before = fx.state();
          Plan p = plan(r, fx, before, growthCap);
          if (p == null) {
            continue;
          }
          Object result = null;
          Throwable t = null;
          try {
            result = p.call().call();
          } catch (Throwable thrown) {
            t = thrown;
          }
          String where = kind + " " + p.desc();
          if (t == null) {
            if (Boolean.FALSE.equals(p.valid())) {
              problems.add("arguments out of range, yet it succeeded", where);
              fx.restore(before);
            } else {
              String wrong = p.check().apply(result);
              if (wrong != null) {
                problems.add("it succeeded but " + wrong, where);
                fx.restore(before);
              }
            }
            continue;
          }
          if (!documented(t)) {
            problems.add("undocumented exception", where + ": " + Problems.what(t));
          } else if (Boolean.TRUE.equals(p.valid())) {
            problems.add("arguments in range, yet it threw", where + ": " + Problems.what(t));
          }
          State after = fx.state();
          String changed = before.differences(after);
          if (!changed.isEmpty()) {
            problems.add(
                "it threw, yet changed the map or file",
                where + ": " + changed + "; " + Problems.what(t));
            fx.restore(before);
          }
        }
      } finally {
        fx.close();
      }
    }
    assertTrue(
        problems.isEmpty(),
        "seed " + seed + " (-Djmmap.fuzz.seed=" + seed + " replays it)\n" + problems);
  }

  @Test
  void everyOffsetAndLengthOverTheWholeLongRangeGivesTheRightResultOrADocumentedException()
      throws Exception {
    sweep(10_000, GROWTH_CAP);
  }

  @Test
  @Tag("long")
  void everyOffsetAndLengthOverTheWholeLongRangeWithManyMoreRounds() throws Exception {
    sweep(200_000, LONG_GROWTH_CAP);
  }

  // ---------------------------------------------------------------- new maps

  private void newMaps(int rounds, long growthCap) throws Exception {
    long seed = Long.getLong("jmmap.fuzz.seed", System.nanoTime());
    RandomGenerator r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    Path f = Files.write(dir.resolve("new"), pattern(LENGTH));
    Problems problems = new Problems();
    try (FileChannel ch = FileChannel.open(f, READ, WRITE)) {
      for (int i = 0; i < rounds; i++) {
        long length = value(r, LENGTH);
        long offset = r.nextBoolean() ? value(r, LENGTH) : PS * value(r, 4);
        boolean fits =
            length >= 0
                && offset >= 0
                && offset % PS == 0
                && (length == 0 ? offset < LENGTH : offset <= LENGTH && length <= LENGTH - offset);
        long mapped = length == 0 ? LENGTH - offset : length;
        for (int via = 0; via < 2; via++) {
          String what =
              (via == 0 ? "a path" : "a channel")
                  + " with length("
                  + length
                  + ").offset("
                  + offset
                  + ")";
          Mmap m = null;
          Throwable t = null;
          try {
            m =
                via == 0
                    ? Mmap.options().length(length).offset(offset).map(f)
                    : Mmap.options().length(length).offset(offset).map(ch);
          } catch (Throwable thrown) {
            t = thrown;
          }
          if (m != null) {
            try (Mmap made = m) {
              if (!fits) {
                problems.add("a map out of the file's range was made", what);
              } else if (made.length() != mapped
                  || made.offset() != offset
                  || made.get(0) != pattern(LENGTH)[(int) offset]) {
                problems.add("the map is not the range asked for", what + ": " + made);
              }
            }
          } else if (!documented(t) || fits) {
            problems.add(
                fits ? "a range inside the file was refused" : "undocumented exception",
                what + ": " + Problems.what(t));
          }
        }
        long n = value(r, LENGTH);
        for (boolean shared : new boolean[] {true, false}) {
          if (shared && n > growthCap) {
            continue;
          }
          String what = (shared ? "shared" : "private") + " anonymous(" + n + ")";
          try (Mmap m =
              shared ? Mmap.anonymous(n) : Mmap.options().flags(Mmap.MAP_PRIVATE).anonymous(n)) {
            if (n <= 0 || m.length() != n) {
              problems.add("wrong anonymous map made", what + ": " + m);
            }
          } catch (Throwable thrown) {
            if (!documented(thrown)
                || (n <= 0 && !(thrown instanceof IllegalArgumentException))
                || (n > 0 && n <= GROWTH_CAP)) {
              problems.add("anonymous memory refused wrongly", what + ": " + Problems.what(thrown));
            }
          }
        }
      }
    }
    assertArrayEquals(pattern(LENGTH), Files.readAllBytes(f), "seed " + seed);
    assertTrue(
        problems.isEmpty(),
        "seed " + seed + " (-Djmmap.fuzz.seed=" + seed + " replays it)\n" + problems);
  }

  @Test
  void everyLengthAndOffsetOfANewMapIsCheckedBeforeAnythingIsMapped() throws Exception {
    newMaps(3_000, GROWTH_CAP);
  }

  @Test
  @Tag("long")
  void everyLengthAndOffsetOfANewMapWithManyMoreRounds() throws Exception {
    newMaps(100_000, LONG_GROWTH_CAP);
  }
}
