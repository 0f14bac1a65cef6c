//! The real console in a private tmux server: start it, type, read the screen.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::Env;

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A private tmux server (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
    env: Vec<(String, String)>,
}

impl Tmux {
    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.env_clear();
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c.args(["-L", &self.socket]);
        c
    }

    pub fn start(env: Vec<(String, String)>, width: u16, height: u16, shell_cmd: &str) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is missing: install it (./scripts/test.sh does)"
        );
        let t = Tmux {
            socket: format!(
                "paasdeck-test-{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            ),
            env,
        };
        let st = t
            .cmd()
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                shell_cmd,
            ])
            .status()
            .unwrap();
        assert!(st.success(), "tmux new-session failed");
        t
    }

    pub fn send(&self, keys: &str) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "e2e", "-l", keys])
            .status()
            .unwrap();
        assert!(st.success());
    }

    pub fn send_key(&self, key: &str) {
        let st = self
            .cmd()
            .args(["send-keys", "-t", "e2e", key])
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// Escape, then wait until `what` is off the screen: a key sent right after a lone
    /// Escape would reach the console as Alt+key.
    pub fn escape_from(&self, what: &str) {
        self.send_key("Escape");
        self.wait_for(&format!("{what} to close"), |s| !s.contains(what));
    }

    pub fn capture(&self, escapes: bool) -> String {
        let mut c = self.cmd();
        c.args(["capture-pane", "-p", "-t", "e2e"]);
        if escapes {
            c.arg("-e");
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    }

    pub fn wait_for(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture(false);
            if cond(&screen) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn alternate_on(&self) -> bool {
        let out = self
            .cmd()
            .args(["display", "-p", "-t", "e2e", "#{alternate_on}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

pub fn fake_docker_bin(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-docker"),
        bin.join("docker"),
    )
    .unwrap();
    bin
}

pub fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Seeds a demo state under the test's directory; returns its state root.
pub fn seed_demo(env: &Env) -> String {
    let demo_dir = env.dir.path().join("demo");
    let out = env
        .cmd()
        .args([
            "--state-root",
            demo_dir.to_str().unwrap(),
            "demo",
            "--seed-only",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(root.ends_with("/paas"));
    root
}

/// The console's environment: the test's home, and the fake docker first on PATH.
pub fn console_env(env: &Env) -> Vec<(String, String)> {
    let bin = fake_docker_bin(env.dir.path());
    let home = env.home.display().to_string();
    vec![
        (
            "PATH".to_string(),
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
        ("HOME".to_string(), home.clone()),
        ("XDG_CONFIG_HOME".to_string(), format!("{home}/.config")),
        ("XDG_STATE_HOME".to_string(), format!("{home}/.local/state")),
        ("XDG_CACHE_HOME".to_string(), format!("{home}/.cache")),
        ("XDG_DATA_HOME".to_string(), format!("{home}/.local/share")),
        ("TERM".to_string(), "xterm-256color".to_string()),
        (
            "FAKE_DOCKER_STATE".to_string(),
            env.dir.path().join("docker-state").display().to_string(),
        ),
    ]
}

/// Adds a target from another paasdeck process, as a second operator would.
pub fn add_target_elsewhere(env: &Env, root: &str, ctx: &str, name: &str, host: &str) {
    let o = env
        .cmd()
        .args([
            "--state-root",
            root,
            "--context",
            ctx,
            "target",
            "add",
            "--name",
            name,
            "--host",
            host,
            "--user",
            "deploy",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Runs the console on `root` in tmux; the shell reports its exit status afterwards.
pub fn console(env: &Env, root: &str, width: u16, height: u16) -> Tmux {
    let shell = format!(
        "cd {} && {} -vv --state-root {root}; echo PAASDECK-EXITED $?; sleep 60",
        env.work.display(),
        Env::bin().display()
    );
    Tmux::start(console_env(env), width, height, &shell)
}
