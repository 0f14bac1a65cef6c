# Sourced by the benchmarks: starts an unprivileged sshd on a free loopback port with generated
# keys and the fake docker first on its PATH. Sets BENCH_DIR, SSHD_PORT, CLIENT_KEY, SSH_OPTS.
# BENCH_SSHD_ENV, when set, adds NAME=value words to the sessions' environment.
BENCH_DIR="$(mktemp -d)"
ssh-keygen -q -t ed25519 -N '' -f "$BENCH_DIR/host" -C bench
ssh-keygen -q -t ed25519 -N '' -f "$BENCH_DIR/client" -C bench
cp "$BENCH_DIR/client.pub" "$BENCH_DIR/authorized_keys"
# An empty HOME keeps the login shell's startup files (e.g. a pyenv init in ~/.bashrc) out of
# the measurement, as on a lean server.
mkdir -p "$BENCH_DIR/bin" "$BENCH_DIR/docker-state" "$BENCH_DIR/home"
cp "$(dirname "${BASH_SOURCE[0]}")/../tests/fixtures/fake-docker" "$BENCH_DIR/bin/docker"
[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd
SSHD_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$BENCH_DIR/sshd_config" <<CFG
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $BENCH_DIR/host
PidFile $BENCH_DIR/sshd.pid
AuthorizedKeysFile $BENCH_DIR/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
MaxStartups 500
MaxSessions 500
SetEnv PATH=$BENCH_DIR/bin:/usr/local/bin:/usr/bin:/bin HOME=$BENCH_DIR/home${BENCH_SSHD_ENV:+ $BENCH_SSHD_ENV}
CFG
/usr/sbin/sshd -D -f "$BENCH_DIR/sshd_config" -E "$BENCH_DIR/sshd.log" &
SSHD_PID=$!
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$SSHD_PORT") 2>/dev/null && break; sleep 0.1; done
CLIENT_KEY="$BENCH_DIR/client"
SSH_OPTS="-F /dev/null -i $CLIENT_KEY -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$BENCH_DIR/known_hosts -o StrictHostKeyChecking=accept-new"
stop_sshd() { kill "$SSHD_PID" 2>/dev/null; rm -rf "$BENCH_DIR"; }
