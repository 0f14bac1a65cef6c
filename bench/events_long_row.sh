#!/usr/bin/env bash
# `events list --limit 50` when one event row is huge (damage or abuse): 1 000 ordinary rows,
# then one row of 16 MB or 100 MB, then 10 ordinary rows, so the reader has to pass over it.
# Times with hyperfine and peak resident memory with /usr/bin/time -v (when installed).
# Usage: bench/events_long_row.sh [RUNS]   (figures go to bench/out/events_long_row.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 1; }
cargo build --release -q
bin="$PWD/target/release/paasdeck"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p bench/out

rows() { # $1 = count, $2 = first second
  awk -v n="$1" -v s="$2" 'BEGIN {
    for (i = 0; i < n; i++)
      printf("{\"timestamp\":\"%s\",\"context\":\"bench\",\"source\":\"audit\",\"command\":\"target check\",\"status\":\"succeeded\",\"severity\":\"info\",\"operator\":\"ops@host\",\"duration_ms\":%d}\n",
        strftime("%Y-%m-%dT%H:%M:%SZ", 1767225600 + s + i, 1), i % 997)
  }'
}

make_state() { # $1 = name, $2 = size of the long row in MiB (0: none)
  local root="$work/$1" ctx
  ctx="$root/contexts/bench"
  mkdir -p "$ctx/events"
  chmod -R 700 "$root"
  printf '{"name":"bench","type":"oss-demo"}\n' > "$ctx/config.json"
  {
    rows 1000 0
    if [ "$2" -gt 0 ]; then
      printf '{"timestamp":"2026-01-01T01:00:00Z","context":"bench","source":"audit","command":"target exec","status":"failed","message":"'
      head -c "$(($2 * 1024 * 1024))" /dev/zero | tr '\0' 'x'
      printf '"}\n'
    fi
    rows 10 4000
  } > "$ctx/events/audit.jsonl"
  echo "$root"
}

plain="$(make_state plain 0)"
r16="$(make_state row16 16)"
r100="$(make_state row100 100)"
ls -la "$plain/contexts/bench/events/audit.jsonl" "$r16/contexts/bench/events/audit.jsonl" "$r100/contexts/bench/events/audit.jsonl" >&2

list() { echo "$bin --state-root $1 --context bench --json events list --limit 50"; }
hyperfine --warmup 2 --runs "$runs" -N \
  --export-markdown "$work/times.md" \
  -n "events list --limit 50 (no long row)" "$(list "$plain")" \
  -n "events list --limit 50 (one 16 MB row)" "$(list "$r16")" \
  -n "events list --limit 50 (one 100 MB row)" "$(list "$r100")"

{
  cat "$work/times.md"
  if [ -x /usr/bin/time ]; then
    echo
    echo "| events list --limit 50 | peak RSS [MiB] | skipped_lines |"
    echo "|:---|---:|---:|"
    for s in plain:"no long row" row16:"one 16 MB row" row100:"one 100 MB row"; do
      dir="$work/${s%%:*}"
      # shellcheck disable=SC2046
      /usr/bin/time -v -o "$work/time.txt" $(list "$dir") > "$work/out.json"
      kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
      skipped="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["skipped_lines"])' "$work/out.json")"
      echo "| ${s#*:} | $(awk -v k="$kb" 'BEGIN {printf "%.1f", k / 1024}') | $skipped |"
    done
  fi
} | tee bench/out/events_long_row.md
