#!/usr/bin/env bash
# End-to-end benchmark of `opsbook lint` on a generated knowledge base.
#
#   benches/lint_e2e.sh [N] [SEED]        (defaults: 10000 documents, seed 1)
#
# Builds the release binary and the corpus generator, generates N documents once per
# (N, seed, generator version) into a cache folder, then runs
# `hyperfine --warmup 2 --runs 10 'opsbook lint --today 2026-11-25'` in it and prints the
# median wall time and the peak resident memory (GNU time, median of 3 runs).
#
# Needs: cargo, hyperfine, GNU time (/usr/bin/time), python3.
#   apt-get install -y hyperfine time python3
# Environment: RUNS (10), WARMUP (2), OPSBOOK_BENCH_DIR (cache, default $TMPDIR/opsbook-bench),
# CARGO_TARGET_DIR (honoured).
set -euo pipefail

N=${1:-10000}
SEED=${2:-1}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
TODAY=2026-11-25

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=${OPSBOOK_BENCH_DIR:-${TMPDIR:-/tmp}/opsbook-bench}

for tool in hyperfine python3; do
    command -v "$tool" >/dev/null || { echo "lint_e2e: $tool is missing (apt-get install -y hyperfine time python3)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "lint_e2e: GNU time is missing (apt-get install -y time)" >&2; exit 2; }

cd "$root"
cargo build --release --quiet --bin opsbook --example gen_corpus
mkdir -p "$work"
# Private copies: a target folder shared with other checkouts may be rebuilt meanwhile.
cp "$target/release/opsbook" "$work/opsbook"
cp "$target/release/examples/gen_corpus" "$work/gen_corpus"

. benches/support/corpus.sh
corpus=$(bench_corpus "$work/gen_corpus" "$work" "$N" "$SEED")
cd "$corpus"

lint=("$work/opsbook" lint --today "$TODAY")
if ! "${lint[@]}" --format json >"$work/lint.json" 2>/dev/null; then
    echo "lint_e2e: the generated corpus has lint errors:" >&2
    "${lint[@]}" | tail -20 >&2
    exit 1
fi
summary=$(python3 -c 'import json,sys; print("%(documents)d documents, %(errors)d errors, %(warnings)d warnings" % json.load(open(sys.argv[1]))["summary"])' "$work/lint.json")

hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$work/hyperfine.json" \
    "'$work/opsbook' lint --today $TODAY"

rss=()
for _ in 1 2 3; do
    /usr/bin/time -v "${lint[@]}" >/dev/null 2>"$work/time.txt" || true
    rss+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")")
done

python3 - "$work/hyperfine.json" "$corpus/content" "$summary" "${rss[@]}" <<'PY'
import json, os, statistics, sys
result = json.load(open(sys.argv[1]))["results"][0]
content, summary, rss = sys.argv[2], sys.argv[3], sorted(int(r) for r in sys.argv[4:])
size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(content) for f in fs)
cpu = open("/proc/cpuinfo").read().split("model name")[1].split(":", 1)[1].split("\n")[0].strip()
print()
print(f"corpus:       {summary}, {size / 1e6:.1f} MB of Markdown")
print(f"machine:      {os.cpu_count()} CPUs ({cpu}), load average {os.getloadavg()[0]:.2f} now")
print(f"lint wall:    median {result['median']:.3f} s "
      f"(mean {result['mean']:.3f} s, min {result['min']:.3f} s, max {result['max']:.3f} s, "
      f"{len(result['times'])} runs)")
print(f"lint CPU:     user {result['user']:.3f} s, system {result['system']:.3f} s (mean)")
print(f"peak RSS:     {statistics.median(rss) / 1024:.0f} MiB (median of {len(rss)} runs)")
PY
