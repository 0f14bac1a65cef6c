#!/usr/bin/env bash
# Peak resident memory (ru_maxrss) of paasdeck while one task streams 1 000 000 lines, on a
# local target and over SSH to a loopback sshd, with text output (every line printed, to
# /dev/null) and with --json (a bounded tail kept per target).
# Usage: bench/stream_memory.sh [LINES]   (figures go to bench/out/stream_memory.md)
set -euo pipefail
cd "$(dirname "$0")/.."
lines="${1:-1000000}"
cargo build --release -q
bin="$PWD/target/release/paasdeck"
source bench/sshd.sh
trap stop_sshd EXIT
export SI_PAAS_STATE_ROOT="$BENCH_DIR/state" PAASDECK_SSH_CONFIG=/dev/null
"$bin" context init bench --type oss-demo >/dev/null
"$bin" --context bench target add --name here --host localhost --user "$(id -un)" --auth-method local >/dev/null
"$bin" --context bench target add --name edge --host 127.0.0.1 --port "$SSHD_PORT" --user "$(id -un)" --identity-file "$CLIENT_KEY" >/dev/null

measure() { # label, args...
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
label, cmd = sys.argv[1], sys.argv[2:]
t = time.monotonic()
p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"| {label} | {rss:.1f} | {wall:.2f} | {p.returncode} |")
PY
}
mkdir -p bench/out
{
  echo "| $lines lines streamed | peak RSS [MiB] | wall [s] | exit |"
  echo "|:---|---:|---:|---:|"
  measure "local target, text" "$bin" --context bench target exec --targets here -- "seq $lines"
  measure "local target, --json" "$bin" --context bench --json target exec --targets here -- "seq $lines"
  measure "ssh target, text" "$bin" --context bench target exec --targets edge -- "seq $lines"
  measure "ssh target, --json" "$bin" --context bench --json target exec --targets edge -- "seq $lines"
} | tee bench/out/stream_memory.md
