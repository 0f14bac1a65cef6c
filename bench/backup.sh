#!/usr/bin/env bash
# `paasdeck backup run` of a dump over a loopback sshd (sha256 of the plaintext, age encryption
# to the operator's identity, sha256 of the artifact, an fsynced artifact renamed into place)
# against the same work done by standard tools: `ssh host 'cat dump'` through `tee` into
# `sha256sum` and `age -r KEY`, the ciphertext through `tee` into `sha256sum` and a file that is
# fsynced (`sync FILE`) and renamed. The two alternate run by run (A B A B …) with the load
# average recorded; each run's artifact is removed before the next. Then paasdeck's peak
# resident memory at 64 MiB and at the full size. The dump is random bytes (nothing compresses),
# cat by the app's backup_cmd.
# Usage: bench/backup.sh [RUNS]   (SIZE=1G by default; BIN=path picks the binary, default a
# release build). Figures go to bench/out/backup.md. Needs age (apt-get install age).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
size="${SIZE:-1G}"
command -v age >/dev/null || { echo "age is required (apt-get install age)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is required (apt-get install time)" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN="$PWD/target/release/paasdeck"
fi
source bench/sshd.sh
trap stop_sshd EXIT
user="$(id -un)"
export SI_PAAS_STATE_ROOT="$BENCH_DIR/state" PAASDECK_SSH_CONFIG=/dev/null
export SI_VAULT_IDENTITY_FILE="$BENCH_DIR/identity.txt"
"$BIN" vault keygen >/dev/null
recipient="$(grep -o 'age1[0-9a-z]*' "$SI_VAULT_IDENTITY_FILE" | head -n 1)"
"$BIN" context init bench --type oss-demo >/dev/null
"$BIN" --context bench target add --name t1 --host 127.0.0.1 --port "$SSHD_PORT" --user "$user" --identity-file "$CLIENT_KEY" >/dev/null
printf 'services:\n  db:\n    image: postgres:16\n' > "$BENCH_DIR/compose.yaml"
app() { # NAME DUMP
  "$BIN" --context bench app add --name "$1" --compose-file "$BENCH_DIR/compose.yaml" --targets t1 \
    --remote-dir "$BENCH_DIR/remote" --backup-cmd "cat $2" --restore-cmd "sha256sum" >/dev/null
  "$BIN" --context bench deploy --app "$1" --apply >/dev/null
}
head -c 64M /dev/urandom > "$BENCH_DIR/dump-64m"
head -c "$size" /dev/urandom > "$BENCH_DIR/dump-big"
app small "$BENCH_DIR/dump-64m"
app big "$BENCH_DIR/dump-big"
ssh $SSH_OPTS -p "$SSHD_PORT" "$user@127.0.0.1" true
store="$SI_PAAS_STATE_ROOT/backups/bench"
anchor_dir="$BENCH_DIR/anchor"
mkdir -p "$anchor_dir"
cat > "$BENCH_DIR/anchor.sh" <<SH
set -euo pipefail
ssh $SSH_OPTS -p $SSHD_PORT $user@127.0.0.1 'cat $BENCH_DIR/dump-big' \\
  | tee >(sha256sum > $anchor_dir/plain.sha256) \\
  | age -r $recipient \\
  | tee >(sha256sum > $anchor_dir/artifact.sha256) > $anchor_dir/artifact.tmp
sync $anchor_dir/artifact.tmp
mv $anchor_dir/artifact.tmp $anchor_dir/artifact.age
sync $anchor_dir
SH
timed() { /usr/bin/time -f '%e' "$@" 2>&1 >/dev/null | tail -n 1; }
: > "$BENCH_DIR/pairs"
for i in $(seq 0 "$runs"); do
  rm -f "$store"/*.age "$anchor_dir"/*
  load="$(cut -d' ' -f1 /proc/loadavg)"
  a="$(timed "$BIN" --context bench backup run --app big)"
  rm -f "$store"/*.age
  b="$(timed bash "$BENCH_DIR/anchor.sh")"
  # The first pair warms the caches and is not counted.
  [ "$i" -gt 0 ] && echo "$a $b $load" >> "$BENCH_DIR/pairs"
done
rss() { # APP
  rm -f "$store"/*.age
  /usr/bin/time -f '%M' -o "$BENCH_DIR/rss" "$BIN" --context bench backup run --app "$1" >/dev/null
  echo "$(( $(cat "$BENCH_DIR/rss") / 1024 ))"
}
rss_small="$(rss small)"
rss_big="$(rss big)"
mkdir -p bench/out
python3 - "$BENCH_DIR/pairs" "$size" "$rss_small" "$rss_big" > bench/out/backup.md <<'PY'
import statistics as st, sys
p = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
size, rs, rb = sys.argv[2:5]
c = lambda i: [r[i] for r in p]
f = lambda v: f"{st.median(v):.2f} | {min(v):.2f} | {max(v):.2f}"
print(f"| {size} dump | median [s] | min [s] | max [s] |")
print("|:---|---:|---:|---:|")
print(f"| `paasdeck backup run` | {f(c(0))} |")
print(f"| `ssh … cat` → `tee sha256sum` → `age -r` → `tee sha256sum` → file, `sync`, `mv` | {f(c(1))} |")
r = [a / b for a, b, _ in p]
print()
print(f"paasdeck / tools, pair by pair ({len(p)} pairs, load {min(c(2)):.2f}–{max(c(2)):.2f}): "
      f"median {st.median(r):.2f}, min {min(r):.2f}, max {max(r):.2f}")
print()
print("| dump | peak RSS [MiB] |")
print("|:---|---:|")
print(f"| 64 MiB | {rs} |")
print(f"| {size} | {rb} |")
PY
cat bench/out/backup.md
