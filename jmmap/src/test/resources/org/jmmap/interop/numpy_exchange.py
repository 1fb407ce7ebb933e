"""The numpy side of NumpyTest: writes arrays for Java to read, checks arrays Java wrote.

  numpy_exchange.py write file PATH SEED    numpy writes; prints the layout and the values
  numpy_exchange.py write shm NAME SEED     the same, into multiprocessing.shared_memory NAME
  numpy_exchange.py check file PATH N       checks what Java wrote; prints "ok" or exits 1
  numpy_exchange.py check shm NAME N
"""
import sys
import numpy as np
from multiprocessing import resource_tracker, shared_memory

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def arrays(seed):
    rng = np.random.default_rng(seed)
    a = np.arange(1000, dtype="<i8")
    r = rng.random(777)  # float64, little-endian on every machine this runs on
    b = ((np.arange(500) - 250) * 1234567).astype(">i4")
    rec = np.zeros(10, dtype=np.dtype([("id", "<u4"), ("x", "<f8"), ("tag", "S3")]))
    rec["id"] = np.arange(10) * 7
    rec["x"] = rng.normal(size=10)
    rec["tag"] = [b"a%d" % i for i in range(10)]
    return a, r, b, rec


def layout(seed):
    """Offsets in the buffer: every array but the first at an odd, unaligned offset."""
    a, r, b, rec = arrays(seed)
    at, out = 0, []
    for x, gap in ((a, 3), (r, 1), (b, 5), (rec, 0)):
        out.append((at, x))
        at += x.nbytes + gap
    return out, at


def write(buf, seed):
    parts, size = layout(seed)
    for at, x in parts:
        view = np.ndarray(x.shape, x.dtype, buffer=buf, offset=at)
        view[...] = x
    (a_at, a), (r_at, r), (b_at, b), (rec_at, rec) = parts
    d = rec.dtype
    print("arange", a_at, a.size)
    print("random", r_at, " ".join(float(v).hex() for v in r))
    print("int32be", b_at, b.size)
    print("record", rec_at, rec.size, d.itemsize, d.fields["id"][1], d.fields["x"][1],
          d.fields["tag"][1])
    print("recordx", " ".join(float(v).hex() for v in rec["x"]))


def check(buf, n):
    """What Java wrote: longs and floats in both byte orders, at unaligned offsets."""
    u = np.arange(n, dtype=np.uint64) * GOLDEN  # wraps, as Java's long multiplication does
    f = (np.arange(n) * 0.375 - 100.0).astype(np.float32)
    at = 0
    for dtype, want in (("<u8", u), (">u8", u), ("<f4", f), (">f4", f)):
        got = np.frombuffer(buf, dtype=dtype, count=n, offset=at)
        if not np.array_equal(got, want):
            bad = int(np.flatnonzero(got != want)[0])
            sys.exit(f"{dtype} at offset {at}: element {bad} is {got[bad]!r}, not {want[bad]!r}")
        at += got.nbytes + 1
    print("ok")


def main():
    op, kind, where = sys.argv[1:4]
    arg = int(sys.argv[4])
    if kind == "shm":
        shm = shared_memory.SharedMemory(name=where)
        # the Java side created it and unlinks it: keep Python's tracker from doing so at exit
        resource_tracker.unregister(shm._name, "shared_memory")
        try:
            if op == "write":
                write(shm.buf, arg)
            else:
                check(shm.buf, arg)
        finally:
            shm.close()
    elif op == "write":
        _, size = layout(arg)
        buf = bytearray(size)
        write(buf, arg)
        with open(where, "wb") as f:
            f.write(buf)
    else:
        with open(where, "rb") as f:
            check(f.read(), arg)


if __name__ == "__main__":
    main()
