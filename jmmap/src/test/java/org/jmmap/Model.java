package org.jmmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Python's mmap semantics over a plain array and a position, written for clarity rather than speed:
 * the reference the contract tests hold every kind of map to.
 */
final class Model {
  final byte[] bytes;
  final boolean writable;
  long pos;

  Model(byte[] bytes, boolean writable) {
    this.bytes = bytes;
    this.writable = writable;
  }

  static long clampBound(long v, long n) {
    if (v < 0) {
      return Math.max(0, v + n);
    }
    return Math.min(v, n);
  }

  static boolean matchesAt(byte[] d, byte[] sub, long i) {
    for (int k = 0; k < sub.length; k++) {
      if (d[(int) i + k] != sub[k]) {
        return false;
      }
    }
    return true;
  }

  static long find(byte[] d, byte[] sub, long start, long end) {
    long s = clampBound(start, d.length);
    long e = clampBound(end, d.length);
    if (e < s) {
      return -1;
    }
    for (long i = s; i + sub.length <= e; i++) {
      if (matchesAt(d, sub, i)) {
        return i;
      }
    }
    return -1;
  }

  static long rfind(byte[] d, byte[] sub, long start, long end) {
    long s = clampBound(start, d.length);
    long e = clampBound(end, d.length);
    if (e < s) {
      return -1;
    }
    for (long i = e - sub.length; i >= s; i--) {
      if (matchesAt(d, sub, i)) {
        return i;
      }
    }
    return -1;
  }

  /** {@return the indexes Python's {@code range(*slice(start, stop, step).indices(n))} gives} */
  static long[] sliceIndexes(long start, long stop, long step, long n) {
    if (step == 0) {
      throw new IllegalArgumentException("slice step cannot be zero");
    }
    long lo = step < 0 ? -1 : 0;
    long hi = step < 0 ? n - 1 : n;
    long s = start < 0 ? Math.max(start + n, lo) : Math.min(start, hi);
    long e = stop < 0 ? Math.max(stop + n, lo) : Math.min(stop, hi);
    long[] out = new long[(int) Math.min(n + 1, 1 << 20)];
    int k = 0;
    for (long i = s; step > 0 ? i < e : i > e; i += step) {
      out[k++] = i;
      if (step > 0 ? i > Long.MAX_VALUE - step : i < Long.MIN_VALUE - step) {
        break;
      }
    }
    return Arrays.copyOf(out, k);
  }

  private long pick(RandomGenerator r) {
    int n = bytes.length;
    return switch (r.nextInt(8)) {
      case 0 -> 0;
      case 1 -> n;
      case 2 -> n - 1;
      case 3 -> n + 1;
      case 4 -> -r.nextInt(n + 2);
      case 5 -> r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
      default -> r.nextInt(n + 1);
    };
  }

  /** Runs one random operation on the map and the model, and checks they agree. */
  String step(Mmap m, RandomGenerator r) {
    int n = bytes.length;
    int op = r.nextInt(13);
    long a = pick(r);
    long b = pick(r);
    long c =
        switch (r.nextInt(5)) {
          case 0 -> -1;
          case 1 -> 2;
          case 2 -> -3;
          case 3 -> 0;
          default -> 1;
        };
    int from = Math.clamp(a, 0, n);
    byte[] sub = Arrays.copyOfRange(bytes, from, Math.min(n, from + r.nextInt(4)));
    String desc =
        switch (op) {
          case 0 -> "get(" + a + ")";
          case 1 -> "set(" + a + ")";
          case 2 -> "slice(" + a + ", " + b + ", " + c + ")";
          case 3 -> "setSlice(" + a + ", " + b + ", " + c + ")";
          case 4 -> "read(" + (a % 5) + ")";
          case 5 -> "readByte()";
          case 6 -> "readLine()";
          case 7 -> "write(" + sub.length + " bytes)";
          case 8 -> "writeByte()";
          case 9 -> "seek(" + a + ", " + Whence.values()[Math.floorMod(b, 3)] + ")";
          case 10 -> "find(" + Arrays.toString(sub) + ", " + a + ", " + b + ")";
          case 11 -> "rfind(" + Arrays.toString(sub) + ", " + a + ", " + b + ")";
          default -> "move(" + a + ", " + b + ", " + (c + 2) + ")";
        };
    String expected = outcome(() -> apply(null, op, a, b, c, sub));
    String actual = outcome(() -> apply(m, op, a, b, c, sub));
    assertEquals(expected, actual, desc);
    return desc;
  }

  private interface Call {
    Object call();
  }

  private static String outcome(Call call) {
    try {
      Object o = call.call();
      return o instanceof byte[] arr ? Arrays.toString(arr) : String.valueOf(o);
    } catch (IndexOutOfBoundsException e) {
      return "IndexOutOfBoundsException";
    } catch (IllegalArgumentException e) {
      return "IllegalArgumentException";
    } catch (BufferUnderflowException e) {
      return "BufferUnderflowException";
    } catch (BufferOverflowException e) {
      return "BufferOverflowException";
    } catch (ReadOnlyMmapException e) {
      return "ReadOnlyMmapException";
    }
  }

  /** Applies op to the map, or to this model when {@code m} is null. */
  private Object apply(Mmap m, int op, long a, long b, long c, byte[] sub) {
    int n = bytes.length;
    switch (op) {
      case 0:
        return m != null ? m.get(a) : bytes[(int) index(a)];
      case 1:
        if (m != null) {
          m.set(a, (byte) 42);
        } else {
          checkWritable();
          bytes[(int) index(a)] = 42;
        }
        return null;
      case 2:
        {
          if (m != null) {
            return m.slice(a, b, c);
          }
          long[] idx = sliceIndexes(a, b, c, n);
          byte[] out = new byte[idx.length];
          for (int k = 0; k < idx.length; k++) {
            out[k] = bytes[(int) idx[k]];
          }
          return out;
        }
      case 3:
        {
          boolean wrongSize = (a & 1) == 1;
          long count = c == 0 ? 0 : sliceIndexes(a, b, c, n).length;
          byte[] data = new byte[(int) count + (wrongSize ? 1 : 0)];
          Arrays.fill(data, (byte) 'Z');
          if (m != null) {
            m.setSlice(a, b, c, data);
            return null;
          }
          checkWritable();
          long[] idx = sliceIndexes(a, b, c, n);
          if (idx.length != data.length) {
            throw new IndexOutOfBoundsException();
          }
          for (long i : idx) {
            bytes[(int) i] = 'Z';
          }
          return null;
        }
      case 4:
        {
          long k = a % 5;
          if (m != null) {
            return m.read(k);
          }
          long rest = Math.max(0, n - pos);
          long cnt = k < 0 ? rest : Math.min(k, rest);
          byte[] out =
              Arrays.copyOfRange(bytes, (int) Math.min(pos, n), (int) (Math.min(pos, n) + cnt));
          pos += cnt;
          return out;
        }
      case 5:
        if (m != null) {
          return m.readByte();
        }
        if (pos >= n) {
          throw new BufferUnderflowException();
        }
        return bytes[(int) pos++] & 0xFF;
      case 6:
        {
          if (m != null) {
            return m.readLine();
          }
          if (pos >= n) {
            return new byte[0];
          }
          int e = (int) pos;
          while (e < n && bytes[e] != '\n') {
            e++;
          }
          e = Math.min(n, e + 1);
          byte[] out = Arrays.copyOfRange(bytes, (int) pos, e);
          pos = e;
          return out;
        }
      case 7:
        if (m != null) {
          return m.write(sub);
        }
        checkWritable();
        if (pos > n || n - pos < sub.length) {
          throw new BufferOverflowException();
        }
        System.arraycopy(sub, 0, bytes, (int) pos, sub.length);
        pos += sub.length;
        return sub.length;
      case 8:
        if (m != null) {
          m.writeByte((byte) 7);
          return null;
        }
        checkWritable();
        if (pos >= n) {
          throw new BufferOverflowException();
        }
        bytes[(int) pos++] = 7;
        return null;
      case 9:
        {
          Whence w = Whence.values()[Math.floorMod(b, 3)];
          if (m != null) {
            return m.seek(a, w);
          }
          long base = w == Whence.SET ? 0 : w == Whence.CUR ? pos : n;
          long target = base + a;
          boolean overflow = a > 0 && target < base;
          if (overflow || target < 0 || target > n) {
            throw new IllegalArgumentException();
          }
          pos = target;
          return pos;
        }
      case 10:
        return m != null ? m.find(sub, a, b) : emptyAware(sub, a, b, true);
      case 11:
        return m != null ? m.rfind(sub, a, b) : emptyAware(sub, a, b, false);
      default:
        {
          long count = c + 2;
          if (m != null) {
            m.move(a, b, count);
            return null;
          }
          checkWritable();
          if (a < 0 || b < 0 || count < 0 || a > n - count || b > n - count) {
            throw new IllegalArgumentException();
          }
          System.arraycopy(bytes, (int) b, bytes, (int) a, (int) count);
          return null;
        }
    }
  }

  private long emptyAware(byte[] sub, long a, long b, boolean forward) {
    if (sub.length == 0) {
      long s = clampBound(a, bytes.length);
      long e = clampBound(b, bytes.length);
      return e < s ? -1 : forward ? s : e;
    }
    return forward ? find(bytes, sub, a, b) : rfind(bytes, sub, a, b);
  }

  private long index(long i) {
    long j = i < 0 ? i + bytes.length : i;
    if (j < 0 || j >= bytes.length) {
      throw new IndexOutOfBoundsException();
    }
    return j;
  }

  private void checkWritable() {
    if (!writable) {
      throw new ReadOnlyMmapException("read-only");
    }
  }
}
