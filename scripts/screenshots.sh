#!/usr/bin/env bash
# Screenshots of the real console: the release binary on a fresh demo state in tmux, captured
# with colours (`capture-pane -e`) and rendered to SVG into screenshots/ by rich's ANSI decoder
# and SVG export (scripts/capture_svg.py; rich and its dependencies pinned in
# scripts/requirements-screenshots.txt, installed once into a venv under the cache dir).
# Docker is simulated by tests/fixtures/fake-docker (first on PATH) so the local target check
# passes on machines without a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }
venv="${XDG_CACHE_HOME:-$HOME/.cache}/paasdeck/screenshots-venv"
want="$(sha256sum scripts/requirements-screenshots.txt | cut -d' ' -f1)"
if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$want" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-screenshots.txt
  echo "$want" > "$venv/.requirements"
fi
py="$venv/bin/python"
# PAASDECK_BIN picks a binary already built (e.g. target/debug/paasdeck).
if [ -n "${PAASDECK_BIN:-}" ]; then
  bin="$(realpath "$PAASDECK_BIN")"
else
  cargo build --release -q
  bin="$PWD/target/release/paasdeck"
fi
work="$(mktemp -d)"
sock="paasdeck-shots-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
export HOME="$work/home" XDG_STATE_HOME="$work/home/state" XDG_CONFIG_HOME="$work/home/config" XDG_CACHE_HOME="$work/home/cache"
mkdir -p "$HOME" "$work/bin" screenshots
cp tests/fixtures/fake-docker "$work/bin/docker"
export FAKE_DOCKER_STATE="$work/docker-state" PATH="$work/bin:$PATH"
root="$("$bin" --state-root "$work/demo" demo --seed-only)"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
wait_screen() {
  for _ in $(seq 200); do tm capture-pane -p -t s | grep -qF "$1" && return 0; sleep 0.05; done
  echo "timed out waiting for: $1" >&2; tm capture-pane -p -t s >&2; exit 1
}
focus() { # pane title: Tab until that pane has the focus marker
  for _ in $(seq 8); do
    tm capture-pane -p -t s | grep -qF "▶ $1" && return 0
    tm send-keys -t s Tab
    sleep 0.1
  done
  echo "could not focus the $1 pane" >&2; exit 1
}
shot() { # name title [cols rows]
  sleep 0.3
  tm capture-pane -p -e -N -t s > "$work/$1.ansi"
  "$py" scripts/capture_svg.py "$work/$1.ansi" "screenshots/$1.svg" --title "$2" --cols "${3:-150}" --rows "${4:-44}"
  echo "screenshots/$1.svg"
}
tm new-session -d -s s -x 150 -y 44 "cd $work && $bin --state-root $root"
wait_screen "OSS-DEMO"
shot main-oss-demo "paasdeck — oss-demo (public-safe demo)"
tm send-keys -t s Tab
tm send-keys -t s -l "m"
wait_screen "follow api logs"
shot action-menu "paasdeck — m on an app: its actions, with their keys"
tm send-keys -t s Escape
tm send-keys -t s -l "d"
wait_screen "Confirm in"
shot deploy-plan "paasdeck — d shows the plan and waits for y, even in oss-demo (t changes the health timeout)"
tm send-keys -t s -l "y"
wait_screen "is now the current release of api"
shot deploy-oss-demo "paasdeck — a deploy of api: every target's progress in the deploy's own log, a task per target"
tm send-keys -t s Enter
wait_screen "releases, newest first"
shot history-picker "paasdeck — Enter on an app: its releases, Enter picks one to roll back to"
tm send-keys -t s Escape
tm send-keys -t s -l "S"
wait_screen "Set a secret"
tm send-keys -t s Tab
tm send-keys -t s -l "DATABASE_URL"
tm send-keys -t s Tab Tab
tm send-keys -t s -l "postgres://demo:not-shown@db/api"
shot secret-form "paasdeck — S sets a secret: app and target from lists, the value masked"
tm send-keys -t s Escape
tm send-keys -t s Tab
tm send-keys -t s Enter
wait_screen "l logs · R rollback plan"
shot event-detail "paasdeck — Enter on an event: every field, wrapped; l opens its app's logs"
tm send-keys -t s Escape
tm send-keys -t s -l ":"
tm send-keys -t s -l "target add --name edge-c --host 192.0.2.10 --user deploy"
tm send-keys -t s Enter
wait_screen "PAAS_CONTEXT_GUARD"
tm send-keys -t s Tab Tab
wait_screen "share a host:port"
shot shared-host-refused "paasdeck — oss-demo refuses a target on a host internal-dogfood uses"
tm send-keys -t s -l "w"
tm send-keys -t s Tab
tm send-keys -t s -l "1"
wait_screen "INTERNAL-DOGFOOD"
tm send-keys -t s -l "c"
wait_screen "[ok]   dogfood-local"
shot check-internal-dogfood "paasdeck — internal-dogfood: a target check streaming into the task pane"
tm send-keys -t s -l "G"
tm send-keys -t s -l "B"
wait_screen "Install your key on dogfood-legacy"
tm send-keys -t s -l "not-a-real-password"
shot bootstrap-form "paasdeck — B on a password target: its SSH password typed masked, your key installed over one login"
tm send-keys -t s Escape
tm send-keys -t s -l "g"
tm send-keys -t s -l "D"
wait_screen "Type the context name"
tm send-keys -t s -l "internal"
shot confirm-type-name "paasdeck — removing a target in internal-dogfood asks for the context's name"
tm send-keys -t s Escape
# A state file another tool left group-readable: the doctor report names it and the fix.
chmod 644 "$root/contexts/internal-dogfood/targets.json"
tm send-keys -t s -l "!"
wait_screen "FAIL state_permissions"
shot doctor-report "paasdeck — ! the doctor report: every check, and for a failing one what to do"
chmod 600 "$root/contexts/internal-dogfood/targets.json"
tm send-keys -t s Escape
# The report runs the doctor again: nothing blocks; the demo has no alert channel, a warning
# that never blocks a deploy, with the command that sets one up.
tm send-keys -t s -l "!"
wait_screen "no check blocks"
shot doctor-warning "paasdeck — ! after the fix: nothing blocks; a warning (no alert channel) with its fix, which never blocks a deploy"
tm send-keys -t s Escape
tm send-keys -t s Tab
tm send-keys -t s -l "A"
wait_screen "BUNDLE FILE"
shot addons-internal-dogfood "paasdeck — A on an app: its si add-ons, each merged into every release as its own compose file"
tm send-keys -t s Escape
tm send-keys -t s Tab Tab
wait_screen "VERIFY FAILED"
shot backups-internal-dogfood "paasdeck — internal-dogfood: the Backups pane, verified in words and colour"
tm send-keys -t s -l "j"
tm send-keys -t s -l "r"
wait_screen "Type the context name"
shot confirm-backup-restore "paasdeck — r on a backup: the dialog names the backup, its checksum, its age and the target"
tm send-keys -t s Escape
tm send-keys -t s BTab BTab BTab
tm send-keys -t s -l "3"
wait_screen "READ-ONLY"
tm send-keys -t s -l "D"
wait_screen "refused"
shot readonly-staging "paasdeck — staging is read-only: a destructive action is refused"
tm send-keys -t s -l "?"
wait_screen "NAVIGATION"
shot help "paasdeck — ? help, generated from the keymap"
tm send-keys -t s Escape
tm send-keys -t s -l "4"
wait_screen "wipe -      missing"
focus Instances
tm send-keys -t s -l "c"
wait_screen "stage clone · mutating"
tm send-keys -t s -l "y"
wait_screen "cloned and started: web"
wait_screen "Running 10.0.3.12"
shot stage-clone "paasdeck — staging-gbo: the Instances pane after cloning web into STAGE-GBO"
tm send-keys -t s -l "jjR"
wait_screen "wipes in web"
shot confirm-stage-reset "paasdeck — resetting a staging instance lists what it wipes and the exact commands"
tm send-keys -t s Escape
tm send-keys -t s -l "0"
wait_screen "All contexts: events"
shot all-contexts "paasdeck — 0 the All tab: every context's events, newest first, each row marked with its context"
tm send-keys -t s -l "i"
wait_screen "Incidents, every context"
shot incidents "paasdeck — i the incidents of every context: A acknowledges, X resolves, each in the row's context"
tm send-keys -t s -l "A"
wait_screen "Acknowledge incident"
tm send-keys -t s -l "restarting the worker"
shot incident-acknowledge "paasdeck — A on any open incident: a note, then the guard's dialog"
tm send-keys -t s Escape
tm send-keys -t s Escape
tm send-keys -t s -l ":checklist"
tm send-keys -t s Enter
wait_screen "weekly checklist"
shot checklist "paasdeck — :checklist: the runbook's weekly checklist, every context side by side, Enter runs a failing item's fix"
tm send-keys -t s Escape
tm send-keys -t s -l "q"
# The first run, at 80x24 on a state root with no context yet: the hint, then I's form.
tm kill-session -t s 2>/dev/null || true
tm new-session -d -s s -x 80 -y 24 "cd $work && $bin --state-root $work/first-run"
wait_screen "NO CONTEXTS"
shot first-run-empty "paasdeck — the first run at 80x24: an empty state root says what to press" 80 24
tm send-keys -t s -l "I"
wait_screen "Create a context"
tm send-keys -t s -l "shop"
shot first-run-context "paasdeck — I: the first context's form, the focused field marked without colour" 80 24
tm send-keys -t s Escape
tm send-keys -t s -l "q"
