//! Starting a target's master connection: `ssh -M -f -N` with the options the `openssh`
//! crate's own builder would give it, started in a session of its own (`setsid`), then handed
//! to the crate as a native-mux [`Session`].
//!
//! Why a session of its own: on Linux with CFS autogroups (the default on desktops and most
//! servers), CPU time is shared fairly between *sessions*. Every master started inside the
//! operator's terminal session shares that one session's share; under outside load a fan-out
//! of 16 handshakes then crawls (measured: 50 targets at parallelism 16, 12–14 s in the
//! terminal's session against 4–5 s with a session per connection, as `parallel-ssh` does).
//! A master in its own session also never sees the terminal's signals (`^C` in a cooked
//! moment, `SIGHUP` when the terminal closes) — it lives and ends by its control socket.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use openssh::Session;

use super::{Endpoint, SshOptions};

/// How long an idle master outlives its last use.
pub const PERSIST: Duration = Duration::from_secs(120);

/// The arguments of the master's `ssh`, the destination last.
pub fn master_args(
    dir: &Path,
    ep: &Endpoint,
    opts: &SshOptions,
    tcp_limit: Duration,
) -> Vec<String> {
    let mut a: Vec<String> = vec![
        "-E".into(),
        dir.join("log").display().to_string(),
        "-S".into(),
        dir.join("master").display().to_string(),
        "-M".into(),
        "-f".into(),
        "-N".into(),
        "-o".into(),
        format!("ControlPersist={}s", PERSIST.as_secs()),
    ];
    a.extend(connection_options(ep, opts, tcp_limit));
    a.push(ep.host.clone());
    a
}

/// The options every connection to a target uses (the master's, and a shell's that has no
/// master to ride on): batch mode, host keys learned on first use into paasdeck's own
/// `known_hosts`, the connect time limit, keep-alives, port, user, identity and config file.
pub fn connection_options(ep: &Endpoint, opts: &SshOptions, tcp_limit: Duration) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut o = |v: String| {
        a.push("-o".into());
        a.push(v);
    };
    o("BatchMode=yes".into());
    o("StrictHostKeyChecking=accept-new".into());
    o(format!("ConnectTimeout={}", tcp_limit.as_secs().max(1)));
    o("ServerAliveInterval=15".into());
    o(format!("UserKnownHostsFile={}", opts.known_hosts.display()));
    a.extend([
        "-p".to_string(),
        ep.port.to_string(),
        "-l".into(),
        ep.user.clone(),
    ]);
    if let Some(k) = ep.identity.as_ref().or(opts.default_identity.as_ref()) {
        a.extend([
            "-o".to_string(),
            "IdentitiesOnly=yes".into(),
            "-i".into(),
            k.display().to_string(),
        ]);
    }
    if let Some(cfg) = &opts.config_file {
        a.extend(["-F".to_string(), cfg.display().to_string()]);
    }
    a
}

/// Starts the master and waits for it to be up (authenticated, control socket listening).
/// `Err` carries what ssh said (its log), for the caller to interpret.
pub async fn launch(
    ep: &Endpoint,
    opts: &SshOptions,
    tcp_limit: Duration,
) -> std::result::Result<Session, String> {
    let dir = tempfile::Builder::new()
        .prefix(".ssh-connection")
        .tempdir_in(&opts.control_dir)
        .map_err(|e| {
            format!(
                "cannot create a control directory in {}: {e}",
                opts.control_dir.display()
            )
        })?;
    let mut cmd = tokio::process::Command::new("ssh");
    cmd.args(master_args(dir.path(), ep, opts, tcp_limit))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    own_session(&mut cmd);
    // `-f`: the process exits once the master is up (or has failed).
    let status = cmd
        .status()
        .await
        .map_err(|e| format!("cannot run ssh: {e}"))?;
    if !status.success() {
        let log: PathBuf = dir.path().join("log");
        let said = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(if said.trim().is_empty() {
            format!("ssh exited with {status}")
        } else {
            said
        });
    }
    Ok(Session::new_native_mux(dir))
}

/// Starts the command as the leader of a new session (`setsid(2)` in the child, before exec).
#[allow(unsafe_code)]
fn own_session(cmd: &mut tokio::process::Command) {
    // SAFETY: the closure runs in the forked child before exec and calls only setsid(2),
    // which is async-signal-safe; it touches no memory of the parent and does not allocate.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid()
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(identity: Option<&str>) -> Endpoint {
        Endpoint {
            host: "h.example".into(),
            port: 2222,
            user: "deploy".into(),
            identity: identity.map(PathBuf::from),
        }
    }

    fn opts() -> SshOptions {
        SshOptions {
            known_hosts: "/k/known_hosts".into(),
            connect_timeout: Duration::from_secs(5),
            config_file: Some("/dev/null".into()),
            control_dir: "/run/c".into(),
            default_identity: Some("/keys/default".into()),
        }
    }

    #[test]
    fn the_master_gets_every_connection_option_and_the_destination_last() {
        let a = master_args(
            Path::new("/run/c/x"),
            &ep(Some("/keys/t")),
            &opts(),
            Duration::from_secs(5),
        );
        let s = a.join(" ");
        for want in [
            "-E /run/c/x/log",
            "-S /run/c/x/master",
            "-M -f -N",
            "ControlPersist=120s",
            "-o BatchMode=yes",
            "-o StrictHostKeyChecking=accept-new",
            "-o ConnectTimeout=5",
            "-o UserKnownHostsFile=/k/known_hosts",
            "-p 2222 -l deploy",
            "-o IdentitiesOnly=yes -i /keys/t",
            "-F /dev/null",
        ] {
            assert!(s.contains(want), "{want:?} missing from {s}");
        }
        assert_eq!(a.last().map(String::as_str), Some("h.example"));
        // The target's own key wins over the default one.
        assert!(!s.contains("/keys/default"), "{s}");
        let d = connection_options(&ep(None), &opts(), Duration::from_secs(5)).join(" ");
        assert!(d.contains("-i /keys/default"), "{d}");
    }
}
