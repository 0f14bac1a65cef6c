#!/usr/bin/env bash
# A plan-only `deploy` (the guard runs the whole doctor first) on a context whose audit file
# holds 1 000 rows and on one holding 1 000 000 rows (~220 MB), interleaved run by run, with the
# wall time (monotonic clock, to the microsecond) and peak resident memory (getrusage) of each
# run from a small wrapper, and the load average
# recorded beside it. The first run on each context is reported apart: it reads the whole
# history once and leaves the events checkpoint; every later run reads only the rows appended
# since (the deploy plan appends one).
# Usage: bench/deploy_history.sh [RUNS]   (BIN=path picks the binary; default: a release build)
# Figures go to bench/out/deploy_history.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN="$PWD/target/release/paasdeck"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p bench/out
export PAASDECK_SSH_CONFIG=/dev/null

make_state() { # $1 = rows
  local root="$work/root-$1"
  export SI_PAAS_STATE_ROOT="$root"
  "$BIN" context init bench --type oss-demo >/dev/null
  "$BIN" --context bench target add --name edge --host 127.0.0.1 --user ops >/dev/null
  printf 'services:\n  web:\n    image: nginx:1\n' > "$work/compose.yaml"
  (cd "$work" && "$BIN" --context bench app add --name web --compose-file compose.yaml --targets edge >/dev/null)
  # Audit rows as paasdeck writes them, one second apart, in append order.
  awk -v n="$1" 'BEGIN {
    for (i = 0; i < n; i++) {
      t = 1767225600 + i
      printf("{\"timestamp\":\"%s\",\"context\":\"bench\",\"source\":\"audit\",\"command\":\"target check\",\"status\":\"%s\",\"mode\":\"live\",\"severity\":\"%s\",\"operator\":\"ops@host\",\"duration_ms\":%d,\"fields\":{\"target\":\"edge-%d\"}}\n",
        strftime("%Y-%m-%dT%H:%M:%SZ", t, 1), (i % 10 ? "succeeded" : "failed"), (i % 10 ? "info" : "critical"), i % 997, i % 50)
    }
  }' >> "$root/contexts/bench/events/audit.jsonl"
  echo "$root"
}

# Runs argv; prints "wall_s max_rss_kib" (the child's peak resident set).
cat > "$work/timed.py" <<'PY'
import resource, subprocess, sys, time
t0 = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
wall = time.monotonic() - t0
print(f"{wall:.6f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
PY
# One plan-only deploy; prints "wall_s max_rss_kib load1".
deploy() { # $1 = state root
  local load out
  load="$(cut -d' ' -f1 /proc/loadavg)"
  out="$(cd "$work" && python3 "$work/timed.py" "$BIN" --state-root "$1" --context bench deploy --app web)"
  echo "$out $load"
}

small="$(make_state 1000)"
large="$(make_state 1000000)"
ls -la "$small/contexts/bench/events/audit.jsonl" "$large/contexts/bench/events/audit.jsonl" >&2

first_small="$(deploy "$small")"
first_large="$(deploy "$large")"
: > "$work/pairs"
for _ in $(seq "$runs"); do
  echo "$(deploy "$small") $(deploy "$large")" >> "$work/pairs"
done

python3 - "$work/pairs" "$first_small" "$first_large" > bench/out/deploy_history.md <<'PY'
import statistics as st, sys
pairs = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
fs, fl = (list(map(float, a.split())) for a in sys.argv[2:4])
def col(i): return [p[i] for p in pairs]
def row(name, w, m, l):
    return f"| {name} | {st.median(w)*1000:.1f} | {min(w)*1000:.1f} | {max(w)*1000:.1f} | {max(m)/1024:.1f} | {min(l):.2f}–{max(l):.2f} |"
print("| plan-only `deploy` | median [ms] | min [ms] | max [ms] | peak RSS [MiB] | load (1 min) |")
print("|:---|---:|---:|---:|---:|---:|")
print(row("1k rows, first run", [fs[0]], [fs[1]], [fs[2]]))
print(row("1M rows, first run (reads the whole history once)", [fl[0]], [fl[1]], [fl[2]]))
print(row(f"1k rows, next {len(pairs)} runs", col(0), col(1), col(2)))
print(row(f"1M rows, next {len(pairs)} runs", col(3), col(4), col(5)))
ratios = [p[3] / p[0] for p in pairs if p[0] > 0]
print()
print(f"1M / 1k, pair by pair: median {st.median(ratios):.2f}, min {min(ratios):.2f}, max {max(ratios):.2f}")
PY
cat bench/out/deploy_history.md
