//! `target bootstrap`: a password target becomes a key target. The operator's public key is
//! installed over one password login made by the system `ssh`, which reads the password from
//! an askpass program (paasdeck itself, in its askpass mode) through `SSH_ASKPASS` with
//! `SSH_ASKPASS_REQUIRE=force`; the password travels only in the environment of those two
//! child processes, never in an argv, an event or a log. Key auth is then verified over a
//! normal connection before the target is switched to `auth_method: key`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::secrets::SecretValue;
use crate::policy::redact::ValueRedactor;
use crate::remote::pool::Pool;
use crate::remote::quote::quote;
use crate::remote::ssh::{SshOptions, connect_limits};
use crate::remote::{ExecRequest, capture};
use crate::state::paths::{ContextDir, expand_home};
use crate::state::targets::{self, AuthMethod, Target, TargetsDoc};
use crate::state::{clock, fsio, names};

/// Set in the askpass child: paasdeck then only answers ssh's password prompt.
pub const ASKPASS_MODE_ENV: &str = "PAASDECK_ASKPASS";
/// The password, in the askpass child's environment only.
pub const ASKPASS_VALUE_ENV: &str = "PAASDECK_ASKPASS_VALUE";
/// Another `ssh` binary (the tests' stand-in for a server that checks passwords).
pub const SSH_BIN_ENV: &str = "PAASDECK_SSH_BIN";

const MARK: &str = "paasdeck-key-installed";

/// The time limit of a whole bootstrap (`--timeout`'s default; the console's).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(45);

/// The askpass program: ssh runs it with its prompt as the only argument; a password prompt
/// gets the password on stdout, anything else (a host key question) gets no answer.
pub fn askpass(prompt: &str) -> i32 {
    use std::io::Write;
    if !prompt.to_ascii_lowercase().contains("password") {
        return 1;
    }
    match std::env::var(ASKPASS_VALUE_ENV) {
        Ok(v) if !v.is_empty() => {
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{v}").is_err() {
                return 1;
            }
            0
        }
        _ => 1,
    }
}

/// Where the password comes from: an environment variable named on the command line
/// (headless), or typed into the console's masked field. Either way it reaches only the
/// askpass child's environment.
#[derive(Debug, Clone)]
pub enum Password {
    Env(String),
    Typed(SecretValue),
}

#[derive(Debug, Clone)]
pub struct BootstrapSpec {
    pub target: String,
    pub password: Password,
    pub public_key: Option<PathBuf>,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Bootstrapped {
    pub target: Target,
    pub public_key: PathBuf,
    /// The private key beside the public one, recorded as the target's identity.
    pub identity_file: Option<PathBuf>,
}

fn bootstrap_error(code: ErrorCode, stage: &str, target: &str, msg: String) -> PaasError {
    PaasError::new(code, stage, msg).with_target(target)
}

/// `--public-key`, else `~/.ssh/id_ed25519.pub`, else `~/.ssh/id_rsa.pub`.
fn public_key_path(spec: &BootstrapSpec) -> Result<PathBuf> {
    if let Some(p) = &spec.public_key {
        return Ok(expand_home(p));
    }
    ["~/.ssh/id_ed25519.pub", "~/.ssh/id_rsa.pub"]
        .iter()
        .map(|p| expand_home(Path::new(p)))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            PaasError::usage(
                "flag_validation",
                "no public key found (~/.ssh/id_ed25519.pub, ~/.ssh/id_rsa.pub)",
            )
            .with_remediation("make one with `ssh-keygen -t ed25519`, or pass --public-key FILE")
        })
}

/// One `authorized_keys` line: a key type, base64 and an optional comment, nothing else.
fn read_public_key(path: &Path) -> Result<String> {
    let bad = |why: &str| {
        PaasError::usage(
            "flag_validation",
            format!("{} is not an SSH public key: {why}", path.display()),
        )
        .with_remediation("pass the .pub file of your key with --public-key")
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(&e.to_string()))?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let [line] = lines.as_slice() else {
        return Err(bad("it must hold exactly one key line"));
    };
    let line = line.trim();
    let kind = line.split_whitespace().next().unwrap_or("");
    let known = kind.starts_with("ssh-") || kind.starts_with("ecdsa-") || kind.starts_with("sk-");
    if !known || line.split_whitespace().count() < 2 {
        return Err(bad("it does not start with a key type and the key"));
    }
    if line.chars().any(char::is_control) {
        return Err(bad("it holds a control character"));
    }
    Ok(line.to_string())
}

/// The script the password login runs: `~/.ssh` 0700, `authorized_keys` 0600, the key
/// appended unless the exact line is there.
fn install_script(key: &str) -> String {
    let k = quote(key);
    format!(
        "umask 077 && mkdir -p \"$HOME/.ssh\" && chmod 700 \"$HOME/.ssh\" && touch \"$HOME/.ssh/authorized_keys\" && chmod 600 \"$HOME/.ssh/authorized_keys\" && {{ grep -qxF {k} \"$HOME/.ssh/authorized_keys\" || printf '%s\\n' {k} >> \"$HOME/.ssh/authorized_keys\"; }} && echo {MARK}"
    )
}

/// The system ssh for one password login: the password through `SSH_ASKPASS` (paasdeck
/// itself), host keys learned into paasdeck's own file, no multiplexing.
fn ssh_command(
    opts: &SshOptions,
    t: &Target,
    password: &str,
    script: &str,
    exe: &Path,
) -> Result<tokio::process::Command> {
    let ssh = std::env::var_os(SSH_BIN_ENV)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "ssh".into());
    let (tcp, _) = connect_limits(opts.connect_timeout);
    if let Some(dir) = opts.known_hosts.parent() {
        fsio::ensure_dir(dir)?;
    }
    fsio::ensure_private_file(&opts.known_hosts)?;
    let mut cmd = tokio::process::Command::new(ssh);
    cmd.arg("-p")
        .arg(t.port().to_string())
        .args([
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
        ])
        .args(["-o", "PubkeyAuthentication=no"])
        .args(["-o", "NumberOfPasswordPrompts=1"])
        .args(["-o", "StrictHostKeyChecking=accept-new"])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", opts.known_hosts.display()))
        .arg("-o")
        .arg(format!("ConnectTimeout={}", tcp.as_secs()))
        .args(["-o", "ControlMaster=no", "-o", "ControlPath=none"]);
    if let Some(cfg) = &opts.config_file {
        cmd.arg("-F").arg(cfg);
    }
    cmd.arg("-l")
        .arg(t.user.as_str())
        .arg("--")
        .arg(t.host.as_str())
        .arg(script)
        .env("SSH_ASKPASS", exe)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env(ASKPASS_MODE_ENV, "1")
        .env(ASKPASS_VALUE_ENV, password)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    Ok(cmd)
}

/// Why a password login failed, from ssh's (redacted) stderr and exit status: a changed host
/// key, a refused password, no connection, or the install script failing.
fn login_failure(
    opts: &SshOptions,
    t: &Target,
    status: std::process::ExitStatus,
    err: &str,
) -> PaasError {
    let tail: String = err
        .lines()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("; ");
    let tail = crate::text::sanitize_inline(&tail);
    if let Some(e) =
        crate::remote::hostkeys::mismatch_error(err, &t.host, t.port(), &opts.known_hosts)
    {
        return e.with_target(&t.name);
    }
    let lower = err.to_ascii_lowercase();
    let (code, what) = if lower.contains("permission denied") {
        (ErrorCode::SshAuthFailed, "the password login was refused")
    } else if status.code() == Some(255) {
        (ErrorCode::SshConnectFailed, "ssh could not connect")
    } else {
        (ErrorCode::RemoteCommandFailed, "installing the key failed")
    };
    bootstrap_error(
        code,
        "bootstrap_password_login",
        &t.name,
        format!("{what} on {} (exit {}): {tail}", t.address(), status.code().unwrap_or(-1)),
    )
    .with_remediation("check the password, and that the server allows password logins (PasswordAuthentication yes)")
}

/// Installs the key over one password login with the system ssh.
async fn password_login(
    opts: &SshOptions,
    t: &Target,
    password: &str,
    script: &str,
    limit: Duration,
) -> Result<()> {
    let exe = std::env::current_exe().map_err(|e| {
        PaasError::new(
            ErrorCode::UnknownFailure,
            "bootstrap",
            format!("cannot find paasdeck's own program for SSH_ASKPASS: {e}"),
        )
    })?;
    let mut cmd = ssh_command(opts, t, password, script, &exe)?;
    let mut child = cmd.spawn().map_err(|e| {
        bootstrap_error(
            ErrorCode::SshConnectFailed,
            "bootstrap_password_login",
            &t.name,
            format!("cannot start ssh: {e}"),
        )
        .with_remediation("install the OpenSSH client (package openssh-client)")
    })?;
    let (mut out, mut err) = (String::new(), String::new());
    let mut so = child.stdout.take();
    let mut se = child.stderr.take();
    let run = async {
        let read_out = async {
            if let Some(s) = so.as_mut() {
                let _ = s.read_to_string(&mut out).await;
            }
        };
        let read_err = async {
            if let Some(s) = se.as_mut() {
                let _ = s.read_to_string(&mut err).await;
            }
        };
        tokio::join!(read_out, read_err);
        child.wait().await
    };
    let status = match tokio::time::timeout(limit, run).await {
        Ok(s) => {
            s.map_err(|e| PaasError::new(ErrorCode::UnknownFailure, "bootstrap", e.to_string()))?
        }
        Err(_) => {
            return Err(bootstrap_error(
                ErrorCode::Timeout,
                "bootstrap_password_login",
                &t.name,
                format!(
                    "the password login to {} did not finish within {}",
                    t.address(),
                    crate::remote::human(limit)
                ),
            ));
        }
    };
    // Whatever the server or ssh printed, the password never goes further.
    let redactor = ValueRedactor::new(&[password.to_string()]);
    let err = redactor.redact(err.trim());
    if status.success() && out.lines().any(|l| l.trim() == MARK) {
        return Ok(());
    }
    Err(login_failure(opts, t, status, &err))
}

/// The password itself: the named variable's value, or what was typed; never empty.
fn resolve_password(p: &Password) -> Result<String> {
    match p {
        Password::Typed(v) if v.is_empty() => {
            Err(PaasError::usage("flag_validation", "the password is empty")
                .with_remediation("type the target's SSH password"))
        }
        Password::Typed(v) => Ok(v.expose().to_string()),
        Password::Env(name) => {
            names::validate_env_name(name).map_err(|_| {
                PaasError::usage(
                    "flag_validation",
                    format!("--password-env takes the NAME of an environment variable, not {:?}", crate::text::sanitize_inline(name)),
                )
                .with_remediation("export the password in a variable and pass its name: `PASS=… paasdeck … --password-env PASS`")
            })?;
            let password = std::env::var(name).unwrap_or_default();
            if password.is_empty() {
                return Err(PaasError::usage(
                    "flag_validation",
                    format!("the environment variable {name} is empty or not set"),
                )
                .with_remediation(format!(
                    "export the password first: `read -rs {name} && export {name}`"
                )));
            }
            Ok(password)
        }
    }
}

/// Runs the whole bootstrap within `spec.timeout`.
pub async fn bootstrap(cd: &ContextDir, pool: &Pool, spec: &BootstrapSpec) -> Result<Bootstrapped> {
    names::validate_target(&spec.target)?;
    let password = resolve_password(&spec.password)?;
    let doc: TargetsDoc = targets::load(cd)?;
    let t = doc
        .find(&spec.target)
        .cloned()
        .ok_or_else(|| targets::not_found(&spec.target))?;
    if t.auth() == AuthMethod::Local {
        return Err(PaasError::usage(
            "bootstrap",
            format!(
                "target {} uses the local transport; bootstrap is not needed",
                t.name
            ),
        ));
    }
    let public_key = public_key_path(spec)?;
    let key = read_public_key(&public_key)?;
    let identity = public_key
        .to_str()
        .and_then(|s| s.strip_suffix(".pub"))
        .map(PathBuf::from)
        .filter(|p| p.is_file());
    let started = tokio::time::Instant::now();
    let left = || spec.timeout.saturating_sub(started.elapsed());
    password_login(pool.options(), &t, &password, &install_script(&key), left()).await?;
    // Key auth over a normal connection, as every later command will connect.
    let mut keyed = t.clone();
    keyed.auth_method = "key".into();
    if let Some(i) = &identity {
        keyed.identity_file = i.display().to_string();
    }
    let verify = async {
        let tr = pool.get(cd.name(), &keyed).await?;
        capture(
            tr.as_ref(),
            ExecRequest::new("echo paasdeck-key-auth-ok")
                .timeout(left().max(Duration::from_secs(1))),
            tokio_util::sync::CancellationToken::new(),
            4,
        )
        .await
    };
    let out = verify.await.map_err(|e| PaasError {
        message: format!(
            "the key was installed, but key authentication failed: {}",
            e.message
        ),
        stage: "bootstrap_verify".into(),
        ..e
    })?;
    if out.code != 0
        || !out
            .stdout
            .iter()
            .any(|l| l.trim() == "paasdeck-key-auth-ok")
    {
        return Err(bootstrap_error(
            ErrorCode::SshAuthFailed,
            "bootstrap_verify",
            &t.name,
            format!(
                "the key was installed, but a key login to {} did not answer as expected",
                t.address()
            ),
        ));
    }
    let lock = cd.lock()?;
    let updated = fsio::update_doc(&lock, &cd.targets(), |doc: &mut TargetsDoc| {
        let slot = doc
            .targets
            .iter_mut()
            .find(|x| x.is(&t.name))
            .ok_or_else(|| targets::not_found(&t.name))?;
        slot.auth_method = "key".into();
        if let Some(i) = &identity {
            slot.identity_file = i.display().to_string();
        }
        slot.updated_at = clock::now_doc();
        Ok(slot.clone())
    })?;
    if let Some(i) = &identity {
        targets::keep_identity_file(&lock, cd, &t.name, Some(&i.display().to_string()))?;
    }
    drop(lock);
    Ok(Bootstrapped {
        target: updated,
        public_key,
        identity_file: identity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_and_the_script() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k.pub");
        std::fs::write(&p, "ssh-ed25519 AAAAC3Nza op@host\n").unwrap();
        assert_eq!(
            read_public_key(&p).unwrap(),
            "ssh-ed25519 AAAAC3Nza op@host"
        );
        for bad in [
            "",
            "hello",
            "ssh-ed25519",
            "ssh-ed25519 A\nssh-rsa B\n",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n",
        ] {
            std::fs::write(&p, bad).unwrap();
            assert!(read_public_key(&p).is_err(), "{bad:?}");
        }
        let s = install_script("ssh-ed25519 AAAA it's");
        assert!(s.contains("'ssh-ed25519 AAAA it'\"'\"'s'"), "{s}");
    }
}
