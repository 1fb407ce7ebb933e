package org.jmmap.conformance;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.jmmap.Mmap;

/**
 * Random traces, biased toward the boundaries where implementations go wrong: 0, 1, length - 1,
 * length, length + 1, negative values, PAGESIZE and its neighbours, and Python's None.
 */
final class TraceGenerator {
  static final long PS = Mmap.PAGESIZE;
  static final String[] KINDS = {"file", "file", "file", "file_private", "anon", "anon_private"};
  static final String[] ACCESS = {"DEFAULT", "READ", "WRITE", "COPY"};
  private static final String ALPHABET = "ab\n\u0000\u00ffe";

  private final RandomGenerator r;
  private final boolean portable; // make no op that the portable backing refuses
  private long n; // the map's length as far as the generator can tell
  private boolean isFile;
  private boolean privateFile;
  private byte[] content = new byte[0]; // the map's bytes when it was made

  /**
   * @param portable whether the traces are for the portable backing, which refuses some ops by
   *     design ({@link #refusedByPortable}): then none is made
   */
  TraceGenerator(long seed, boolean portable) {
    r = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    this.portable = portable;
  }

  /**
   * {@return whether the portable backing refuses {@code op} on a map made by {@code made}}, with
   * an {@link UnsupportedOperationException} by design: resizing a {@code MAP_PRIVATE} file map
   * (the JDK would map it anew and drop its private changes), and {@code MADV_DONTNEED}, advice
   * with a visible effect
   */
  static boolean refusedByPortable(Op made, Op op) {
    return switch (op.name()) {
      case "resize" -> "file_private".equals(made.str("kind"));
      case "madvise" -> op.num("option") == Mmap.MADV_DONTNEED;
      default -> false;
    };
  }

  /** {@return {@code trace} without the ops that the portable backing refuses} */
  static List<Op> withoutRefused(List<Op> trace) {
    List<Op> kept = new ArrayList<>(trace.size());
    for (Op op : trace) {
      if (kept.isEmpty() || !refusedByPortable(kept.getFirst(), op)) {
        kept.add(op);
      }
    }
    return kept;
  }

  /** {@return a new trace of about {@code ops} operations, over a random kind of map} */
  List<Op> next(int ops) {
    List<Op> t = new ArrayList<>(ops + 2);
    t.add(construct());
    while (t.size() <= ops) {
      Op op = op();
      if (!portable || !refusedByPortable(t.getFirst(), op)) {
        t.add(op);
      }
    }
    t.add(Op.of("op", "bytes"));
    if (isFile) {
      t.add(Op.of("op", "filebytes"));
    }
    return t;
  }

  private Op construct() {
    String kind = KINDS[r.nextInt(KINDS.length)];
    long[] sizes = {1, 2, 3, 10, 17, 100, PS - 1, PS, PS + 1, 2 * PS};
    n = sizes[r.nextInt(sizes.length)];
    isFile = kind.startsWith("file");
    privateFile = kind.equals("file_private");
    if (!isFile) {
      content = new byte[(int) n];
      Op o = Op.of("op", "new", "kind", kind, "length", n);
      if (kind.equals("anon")) {
        o.fields().put("access", ACCESS[r.nextInt(ACCESS.length)]);
      }
      return o;
    }
    long offset =
        switch (r.nextInt(10)) {
          case 0 -> PS;
          case 1 -> 1; // unaligned: refused
          default -> 0;
        };
    long fileSize = offset + n + r.nextInt(3);
    long length =
        switch (r.nextInt(6)) {
          case 0 -> 0; // the rest of the file
          case 1 -> fileSize - offset + 1; // too long: refused
          default -> n;
        };
    if (length == 0) {
      n = fileSize - offset;
    }
    byte[] file = bytes((int) fileSize);
    content = java.util.Arrays.copyOfRange(file, (int) Math.min(offset, fileSize), file.length);
    Op o =
        Op.of(
            "op",
            "new",
            "kind",
            kind,
            "content",
            HexFormat.of().formatHex(file),
            "length",
            length,
            "offset",
            offset);
    if (kind.equals("file")) {
      o.fields().put("access", ACCESS[r.nextInt(ACCESS.length)]);
    }
    return o;
  }

  private byte[] bytes(int len) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) ALPHABET.charAt(r.nextInt(ALPHABET.length()));
    }
    return b;
  }

  /** A position or index near something interesting. */
  private long at() {
    return switch (r.nextInt(16)) {
      case 0 -> 0;
      case 1 -> 1;
      case 2 -> n - 1;
      case 3 -> n;
      case 4 -> n + 1;
      case 5 -> -1;
      case 6 -> -n;
      case 7 -> -n - 1;
      case 8 -> PS;
      case 9 -> PS - 1;
      case 10 -> PS + 1;
      case 11 -> -r.nextLong(n + 3);
      case 12 -> r.nextBoolean() ? 1L << 40 : -(1L << 40);
      default -> r.nextLong(n + 3);
    };
  }

  private Long boundOrNone() {
    return r.nextInt(5) == 0
        ? null
        : r.nextInt(20) == 0 ? (r.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE) : at();
  }

  private long step() {
    long[] steps = {1, 1, 2, 3, -1, -2, -3, 0, n, -n, Long.MAX_VALUE, Long.MIN_VALUE};
    return steps[r.nextInt(steps.length)];
  }

  private String data(int max) {
    return HexFormat.of().formatHex(bytes(r.nextInt(max + 1)));
  }

  /**
   * {@return bytes of the map as it was made, ending at {@code end}}, so that a search finds them
   * right at a boundary (unless the trace changed them since)
   */
  private String endingAt(long end) {
    int e = Math.clamp(end, 0, content.length);
    int len = 1 + r.nextInt(4);
    return HexFormat.of().formatHex(content, Math.max(0, e - len), e);
  }

  private String needle() {
    if (r.nextInt(6) == 0) {
      return "";
    }
    if (r.nextBoolean()) {
      return endingAt(r.nextBoolean() ? content.length : r.nextInt(content.length + 1));
    }
    if (r.nextInt(10) == 0) {
      return data((int) Math.min(n + 2, 64));
    }
    return data(4);
  }

  private int smallLength() {
    return (int) Math.min(n + 2, 64);
  }

  private Op op() {
    switch (r.nextInt(24)) {
      case 0:
        return Op.of("op", "len");
      case 1, 2:
        return Op.of("op", "get", "i", at());
      case 3:
        return Op.of("op", "set", "i", at(), "v", (long) r.nextInt(256));
      case 4, 5:
        {
          long step = step();
          return Op.of(
              "op",
              "slice",
              "start",
              boundOrNone(),
              "stop",
              boundOrNone(),
              "step",
              r.nextInt(4) == 0 ? null : step);
        }
      case 6:
        {
          // the right length most of the time, from the model the generator keeps of n
          Long start = boundOrNone();
          Long stop = boundOrNone();
          long step = r.nextInt(3) == 0 ? step() : 1;
          int count = count(start, stop, step);
          int len = r.nextInt(4) == 0 ? Math.max(0, count + r.nextInt(3) - 1) : count;
          if (len > 70_000) {
            len = 0;
          }
          return Op.of(
              "op",
              "setslice",
              "start",
              start,
              "stop",
              stop,
              "step",
              step,
              "data",
              HexFormat.of().formatHex(bytes(len)));
        }
      case 7:
        return r.nextInt(3) == 0
            ? Op.of("op", "read")
            : Op.of(
                "op",
                "read",
                "n",
                r.nextInt(4) == 0
                    ? null
                    : r.nextInt(4) == 0 ? -1L : (long) r.nextInt(smallLength() + 1));
      case 8:
        return Op.of("op", "read_byte");
      case 9:
        return Op.of("op", "readline");
      case 10:
        return Op.of("op", "write", "data", data(r.nextInt(4) == 0 ? smallLength() : 3));
      case 11:
        return Op.of("op", "write_byte", "v", (long) r.nextInt(256));
      case 12, 13:
        return Op.of("op", "seek", "pos", at(), "whence", (long) r.nextInt(3));
      case 14:
        return Op.of("op", r.nextBoolean() ? "tell" : "size");
      case 15, 16:
        {
          String name = r.nextBoolean() ? "find" : "rfind";
          return switch (r.nextInt(4)) {
            case 0 -> Op.of("op", name, "sub", needle());
            case 1 -> Op.of("op", name, "sub", needle(), "start", at());
            case 2 -> {
              long end = at(); // a needle that ends exactly at the end bound, or one past it
              long e = end < 0 ? end + content.length : end;
              yield Op.of("op", name, "sub", endingAt(e + r.nextInt(2)), "start", at(), "end", end);
            }
            default -> Op.of("op", name, "sub", needle(), "start", at(), "end", at());
          };
        }
      case 17:
        return Op.of(
            "op",
            "move",
            "dest",
            at(),
            "src",
            at(),
            "count",
            r.nextInt(4) == 0 ? at() : (long) r.nextInt(4));
      case 18:
        return r.nextBoolean()
            ? Op.of("op", "flush")
            : Op.of("op", "flush", "offset", r.nextBoolean() ? 0 : at(), "size", at());
      case 19:
        {
          long[] sizes = {0, 1, n - 1, n + 1, 2 * n, PS, PS + 1, 3 * PS, -1, 1L << 62};
          long size = sizes[r.nextInt(sizes.length)];
          if (size == 0 && privateFile) {
            size = 1; // CPython loses a private map's pages there: see run_trace.py
          }
          if (size > 0 && size < (1L << 40)) {
            n = size;
          }
          return Op.of("op", "resize", "n", size);
        }
      case 20:
        {
          long[] options = {
            Mmap.MADV_NORMAL,
            Mmap.MADV_RANDOM,
            Mmap.MADV_SEQUENTIAL,
            Mmap.MADV_WILLNEED,
            Mmap.MADV_DONTNEED,
            9999
          };
          long option = options[r.nextInt(options.length)];
          return r.nextBoolean()
              ? Op.of("op", "madvise", "option", option)
              : Op.of(
                  "op",
                  "madvise",
                  "option",
                  option,
                  "start",
                  r.nextBoolean() ? 0 : at(),
                  "length",
                  at());
        }
      case 21:
        return r.nextInt(8) == 0 ? Op.of("op", "close") : Op.of("op", "tell");
      default:
        return Op.of("op", "bytes");
    }
  }

  /** {@return how many bytes {@code [start:stop:step]} selects, for a map of length n} */
  private int count(Long start, Long stop, long step) {
    if (step == 0) {
      return 0;
    }
    long s0 = start == null ? (step > 0 ? 0 : n - 1) : start;
    long e0 = stop == null ? (step > 0 ? n : -n - 1) : stop;
    long lo = step < 0 ? -1 : 0;
    long hi = step < 0 ? n - 1 : n;
    long s = s0 < 0 ? Math.max(s0 + n, lo) : Math.min(s0, hi);
    long e = e0 < 0 ? Math.max(e0 + n, lo) : Math.min(e0, hi);
    long c = 0;
    if (step > 0 && s < e) {
      c = (e - s - 1) / step + 1;
    } else if (step < 0 && e < s) {
      c = (s - e - 1) / (step == Long.MIN_VALUE ? Long.MAX_VALUE : -step) + 1;
    }
    return (int) Math.min(c, 100_000);
  }
}
