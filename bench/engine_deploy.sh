#!/usr/bin/env bash
# A deploy on a real Docker engine against what it replaces: `paasdeck deploy --apply` (new
# release directory, upload, .env, pull, up -d, current link, health gate, records) against
# `ssh host 'cd dir && docker-compose up -d'` doing the same container work, over the same
# loopback sshd, on a dockerd this script starts (Debian's docker.io, docker-compose 1.29,
# busybox-static; needs root). Each side recreates the one container of the app every run.
# Runs the two alternately, A B A B …, and prints each run's wall time, the medians and the
# median of the pair-by-pair ratios A/B.
# Usage: bench/engine_deploy.sh [RUNS]     PAASDECK_BIN: the binary (default target/release)
#        BENCH_RUNNER='TOOL ARGS --vs': run "$BENCH_RUNNER B -- A" instead of the loop
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-7}"
bin="${PAASDECK_BIN:-$PWD/target/release/paasdeck}"
[ -x "$bin" ] || { echo "no paasdeck binary at $bin (cargo build --release, or set PAASDECK_BIN)" >&2; exit 1; }
for p in /usr/sbin/dockerd /usr/bin/docker /usr/bin/docker-compose /bin/busybox; do
  [ -x "$p" ] || { echo "$p is missing: apt-get install docker.io docker-compose busybox-static" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "starting a dockerd needs root" >&2; exit 1; }

engine="$(mktemp -d /tmp/pdkb.XXXX)"
sock="$engine/s"
/usr/sbin/dockerd --data-root "$engine/d" --exec-root "$engine/e" --host "unix://$sock" \
  --pidfile "$engine/p" --bridge none --iptables=false >"$engine/log" 2>&1 &
dockerd_pid=$!
export DOCKER_HOST="unix://$sock"
stop_engine() {
  ids="$(/usr/bin/docker ps -aq 2>/dev/null || true)"
  [ -z "$ids" ] || /usr/bin/docker rm -f $ids >/dev/null 2>&1 || true
  kill "$dockerd_pid" 2>/dev/null || true
  wait "$dockerd_pid" 2>/dev/null || true
  grep " $engine/" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount 2>/dev/null || true
  rm -rf "$engine"
}
for _ in $(seq 200); do /usr/bin/docker version >/dev/null 2>&1 && break; sleep 0.05; done
mkdir -p "$engine/rootfs/bin"
cp /bin/busybox "$engine/rootfs/bin/"
for a in sh sleep echo; do ln -s busybox "$engine/rootfs/bin/$a"; done
tar -C "$engine/rootfs" -cf - . | /usr/bin/docker import - bench/api:1 >/dev/null

BENCH_SSHD_ENV="DOCKER_HOST=unix://$sock"
source bench/sshd.sh
trap 'stop_sshd; stop_engine' EXIT
ln -sf /usr/bin/docker "$BENCH_DIR/bin/docker"
user="$(id -un)"

# The app: one container, no network, stopped at once. The release id is in its command, so
# each paasdeck release recreates it; the plain side changes a label each run to match.
compose='services:
  api:
    image: bench/api:1
    network_mode: none
    stop_signal: SIGKILL
    command: ["sh", "-c", "echo {{paas.release}}; exec sleep 3600"]'
export SI_PAAS_STATE_ROOT="$BENCH_DIR/state" PAASDECK_SSH_CONFIG=/dev/null
work="$BENCH_DIR/work"; mkdir -p "$work"
printf '%s\n' "$compose" > "$work/compose.yaml"
"$bin" context init bench --type oss-demo >/dev/null
"$bin" --context bench target add --name edge --host 127.0.0.1 --port "$SSHD_PORT" --user "$user" --identity-file "$CLIENT_KEY" >/dev/null
"$bin" --context bench app add --name api --compose-file "$work/compose.yaml" --targets edge --remote-dir "$BENCH_DIR/remote" >/dev/null
"$bin" --context bench deploy --app api --apply >/dev/null

plain="$BENCH_DIR/plain"; mkdir -p "$plain"
cat > "$BENCH_DIR/paasdeck-deploy" <<SH
#!/bin/sh
exec "$bin" --context bench deploy --app api --apply >/dev/null
SH
cat > "$BENCH_DIR/compose-up" <<SH
#!/bin/sh
n=\$(date +%s%N)
printf 'services:\n  api:\n    image: bench/api:1\n    network_mode: none\n    stop_signal: SIGKILL\n    command: ["sh", "-c", "echo %s; exec sleep 3600"]\n' "\$n" |
  ssh $SSH_OPTS -p $SSHD_PORT $user@127.0.0.1 "cat > $plain/compose.yaml && cd $plain && docker-compose -p plain-api up -d" >/dev/null 2>&1
SH
# The same work as a deploy of si paas (and of paasdeck): pull (a failure only warns), then up.
cat > "$BENCH_DIR/compose-pull-up" <<SH
#!/bin/sh
n=\$(date +%s%N)
printf 'services:\n  api:\n    image: bench/api:1\n    network_mode: none\n    stop_signal: SIGKILL\n    command: ["sh", "-c", "echo %s; exec sleep 3600"]\n' "\$n" |
  ssh $SSH_OPTS -p $SSHD_PORT $user@127.0.0.1 "cat > $plain/compose.yaml && cd $plain && { docker-compose -p plain-api pull || true; } && docker-compose -p plain-api up -d" >/dev/null 2>&1
SH
chmod +x "$BENCH_DIR/paasdeck-deploy" "$BENCH_DIR/compose-up" "$BENCH_DIR/compose-pull-up"
"$BENCH_DIR/compose-up"

if [ -n "${BENCH_RUNNER:-}" ]; then
  $BENCH_RUNNER "$BENCH_DIR/compose-pull-up" -- "$BENCH_DIR/paasdeck-deploy"
  exit 0
fi
ms() { local s e; s=$(date +%s%N); "$1"; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
a=(); b=(); c=()
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do
  a+=("$(ms "$BENCH_DIR/paasdeck-deploy")")
  b+=("$(ms "$BENCH_DIR/compose-up")")
  c+=("$(ms "$BENCH_DIR/compose-pull-up")")
  echo "run $i: paasdeck deploy ${a[-1]} ms, ssh docker-compose up -d ${b[-1]} ms, ssh docker-compose pull + up -d ${c[-1]} ms"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "${a[*]}" "${b[*]}" "${c[*]}" <<'PY'
import statistics, sys
a, b, c = ([int(x) for x in arg.split()] for arg in sys.argv[1:4])
print(f"median: paasdeck deploy {statistics.median(a)} ms, ssh docker-compose up -d {statistics.median(b)} ms, ssh docker-compose pull + up -d {statistics.median(c)} ms")
for name, anchor in (("up -d", b), ("pull + up -d", c)):
    r = [x / y for x, y in zip(a, anchor)]
    print(f"ratio paasdeck/({name}), median of pairs: {statistics.median(r):.2f} (min {min(r):.2f}, max {max(r):.2f})")
PY
