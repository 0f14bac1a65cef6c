//! Helpers for the vault tests: commands with extra environment, secret set/reveal, hand-made
//! vault and identity files.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use age::secrecy::ExposeSecret;
use age::x25519::Identity;
use serde_json::Value;

use super::{Env, stderr, stdout};

pub const KEY: &str = "PAAS__CTX_C__NS_DEFAULT__APP_API__TARGET_GLOBAL__VAR_DB_PASSWORD";

/// Runs with extra environment; returns the output.
pub fn run_env(env: &Env, vars: &[(&str, &str)], args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut c = env.cmd();
    for (k, v) in vars {
        c.env(k, v);
    }
    let mut child = c
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn json_env(
    env: &Env,
    vars: &[(&str, &str)],
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let o = run_env(env, vars, &all, stdin);
    let doc = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}\n{}", stdout(&o), stderr(&o)));
    (o.status.code().unwrap_or(-1), doc)
}

pub fn set(env: &Env, vars: &[(&str, &str)], name: &str, value: &str) -> (i32, Value) {
    json_env(
        env,
        vars,
        &[
            "--context",
            "c",
            "secret",
            "set",
            "--app",
            "api",
            "--name",
            name,
        ],
        Some(value),
    )
}

pub fn reveal(env: &Env, vars: &[(&str, &str)], name: &str) -> (i32, Value) {
    json_env(
        env,
        vars,
        &[
            "--context",
            "c",
            "secret",
            "get",
            "--app",
            "api",
            "--name",
            name,
            "--reveal",
            "--allow-plaintext",
        ],
        None,
    )
}

pub fn vault_file(env: &Env) -> PathBuf {
    env.ctx_dir("c").join("vault/secrets.env")
}

/// Writes the vault by hand, 0600 as paasdeck would keep it.
pub fn write_vault(env: &Env, text: &str) {
    std::fs::write(vault_file(env), text).unwrap();
    std::fs::set_permissions(vault_file(env), std::fs::Permissions::from_mode(0o600)).unwrap();
}

pub fn identity_file(dir: &Path, name: &str, id: &Identity, mode: u32) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!(
            "# public key: {}\n{}\n",
            id.to_public(),
            id.to_string().expose_secret()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

pub fn secret_string(id: &Identity) -> String {
    id.to_string().expose_secret().to_string()
}

pub fn check<'a>(doctor: &'a Value, name: &str) -> &'a Value {
    doctor["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}
