#!/usr/bin/env bash
# `paasdeck target check --all --parallel 16` over 50 targets (aliases of one loopback sshd)
# against parallel-ssh (Debian package `pssh`) running the very probe paasdeck runs (taken from
# src/ops/target_check.rs) on the same 50 hosts with the same parallelism, interleaved run by
# run (A B A B …) with the load average recorded beside each pair. Each run is timed by a small
# wrapper that is the child subreaper of everything the command starts, so the CPU time of SSH
# masters that daemonise (`ssh -f`) is counted too: user+system of the whole process tree.
# The server's side is measured too: the CPU time of the sshd processes each run's connections
# used (the listener's reaped children, from /proc/PID/stat), so work moved to the target shows.
# The kernel's autogroup setting is recorded: with it on, CPU is shared between sessions, and a
# command whose connections share one session gets one share under outside load.
# A separate run of each under `strace -ff -e trace=execve` counts the programs each starts.
# Usage: bench/target_check.sh [RUNS]   (BIN=path picks the binary; default: a release build)
# Figures go to bench/out/target_check.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
command -v parallel-ssh >/dev/null || { echo "parallel-ssh is required (apt-get install pssh)" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN="$PWD/target/release/paasdeck"
fi
source bench/sshd.sh
trap stop_sshd EXIT
user="$(id -un)"
export SI_PAAS_STATE_ROOT="$BENCH_DIR/state" PAASDECK_SSH_CONFIG=/dev/null
"$BIN" context init bench --type oss-demo >/dev/null
: > "$BENCH_DIR/hosts"
for i in $(seq -w 1 50); do
  "$BIN" --context bench target add --name "t$i" --host 127.0.0.1 --port "$SSHD_PORT" --user "$user" --identity-file "$CLIENT_KEY" >/dev/null
  echo "$user@127.0.0.1:$SSHD_PORT" >> "$BENCH_DIR/hosts"
done
python3 - src/ops/target_check.rs > "$BENCH_DIR/probe.sh" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
print(re.search(r'const PROBE: &str = r#"(.*?)"#;', src, re.S).group(1), end="")
PY
probe="$(cat "$BENCH_DIR/probe.sh")"
cat > "$BENCH_DIR/tree_time.py" <<'PY'
# Runs argv as the child subreaper of its whole tree; prints "wall_s cpu_s" once every
# process of the tree has ended.
import ctypes, os, resource, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
t0 = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
wall = time.monotonic() - t0
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {r.ru_utime + r.ru_stime:.3f}")
PY
pd=("$BIN" --context bench target check --all --parallel 16)
ps=(parallel-ssh -p 16 -h "$BENCH_DIR/hosts" -x "$SSH_OPTS" "$probe")
# Learn the host key once for both, so every run measures the same work.
"$BIN" --context bench target check --target t01 >/dev/null
ssh $SSH_OPTS -p "$SSHD_PORT" "$user@127.0.0.1" true
ok="$("$BIN" --context bench --json target check --all --parallel 16 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(r["status"]=="ok" for r in d["data"]))')"
pok="$("${ps[@]}" | grep -c SUCCESS || true)"
echo "targets ok in one run: paasdeck $ok/50, parallel-ssh $pok/50" >&2
# Programs started (successful execve calls), one trace file per process so no line is split.
count_execs() {
  rm -rf "$BENCH_DIR/strace"; mkdir "$BENCH_DIR/strace"
  strace -ff -qq --successful-only -e trace=execve -e signal=none -o "$BENCH_DIR/strace/p" "$@" >/dev/null 2>&1 || true
  cat "$BENCH_DIR"/strace/p.* | grep -c '^execve(' || true
}
keygen_execs() { cat "$BENCH_DIR"/strace/p.* | grep -c '^execve("[^"]*ssh-keygen' || true; }
pd_execs="$(count_execs "${pd[@]}")"; pd_keygen="$(keygen_execs)"
ps_execs="$(count_execs "${ps[@]}")"
: > "$BENCH_DIR/pairs"
tck="$(getconf CLK_TCK)"
srv() { awk -v t="$tck" '{printf "%.2f", ($16 + $17) / t}' "/proc/$SSHD_PID/stat"; }
autogroup="$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo unknown)"
python3 "$BENCH_DIR/tree_time.py" "${pd[@]}" >/dev/null
python3 "$BENCH_DIR/tree_time.py" "${ps[@]}" >/dev/null
for _ in $(seq "$runs"); do
  load="$(cut -d' ' -f1 /proc/loadavg)"
  s0="$(srv)"; a="$(python3 "$BENCH_DIR/tree_time.py" "${pd[@]}")"
  s1="$(srv)"; b="$(python3 "$BENCH_DIR/tree_time.py" "${ps[@]}")"
  s2="$(srv)"
  echo "$a $b $load $(python3 -c "print(f'{$s1-$s0:.2f} {$s2-$s1:.2f}')")" >> "$BENCH_DIR/pairs"
done
mkdir -p bench/out
python3 - "$BENCH_DIR/pairs" "$pd_execs" "$pd_keygen" "$ps_execs" "$autogroup" > bench/out/target_check.md <<'PY'
import statistics as st, sys
p = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
pd_execs, pd_keygen, ps_execs, autogroup = sys.argv[2:6]
c = lambda i: [r[i] for r in p]
f = lambda v: f"{st.median(v):.3f} | {min(v):.3f} | {max(v):.3f}"
print("| 50 targets, parallelism 16 | wall median [s] | min | max | CPU median [s] | min | max | server CPU median [s] | programs started |")
print("|:---|---:|---:|---:|---:|---:|---:|---:|---:|")
print(f"| `paasdeck target check --all` | {f(c(0))} | {f(c(1))} | {st.median(c(5)):.2f} | {pd_execs} ({pd_keygen} ssh-keygen) |")
print(f"| `parallel-ssh`, the same probe | {f(c(2))} | {f(c(3))} | {st.median(c(6)):.2f} | {ps_execs} |")
w = [r[0] / r[2] for r in p]; u = [r[1] / r[3] for r in p]
print()
print(f"paasdeck / parallel-ssh, pair by pair ({len(p)} pairs, load {min(c(4)):.2f}–{max(c(4)):.2f}): "
      f"wall median {st.median(w):.2f} (min {min(w):.2f}, max {max(w):.2f}), "
      f"CPU median {st.median(u):.2f} (min {min(u):.2f}, max {max(u):.2f}); "
      f"kernel autogroups: {'on' if autogroup == '1' else 'off' if autogroup == '0' else autogroup}")
PY
cat bench/out/target_check.md
