#!/usr/bin/env bash
# Time and memory of `opsbook lint` and `opsbook build` on single hostile documents: each
# must stay linear in time and within a small multiple of its size in memory, whatever its
# shape. Fails (exit 1) when a run exceeds a generous limit; prints one line per run.
#
#   benches/hostile_inputs.sh [SCALE]     (SCALE 1 = the sizes below; 0.1 for a quick look)
#
# Shapes: raw HTML nested 200,000 deep (1 MB; 146 s before the nesting cap), the same at the
# 5 MiB size limit, 50 MB of prose (max_file_bytes raised; 3.2 GB before), a 2 MB table,
# 10 MB of headings (every heading gets an anchor and a search anchor), 10 MB of links.
#
# Limits: CPU (user + sys) LIMIT_CPU seconds per run (default 120); peak RSS at most
# RSS_BASE_MB + RSS_FACTOR x the document size for lint (defaults 150 MB + 10x) and
# BUILD_FACTOR x for build (default 40x); four times that for heading-dense documents. The
# measured multiples are in book/src/safety.md.
#
# Needs: cargo, python3, GNU time (/usr/bin/time): apt-get install -y time python3
set -euo pipefail

SCALE=${1:-1}
LIMIT_CPU=${LIMIT_CPU:-120}
RSS_BASE_MB=${RSS_BASE_MB:-150}
RSS_FACTOR=${RSS_FACTOR:-10}
BUILD_FACTOR=${BUILD_FACTOR:-40}

root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
[ -x /usr/bin/time ] || { echo "hostile_inputs: GNU time is missing (apt-get install -y time)" >&2; exit 2; }
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
bin="$target/release/opsbook"
work=$(mktemp -d "${TMPDIR:-/tmp}/opsbook-hostile.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One knowledge base per shape: $work/SHAPE/content/runbooks/a.md, size limit raised.
python3 - "$work" "$SCALE" <<'EOF'
import os, sys
work, scale = sys.argv[1], float(sys.argv[2])
front = ("---\nkind: runbook\ntitle: Hostile\nowner: team-a\nseverity: SEV2\n"
         "services: [api]\nrollback: \"not applicable: test\"\nlast_reviewed: 2026-10-01\n---\n\n")
def repeat(unit, size):
    return unit * max(1, int(size * scale) // len(unit))
para = ("The payments database failed over at 11:02 UTC and the replica lagged by 40 seconds; "
        "see the dashboard and run `kubectl get pods` to check. ") * 5
section = "## Section\n\n" + para + "\n\n- step one\n- step two [link](https://example.com/x)\n\n"
row = "| 2026-01-01T00:00:00Z | checkout-web | 500 | upstream timeout |\n"
shapes = {
    "nested-html-1mb": repeat("<div>", 1_000_000),
    "nested-html-5mib": repeat("<div>", 5 * 1024 * 1024 - 200),
    "prose-50mb": repeat(section, 50_000_000),
    "table-2mb": "| time | service | code | message |\n|---|---|---|---|\n" + repeat(row, 2_000_000),
    "headings-10mb": "".join(f"## H{i}\n\nx\n\n" for i in range(int(10_000_000 * scale) // 12)),
    "links-10mb": "".join(f"[l{i}](https://example.com/{i}) " for i in range(int(10_000_000 * scale) // 32)),
}
for name, body in shapes.items():
    folder = os.path.join(work, name, "content", "runbooks")
    os.makedirs(folder)
    with open(os.path.join(folder, "a.md"), "w") as f:
        f.write(front + body + "\n")
    with open(os.path.join(work, name, "opsbook.toml"), "w") as f:
        f.write("[lint]\nmax_file_bytes = 100000000\n")
EOF

status=0
for kb in "$work"/*/; do
    shape=$(basename "$kb")
    bytes=$(stat -c %s "$kb/content/runbooks/a.md")
    for command in lint build; do
        args=("$command" --today 2026-11-25)
        [ "$command" = build ] && args+=(--output "$work/site-$shape")
        factor=$RSS_FACTOR
        [ "$command" = build ] && factor=$BUILD_FACTOR
        # A heading of 12 bytes keeps its text, anchor and span for the rules (and a page
        # anchor and a search anchor in the site): those documents get four times the room.
        case "$shape" in headings-*) factor=$((factor * 4)) ;; esac
        stats=$(cd "$kb" && { /usr/bin/time -f '%U %S %M %x' "$bin" "${args[@]}" >/dev/null 2>"$work/err" || true; tail -1 "$work/err"; })
        read -r user sys rss_kb code <<<"$stats"
        cpu=$(python3 -c "print(round($user + $sys, 2))")
        limit_kb=$(( (RSS_BASE_MB * 1024 * 1024 + factor * bytes) / 1024 ))
        multiple=$(python3 -c "print(round($rss_kb * 1024 / $bytes, 1))")
        verdict=ok
        # 0 or 1 (findings) are answers; anything else (101 panic, 134, 139) is a defect.
        if [ "$code" != 0 ] && [ "$code" != 1 ]; then verdict="FAIL (exit $code)"; status=1; fi
        if python3 -c "import sys; sys.exit(0 if $cpu > $LIMIT_CPU else 1)"; then verdict="FAIL (cpu)"; status=1; fi
        if [ "$rss_kb" -gt "$limit_kb" ]; then verdict="FAIL (memory over $((limit_kb / 1024)) MB)"; status=1; fi
        printf '%-18s %-5s %9s bytes  cpu %6ss  peak %6s MB (%sx)  %s\n' \
            "$shape" "$command" "$bytes" "$cpu" "$((rss_kb / 1024))" "$multiple" "$verdict"
    done
done
exit "$status"
