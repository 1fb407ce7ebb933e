package org.jmmap.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.jmmap.Access;
import org.jmmap.Mmap;
import org.jmmap.Whence;

/**
 * Runs traces on {@link Mmap} and prints the same normalized lines as {@code run_trace.py} prints
 * for CPython: "ok VALUE" or "err EXCEPTION" per op.
 */
final class JavaRunner implements AutoCloseable {
  private static final HexFormat HEX = HexFormat.of();
  private final Path dir;
  private Mmap m;
  private Path file;

  JavaRunner(Path dir) {
    this.dir = dir;
  }

  /** {@return one result line per op} */
  List<String> run(List<Op> trace) {
    List<String> out = new ArrayList<>(trace.size());
    try {
      for (Op op : trace) {
        out.add(step(op));
      }
    } finally {
      close();
    }
    return out;
  }

  String step(Op op) {
    try {
      return "ok " + format(apply(op));
    } catch (ReadOnlyBufferException e) {
      return "err ReadOnlyBufferException";
    } catch (UnsupportedOperationException e) {
      return "err UnsupportedOperationException";
    } catch (IllegalArgumentException e) {
      return "err IllegalArgumentException";
    } catch (IndexOutOfBoundsException e) {
      return "err IndexOutOfBoundsException";
    } catch (BufferUnderflowException e) {
      return "err BufferUnderflowException";
    } catch (BufferOverflowException e) {
      return "err BufferOverflowException";
    } catch (IllegalStateException e) {
      return "err IllegalStateException";
    } catch (IOException | UncheckedIOException e) {
      return "err IOException";
    } catch (RuntimeException e) {
      return "err Java" + e.getClass().getSimpleName() + ":" + e.getMessage();
    } finally {
      if (op.name().equals("new") && m == null) {
        deleteFile();
      }
    }
  }

  private static String format(Object v) {
    if (v == null) {
      return "none";
    }
    if (v instanceof byte[] b) {
      return b.length == 0 ? "-" : HEX.formatHex(b);
    }
    return v.toString();
  }

  /** Python's None as a slice bound: the end that a step of that sign starts from or stops at. */
  private static long bound(Op op, String key, long step, boolean isStart) {
    Long v = op.num(key);
    if (v != null) {
      return v;
    }
    return (step > 0) == isStart ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  private Object apply(Op op) throws IOException {
    String name = op.name();
    if (name.equals("new")) {
      create(op);
      return null;
    }
    if (m == null) {
      return "nomap";
    }
    switch (name) {
      case "len":
        return m.length();
      case "get":
        return m.get(op.num("i")) & 0xFF;
      case "set":
        m.set(op.num("i"), (byte) (long) op.num("v"));
        return null;
      case "slice":
        {
          long step = op.num("step", 1);
          return m.slice(bound(op, "start", step, true), bound(op, "stop", step, false), step);
        }
      case "setslice":
        {
          long step = op.num("step", 1);
          m.setSlice(
              bound(op, "start", step, true),
              bound(op, "stop", step, false),
              step,
              HEX.parseHex(op.str("data")));
          return null;
        }
      case "read":
        return op.has("n") && op.num("n") != null ? m.read(op.num("n")) : m.read();
      case "read_byte":
        return m.readByte();
      case "readline":
        return m.readLine();
      case "write":
        return m.write(HEX.parseHex(op.str("data")));
      case "write_byte":
        m.writeByte((byte) (long) op.num("v"));
        return null;
      case "seek":
        return m.seek(op.num("pos"), Whence.values()[(int) op.num("whence", 0)]);
      case "tell":
        return m.tell();
      case "size":
        return m.size();
      case "find":
      case "rfind":
        {
          byte[] sub = HEX.parseHex(op.str("sub"));
          boolean f = name.equals("find");
          if (op.has("end")) {
            return f
                ? m.find(sub, op.num("start"), op.num("end"))
                : m.rfind(sub, op.num("start"), op.num("end"));
          }
          if (op.has("start")) {
            return f ? m.find(sub, op.num("start")) : m.rfind(sub, op.num("start"));
          }
          return f ? m.find(sub) : m.rfind(sub);
        }
      case "move":
        m.move(op.num("dest"), op.num("src"), op.num("count"));
        return null;
      case "flush":
        if (op.has("offset")) {
          m.flush(op.num("offset"), op.num("size"));
        } else {
          m.flush();
        }
        return null;
      case "resize":
        m.resize(op.num("n"));
        return null;
      case "madvise":
        if (op.has("length")) {
          m.madvise((int) (long) op.num("option"), op.num("start"), op.num("length"));
        } else {
          m.madvise((int) (long) op.num("option"));
        }
        return null;
      case "close":
        m.close();
        return null;
      case "bytes":
        return m.slice(Long.MIN_VALUE, Long.MAX_VALUE);
      case "filebytes":
        return Files.readAllBytes(file);
      default:
        throw new IllegalArgumentException("unknown op " + op);
    }
  }

  private void create(Op op) throws IOException {
    close();
    String kind = op.str("kind");
    long length = op.num("length", 0);
    long offset = op.num("offset", 0);
    Access access = op.has("access") ? Access.valueOf(op.str("access")) : Access.DEFAULT;
    switch (kind) {
      case "file", "file_private" -> {
        file = Files.createTempFile(dir, "trace", ".bin");
        Files.write(file, HEX.parseHex(op.str("content")));
        m =
            kind.equals("file")
                ? Mmap.map(file, length, access, offset)
                : Mmap.options().flags(Mmap.MAP_PRIVATE).length(length).offset(offset).map(file);
      }
      case "anon" -> m = Mmap.options().access(access).offset(offset).anonymous(length);
      case "anon_private" ->
          m = Mmap.options().flags(Mmap.MAP_PRIVATE).offset(offset).anonymous(length);
      default -> throw new IllegalArgumentException("unknown kind " + kind);
    }
  }

  private void deleteFile() {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // a temporary directory holds it
      }
      file = null;
    }
  }

  @Override
  public void close() {
    if (m != null) {
      m.close();
      m = null;
    }
    deleteFile();
  }
}
