//! Helpers shared by the backup tests.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::Env;
use crate::common::sshd::Sshd;

pub const COMPOSE: &str =
    "services:\n  api:\n    image: example/api:{{paas.release}}\n  db:\n    image: postgres:16\n";
pub const BACKUP_CMD: &str = "docker compose exec -T db pg_dump -U app app";
pub const RESTORE_CMD: &str = "docker compose exec -T db psql -U app app";
pub const DUMP_LINE: &str = "INSERT INTO t VALUES (42, 'paasdeck');\n";

/// The fake dump of `size` bytes, as the fake docker writes it.
pub fn dump(size: usize) -> Vec<u8> {
    DUMP_LINE.bytes().cycle().take(size).collect()
}

pub fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `--json --context C ARGS`; returns (exit code, document, stdout+stderr).
pub fn run(env: &Env, ctx: &str, args: &[&str]) -> (i32, Value, String) {
    run_later(env, ctx, "0s", args)
}

/// `run` with paasdeck's clock `offset` ahead (`PAASDECK_CLOCK_OFFSET`): a backup that is
/// newer than the one before it without waiting for the next second.
pub fn run_later(env: &Env, ctx: &str, offset: &str, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["--json", "--context", ctx];
    all.extend_from_slice(args);
    let o = env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .env("PAASDECK_CLOCK_OFFSET", offset)
        .args(&all)
        .output()
        .unwrap();
    let text = crate::common::stdout(&o) + &crate::common::stderr(&o);
    let doc: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{text}"));
    (o.status.code().unwrap(), doc, text)
}

/// The operator's identity, as `vault keygen` wrote it.
pub fn identity(env: &Env) -> age::x25519::Identity {
    let info = env.ok(&["info"]);
    let text = std::fs::read_to_string(info["identity_file"].as_str().unwrap()).unwrap();
    let key = text
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap();
    age::x25519::Identity::from_str(key).unwrap()
}

/// Decrypts an artifact with the identity (the test's own age code, not paasdeck's).
pub fn decrypt(path: &Path, id: &age::x25519::Identity) -> Vec<u8> {
    let f = std::fs::File::open(path).unwrap();
    let d = age::Decryptor::new(std::io::BufReader::new(f)).unwrap();
    let mut r = d
        .decrypt(std::iter::once(id as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    out
}

pub fn catalogue(env: &Env, ctx: &str) -> Vec<Value> {
    match std::fs::read_to_string(env.ctx_dir(ctx).join("backups.json")) {
        Ok(t) => serde_json::from_str::<Value>(&t).unwrap()["backups"]
            .as_array()
            .unwrap()
            .clone(),
        Err(_) => Vec::new(),
    }
}

pub fn store(env: &Env, ctx: &str) -> PathBuf {
    env.root.join("backups").join(ctx)
}

/// Every file in the store (artifacts and anything else).
pub fn store_files(env: &Env, ctx: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(store(env, ctx))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub fn audit(env: &Env, ctx: &str) -> Vec<Value> {
    std::fs::read_to_string(env.ctx_dir(ctx).join("events/audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Flips one byte in the middle of a file.
pub fn flip_byte(path: &Path) {
    let mut b = std::fs::read(path).unwrap();
    let i = b.len() / 2;
    b[i] ^= 0x01;
    std::fs::write(path, b).unwrap();
}

/// A `shop` production context with one target on a real sshd and the app `api` (with backup
/// and restore commands) deployed on it.
pub struct Site {
    pub env: Env,
    pub sshd: Sshd,
}

impl Site {
    pub fn new() -> Site {
        let env = Env::new();
        env.init("shop", "production");
        env.ok(&["vault", "keygen"]);
        let sshd = Sshd::start();
        env.add_sshd_target("shop", "edge-a", &sshd);
        std::fs::write(env.work.join("compose.yaml"), COMPOSE).unwrap();
        let remote = env.dir.path().join("remote");
        env.ok_in(
            "shop",
            &[
                "app",
                "add",
                "--name",
                "api",
                "--compose-file",
                "compose.yaml",
                "--targets",
                "edge-a",
                "--remote-dir",
                remote.to_str().unwrap(),
                "--backup-cmd",
                BACKUP_CMD,
                "--restore-cmd",
                RESTORE_CMD,
            ],
        );
        let site = Site { env, sshd };
        let (code, doc, text) = site.run(&["deploy", "--app", "api", "--apply"]);
        assert_eq!(code, 0, "{doc:#}\n{text}");
        site
    }

    pub fn run(&self, args: &[&str]) -> (i32, Value, String) {
        run(&self.env, "shop", args)
    }

    /// Sets a fake docker control file on the target.
    pub fn docker(&self, name: &str, value: &str) {
        std::fs::write(self.sshd.docker_state.join(name), value).unwrap();
    }

    pub fn docker_file(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.sshd.docker_state.join(name))
            .ok()
            .map(|s| s.trim().to_string())
    }

    /// `backup run --app api`, asserting success; returns the row.
    pub fn backup(&self) -> Value {
        self.backup_later("0s")
    }

    /// A backup taken with paasdeck's clock `offset` ahead.
    pub fn backup_later(&self, offset: &str) -> Value {
        let (code, doc, text) = run_later(
            &self.env,
            "shop",
            offset,
            &["backup", "run", "--app", "api"],
        );
        assert_eq!(code, 0, "{doc:#}\n{text}");
        doc["backup"].clone()
    }
}
