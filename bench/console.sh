#!/usr/bin/env bash
# Console figures, measured on the real binary in tmux:
#   1. start-up to first frame on a state with 10 contexts × 10 000 events (from the log line
#      "first frame", timed from process start; 10 runs);
#   2. CPU time used over 30 s while idle on the demo state (from /proc/PID/stat);
#   3. with a task streaming 10 000 lines per second: key-to-frame latency measured on the
#      terminal (tmux capture-pane) and from the debug log line "key to frame", CPU use and peak
#      resident memory (VmHWM): bench/console_keys.sh, which this calls (BASE=path adds an
#      older binary, run by run in turn; ROUNDS=N, PRESSES=N).
# Usage: bench/console.sh   (figures go to bench/out/console.md)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
cargo build --release -q
bin="$PWD/target/release/paasdeck"
work="$(mktemp -d)"
sock="paasdeck-bench-$$"
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export HOME="$work/home" XDG_STATE_HOME="$work/home/state" XDG_CONFIG_HOME="$work/home/config" XDG_CACHE_HOME="$work/home/cache"
mkdir -p "$HOME"
logdir="$XDG_STATE_HOME/paasdeck/logs"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
pane_pid() { tm display -p -t b '#{pane_pid}'; }
wait_screen() { # text
  for _ in $(seq 200); do tm capture-pane -p -t b | grep -qF "$1" && return 0; sleep 0.05; done
  echo "timed out waiting for: $1" >&2; tm capture-pane -p -t b >&2; return 1
}
mkdir -p bench/out
out=bench/out/console.md
: > "$out"

# 1. Start-up on 10 contexts x 10 000 events.
big="$work/big"
for c in $(seq -w 1 10); do
  ctx="$big/contexts/ctx-$c"
  mkdir -p "$ctx/events"
  printf '{"name":"ctx-%s","type":"oss-demo"}\n' "$c" > "$ctx/config.json"
  awk -v c="ctx-$c" 'BEGIN { for (i = 0; i < 10000; i++) printf("{\"timestamp\":\"2026-01-%02dT%02d:%02d:%02dZ\",\"context\":\"%s\",\"source\":\"audit\",\"command\":\"target check\",\"status\":\"succeeded\",\"severity\":\"info\",\"fields\":{\"target\":\"edge-%d\"}}\n", 1 + int(i / 3600 / 24), int(i / 3600) % 24, int(i / 60) % 60, i % 60, c, i % 50) }' > "$ctx/events/audit.jsonl"
done
chmod -R go-rwx "$big"
startups=()
for run in $(seq 10); do
  rm -rf "$logdir"
  tm new-session -d -s b -x 160 -y 48 "$bin --state-root $big"
  wait_screen "CTX-01"
  sleep 0.2
  tm send-keys -t b q
  sleep 0.3
  tm kill-server 2>/dev/null || true
  ms="$(grep -ho 'elapsed_ms=[0-9]*' "$logdir"/*.log | head -1 | cut -d= -f2)"
  startups+=("$ms")
done
sorted="$(printf '%s\n' "${startups[@]}" | sort -n)"
{
  echo "### Start-up to first frame (10 contexts × 10 000 events, 10 runs)"
  echo
  echo "| median [ms] | min [ms] | max [ms] |"
  echo "|---:|---:|---:|"
  echo "| $(echo "$sorted" | sed -n 5p) | $(echo "$sorted" | head -1) | $(echo "$sorted" | tail -1) |"
  echo
} >> "$out"

# 2. Idle CPU over 30 s on the demo state.
demo="$work/demo"
"$bin" --state-root "$demo" demo --seed-only >/dev/null
tm new-session -d -s b -x 160 -y 48 "$bin --state-root $demo/paas"
wait_screen "OSS-DEMO"
sleep 3
pid="$(pane_pid)"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
t0="$(ticks "$pid")"; s0="$(date +%s.%N)"
sleep 30
t1="$(ticks "$pid")"; s1="$(date +%s.%N)"
idle="$(awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$hz" 'BEGIN { printf("%.2f", (b - a) / hz / (e - s) * 100) }')"
tm send-keys -t b q
sleep 0.5
tm kill-server 2>/dev/null || true
{
  echo "### Idle"
  echo
  echo "| CPU over 30 s idle (% of one core) |"
  echo "|---:|"
  echo "| $idle |"
  echo
} >> "$out"

# 3. A task streaming 10 000 lines/s: key to frame on the terminal and in the log, CPU, memory.
BIN="$bin" OUT="$out" bench/console_keys.sh
