#!/usr/bin/env bash
# Runs opsbook's fuzz targets with AFL++ through cargo-afl (stable Rust).
#
#   fuzz/run.sh TARGET SECONDS    fuzz one target (document, yaml, lint, ...) for SECONDS
#   fuzz/run.sh all SECONDS       every target in turn, SECONDS each
#   fuzz/run.sh ci [SECONDS]      every target briefly (default 10 s each), from fresh seeds;
#                                 exit 1 when any crash or hang is found (used by .ci/run)
#
# Seeds come from content/ and tests/fixtures/ (the documents, and their front matter for the
# yaml target). Findings land in fuzz/target/afl/TARGET/default/{crashes,hangs}; the summary
# line gives executions, paths, crashes and hangs. Installs cargo-afl and builds AFL++ on first
# use. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")"
repo="$(cd .. && pwd)"

usage() { echo "usage: fuzz/run.sh TARGET|all|ci SECONDS" >&2; exit 2; }
[ $# -ge 1 ] || usage
mode="$1"
seconds="${2:-}"
if [ "$mode" = ci ]; then seconds="${seconds:-10}"; fi
[[ "$seconds" =~ ^[0-9]+$ ]] || usage

targets() { sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^opsbook-fuzz$'; }

ensure_afl() {
  if ! cargo afl --version >/dev/null 2>&1; then
    cargo install cargo-afl --locked --version 0.18.2
  fi
  # Builds AFL++ (afl-fuzz and its runtime) once per toolchain; says "already built" after.
  local out
  if ! out="$(cargo afl config --build 2>&1)"; then
    grep -q "already built" <<<"$out" || { echo "$out" >&2; exit 1; }
  fi
}

# Seeds for TARGET in target/seeds/TARGET: every *.md of the example knowledge base and the
# test fixtures; for yaml, their front matter blocks (the lines between the first two ---);
# for rule_file, their alert rule files (*.yaml).
make_seeds() {
  local target="$1" dir="target/seeds/$1" n=0
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$target" = rule_file ]; then
    while IFS= read -r -d '' file; do
      n=$((n + 1))
      head -c 1000000 "$file" >"$dir/$n.yaml"
    done < <(find "$repo/content" "$repo/tests/fixtures" -name '*.yaml' -type f -print0 | sort -z)
    return
  fi
  while IFS= read -r -d '' file; do
    n=$((n + 1))
    if [ "$target" = yaml ]; then
      awk 'NR == 1 && /^---/ { inside = 1; next } inside && /^---/ { exit } inside' \
        "$file" >"$dir/$n.yaml"
      [ -s "$dir/$n.yaml" ] || rm -f "$dir/$n.yaml"
    else
      # AFL++ refuses seeds over 1 MB; documents are far smaller.
      head -c 1000000 "$file" >"$dir/$n.md"
    fi
  done < <(find "$repo/content" "$repo/tests/fixtures" -name '*.md' -type f -print0 | sort -z)
}

fuzz_one() {
  local target="$1" seconds="$2" out="target/afl/$1"
  make_seeds "$target"
  rm -rf "$out"
  mkdir -p "$out"
  echo "==> fuzzing $target for ${seconds}s ($(ls "target/seeds/$target" | wc -l) seeds)"
  # -V: stop after SECONDS; -t: 20 s per input (an input slower than that is a hang: a finding;
  # generous because the machines that run this are often loaded; `+` skips seeds that time
  # out instead of giving up). The coverage map is sized from what the target reports.
  # (Never set AFL_SKIP_BIN_CHECK: it also turns off the detection of persistent mode, and the
  # target then waits for ever for AFL++.)
  AFL_MAP_SIZE="$(AFL_DUMP_MAP_SIZE=1 "target/$profile/$target" </dev/null)" \
    AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    cargo afl fuzz -V "$seconds" -t 20000+ -i "target/seeds/$target" -o "$out" \
    "target/$profile/$target" >"$out/log" 2>&1 || {
      tail -30 "$out/log" >&2
      echo "afl-fuzz failed for $target (log: fuzz/$out/log)" >&2
      return 1
    }
  summarize "$target"
}

# One line per target from AFL++'s fuzzer_stats; non-zero when it found a crash or a hang.
summarize() {
  local stats="target/afl/$1/default/fuzzer_stats"
  local get
  get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  local crashes hangs
  crashes="$(get saved_crashes)"
  hangs="$(get saved_hangs)"
  echo "$1: $(get run_time) s, $(get execs_done) executions ($(get execs_per_sec)/s)," \
    "$(get corpus_count) corpus entries, $crashes crashes, $hangs hangs"
  if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
    echo "findings: fuzz/target/afl/$1/default/crashes and .../hangs" >&2
    return 1
  fi
}

main() {
  ensure_afl
  # Long runs fuzz optimised code; the CI smoke run builds unoptimised, which compiles in a
  # fraction of the time (it only has to prove that every target builds and runs).
  if [ "$mode" = ci ]; then
    profile=debug
    cargo afl build --locked
  else
    profile=release
    cargo afl build --release --locked
  fi
  status=0
  case "$mode" in
    all | ci)
      for target in $(targets); do fuzz_one "$target" "$seconds" || status=1; done
      ;;
    *)
      targets | grep -qx "$mode" || { echo "no fuzz target $mode (have: $(targets | tr '\n' ' '))" >&2; exit 2; }
      fuzz_one "$mode" "$seconds" || status=1
      ;;
  esac
  return "$status"
}

# All of the script is read before any of it runs (bash reads a script as it goes, so
# editing it during a long run would otherwise change the run).
main; exit $?
