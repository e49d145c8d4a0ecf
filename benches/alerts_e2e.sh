#!/usr/bin/env bash
# What reading alert rules adds to `opsbook lint`, end to end.
#
#   benches/alerts_e2e.sh [N] [SEED]        (defaults: 10000 documents, seed 1)
#
# Generates the benchmark corpus (as benches/lint_e2e.sh does), then writes rule files that
# define every alert its runbooks list (400 names at N=10000), a third of them twice (warning
# and critical, as node-exporter's rules do), each with a runbook_url template into the site:
# half as PrometheusRule manifests behind a ServiceMonitor (`---` between objects), half as
# plain Prometheus rule files with recording rules. `opsbook-alerts.toml` beside the corpus's
# opsbook.toml adds `[alerts]`. hyperfine then runs the lint with each config and prints the
# medians and the CPU time (user + system) of both, and the difference.
#
# Needs: cargo, hyperfine, python3.   apt-get install -y hyperfine python3
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
    command -v "$tool" >/dev/null || { echo "alerts_e2e: $tool is missing (apt-get install -y hyperfine python3)" >&2; exit 2; }
done

cd "$root"
cargo build --release --quiet --bin opsbook --example gen_corpus
mkdir -p "$work"
cp "$target/release/opsbook" "$work/opsbook"
cp "$target/release/examples/gen_corpus" "$work/gen_corpus"

. benches/support/corpus.sh
corpus=$(bench_corpus "$work/gen_corpus" "$work" "$N" "$SEED")

# The rule files and the config that reads them (rewritten every run: cheap, and always in step
# with this script).
python3 - "$corpus" <<'PY'
import glob, os, re, shutil, sys

corpus = sys.argv[1]
names = []
for path in sorted(glob.glob(os.path.join(corpus, "content/runbooks/*.md"))):
    with open(path, encoding="utf-8") as f:
        m = re.search(r"^alerts: \[(.*)\]$", f.read(), re.M)
    if m:
        for name in m.group(1).split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)

out = os.path.join(corpus, "monitoring")
shutil.rmtree(out, ignore_errors=True)
os.makedirs(os.path.join(out, "kubernetes"))
os.makedirs(os.path.join(out, "prometheus"))

def rule(name, severity, indent):
    pad = " " * indent
    return (
        f"{pad}- alert: {name}\n"
        f"{pad}  expr: sum(rate(http_requests_total{{job=\"{name.lower()}\",code=~\"5..\"}}[5m])) > 1\n"
        f"{pad}  for: 10m\n"
        f"{pad}  labels:\n{pad}    severity: {severity}\n"
        f"{pad}  annotations:\n"
        f"{pad}    summary: \"{name} fired on {{{{ $labels.instance }}}}\"\n"
        f"{pad}    runbook_url: https://kb.example.com/alerts/{{{{ $labels.alertname }}}}/\n"
    )

rules = []
for i, name in enumerate(names):
    rules.append((name, "warning"))
    if i % 3 == 0:
        rules.append((name, "critical"))

per_file = 25
files = 0
for start in range(0, len(rules), per_file):
    chunk = rules[start:start + per_file]
    files += 1
    if files % 2:
        text = (
            "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\n"
            f"metadata:\n  name: service-{files}\nspec:\n  endpoints:\n  - port: metrics\n---\n"
            "# Generated alerting rules\n"
            "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
            f"metadata:\n  name: rules-{files}\n  labels:\n    role: alert-rules\n"
            f"spec:\n  groups:\n  - name: group-{files}\n    rules:\n"
            + "".join(rule(n, s, 4) for n, s in chunk)
        )
        path = os.path.join(out, "kubernetes", f"rules-{files:03}.yaml")
    else:
        text = (
            f"groups:\n  - name: group-{files}.recording\n    rules:\n"
            "      - record: job:http_errors:rate5m\n"
            "        expr: sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m]))\n"
            f"  - name: group-{files}\n    rules:\n"
            + "".join(rule(n, s, 6) for n, s in chunk)
        )
        path = os.path.join(out, "prometheus", f"rules-{files:03}.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)

with open(os.path.join(corpus, "opsbook.toml"), encoding="utf-8") as f:
    config = f.read()
with open(os.path.join(corpus, "opsbook-alerts.toml"), "w", encoding="utf-8") as f:
    f.write(config + '\n[alerts]\nrules = ["monitoring/**/*.yaml"]\nsite_urls = ["https://kb.example.com/"]\n')
print(f"rule files: {files}, alerting rules: {len(rules)} ({len(names)} alert names)", file=sys.stderr)
PY

cd "$corpus"
without=("$work/opsbook" lint --today "$TODAY")
with=("$work/opsbook" lint --today "$TODAY" --config opsbook-alerts.toml)
for lint in "${without[*]}" "${with[*]}"; do
    if ! $lint --format json >"$work/alerts-lint.json" 2>/dev/null; then
        echo "alerts_e2e: \`$lint\` finds errors:" >&2
        $lint | tail -20 >&2
        exit 1
    fi
done

hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$work/alerts-hyperfine.json" \
    -n "without [alerts]" "${without[*]}" -n "with [alerts]" "${with[*]}"

python3 - "$work/alerts-hyperfine.json" "$work/alerts-lint.json" <<'PY'
import json, os, sys
results = json.load(open(sys.argv[1]))["results"]
summary = json.load(open(sys.argv[2]))["summary"]
cpu = open("/proc/cpuinfo").read().split("model name")[1].split(":", 1)[1].split("\n")[0].strip()
print()
print(f"corpus:   {summary['documents']} documents, {summary['rule_files']} rule files, "
      f"{summary['errors']} errors, {summary['warnings']} warnings")
print(f"machine:  {os.cpu_count()} CPUs ({cpu}), load average {os.getloadavg()[0]:.2f} now")
for r in results:
    print(f"{r['command']:17} wall median {r['median']:.3f} s; CPU user+system {r['user'] + r['system']:.3f} s "
          f"(user {r['user']:.3f}, system {r['system']:.3f}, mean of {len(r['times'])} runs)")
a, b = results
print(f"added by the alert rules: wall median {b['median'] - a['median']:+.3f} s, "
      f"CPU {(b['user'] + b['system']) - (a['user'] + a['system']):+.3f} s")
PY
