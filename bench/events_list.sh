#!/usr/bin/env bash
# `events list --limit 50` on event files of 1 000 and 1 000 000 lines, side by side with
# `tail -n 50` on the same files. Needs hyperfine (Debian package `hyperfine`).
# Usage: bench/events_list.sh [RUNS]   (figures go to bench/out/events_list.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 1; }
cargo build --release -q
bin="$PWD/target/release/paasdeck"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p bench/out

make_state() { # $1 = lines
  local root="$work/root-$1" ctx
  ctx="$root/contexts/bench"
  mkdir -p "$ctx/events"
  chmod -R 700 "$root"
  printf '{"name":"bench","type":"oss-demo"}\n' > "$ctx/config.json"
  # Audit rows as paasdeck writes them, one second apart, in append order.
  awk -v n="$1" 'BEGIN {
    for (i = 0; i < n; i++) {
      t = 1767225600 + i
      printf("{\"timestamp\":\"%s\",\"context\":\"bench\",\"source\":\"audit\",\"command\":\"target check\",\"status\":\"%s\",\"mode\":\"live\",\"severity\":\"%s\",\"operator\":\"ops@host\",\"duration_ms\":%d,\"fields\":{\"target\":\"edge-%d\"}}\n",
        strftime("%Y-%m-%dT%H:%M:%SZ", t, 1), (i % 10 ? "succeeded" : "failed"), (i % 10 ? "info" : "critical"), i % 997, i % 50)
    }
  }' > "$ctx/events/audit.jsonl"
  echo "$root"
}

small="$(make_state 1000)"
large="$(make_state 1000000)"
ls -la "$small/contexts/bench/events/audit.jsonl" "$large/contexts/bench/events/audit.jsonl" >&2

hyperfine --warmup 3 --runs "$runs" -N \
  --export-markdown bench/out/events_list.md \
  -n "events list --limit 50 (1k lines)" "$bin --state-root $small --context bench --json events list --limit 50" \
  -n "events list --limit 50 (1M lines)" "$bin --state-root $large --context bench --json events list --limit 50" \
  -n "tail -n 50 (1k lines)" "tail -n 50 $small/contexts/bench/events/audit.jsonl" \
  -n "tail -n 50 (1M lines)" "tail -n 50 $large/contexts/bench/events/audit.jsonl"
cat bench/out/events_list.md
