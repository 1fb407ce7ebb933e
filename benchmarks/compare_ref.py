"""CPython's side of compare.sh: the same workloads through mmap, median of several runs."""
import mmap
import os
import random
import re
import statistics
import struct
import sys
import time

RARE, COMMON, EARLY = b"NEEDLE-7f3a9c2e1", b"INFO", b"EARLY-MARK-0042!"


# COMPARE_CLOCK=cpu: the process's CPU time, for a machine that other work shares
clock = time.process_time if os.environ.get("COMPARE_CLOCK") == "cpu" else time.perf_counter


def report(name, unit, runs, work):
    rates = []
    for _ in range(runs):
        t0 = clock()
        amount = work()
        rates.append(amount / (clock() - t0))
    scale = 1e6 if unit == "Mops/s" else 1e9
    print(f"{name} {statistics.median(rates) / scale:.3f} {unit}", flush=True)


def streams(text):
    """The peers of the whole-map streams: a non-overlapping find loop, as bytes.count counts."""
    with open(text, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        n = len(m)

        def count():
            c, p = 0, m.find(COMMON, 0)
            while p >= 0:
                c, p = c + 1, m.find(COMMON, p + len(COMMON))
            return n
        report("count_seq", "GB/s", 3, count)

        def lines():
            m.seek(0)
            while m.readline():
                pass
            return n
        report("lines_iso_seq", "GB/s", 3, lines)


def main():
    if sys.argv[2] == "streams":
        streams(sys.argv[1])
        return
    text, binary, ops = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(text, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        n = len(m)
        report("find_rare", "GB/s", 5, lambda: m.find(RARE, 0) + len(RARE))

        def count():
            c, p = 0, m.find(COMMON, 0)
            while p >= 0:
                c, p = c + 1, m.find(COMMON, p + 1)
            return n
        report("find_common_count", "GB/s", 3, count)
        report("rfind_early", "GB/s", 5, lambda: n - m.rfind(EARLY, 0))

        def lines():
            m.seek(0)
            while m.readline():
                pass
            return n
        report("readline", "GB/s", 3, lines)

        def blocks():
            m.seek(0)
            while m.read(65536):
                pass
            return n
        report("read_64k", "GB/s", 5, blocks)
        errors = re.compile(rb"ERROR +worker-(\d+) request id=(\d{6}) status=500")
        found = []
        report("regex_matches_all", "GB/s", 3,
               lambda: found.append(sum(1 for _ in errors.finditer(m))) or n)
        print(f"# regex_matches_all: {found[-1]} matches")
        report("regex", "GB/s", 3, lambda: sum(1 for _ in re.finditer(rb"NEEDLE-[0-9a-f]+", m)) and n)
    with open(binary, "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
        words = len(m) // 8

        def rw():
            r = random.Random(7)
            total = 0
            for _ in range(ops):
                o = r.randrange(words) * 8
                total = (total + struct.unpack_from("<Q", m, o)[0]) & 0xFFFFFFFFFFFFFFFF
                struct.pack_into("<Q", m, o, total)
            m.flush()
            return 2 * ops
        report("random_rw", "Mops/s", 3, rw)


main()
