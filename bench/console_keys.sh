#!/usr/bin/env bash
# Key → frame as the operator sees it, on the terminal, while a task streams 10 000 lines/s.
#
# The console runs on the demo state in tmux (160×48, `-v`), a task streams exactly 10 000 lines
# per second into its log (`target exec` on the local demo target), and Tab and Shift-Tab are
# pressed in turn (PRESSES in all, 150–250 ms apart so they land anywhere in the frame cycle):
# each press moves the focus marker between the Targets and Apps panes, so every press changes
# the screen and the change is unambiguous. One tmux control-mode client (`tmux -C`, no process
# started per command) hands each key to tmux (`send-keys`) and then runs `capture-pane` back to
# back until the screen shows the marker on the other pane; the latency is from just before the
# `send-keys` to the reply of the first capture that shows it. The same presses' `key to frame`
# lines of the console's debug log are reported beside it (that figure stops when the frame is
# handed to the terminal), with the load average before and after each run, the console's CPU
# use during the presses and its peak resident memory.
#
# With BASE set, BIN and BASE alternate run by run (BASE first), ROUNDS times, so both see the
# same load.
#
# Usage: bench/console_keys.sh
#   BIN=path      the binary measured (default: target/release/paasdeck, built first)
#   BASE=path     a second binary to compare with (e.g. the release build of an older commit)
#   ROUNDS=N      runs of each binary (default 1); PRESSES=N presses per run (default 120)
#   OUT=file      where the figures are appended (default bench/out/console.md)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }
command -v perl >/dev/null || { echo "perl is required" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN="$PWD/target/release/paasdeck"
fi
ROUNDS="${ROUNDS:-1}"
PRESSES="${PRESSES:-120}"
OUT="${OUT:-bench/out/console.md}"
mkdir -p "$(dirname "$OUT")"
work="$(mktemp -d)"
sock="paasdeck-keys-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { tm kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export HOME="$work/home" XDG_STATE_HOME="$work/home/state" XDG_CONFIG_HOME="$work/home/config" XDG_CACHE_HOME="$work/home/cache"
mkdir -p "$HOME"
logdir="$XDG_STATE_HOME/paasdeck/logs"
wait_screen() { # text
  for _ in $(seq 400); do tm capture-pane -p -t b | grep -qF "$1" && return 0; sleep 0.05; done
  echo "timed out waiting for: $1" >&2; tm capture-pane -p -t b >&2; return 1
}

# Prints exactly 10 000 lines per second for as long as the presses need, and a margin.
secs=$(( PRESSES / 4 + 20 ))
cat > "$work/stream.pl" <<PL
use Time::HiRes qw(time sleep);
\$| = 1;
my \$t0 = time;
my \$n = 0;
while (time - \$t0 < $secs) {
  my \$want = int((time - \$t0) * 10000);
  while (\$n < \$want) { print "stream line \$n of a steady log\n"; \$n++ }
  sleep 0.005;
}
PL

cat > "$work/press.py" <<'PY'
"""Presses Tab / Shift-Tab through a tmux control-mode client and times each to the screen."""
import glob, random, subprocess, sys, time

sock, presses, logdir, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
p = subprocess.Popen(["tmux", "-L", sock, "-C", "attach", "-f", "no-output,ignore-size", "-t", "b"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

def block():
    """The next command reply (%begin … %end); notifications outside it are skipped."""
    lines, inside = [], False
    for raw in iter(p.stdout.readline, b""):
        line = raw.rstrip(b"\n")
        if line.startswith(b"%begin"):
            lines, inside = [], True
        elif inside and (line.startswith(b"%end") or line.startswith(b"%error")):
            return b"\n".join(lines).decode("utf-8", "replace")
        elif inside:
            lines.append(line)
    sys.exit("the tmux control client ended")

def cmd(c):
    p.stdin.write((c + "\n").encode())
    p.stdin.flush()
    return block()

def key_lines():
    n = 0
    for f in glob.glob(logdir + "/*.log"):
        with open(f, errors="replace") as fh:
            n += sum(1 for l in fh if "key to frame" in l)
    return n

def log_latencies(skip):
    got = []
    for f in sorted(glob.glob(logdir + "/*.log")):
        with open(f, errors="replace") as fh:
            for l in fh:
                if "key to frame" in l:
                    got.append(int(l.split("latency_us=")[1].split()[0]))
    return got[skip:]

block()  # the attach's own reply
marks = {"Tab": "▶ Apps", "BTab": "▶ Targets"}
if marks["BTab"] not in cmd("capture-pane -p -t b"):
    sys.exit("the focus is not on Targets before the first press")
before = key_lines()
rng = random.Random(7)
terminal, polls = [], []
for i in range(presses):
    key = "Tab" if i % 2 == 0 else "BTab"
    time.sleep(rng.uniform(0.15, 0.25))
    t0 = time.perf_counter()
    cmd("send-keys -t b " + key)
    n = 0
    while True:
        screen = cmd("capture-pane -p -t b")
        n += 1
        if marks[key] in screen:
            break
        if time.perf_counter() - t0 > 10:
            sys.exit(f"press {i} ({key}) not on screen after 10 s")
    terminal.append(int((time.perf_counter() - t0) * 1e6))
    polls.append(n)
screen = cmd("capture-pane -p -t b")
if "— running" not in screen:
    sys.exit("the stream ended before the last press: make it longer")
# The log is written when the frame is drawn: wait for the last press's line.
deadline = time.time() + 10
while key_lines() - before < presses and time.time() < deadline:
    time.sleep(0.05)
log = log_latencies(before)
with open(out, "w") as fh:
    fh.write(" ".join(map(str, terminal)) + "\n")
    fh.write(" ".join(map(str, log)) + "\n")
    fh.write(" ".join(map(str, polls)) + "\n")
p.stdin.close()
p.wait(timeout=10)
PY

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"
demo="$work/demo"
"$BIN" --state-root "$demo" demo --seed-only >/dev/null

# One run of one binary: its figures on one line of $work/runs.
run() { # label binary
  local label="$1" bin="$2"
  rm -rf "$logdir"
  tm new-session -d -s b -x 160 -y 48 "$bin -v --state-root $demo/paas"
  wait_screen "OSS-DEMO"
  local pid; pid="$(tm display -p -t b '#{pane_pid}')"
  tm send-keys -t b -l ":"
  tm send-keys -t b -l "target exec --targets demo-local -- perl $work/stream.pl"
  tm send-keys -t b Enter
  wait_screen "Confirm in"
  tm send-keys -t b -l "y"
  wait_screen "stream line"
  sleep 2
  local load0 load1 t0 t1 s0 s1
  load0="$(cut -d' ' -f1 /proc/loadavg)"
  t0="$(ticks "$pid")"; s0="$(date +%s.%N)"
  python3 "$work/press.py" "$sock" "$PRESSES" "$logdir" "$work/press.out"
  t1="$(ticks "$pid")"; s1="$(date +%s.%N)"
  load1="$(cut -d' ' -f1 /proc/loadavg)"
  local cpu rss
  cpu="$(awk -v a="$t0" -v b="$t1" -v s="$s0" -v e="$s1" -v hz="$hz" 'BEGIN { printf("%.1f", (b - a) / hz / (e - s) * 100) }')"
  rss="$(awk '/VmHWM/ {printf("%.1f", $2 / 1024)}' "/proc/$pid/status")"
  tm send-keys -t b -l "q"; sleep 0.3; tm send-keys -t b -l "y"; sleep 1
  tm kill-server 2>/dev/null || true
  { echo "$label $load0 $load1 $cpu $rss"; cat "$work/press.out"; } >> "$work/runs"
}

: > "$work/runs"
for r in $(seq "$ROUNDS"); do
  if [ -n "${BASE:-}" ]; then run base "$BASE"; fi
  run bin "$BIN"
done

# Figures: one row per run, then each binary's presses pooled.
python3 - "$work/runs" "$PRESSES" "${BASE:-}" "$BIN" >> "$OUT" <<'PY'
import statistics, sys
path, presses, base, binary = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = open(path).read().split("\n")
runs = []
for i in range(0, len(rows) - 1, 4):
    label, load0, load1, cpu, rss = rows[i].split()
    ints = lambda s: [int(x) for x in s.split()]
    runs.append(dict(label=label, load=(load0, load1), cpu=cpu, rss=rss,
                     term=ints(rows[i + 1]), log=ints(rows[i + 2]), polls=ints(rows[i + 3])))

def stats(us):
    s = sorted(us)
    if not s:
        return "–", "–", "–"
    p95 = s[max(0, -(-len(s) * 95 // 100) - 1)]
    return tuple(f"{v / 1000:.1f}" for v in (statistics.median(s), p95, s[-1]))

name = {"bin": binary, "base": base}
print(f"### Key → frame while a task streams 10 000 lines/s ({presses} presses of Tab / Shift-Tab per run)")
print()
print("On the terminal: from `send-keys` to the first `capture-pane` showing the change. "
      "From the log: the console's `key to frame` (key read → frame handed to the terminal).")
print()
print("| binary | run | terminal p50 [ms] | p95 | max | log p50 [ms] | p95 | max | polls/press | CPU (% of one core) | peak RSS [MiB] | load before → after |")
print("|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|")
for n, r in enumerate(runs, 1):
    t, l = stats(r["term"]), stats(r["log"])
    polls = f"{statistics.mean(r['polls']):.1f}"
    print(f"| {r['label']} | {n} | {' | '.join(t)} | {' | '.join(l)} | {polls} | {r['cpu']} | {r['rss']} | {r['load'][0]} → {r['load'][1]} |")
print()
for label in ("base", "bin"):
    mine = [r for r in runs if r["label"] == label]
    if not mine:
        continue
    t = stats([x for r in mine for x in r["term"]])
    l = stats([x for r in mine for x in r["log"]])
    loads = [float(x) for r in mine for x in r["load"]]
    print(f"- {label} (`{name[label]}`), {len(mine)} runs pooled: terminal p50 / p95 / max "
          f"{' / '.join(t)} ms; log {' / '.join(l)} ms; load {min(loads):.2f}–{max(loads):.2f}")
print()
PY
cat "$OUT"
