#!/usr/bin/env bash
# Side by side: jmmap, CPython's mmap and C (glibc memmem/memchr/memcpy) over the same files,
# page cache warm, in one run. Prints each peer's median and the ratio jmmap / peer.
#   benchmarks/compare.sh [DIR]   (DIR holds the data files; default /tmp/jmmap-compare)
#   COMPARE_CLOCK=cpu benchmarks/compare.sh   times every peer by its process's CPU time instead
#                                             of the wall clock, on a machine that others share
#   COMPARE_ONLY=arrays benchmarks/compare.sh  only the rows of bulk typed access and populate
#                                             (ArraysAndPageCache), with their ratios
#   COMPARE_ONLY=streams benchmarks/compare.sh   runs only the whole-map stream rows (line streams,
#                                                count, findAll, matches; sequential and parallel at
#                                                1 and 2 threads) and their peers
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-/tmp/jmmap-compare}"
mkdir -p "$dir"
text="$dir/log-1g.txt"; bin="$dir/random-256m.bin"

if [ ! -f "$text" ] || [ ! -f "$bin" ]; then
  echo "compare: writing 1 GiB of log-like text and 256 MiB of binary data to $dir" >&2
  python3 - "$text" "$bin" <<'PY'
import random, sys
r = random.Random(1)
levels = [b"INFO", b"DEBUG", b"WARN", b"ERROR"]
lines = [b"2026-11-27T10:%02d:%02d.%03d %s worker-%d request id=%06d status=%d took=%dms\n" % (
    r.randrange(60), r.randrange(60), r.randrange(1000), r.choice(levels), r.randrange(64),
    r.randrange(10**6), r.choice([200, 200, 200, 404, 500]), r.randrange(1000)) for _ in range(20000)]
block = b"".join(lines)
size = 1 << 30
with open(sys.argv[1], "wb") as f:
    written = 0
    while written < size:
        chunk = block[: size - written]
        f.write(chunk)
        written += len(chunk)
    f.seek(1 << 20)
    f.write(b"EARLY-MARK-0042!")  # rfind's target, near the start
    f.seek(size - (1 << 20))
    f.write(b"NEEDLE-7f3a9c2e1")  # find's rare needle, near the end
with open(sys.argv[2], "wb") as f:
    g = random.Random(2)
    for _ in range(256):
        f.write(g.randbytes(1 << 20))
PY
fi
cat "$text" "$bin" > /dev/null # warm the page cache

./build install >/dev/null
mvn -B -q -ntp -Dstyle.color=never -pl benchmarks package -DskipTests >/dev/null 2>&1 || true
# this tree's jar first (the local Maven repository is shared with other checkouts), loaded as an
# application loads jmmap: from a class directory, a first map also loads what a shortage of
# descriptors would need, which it cannot load then (a jar stays open)
jar=$(ls jmmap/target/jmmap-*.jar | grep -v -e sources -e javadoc | head -1)
cp=$jar:$(cat benchmarks/target/classpath.txt):benchmarks/target/classes
gcc -O2 -o "$dir/compare_ref" benchmarks/compare_ref.c

source <(sed -n '/^find_jdk()/,/^}/p; /^java_major()/,/^}/p' build)
jdk=$(find_jdk)

# bulk get/put of 256 MiB of doubles against a raw MemorySegment.copy and a scalar loop; populate
# of a 1 GiB file of its own (which no other program maps, so that it can be dropped from the page
# cache), against cat of it from the same cold start (it needs 256 MiB of heap for its array, and
# a python3 for posix_fadvise)
arrays() {
  "$jdk/bin/java" --enable-native-access=ALL-UNNAMED -Xmx1g -cp "$cp" \
    org.jmmap.benchmarks.ArraysAndPageCache "$dir" 5 > "$dir/arrays.txt"
  python3 - "$dir/arrays.txt" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    print(line.rstrip())
    w = line.split()
    if len(w) == 3 and not line.startswith("#"):
        rows[w[0]] = float(w[1])
for op in ("get", "put"):
    bulk = rows[f"bulk_{op}_doubles_256m"]
    raw, loop = rows[f"raw_segment_copy_{op}_doubles_256m"], rows[f"scalar_loop_{op}_double_256m"]
    print(f"bulk {op} of 256 MiB of doubles: {bulk / raw:.2f}x a raw MemorySegment.copy"
          f" (goal >= 0.9), {bulk / loop:.1f}x a loop of the scalar accessor (goal >= 5)")
if "populate_1g_cold" in rows:
    print(f"populate of a cold 1 GiB file: {rows['populate_1g_cold'] / rows['cat_1g_cold']:.2f}x"
          " the speed of cat > /dev/null (goal >= 0.8)")
PY
}
if [ "${COMPARE_ONLY:-}" = arrays ]; then
  arrays
  exit 0
fi
# The whole-map streams and their peers: Files.lines sequential and parallel in the same JVM, a C
# memchr line loop and memmem count loop, grep -c -F, and CPython's find loop. The parallel rows
# run once per common-pool parallelism, 1 and 2, each in its own JVM, for both search kernels.
streams() {
  : > "$dir/streams-java.txt"; : > "$dir/streams-vector.txt"
  for threads in 1 2; do
    seq=""; [ "$threads" = 1 ] && seq=seq
    "$jdk/bin/java" --enable-native-access=ALL-UNNAMED \
      -Djava.util.concurrent.ForkJoinPool.common.parallelism=$threads \
      -cp "$cp" org.jmmap.benchmarks.Streams "$text" $seq >> "$dir/streams-java.txt"
    "$jdk/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
      -Djava.util.concurrent.ForkJoinPool.common.parallelism=$threads \
      -cp "$cp" org.jmmap.benchmarks.Streams "$text" $seq >> "$dir/streams-vector.txt" \
      2> >(grep -v 'incubator modules' >&2)
  done
  "$dir/compare_ref" "$text" "$bin" 0 streams > "$dir/streams-c.txt"
  "${PYTHON:-python3}" benchmarks/compare_ref.py "$text" streams > "$dir/streams-python.txt" \
    || echo "compare: CPython failed (status $?); its column stays empty" >&2
  python3 - "$dir" "$text" <<'PY'
import os, statistics, subprocess, sys, time
d, text = sys.argv[1], sys.argv[2]
cpu = os.environ.get("COMPARE_CLOCK") == "cpu"
size = os.path.getsize(text)
rates = []
for _ in range(5):  # grep -c -F counts the lines that hold INFO; its time is the peer's
    # (its output goes to a pipe: GNU grep stops at the first match when it writes to /dev/null)
    t0, c0 = time.perf_counter(), os.times()
    subprocess.run(["grep", "-c", "-F", "INFO", text], check=True, capture_output=True)
    c1 = os.times()
    took = (c1.children_user + c1.children_system - c0.children_user - c0.children_system
            if cpu else time.perf_counter() - t0)
    rates.append(size / took / 1e9)
def load(name):
    out = {}
    for line in open(f"{d}/{name}.txt"):
        if line.startswith("#"):
            print(f"{name}: {line.strip()}")
        elif len(line.split()) == 3:
            k, v, unit = line.split()
            out[k] = float(v)
    return out
j, v, c, p = (load(n) for n in ("streams-java", "streams-vector", "streams-c", "streams-python"))
grep = statistics.median(rates)
print(f"grep -c -F INFO: {grep:.3f} GB/s ({subprocess.run(['grep', '-V'], capture_output=True, text=True).stdout.splitlines()[0]})")
print(f"{'workload':<28}{'jmmap':>9}{'jmmap+vec':>10}  GB/s")
for k in list(j) + [k for k in v if k not in j]:
    f = lambda x: f"{x:9.3f}" if x is not None else f"{'-':>9}"
    print(f"{k:<28}{f(j.get(k))}{f(v.get(k)):>10}")
print()
def ratio(label, a, b):
    for name, t in (("no flags", j), ("vector", v)):
        x = t.get(a) if a in t else None
        y = b(t) if callable(b) else None
        if x is not None and y:
            print(f"{label} ({name}): {x / y:.2f}x")
ratio("line_segments_seq / C memchr line loop", "line_segments_seq", lambda t: c.get("line_segments_seq"))
ratio("lines_iso_seq / Files.lines sequential", "lines_iso_seq", lambda t: t.get("files_lines_seq"))
ratio("lines_iso_seq / CPython readline loop", "lines_iso_seq", lambda t: p.get("lines_iso_seq"))
for a in ("line_segments", "lines_iso", "findall", "matches", "files_lines"):
    ratio(f"{a} parallel 2 threads / sequential", f"{a}_par_p2",
          lambda t, a=a: t.get(f"{a}_seq") if a != "findall" else t.get("findall_seq"))
    ratio(f"{a} parallel 1 thread / sequential", f"{a}_par_p1", lambda t, a=a: t.get(f"{a}_seq"))
ratio("lines_iso parallel 2 / Files.lines parallel 2", "lines_iso_par_p2", lambda t: t.get("files_lines_par_p2"))
ratio("line_segments parallel 2 / Files.lines parallel 2", "line_segments_par_p2", lambda t: t.get("files_lines_par_p2"))
ratio("findall parallel 2 / count_seq", "findall_par_p2", lambda t: t.get("count_seq"))
ratio("findall parallel 2 / C memmem count loop", "findall_par_p2", lambda t: c.get("count_seq"))
ratio("findall parallel 2 / grep -c -F", "findall_par_p2", lambda t: grep)
ratio("count_seq / C memmem count loop", "count_seq", lambda t: c.get("count_seq"))
ratio("count_seq / CPython find loop", "count_seq", lambda t: p.get("count_seq"))
ratio("matches_seq / Matcher over asCharSequence()", "matches_seq", lambda t: t.get("matcher_charsequence"))
PY
}
if [ "${COMPARE_ONLY:-}" = streams ]; then
  streams
  exit 0
fi
# jmmap runs twice: with no JVM flag but native access, which gets the portable search kernel,
# and with the Vector API module, which gets the vector kernel (-Xmx64m there shows that no
# workload needs heap in proportion to the 1 GiB file)
"$jdk/bin/java" --enable-native-access=ALL-UNNAMED \
  -cp "$cp" org.jmmap.benchmarks.Compare \
  "$text" "$bin" 10000000 > "$dir/java.txt"
"$jdk/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xmx64m \
  -cp "$cp" org.jmmap.benchmarks.Compare \
  "$text" "$bin" 10000000 > "$dir/java-vector.txt" 2> >(grep -v 'incubator modules' >&2)
# a short-lived program: the first map + readLine in fresh JVMs, with native access (the Linux
# layer) and without (the portable backing), against a first FileChannel.map + get with the same
# flags (medians of 11 JVMs each); and map + read + close of a 4 KiB file, confined and shared, against
# RandomAccessFile open + read + close, in both modes (the portable rows end in _portable)
"$jdk/bin/java" -cp "$cp" org.jmmap.benchmarks.ColdStart - 11 >> "$dir/java.txt"
"$jdk/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.jmmap.benchmarks.MapClose 7 \
  >> "$dir/java.txt"
"$jdk/bin/java" -cp "$cp" org.jmmap.benchmarks.MapClose 7 >> "$dir/java.txt"
"$dir/compare_ref" "$text" "$bin" 10000000 > "$dir/c.txt"
arrays

# CPython before 3.11.7 can read past the end of a mapping in mmap.find and die of SIGSEGV in the
# find loop (Debian 12's 3.11.2 does); use a newer python3 where there is one ($PYTHON first)
python=""
for p in ${PYTHON:-} python3 python3.13 python3.12 "$HOME/.pyenv/shims/python3"; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(sys.version_info < (3, 11, 7))' 2>/dev/null; then
    python="$p"; break
  fi
done
if [ -z "$python" ]; then
  python=python3
  echo "compare: no python3 >= 3.11.7 found; $(python3 --version) may crash in mmap.find" >&2
fi
echo "# CPython: $("$python" --version 2>&1)" > "$dir/python.txt"
"$python" benchmarks/compare_ref.py "$text" "$bin" 1000000 >> "$dir/python.txt" \
  || echo "compare: CPython failed (status $?); its column stays empty" >&2

python3 - "$dir" <<'PY'
import sys
d = sys.argv[1]
def load(name):
    out = {}
    for line in open(f"{d}/{name}.txt"):
        if line.startswith("#"):
            print(line.strip())
            continue
        if len(line.split()) != 3:
            continue
        k, v, unit = line.split()
        out[k] = (float(v), unit)
    return out
def load_java(name, label):
    out = {}
    for line in open(f"{d}/{name}.txt"):
        if line.startswith("#"):
            print(f"# jmmap {label}:{line[1:].rstrip()}")
            continue
        if len(line.split()) == 3:
            k, v, unit = line.split()
            out[k] = (float(v), unit)
    return out
j = load_java("java", "(no JVM flags)")
v = load_java("java-vector", "(--add-modules jdk.incubator.vector)")
c, p = load("c"), load("python")
print("jmmap: no JVM flags but --enable-native-access; jmmap+vec: with jdk.incubator.vector")
print(f"{'workload':<36}{'jmmap':>9}{'jmmap+vec':>10}{'C':>9}{'CPython':>9}"
      f"{'jmmap/C':>9}{'jmmap/Py':>9}{'+vec/C':>9}{'+vec/Py':>9}  unit")
f = lambda x: f"{x:9.3f}" if x is not None else f"{'-':>9}"
r = lambda a, b: f"{a / b:9.2f}" if a is not None and b else f"{'-':>9}"
for k in list(j) + [k for k in v if k not in j]:
    jv, vv = j.get(k, (None,))[0], v.get(k, (None,))[0]
    unit = (j.get(k) or v.get(k))[1]
    cv, pv = c.get(k, (None,))[0], p.get(k, (None,))[0]
    print(f"{k:<36}{f(jv)}{f(vv):>10}{f(cv)}{f(pv)}{r(jv, cv)}{r(jv, pv)}{r(vv, cv)}{r(vv, pv)}  {unit}")
print()
print("readline_segment's C column is a memchr loop; readline's is memchr + memcpy of each line;")
print("read_64k and read_into_64k's C column is a memcpy loop into one 64 KiB buffer.")
for label, t in (("no flags", j), ("vector", v)):
    if "readline" in t and "bufferedreader_readline" in t:
        print(f"readLine vs BufferedReader.readLine ({label}): "
              f"{t['readline'][0] / t['bufferedreader_readline'][0]:.2f}x")
for s in ("_noflush", ""):
    if "random_rw" + s in j:
        print(f"random getLong/putLong{' (with flush)' if not s else ' (access only)'}: "
              f"{j['random_rw' + s][0] / j['random_rw_raw_segment' + s][0]:.2f}x a raw segment, "
              f"{j['random_rw' + s][0] / j['random_rw_mappedbytebuffer' + s][0]:.2f}x a MappedByteBuffer")
for suffix, mode in (("", "Linux layer"), ("_portable", "portable backing")):
    raf = "raf_open_read_close_4k_same_run" + suffix
    for row, what in (("map_read_close_confined_4k", "confined"), ("map_read_close_shared_4k", "shared")):
        if row + suffix in j and raf in j:
            print(f"map+read+close ({what}, {mode}) vs RandomAccessFile open+read+close: "
                  f"{j[raf][0] / j[row + suffix][0]:.1f}x the time")
for row, channel, mode in (("cold_map_readline_native", "cold_filechannel_map_get", "Linux layer"),
                           ("cold_map_readline_portable", "cold_filechannel_map_get_no_flags",
                            "portable backing")):
    if row in j and channel in j:
        print(f"cold start, first map + readLine ({mode}) vs first FileChannel.map + get (same"
              f" JVM flags): {j[row][0] / j[channel][0]:.2f}x the time")
PY
streams
