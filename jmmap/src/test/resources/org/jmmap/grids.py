"""Prints CPython's mmap results over grids of arguments, one line per call.

Usage: python3 grids.py slices|setslices|find|move
A result is hex bytes, an int, or the exception's class name.
"""
import mmap
import sys

MAX = sys.maxsize
MIN = -sys.maxsize - 1


def anon(data):
    m = mmap.mmap(-1, len(data))
    m.write(data)
    m.seek(0)
    return m


def show(f):
    try:
        r = f()
    except Exception as e:  # the class is the result
        return type(e).__name__
    if isinstance(r, bytes):
        return r.hex() or "-"
    return str(r)


BOUNDS = [None, 0, 1, 2, 5, 9, 10, 11, 300, -1, -2, -9, -10, -11, -300, MAX, MIN]
STEPS = [None, 1, 2, 3, -1, -2, -3, 300, -300, MAX, MIN, 0]


def slices():
    m = anon(b"0123456789")
    for a in BOUNDS:
        for b in BOUNDS:
            for c in STEPS:
                print(a, b, c, show(lambda: m[a:b:c]))


def setslices():
    for a in BOUNDS:
        for b in BOUNDS:
            for c in STEPS:
                m = anon(b"0123456789")
                def assign():
                    n = len(range(10)[a:b:c])
                    m[a:b:c] = bytes(range(65, 65 + n))[::-1]
                    return m[:]
                print(a, b, c, show(assign))


def clamp(v, n):
    return max(0, v + n) if v < 0 else min(v, n)


# CPython before 3.11.7 (Debian 12's 3.11.2) can read past the end of a mapping in mmap.find and
# mmap.rfind and die of SIGSEGV; on those, searches run on a copy of the bytes, clamped as mmap
# clamps (which also gives the -1 that 3.11.7 and later answer for an empty needle whose clamped
# end is before its clamped start, where 3.11.2's mmap answers the start)
FIND_READS_PAST_THE_MAP = sys.version_info < (3, 11, 7)


def search(m, op, sub, i, j):
    if not FIND_READS_PAST_THE_MAP:
        return getattr(m, op)(sub, i, j)
    data = m[:]
    n = len(data)
    return getattr(data, op)(sub, clamp(i, n), clamp(j, n))


def find():
    data = b"one two ones\x00one"
    m = anon(data)
    n = len(data)
    for sub in [b"", b"o", b"one", b"ones", b"e", b"\x00o", b"xyz", data, data + b"!"]:
        for i in range(-n - 2, n + 3):
            for j in range(-n - 2, n + 3):
                f = show(lambda: search(m, "find", sub, i, j))
                r = show(lambda: search(m, "rfind", sub, i, j))
                print(sub.hex() or "-", i, j, f, r)


def move():
    for d in range(-1, 8):
        for s in range(-1, 8):
            for c in range(-1, 8):
                m = anon(b"abcdef")
                def mv():
                    m.move(d, s, c)
                    return m[:]
                print(d, s, c, show(mv))


globals()[sys.argv[1]]()
