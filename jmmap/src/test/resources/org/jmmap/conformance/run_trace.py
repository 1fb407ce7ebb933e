"""Runs conformance traces on CPython's mmap and prints one normalized result line per op.

Reads traces from the files named on the command line, or from standard input: one JSON object
per line, a trace starts with a "new" op, and a line "---" separates traces. For every op it
prints "ok VALUE" or "err JAVA_EXCEPTION_CLASS"; after each trace it prints "---".

Values: ints in decimal, bytes in hex ("-" when empty), None as "none". Python's exceptions are
mapped to the Java exceptions that jmmap documents for them (docs/python-to-java.md), and the
deliberate differences listed there are normalized here:
  * seek returns the new position (3.13) rather than None (3.11, 3.12);
  * shared anonymous memory is a memory file, as in jmmap, so size() is the length and growing
    works; private anonymous memory answers size() with its length;
  * a resize that fails leaves the file and the map as they were;
  * an unaligned offset is a bad argument (IllegalArgumentException), not an OSError;
  * advice outside jmmap's allow-list is a bad argument (IllegalArgumentException), not the
    kernel's OSError;
  * a shared map that advice on part of it split grows or shrinks by being mapped anew, and
    private anonymous memory by being copied into a new mapping with the rest of its last page,
    where CPython's mremap fails with EFAULT (for private anonymous memory, only when the kernel
    has not merged the pieces); the position stays, past the end too;
  * a move onto itself writes nothing, where glibc's memmove rewrites a short block.
On a CPython before 3.11.7, whose mmap.find can read past the mapping and crash, find and rfind
run on a copy of the map's bytes (which also answers -1 for an empty needle whose clamped end is
before its clamped start, as 3.11.7 and later do and 3.11.2 does not).

JMMAP_NORMALIZE_OFF=seek,size,resize,offset,advice,efault,selfmove turns normalizations off, to
check which ones a CPython release still needs (docs/conformance.md).
"""
import ctypes
import errno
import json
import mmap
import os
import sys
import tempfile

PS = mmap.PAGESIZE
# CPython before 3.11.7 (Debian 12's 3.11.2) can read past the end of a mapping in mmap.find and
# mmap.rfind and die of SIGSEGV; on those, searches run on a copy of the bytes, which bytes.find
# answers the same way
FIND_READS_PAST_THE_MAP = sys.version_info < (3, 11, 7)

OFF = set(os.environ.get("JMMAP_NORMALIZE_OFF", "").split(","))

# the advice values jmmap passes to the kernel (Mmap.madvise); the others it refuses
ALLOWED_ADVICE = {0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
ACCESS = {"DEFAULT": mmap.ACCESS_DEFAULT, "READ": mmap.ACCESS_READ,
          "WRITE": mmap.ACCESS_WRITE, "COPY": mmap.ACCESS_COPY}


def pages(n):
    """The length of the whole pages that n bytes of a mapping lie in."""
    return -(-n // PS) * PS


def address(m):
    """The address of a map's first byte."""
    c = ctypes.c_char.from_buffer(m)
    a = ctypes.addressof(c)
    del c  # the export ends here, or the map could not be closed
    return a


def keep_position(m, pos, n):
    """Leaves m, a new map of max(n, pos) bytes, at pos with n bytes. The map it replaces kept a
    position past its end across the resize, as CPython's resize does; seek cannot set one, but
    the resize of a map with a single kernel mapping keeps it too."""
    m.seek(pos)
    if len(m) != n:
        m.resize(n)


def fmt(v):
    if v is None:
        return "none"
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex() or "-"
    if isinstance(v, bool):
        return str(int(v))
    return str(v)


class Trace:
    def __init__(self, tmpdir):
        self.tmpdir = tmpdir
        self.m = None
        self.fd = -1
        self.path = None
        self.kind = None
        self.access = None

    def norm(self, op, e):
        msg = str(e)
        if isinstance(e, ValueError) and msg == "mmap closed or invalid":
            return "IllegalStateException"
        if isinstance(e, BufferError):
            return "IllegalStateException"
        if isinstance(e, ValueError):
            if op == "read_byte":
                return "BufferUnderflowException"
            if op in ("write", "write_byte"):
                return "BufferOverflowException"
            return "IllegalArgumentException"
        if isinstance(e, OverflowError):
            return "IllegalArgumentException"
        if isinstance(e, IndexError):
            return "IndexOutOfBoundsException"
        if isinstance(e, TypeError) and "readonly" in msg:
            if "resize" in msg and self.access != "READ":
                return "UnsupportedOperationException"
            return "ReadOnlyBufferException"
        if isinstance(e, OSError):
            return "IOException"
        return "Python" + type(e).__name__ + ":" + msg.replace(" ", "_")

    def new(self, o):
        self.close_all()
        self.kind = o["kind"]
        length = o.get("length", 0)
        offset = o.get("offset", 0)
        self.offset = offset
        self.requested = o.get("access", "DEFAULT")
        if self.kind in ("file", "file_private"):
            fd, self.path = tempfile.mkstemp(dir=self.tmpdir)
            os.write(fd, bytes.fromhex(o.get("content", "")))
            self.fd = fd
            if self.kind == "file":
                self.m = mmap.mmap(fd, length, access=ACCESS[o["access"]], offset=offset)
            else:
                self.m = mmap.mmap(fd, length, flags=mmap.MAP_PRIVATE, offset=offset)
        elif self.kind == "anon":
            self.fd = os.memfd_create("conformance")
            os.ftruncate(self.fd, length)
            self.m = mmap.mmap(self.fd, length, access=ACCESS[o.get("access", "DEFAULT")],
                               offset=offset)
        else:
            self.m = mmap.mmap(-1, length, flags=mmap.MAP_PRIVATE, offset=offset)
        self.access = self.resolved()
        return None

    def shared(self):
        return self.fd >= 0 and (self.kind == "anon" or
                                 (self.kind == "file" and self.requested != "COPY"))

    def resolved(self):
        r = repr(self.m)
        return r.split("access=ACCESS_")[1].split(",")[0]

    def close_all(self):
        if self.m is not None:
            self.m.close()
        if self.fd >= 0:
            os.close(self.fd)
        if self.path:
            os.unlink(self.path)
        self.m, self.fd, self.path = None, -1, None

    def run(self, o):
        op = o["op"]
        m = self.m
        if op == "new":
            return self.new(o)
        if m is None:
            return "nomap"
        if op == "len":
            return len(m)
        if op == "get":
            return m[o["i"]]
        if op == "set":
            m[o["i"]] = o["v"]
            return None
        if op == "slice":
            return m[o["start"]:o["stop"]:o["step"]]
        if op == "setslice":
            m[o["start"]:o["stop"]:o["step"]] = bytes.fromhex(o["data"])
            return None
        if op == "read":
            return m.read(o["n"]) if "n" in o else m.read()
        if op == "read_byte":
            return m.read_byte()
        if op == "readline":
            return m.readline()
        if op == "write":
            return m.write(bytes.fromhex(o["data"]))
        if op == "write_byte":
            m.write_byte(o["v"])
            return None
        if op == "seek":
            r = m.seek(o["pos"], o.get("whence", 0))
            return m.tell() if r is None and "seek" not in OFF else r
        if op == "tell":
            return m.tell()
        if op == "size":
            if self.kind == "anon_private" and "size" not in OFF:
                return len(m)
            return m.size()
        if op in ("find", "rfind"):
            sub = bytes.fromhex(o["sub"])
            args = [o[k] for k in ("start", "end") if k in o]
            if FIND_READS_PAST_THE_MAP:
                # the same search on a copy of the bytes, where this CPython cannot crash
                data = m[:]
                n = len(data)
                bound = lambda v: max(0, v + n) if v < 0 else min(v, n)  # as mmap clamps
                start = bound(args[0] if args else m.tell())
                end = bound(args[1]) if len(args) > 1 else n
                r = getattr(data, op)(sub, start, end)
            else:
                r = getattr(m, op)(sub, *args)
            return r
        if op == "move":
            dest, src, count = o["dest"], o["src"], o["count"]
            if dest == src and count > 0 and "selfmove" not in OFF:
                # glibc's memmove copies a short block onto itself (up to 256 bytes on this
                # project's AVX-512 machines) and returns at once for a longer one; jmmap writes
                # nothing. The write matters to a private map: it takes a copy of the page, which
                # a later truncation of the file does not reach. The checks without the write:
                m.move(dest, src, 0)
                if count > len(m) - dest:
                    raise ValueError("source, destination, or count out of range")
                return None
            m.move(dest, src, count)
            return None
        if op == "flush":
            return m.flush(o["offset"], o["size"]) if "offset" in o else m.flush()
        if op == "resize":
            # CPython truncates the file before it remaps, and keeps it truncated when the
            # remap fails (resize(0)); jmmap changes nothing then. Put the file back, which puts
            # a shared map back too. (A private file map's own copies of pages are lost in
            # CPython, so the generator leaves resize(0) out for those.)
            before = os.fstat(self.fd).st_size if self.fd >= 0 else None
            content = os.pread(self.fd, before, 0) if before else b""
            try:
                m.resize(o["n"])
            except OSError as e:
                if e.errno == errno.EFAULT and self.shared() and "efault" not in OFF:
                    # advice on part of the map split the kernel's mapping, which mremap moves
                    # only whole; jmmap maps a shared map anew over its file, and so does this
                    pos, n = m.tell(), o["n"]
                    os.ftruncate(self.fd, self.offset + max(n, pos))
                    self.m = mmap.mmap(self.fd, max(n, pos), access=ACCESS[self.requested],
                                       offset=self.offset)
                    m.close()
                    keep_position(self.m, pos, n)
                    return None
                if (e.errno == errno.EFAULT and self.kind == "anon_private"
                        and "efault" not in OFF):
                    # the same for private anonymous memory, whose pieces the kernel merges again
                    # or not as its bookkeeping of their pages goes: jmmap copies the bytes into
                    # a new mapping, with the rest of the old last page that mremap keeps, and so
                    # does this
                    pos, n = m.tell(), o["n"]
                    self.m = mmap.mmap(-1, max(n, pos), flags=mmap.MAP_PRIVATE)
                    ctypes.memmove(address(self.m), address(m), min(pages(len(m)), pages(n)))
                    m.close()
                    keep_position(self.m, pos, n)
                    return None
                if (before is not None and os.fstat(self.fd).st_size != before
                        and "resize" not in OFF):
                    os.ftruncate(self.fd, before)
                    os.pwrite(self.fd, content, 0)
                raise
            return None
        if op == "madvise":
            args = [o[k] for k in ("start", "length") if k in o]
            try:
                return m.madvise(o["option"], *args)
            except OSError:
                if o["option"] not in ALLOWED_ADVICE and "advice" not in OFF:
                    # jmmap refuses advice it does not know to be safe before the kernel sees it
                    raise ValueError("madvise option not allowed")
                raise
        if op == "close":
            m.close()
            return None
        if op == "bytes":
            return m[:]
        if op == "filebytes":
            with open(self.path, "rb") as f:
                return f.read()
        raise KeyError("unknown op " + op)

    def step(self, o):
        try:
            return "ok " + fmt(self.run(o))
        except Exception as e:  # the exception is the result
            if o["op"] == "new":
                self.m = None
                # an unaligned offset: OSError EINVAL from mmap(2) in CPython, refused as a bad
                # argument by jmmap
                if (isinstance(e, OSError) and o.get("offset", 0) % mmap.ALLOCATIONGRANULARITY
                        and "offset" not in OFF):
                    return "err IllegalArgumentException"
            return "err " + self.norm(o["op"], e)


def main():
    sources = [open(p) for p in sys.argv[1:]] or [sys.stdin]
    out = sys.stdout
    with tempfile.TemporaryDirectory() as tmp:
        t = Trace(tmp)
        pending = False
        for src in sources:
            for line in src:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if line == "---":
                    if pending:
                        t.close_all()
                        out.write("---\n")
                        out.flush()
                        pending = False
                    continue
                out.write(t.step(json.loads(line)) + "\n")
                pending = True
            if pending:
                t.close_all()
                out.write("---\n")
                out.flush()
                pending = False


main()
