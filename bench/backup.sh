#!/usr/bin/env bash
# `paasdeck backup run` of a 1 GiB dump over a loopback sshd (sha256 of the plaintext, age
# encryption, sha256 of the artifact, an fsynced artifact file) against the same bytes through
# `ssh host 'cat dump' | sha256sum > /dev/null`, and paasdeck's peak resident memory at 64 MiB
# and 1 GiB. The dump is random bytes (nothing compresses), cat by the app's backup_cmd.
# Usage: bench/backup.sh [RUNS]   (figures go to bench/out/backup.md)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is required (apt-get install time)" >&2; exit 1; }
cargo build --release -q
bin="$PWD/target/release/paasdeck"
source bench/sshd.sh
trap stop_sshd EXIT
user="$(id -un)"
export SI_PAAS_STATE_ROOT="$BENCH_DIR/state" PAASDECK_SSH_CONFIG=/dev/null
export SI_VAULT_IDENTITY_FILE="$BENCH_DIR/identity.txt"
"$bin" vault keygen >/dev/null
"$bin" context init bench --type oss-demo >/dev/null
"$bin" --context bench target add --name t1 --host 127.0.0.1 --port "$SSHD_PORT" --user "$user" --identity-file "$CLIENT_KEY" >/dev/null
printf 'services:\n  db:\n    image: postgres:16\n' > "$BENCH_DIR/compose.yaml"
app() { # NAME DUMP
  "$bin" --context bench app add --name "$1" --compose-file "$BENCH_DIR/compose.yaml" --targets t1 \
    --remote-dir "$BENCH_DIR/remote" --backup-cmd "cat $2" --restore-cmd "sha256sum" >/dev/null
  "$bin" --context bench deploy --app "$1" --apply >/dev/null
}
head -c 64M /dev/urandom > "$BENCH_DIR/dump-64m"
head -c 1G /dev/urandom > "$BENCH_DIR/dump-1g"
app small "$BENCH_DIR/dump-64m"
app big "$BENCH_DIR/dump-1g"
ssh $SSH_OPTS -p "$SSHD_PORT" "$user@127.0.0.1" true
store="$SI_PAAS_STATE_ROOT/backups/bench"
mkdir -p bench/out
# Each run's artifact is removed before the next, so the disk holds one at a time.
hyperfine --warmup 1 --runs "$runs" --prepare "rm -f $store/*.age" \
  --export-markdown "$BENCH_DIR/speed.md" \
  -n "ssh host 'cat dump' | sha256sum (1 GiB)" \
  "ssh $SSH_OPTS -p $SSHD_PORT $user@127.0.0.1 'cat $BENCH_DIR/dump-1g' | sha256sum > /dev/null" \
  -n "paasdeck backup run (1 GiB)" \
  "$bin --context bench backup run --app big"
rss() { # APP
  rm -f "$store"/*.age
  /usr/bin/time -f '%M' -o "$BENCH_DIR/rss" "$bin" --context bench backup run --app "$1" >/dev/null
  echo "$(( $(cat "$BENCH_DIR/rss") / 1024 ))"
}
rss_small="$(rss small)"
rss_big="$(rss big)"
{
  cat "$BENCH_DIR/speed.md"
  echo
  echo "| dump | peak RSS [MiB] |"
  echo "|:---|---:|"
  echo "| 64 MiB | $rss_small |"
  echo "| 1 GiB | $rss_big |"
} > bench/out/backup.md
cat bench/out/backup.md
