//! Shared harness for integration tests: a throw-away home, state root and working directory
//! (outside any repository), and helpers to run the real binary.
#![allow(dead_code)]

pub mod dockerd;
pub mod sshd;
pub mod tmux;
pub mod vault;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
    pub work: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("state");
        let home = dir.path().join("home");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        Env {
            dir,
            root,
            home,
            work,
        }
    }

    pub fn bin() -> PathBuf {
        PathBuf::from(env!("CARGO_BIN_EXE_paasdeck"))
    }

    /// A command with the environment pinned to this test's directories.
    pub fn cmd(&self) -> std::process::Command {
        let mut c = std::process::Command::new(Self::bin());
        c.current_dir(&self.work)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("USER", "tester")
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("XDG_STATE_HOME", self.home.join(".local/state"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("SI_PAAS_STATE_ROOT", &self.root)
            .env("NO_COLOR", "1");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run paasdeck")
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .cmd()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().expect("wait")
    }

    /// Runs with `--json` and parses stdout; returns (exit code, document).
    pub fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let code = out.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of {args:?} is not one JSON document ({e}):\n{stdout}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, doc)
    }

    /// `json` with `--context ctx` in front of `args`.
    pub fn json_in(&self, ctx: &str, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--context", ctx];
        all.extend_from_slice(args);
        self.json(&all)
    }

    /// An open incident that raised no alert in `ctx`: target `a` on a loopback port nothing
    /// listens on, and its failed check.
    pub fn incident_without_alert(&self, ctx: &str) {
        let port = sshd::free_port().to_string();
        self.ok_in(
            ctx,
            &[
                "target",
                "add",
                "--name",
                "a",
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--user",
                "u",
            ],
        );
        let (code, doc) = self.json_in(
            ctx,
            &["target", "check", "--target", "a", "--timeout", "3s"],
        );
        assert_eq!(code, 1, "{doc:#}");
        assert!(!self.ctx_dir(ctx).join("events/alerts.jsonl").exists());
    }

    /// `ok` with `--context ctx` in front of `args`.
    pub fn ok_in(&self, ctx: &str, args: &[&str]) -> Value {
        let mut all = vec!["--context", ctx];
        all.extend_from_slice(args);
        self.ok(&all)
    }

    /// Runs and asserts exit 0, returning the JSON document.
    pub fn ok(&self, args: &[&str]) -> Value {
        let (code, doc) = self.json(args);
        assert_eq!(code, 0, "{args:?} failed: {doc:#}");
        assert_eq!(doc["ok"], true, "{args:?}: {doc:#}");
        doc
    }

    pub fn init(&self, name: &str, kind: &str) {
        self.ok(&["context", "init", name, "--type", kind]);
    }

    pub fn add_target(&self, ctx: &str, name: &str, host: &str) {
        self.ok(&[
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
        ]);
    }

    pub fn ctx_dir(&self, ctx: &str) -> PathBuf {
        self.root.join("contexts").join(ctx)
    }

    pub fn log_dir(&self) -> PathBuf {
        self.home.join(".local/state/paasdeck/logs")
    }

    /// Every file under `dir`, concatenated (lossy), for "does this value appear anywhere" checks.
    pub fn all_text_under(dir: &Path) -> String {
        let mut s = String::new();
        for e in walk(dir) {
            if let Ok(b) = std::fs::read(&e) {
                s.push_str(&String::from_utf8_lossy(&b));
                s.push('\n');
            }
        }
        s
    }
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
