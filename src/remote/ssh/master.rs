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
    a.extend(connection_options(ep, opts, tcp_limit, HostKeys::LearnNew));
    a.push(ep.host.clone());
    a
}

/// Whether a connection may learn a host key it has not seen (only a master may: what it
/// learns is read back and audited).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostKeys {
    LearnNew,
    KnownOnly,
}

/// The options every connection to a target uses (the master's, and a shell's should its
/// master be gone): batch mode, paasdeck's own `known_hosts`, the connect time limit,
/// keep-alives, port, user, identity and config file.
pub fn connection_options(
    ep: &Endpoint,
    opts: &SshOptions,
    tcp_limit: Duration,
    keys: HostKeys,
) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut o = |v: String| {
        a.push("-o".into());
        a.push(v);
    };
    o("BatchMode=yes".into());
    o(match keys {
        HostKeys::LearnNew => "StrictHostKeyChecking=accept-new".into(),
        HostKeys::KnownOnly => "StrictHostKeyChecking=yes".into(),
    });
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

/// The host and port OpenSSH would dial for `ep` (`ssh -G`: the SSH config's `HostName` and
/// `Port` applied), or `None` when the connection goes through a `ProxyJump` or
/// `ProxyCommand` (or the configuration cannot be read).
pub async fn direct_route(ep: &Endpoint, opts: &SshOptions) -> Option<(String, u16)> {
    let mut cmd = tokio::process::Command::new("ssh");
    cmd.arg("-G")
        .args(["-p", &ep.port.to_string(), "-l", &ep.user]);
    if let Some(cfg) = &opts.config_file {
        cmd.arg("-F").arg(cfg);
    }
    let out = cmd
        .arg(&ep.host)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .await
        .ok()?;
    if !out.status.success() {
        return None;
    }
    parse_route(&String::from_utf8_lossy(&out.stdout))
}

fn parse_route(g: &str) -> Option<(String, u16)> {
    let (mut host, mut port) = (None, None);
    for line in g.lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        match k.to_ascii_lowercase().as_str() {
            "hostname" => host = Some(v.trim().to_string()),
            "port" => port = v.trim().parse().ok(),
            "proxyjump" | "proxycommand" if !v.trim().eq_ignore_ascii_case("none") => {
                return None;
            }
            _ => {}
        }
    }
    Some((host?, port?))
}

/// Proves that the host's SSH listener accepts a connection now: connects and reads its
/// identification line (`SSH-2.0-…`), then hangs up before any key exchange. `Err` says what
/// failed, in OpenSSH's words where it has them ("connect to host H port P: …").
pub async fn prove_listener(
    host: &str,
    port: u16,
    limit: Duration,
) -> std::result::Result<String, String> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};
    let dial = async {
        let stream = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("connect to host {host} port {port}: {}", io_words(&e)))?;
        let mut line = String::new();
        let mut reader = tokio::io::BufReader::new(stream.take(256));
        reader.read_line(&mut line).await.map_err(|e| {
            format!(
                "reading the SSH banner of {host} port {port}: {}",
                io_words(&e)
            )
        })?;
        let banner = line.trim().to_string();
        if banner.starts_with("SSH-") {
            Ok(banner)
        } else {
            Err(format!(
                "{host} port {port} did not answer as an SSH server"
            ))
        }
    };
    match tokio::time::timeout(limit, dial).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "connect to host {host} port {port}: no answer within {}s",
            limit.as_secs().max(1)
        )),
    }
}

/// An I/O error as OpenSSH words it ("Connection refused"), without Rust's "(os error N)".
fn io_words(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
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
    fn a_route_through_a_proxy_is_not_dialled_directly() {
        let direct = "user deploy\nhostname 10.0.0.5\nport 2200\nproxycommand none\n";
        assert_eq!(parse_route(direct), Some(("10.0.0.5".into(), 2200)));
        assert_eq!(
            parse_route("hostname h\nport 22\nproxyjump bastion\n"),
            None
        );
        assert_eq!(
            parse_route("hostname h\nport 22\nproxycommand nc %h %p\n"),
            None
        );
        assert_eq!(parse_route("port 22\n"), None);
    }

    #[tokio::test]
    async fn a_listener_is_proven_by_its_banner_and_a_closed_port_is_refused() {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let (mut s, _) = l.accept().await.unwrap();
            s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await.unwrap();
        });
        let ok = prove_listener("127.0.0.1", port, Duration::from_secs(30)).await;
        assert_eq!(ok.as_deref(), Ok("SSH-2.0-OpenSSH_9.2"));
        // The listener is gone now (it accepted once): the port refuses.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gone = closed.local_addr().unwrap().port();
        drop(closed);
        let err = prove_listener("127.0.0.1", gone, Duration::from_secs(30))
            .await
            .unwrap_err();
        assert!(
            err.contains(&format!(
                "connect to host 127.0.0.1 port {gone}: Connection refused"
            )),
            "{err}"
        );
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
        let d = connection_options(
            &ep(None),
            &opts(),
            Duration::from_secs(5),
            HostKeys::KnownOnly,
        )
        .join(" ");
        assert!(d.contains("StrictHostKeyChecking=yes"), "{d}");
        assert!(d.contains("-i /keys/default"), "{d}");
    }
}
