#!/usr/bin/env bash
# `paasdeck target check --all` over 50 targets (aliases of one loopback sshd) against
# parallel-ssh (Debian package `pssh`) running `uname -m` on the same 50 hosts with the same
# parallelism (16), and a sequential loop of `ssh`. Needs hyperfine and pssh.
# Usage: bench/target_check.sh [RUNS]   (figures go to bench/out/target_check.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
for tool in hyperfine parallel-ssh; do
  command -v "$tool" >/dev/null || { echo "$tool is required (apt-get install hyperfine pssh)" >&2; exit 1; }
done
cargo build --release -q
bin="$PWD/target/release/paasdeck"
source bench/sshd.sh
trap stop_sshd EXIT
user="$(id -un)"
root="$BENCH_DIR/state"
export SI_PAAS_STATE_ROOT="$root" PAASDECK_SSH_CONFIG=/dev/null
"$bin" context init bench --type oss-demo >/dev/null
: > "$BENCH_DIR/hosts"
for i in $(seq -w 1 50); do
  "$bin" --context bench target add --name "t$i" --host 127.0.0.1 --port "$SSHD_PORT" --user "$user" --identity-file "$CLIENT_KEY" >/dev/null
  echo "$user@127.0.0.1:$SSHD_PORT" >> "$BENCH_DIR/hosts"
done
# Learn the host key once for both paasdeck and ssh, so every run measures the same work.
"$bin" --context bench target check --target t01 >/dev/null
ssh $SSH_OPTS -p "$SSHD_PORT" "$user@127.0.0.1" true
ok="$("$bin" --context bench --json target check --all --parallel 16 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(r["status"]=="ok" for r in d["data"]))')"
echo "targets ok in one run: $ok/50" >&2
mkdir -p bench/out
hyperfine --warmup 1 --runs "$runs" \
  --export-markdown bench/out/target_check.md \
  -n "paasdeck target check --all --parallel 16 (50 targets)" \
  "$bin --context bench target check --all --parallel 16" \
  -n "parallel-ssh -p 16 uname -m (50 hosts)" \
  "parallel-ssh -p 16 -h $BENCH_DIR/hosts -x '$SSH_OPTS' uname -m" \
  -n "sequential ssh uname -m (50 hosts)" \
  "bash -c 'for i in \$(seq 50); do ssh $SSH_OPTS -p $SSHD_PORT $user@127.0.0.1 uname -m >/dev/null; done'"
cat bench/out/target_check.md
