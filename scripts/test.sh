#!/usr/bin/env bash
# Installs what the tests need when it is missing (OpenSSH server and client for the loopback
# sshd tests, tmux for the console end-to-end tests, procps for ps/pgrep, python3 for the incus
# simulator the staging tests and the demo use, Debian's docker.io, docker-compose and
# busybox-static for the tests against a real Docker engine, Python's eciespy for the si vault
# tests), then runs formatting, lints and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v pgrep >/dev/null 2>&1 || need+=(procps)
command -v python3 >/dev/null 2>&1 || need+=(python3)
[ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] || need+=(docker.io)
[ -x /usr/bin/docker-compose ] || need+=(docker-compose)
# The engine tests' image is busybox-static's /bin/busybox (a static binary).
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || need+=(busybox-static)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Python's eciespy decrypts, independently of paasdeck, the values paasdeck writes into an si
# ECIES vault (tests/fixtures/si-vault/decrypt.py).
if ! python3 -c 'import ecies' >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! python3 -m pip --version >/dev/null 2>&1; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
  fi
  echo "installing: eciespy (pip)" >&2
  python3 -m pip install --quiet eciespy 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages eciespy
fi

cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test
