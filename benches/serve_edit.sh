#!/usr/bin/env bash
# Edit-to-reload benchmark of `opsbook serve` on a generated knowledge base.
#
#   benches/serve_edit.sh [N] [EDITS]        (defaults: 10000 documents, 10 edits)
#
# Builds the release binary and the corpus generator, generates N documents once per
# (N, seed 1, generator version) into a cache folder (the same one benches/lint_e2e.sh uses),
# copies it to a scratch folder, starts `opsbook serve --port 0 --verbose` there and waits for
# the first build. Then it edits one document EDITS times, alternating "append a line" and
# "change the title", and for each edit measures the time from the write to the reload
# event the browser gets (it listens to the event stream the pages use, /__opsbook/events,
# and timestamps the `version` message). A title change is rebuilt in two phases, each ending
# with a reload event: its own page first, then the pages that list it; the script waits for
# both (the version then is two past the one before the edit) and times both. It prints the
# medians and ranges, and the rebuild times serve itself reports ("rebuilt (...) in N ms").
#
# It also reads serve's CPU time (user + system, all threads, from /proc) before each write
# and at each reload event: unlike wall time it hardly moves with the machine's load, so it
# compares two builds on a shared machine. With SEARCH=off the search index is turned off in
# the scratch copy, so the background indexer's CPU time is not counted in it.
#
# Needs: cargo, python3, Linux (/proc).
# Environment: SEARCH (off: no search index), DOC (the document to edit, content-relative;
# default: the first postmortem),
# PAUSE (seconds between edits, default 2), OPSBOOK (a serve binary to measure instead of the
# one built here, e.g. an older build), OPSBOOK_BENCH_DIR (cache, default
# $TMPDIR/opsbook-bench), CARGO_TARGET_DIR (honoured).
set -euo pipefail

N=${1:-10000}
EDITS=${2:-10}
SEED=1
PAUSE=${PAUSE:-2}

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=${OPSBOOK_BENCH_DIR:-${TMPDIR:-/tmp}/opsbook-bench}
mine="$work/serve-edit"

command -v python3 >/dev/null || { echo "serve_edit: python3 is missing (apt-get install -y python3)" >&2; exit 2; }

cd "$root"
cargo build --release --quiet --bin opsbook --example gen_corpus
mkdir -p "$mine"
# Private copies: a target folder shared with other checkouts may be rebuilt meanwhile.
cp "$target/release/opsbook" "$mine/opsbook"
cp "$target/release/examples/gen_corpus" "$mine/gen_corpus"
binary=${OPSBOOK:-$mine/opsbook}

. benches/support/corpus.sh
corpus=$(bench_corpus "$mine/gen_corpus" "$work" "$N" "$SEED")
# Serve edits its documents: a scratch copy, so the cached corpus stays as generated.
scratch="$mine/kb-n$N"
rm -rf "$scratch"
cp -r "$corpus" "$scratch"
doc=${DOC:-postmortems/$(ls "$scratch/content/postmortems" | sed -n 1p)}
if [ "${SEARCH:-on}" = off ]; then
    printf '\n[search]\nenabled = false\n' >>"$scratch/opsbook.toml"
fi

log="$mine/serve-n$N.log"
(cd "$scratch" && exec "$binary" serve --port 0 --verbose >"$log" 2>&1) &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT

python3 - "$log" "$scratch/content/$doc" "$EDITS" "$PAUSE" "$N" "$pid" <<'PY'
import http.client, os, re, statistics, sys, threading, time

log, path, edits, pause, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
pid = sys.argv[6]
tick = os.sysconf("SC_CLK_TCK")

def cpu_ms():
    """serve's CPU time so far, user + system, all threads (ms)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / tick

def read_log():
    with open(log, errors="replace") as f:
        return f.read()

# The address, then the first build (which includes the search index).
started = time.monotonic()
port = None
while time.monotonic() - started < 1800:
    text = read_log()
    m = re.search(r"opsbook serve: http://127\.0\.0\.1:(\d+)/", text)
    if m and re.search(r"^built \d+ pages in", text, re.M):
        port = int(m.group(1))
        break
    time.sleep(0.2)
if port is None:
    sys.exit("serve_edit: the first build did not finish:\n" + read_log()[-3000:])
first = re.search(r"^built (\d+) pages in ([\d.]+ m?s)", read_log(), re.M)
print(f"first build: {first.group(1)} pages in {first.group(2)} "
      f"(waited {time.monotonic() - started:.1f} s)")

events = []  # (monotonic time, version, serve's CPU ms)
cond = threading.Condition()

def listen():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    conn.request("GET", "/__opsbook/events", headers={"Accept": "text/event-stream"})
    resp = conn.getresponse()
    name = None
    while True:
        line = resp.fp.readline()
        if not line:
            return
        line = line.decode().rstrip("\r\n")
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:") and name == "version":
            with cond:
                events.append((time.monotonic(), line[5:].strip(), cpu_ms()))
                cond.notify_all()

threading.Thread(target=listen, daemon=True).start()
with cond:
    cond.wait_for(lambda: events, timeout=30)
if not events:
    sys.exit("serve_edit: no event from /__opsbook/events")

original = open(path, encoding="utf-8").read()
latencies = []
seconds = []  # title changes: write to the second reload (the lists)
cpus = []  # serve's CPU ms from the write to the first reload
cpus_second = []  # title changes: to the second reload
for i in range(edits):
    time.sleep(pause)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if i % 2 == 0:
        what = "append a line"
        text += f"\nAn extra line, edit {i}.\n"
    else:
        what = "change the title"
        text = re.sub(r"^title: .*$", f'title: "Edited title {i}"', text, count=1, flags=re.M)
    with cond:
        seen = len(events)
        before = int(events[-1][1])
    c0 = cpu_ms()
    t0 = time.monotonic()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    with cond:
        got = cond.wait_for(lambda: len(events) > seen, timeout=600)
    if not got:
        sys.exit(f"serve_edit: no reload after edit {i} ({what})")
    latency = (events[seen][0] - t0) * 1000
    latencies.append(latency)
    cpus.append(events[seen][2] - c0)
    then = ""
    if i % 2 == 1:
        with cond:
            got = cond.wait_for(lambda: int(events[-1][1]) >= before + 2, timeout=600)
        if not got:
            sys.exit(f"serve_edit: no second reload after edit {i} ({what})")
        second, cpu2 = next((t, c) for t, v, c in events[seen:] if int(v) >= before + 2)
        seconds.append((second - t0) * 1000)
        cpus_second.append(cpu2 - c0)
        then = f", lists after {seconds[-1]:8.1f} ms (CPU {cpus_second[-1]:6.0f} ms)"
    print(f"edit {i + 1:2}: {what:16} reload after {latency:8.1f} ms (CPU {cpus[-1]:5.0f} ms){then}")
with open(path, "w", encoding="utf-8") as f:
    f.write(original)
time.sleep(pause)

reported = [float(v) * (1000 if unit == "s" else 1)
            for v, unit in re.findall(r"^rebuilt \(.*?\) in ([\d.]+) (m?s)", read_log(), re.M)]
reported = reported[:edits]
cpu = open("/proc/cpuinfo").read().split("model name")[1].split(":", 1)[1].split("\n")[0].strip()
print()
print(f"corpus:        {n} documents; edited {os.path.relpath(path)}")
print(f"machine:       {os.cpu_count()} CPUs ({cpu}), load average {os.getloadavg()[0]:.2f} now")
print(f"edit->reload:  median {statistics.median(latencies):.0f} ms "
      f"(min {min(latencies):.0f}, max {max(latencies):.0f}, {len(latencies)} edits)")
for name, part in (("  append", latencies[0::2]), ("  title", latencies[1::2])):
    if part:
        print(f"{name}:       median {statistics.median(part):.0f} ms "
              f"(min {min(part):.0f}, max {max(part):.0f}, {len(part)} edits)")
if seconds:
    print(f"  title, lists: median {statistics.median(seconds):.0f} ms "
          f"(min {min(seconds):.0f}, max {max(seconds):.0f}; the second reload)")
for name, part in (("  append", cpus[0::2]), ("  title", cpus[1::2]), ("  title, lists", cpus_second)):
    if part:
        print(f"CPU {name}: median {statistics.median(part):.0f} ms "
              f"(min {min(part):.0f}, max {max(part):.0f}; serve's user + system time)")
if reported:
    print(f"serve reports: rebuild median {statistics.median(reported):.0f} ms "
          f"(min {min(reported):.0f}, max {max(reported):.0f})")
PY
echo
echo "serve's log: $log"
