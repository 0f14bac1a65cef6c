#!/usr/bin/env bash
# How fast a row appended by another process reaches a follower, and what following costs idle:
#   1. `events tail --follow --json`: a Python writer appends N rows (one O_APPEND write each,
#      100 ms apart) and timestamps each write and the arrival of its line on the follower's
#      stdout (time.perf_counter_ns in the same process, so one clock);
#   2. the console in tmux: the same appends, each row's own `timestamp` set to the moment of
#      the write; the console (-v) logs "event to frame" with the time from that timestamp to
#      the frame that shows the row (same machine clock);
#   3. CPU used over 30 s idle by each (utime + stime from /proc/PID/stat).
# Each with file notifications (the default) and with PAASDECK_WATCH=poll (the fallback, 500 ms).
# Usage: bench/event_follow.sh [N]   (default 50 appends; figures go to bench/out/event_follow.md)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-50}"
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }
cargo build --release -q
bin="$PWD/target/release/paasdeck"
work="$(mktemp -d)"
sock="paasdeck-follow-$$"
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export HOME="$work/home" XDG_STATE_HOME="$work/home/state" XDG_CONFIG_HOME="$work/home/config" XDG_CACHE_HOME="$work/home/cache"
mkdir -p "$HOME"
logdir="$XDG_STATE_HOME/paasdeck/logs"
root="$work/paas"
"$bin" --state-root "$root" context init c --type oss-demo >/dev/null
audit="$root/contexts/c/events/audit.jsonl"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
hz="$(getconf CLK_TCK)"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
idle_cpu() { # pid -> % of one core over 30 s
  local t0 t1 s0 s1
  t0="$(ticks "$1")"; s0="$(date +%s.%N)"
  sleep 30
  t1="$(ticks "$1")"; s1="$(date +%s.%N)"
  awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$hz" 'BEGIN { printf("%.3f", (b - a) / hz / (e - s) * 100) }'
}
stats() { # latencies in µs on stdin -> "median p95 max" in ms
  sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "- - -"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    p = v[int((NR * 95 + 99) / 100)]
    printf("%.2f %.2f %.2f\n", m / 1000, p / 1000, v[NR] / 1000) }'
}

cat > "$work/tail.py" <<'PY'
# Starts the follower, appends rows and prints one latency (µs) per row: write -> line read.
import json, os, subprocess, sys, time
bin, root, audit, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = subprocess.Popen([bin, "--state-root", root, "--context", "c", "--json", "events", "tail",
                      "--follow", "-n", "0"], stdout=subprocess.PIPE)
time.sleep(1.0)  # the follower is up and idle
fd = os.open(audit, os.O_WRONLY | os.O_APPEND)
for i in range(n):
    row = json.dumps({"timestamp": "2026-01-01T00:00:00Z", "context": "c", "source": "audit",
                      "command": f"bench {i}", "status": "succeeded"}) + "\n"
    t0 = time.perf_counter_ns()
    os.write(fd, row.encode())
    line = p.stdout.readline()
    t1 = time.perf_counter_ns()
    assert json.loads(line)["command"] == f"bench {i}", line
    print((t1 - t0) // 1000, flush=True)
    time.sleep(0.1)
p.kill()
PY

cat > "$work/append.py" <<'PY'
# Appends rows stamped with the moment of their write, 100 ms apart.
import datetime, json, os, sys, time
audit, n = sys.argv[1], int(sys.argv[2])
fd = os.open(audit, os.O_WRONLY | os.O_APPEND)
for i in range(n):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    os.write(fd, (json.dumps({"timestamp": now, "context": "c", "source": "audit",
                              "command": f"bench {i}", "status": "succeeded",
                              "severity": "info"}) + "\n").encode())
    time.sleep(0.1)
PY

mkdir -p bench/out
out=bench/out/event_follow.md
{
  echo "### Event follow ($n appends by another process, 100 ms apart)"
  echo
  echo "| follower | watch | latency median [ms] | p95 [ms] | max [ms] | idle CPU over 30 s (% of one core) |"
  echo "|:---|:---|---:|---:|---:|---:|"
} > "$out"

for mode in notify poll; do
  export PAASDECK_WATCH="$mode"
  # 1. events tail --follow
  read -r med p95 max < <(python3 "$work/tail.py" "$bin" "$root" "$audit" "$n" | stats)
  "$bin" --state-root "$root" --context c events tail --follow -n 0 >/dev/null &
  pid=$!
  sleep 2
  cpu="$(idle_cpu "$pid")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "| \`events tail --follow\` | $mode | $med | $p95 | $max | $cpu |" >> "$out"

  # 2. the console
  rm -rf "$logdir"
  tm new-session -d -s b -x 160 -y 48 "PAASDECK_WATCH=$mode $bin -v --state-root $root"
  for _ in $(seq 200); do tm capture-pane -p -t b | grep -qF "OSS-DEMO" && break; sleep 0.05; done
  sleep 2
  pid="$(tm display -p -t b '#{pane_pid}')"
  cpu="$(idle_cpu "$pid")"
  python3 "$work/append.py" "$audit" "$n"
  sleep 1
  tm send-keys -t b q
  sleep 0.5
  tm kill-server 2>/dev/null || true
  read -r med p95 max < <(grep -h 'event to frame' "$logdir"/*.log | grep -o 'latency_us=[0-9-]*' | cut -d= -f2 | stats)
  echo "| console (Events pane) | $mode | $med | $p95 | $max | $cpu |" >> "$out"
done
unset PAASDECK_WATCH
{
  echo
  echo "(\`poll\`: PAASDECK_WATCH=poll, the fallback where notifications are unavailable, every 500 ms)"
} >> "$out"
cat "$out"
