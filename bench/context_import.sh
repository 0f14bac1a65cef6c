#!/usr/bin/env bash
# `context import` of payloads of 20 000, 40 000 and 80 000 targets into a fresh context, three
# runs each (median wall time). Linear cost means each doubling about doubles the time.
# Usage: bench/context_import.sh [SIZES...]   (default 20000 40000 80000)
# BIN=path/to/paasdeck picks the binary; by default a release build is made and used.
# Figures go to bench/out/context_import.md.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(20000 40000 80000)
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/paasdeck"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p bench/out

payload() { # $1 = targets; an export payload with that many targets on distinct hosts
  python3 - "$1" > "$work/p$1.json" <<'PY'
import json, sys
n = int(sys.argv[1])
targets = [{"name": f"t{i}", "host": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            "port": 22, "user": "deploy", "auth_method": "key", "labels": ["bench"]}
           for i in range(n)]
print(json.dumps({"schema_version": 1,
                  "metadata": {"targets": {"current_target": "t0", "targets": targets}}}))
PY
}

one_run() { # $1 = targets; prints seconds
  local root="$work/root" start end
  rm -rf "$root"
  start=$(date +%s.%N)
  "$BIN" --state-root "$root" --context bench context import --input "$work/p$1.json" >/dev/null
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}

out=bench/out/context_import.md
{
  echo "| targets | median [s] | runs [s] | per 10k targets [s] |"
  echo "|---:|---:|---:|---:|"
} > "$out"
for n in "${sizes[@]}"; do
  payload "$n"
  runs=("$(one_run "$n")" "$(one_run "$n")" "$(one_run "$n")")
  median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
  per=$(python3 -c "print(f'{$median / $n * 10000:.2f}')")
  echo "| $n | $median | ${runs[*]} | $per |" >> "$out"
done
echo "binary: $BIN" >&2
cat "$out"
