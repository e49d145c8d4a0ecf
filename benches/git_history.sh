#!/usr/bin/env bash
# Benchmark of the git history walk (last change, contributors and commit count of every
# document) on a generated repository.
#
#   benches/git_history.sh [FILES] [COMMITS]      (defaults: 10000 documents, 20000 commits)
#
# Builds the release binaries, generates a corpus of FILES documents (examples/gen_corpus,
# shared with benches/lint_e2e.sh), writes a history of COMMITS commits in which they are
# created and edited (benches/support/history_repo.py, through `git fast-import`), packs it as
# a server would (`git repack -adf`) and clones it with `git clone --no-local`, so the
# repository is one pack as in a CI checkout. The repository is cached, keyed by the
# parameters and a hash of the generators and of this script (generating 20,000 commits takes
# a few minutes). Then it times `examples/git_history` (the history stage alone, cold: one
# process per run) with hyperfine, measures its peak resident memory with GNU time (median of
# 3 runs), and times `git log --name-only -- content` once for comparison.
#
# Needs: cargo, git, hyperfine, GNU time (/usr/bin/time), python3, bc.
#   apt-get install -y git hyperfine time python3 bc
# Environment: SEED (1), RUNS (5), WARMUP (1), OPSBOOK_BENCH_DIR (cache, default
# $TMPDIR/opsbook-bench), CARGO_TARGET_DIR (honoured), GIT_LOG=0 to skip the git log timing.
set -euo pipefail

FILES=${1:-10000}
COMMITS=${2:-20000}
SEED=${SEED:-1}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=${OPSBOOK_BENCH_DIR:-${TMPDIR:-/tmp}/opsbook-bench}

for tool in git hyperfine python3 bc; do
    command -v "$tool" >/dev/null || { echo "git_history: $tool is missing (apt-get install -y git hyperfine time python3 bc)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "git_history: GNU time is missing (apt-get install -y time)" >&2; exit 2; }

cd "$root"
cargo build --release --quiet --example gen_corpus --example git_history
mkdir -p "$work"
# Private copies: a target folder shared with other checkouts may be rebuilt meanwhile.
cp "$target/release/examples/gen_corpus" "$work/gen_corpus"
cp "$target/release/examples/git_history" "$work/git_history"

. benches/support/corpus.sh
corpus=$(bench_corpus "$work/gen_corpus" "$work" "$FILES" "$SEED")

key=$(cat benches/support/corpus.rs benches/support/history_repo.py benches/git_history.sh | sha256sum | cut -c1-12)
repo="$work/history-f$FILES-c$COMMITS-seed$SEED-$key"
if [ ! -f "$repo.complete" ]; then
    rm -rf "$repo" "$repo.server"
    echo "git_history: generating $COMMITS commits over $FILES documents in $repo (a few minutes)" >&2
    git init --quiet --bare "$repo.server"
    python3 benches/support/history_repo.py "$corpus" "$COMMITS" --seed "$SEED" |
        git -C "$repo.server" fast-import --quiet
    git -C "$repo.server" update-ref -d refs/heads/pr
    git -C "$repo.server" symbolic-ref HEAD refs/heads/main
    # Packed as a server packs (gc), then fetched through the pack protocol as a CI clone is.
    git -C "$repo.server" repack -adf --quiet
    git clone --quiet --no-local "$repo.server" "$repo"
    rm -rf "$repo.server"
    touch "$repo.complete"
fi
cd "$repo"
commits=$(git rev-list --count HEAD)
merges=$(git rev-list --count --merges HEAD)
files=$(git ls-files content | wc -l)
pack=$(du -sm .git/objects/pack | cut -f1)

walk=("$work/git_history" "$repo/content")
"${walk[@]}"
hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$work/hyperfine-git.json" \
    "'$work/git_history' '$repo/content'"

rss=()
for _ in 1 2 3; do
    /usr/bin/time -v "${walk[@]}" >/dev/null 2>"$work/time.txt"
    rss+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")")
done

git_log=""
if [ "${GIT_LOG:-1}" != 0 ]; then
    start=$(date +%s.%N)
    git log --name-only --format=%H -- content >/dev/null
    git_log=$(echo "$(date +%s.%N) - $start" | bc)
fi

python3 - "$work/hyperfine-git.json" "$commits" "$merges" "$files" "$pack" "$git_log" "${rss[@]}" <<'PY'
import json, os, statistics, sys
result = json.load(open(sys.argv[1]))["results"][0]
commits, merges, files, pack, git_log = sys.argv[2:7]
rss = sorted(int(r) for r in sys.argv[7:])
cpu = open("/proc/cpuinfo").read().split("model name")[1].split(":", 1)[1].split("\n")[0].strip()
print()
print(f"repository:   {commits} commits ({merges} merges), {files} files under content/, {pack} MiB of pack")
print(f"machine:      {os.cpu_count()} CPUs ({cpu}), load average {os.getloadavg()[0]:.2f} now")
print(f"walk wall:    median {result['median']:.3f} s "
      f"(mean {result['mean']:.3f} s, min {result['min']:.3f} s, max {result['max']:.3f} s, "
      f"{len(result['times'])} runs)")
print(f"walk CPU:     user {result['user']:.3f} s, system {result['system']:.3f} s (mean)")
print(f"peak RSS:     {statistics.median(rss) / 1024:.0f} MiB (median of {len(rss)} runs)")
if git_log:
    print(f"git log:      {float(git_log):.2f} s for `git log --name-only -- content` (one run)")
PY
