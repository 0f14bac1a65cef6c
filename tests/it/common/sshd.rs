//! A real OpenSSH server per test: unprivileged (it runs as the test's user), on a free
//! loopback port, with a generated host key and client key, a throw-away known_hosts, and a
//! fake `docker`, an incus simulator and a fake `df` first on the remote PATH. No test touches
//! `~/.ssh`.
#![allow(dead_code)]

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const SSHD: &str = "/usr/sbin/sshd";

pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Option<Child>,
    pub client_key: PathBuf,
    pub fakebin: PathBuf,
    pub docker_state: PathBuf,
    /// State of the incus simulator on the remote PATH (`incus`, and a fake `df`).
    pub incus_state: PathBuf,
    pub user: String,
    /// Sessions' `$HOME` and an `authorized_keys` there, and password logins offered
    /// ([`Sshd::start_with_home`]).
    pub home: Option<PathBuf>,
    password_auth: bool,
    /// More `NAME=value` for every session's environment ([`Sshd::set_env`]).
    extra_env: Vec<String>,
    /// The sessions' PATH after the fake bin directory ([`Sshd::set_path_after_bin`]).
    path_after_bin: Option<String>,
}

fn keygen(path: &Path) {
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "paasdeck-test", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen (package openssh-client) is required: run ./scripts/test.sh");
    assert!(st.success());
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Sshd {
    pub fn start() -> Sshd {
        Sshd::start_with(false, false)
    }

    /// Sessions get their own `$HOME` (never the test user's), whose `.ssh/authorized_keys`
    /// authorises too; password logins are offered when `password_auth`.
    pub fn start_with_home(password_auth: bool) -> Sshd {
        let s = Sshd::start_with(true, password_auth);
        let cfg = std::fs::read_to_string(s.config()).unwrap();
        assert!(
            cfg.contains(&format!("HOME={}", s.home.as_ref().unwrap().display())),
            "sessions must never see the test user's own HOME:\n{cfg}"
        );
        s
    }

    fn start_with(with_home: bool, password_auth: bool) -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: install openssh-server (./scripts/test.sh does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let client_key = dir.path().join("client_ed25519");
        keygen(&client_key);
        keygen(&dir.path().join("host_ed25519"));
        std::fs::copy(
            dir.path().join("client_ed25519.pub"),
            dir.path().join("authorized_keys"),
        )
        .unwrap();
        let fakebin = dir.path().join("bin");
        std::fs::create_dir_all(&fakebin).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-docker"),
            fakebin.join("docker"),
        )
        .unwrap();
        for (fixture, name) in [("fake-incus", "incus"), ("fake-df", "df")] {
            std::fs::copy(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures")
                    .join(fixture),
                fakebin.join(name),
            )
            .unwrap();
        }
        let incus_state = dir.path().join("incus-state");
        let docker_state = dir.path().join("docker-state");
        std::fs::create_dir_all(&docker_state).unwrap();
        if current_user() == "root" {
            // sshd started by root wants its privilege separation directory.
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let mut s = Sshd {
            dir,
            port: 0,
            child: None,
            client_key,
            fakebin,
            docker_state,
            incus_state,
            user: current_user(),
            home: None,
            password_auth,
            extra_env: Vec::new(),
            path_after_bin: None,
        };
        if with_home {
            let home = s.dir.path().join("home");
            std::fs::create_dir_all(&home).unwrap();
            s.home = Some(home);
        }
        s.launch(None);
        s
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("sshd_config")
    }

    pub fn host_pub(&self) -> PathBuf {
        self.dir.path().join("host_ed25519.pub")
    }

    /// (Re)starts sshd, on `port` or a free one.
    fn launch(&mut self, port: Option<u16>) {
        for attempt in 0..20 {
            let port = port.unwrap_or_else(free_port);
            let d = self.dir.path();
            let (keys, home_env, password) = match &self.home {
                Some(h) => (
                    format!(
                        "{d}/authorized_keys {}/.ssh/authorized_keys",
                        h.display(),
                        d = d.display()
                    ),
                    format!(" HOME={}", h.display()),
                    if self.password_auth { "yes" } else { "no" },
                ),
                None => (
                    format!("{}/authorized_keys", d.display()),
                    String::new(),
                    "no",
                ),
            };
            let cfg = format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_ed25519\nPidFile {d}/sshd.pid\n\
                 AuthorizedKeysFile {keys}\nPubkeyAuthentication yes\nPasswordAuthentication {password}\n\
                 KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPermitRootLogin {root}\n\
                 MaxStartups 500\nMaxSessions 500\nLogLevel VERBOSE\n\
                 SetEnv PATH={bin}:{rest}{home_env}{extra}\n",
                d = d.display(),
                root = if password == "yes" {
                    "yes"
                } else {
                    "prohibit-password"
                },
                bin = self.fakebin.display(),
                rest = self
                    .path_after_bin
                    .as_deref()
                    .unwrap_or("/usr/local/bin:/usr/bin:/bin"),
                extra = self
                    .extra_env
                    .iter()
                    .map(|e| format!(" {e}"))
                    .collect::<String>(),
            );
            std::fs::write(self.config(), cfg).unwrap();
            let mut child = Command::new(SSHD)
                .arg("-D")
                .arg("-f")
                .arg(self.config())
                .arg("-E")
                .arg(self.dir.path().join("sshd.log"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start sshd");
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut banner = [0u8; 4];
                    if s.read_exact(&mut banner).is_ok() && &banner == b"SSH-" {
                        self.port = port;
                        self.child = Some(child);
                        return;
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            if attempt > 15 {
                panic!("sshd did not start; log:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Restarts on the same port with a new host key: what a rebuilt server looks like.
    pub fn rotate_host_key(&mut self) {
        self.stop();
        let key = self.dir.path().join("host_ed25519");
        let _ = std::fs::remove_file(&key);
        let _ = std::fs::remove_file(key.with_extension("pub"));
        keygen(&key);
        let port = self.port;
        self.launch(Some(port));
    }

    /// Sets a variable in every new session's environment (sshd restarts on its port).
    pub fn set_env(&mut self, name: &str, value: &str) {
        let prefix = format!("{name}=");
        self.extra_env.retain(|e| !e.starts_with(&prefix));
        self.extra_env.push(format!("{prefix}{value}"));
        self.stop();
        let port = self.port;
        self.launch(Some(port));
    }

    /// Sessions search `dirs` (a PATH value) after the fake bin directory instead of the
    /// system's (sshd restarts on its port).
    pub fn set_path_after_bin(&mut self, dirs: &str) {
        self.path_after_bin = Some(dirs.to_string());
        self.stop();
        let port = self.port;
        self.launch(Some(port));
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// Authenticated connections so far: one per SSH master.
    pub fn accepted(&self) -> usize {
        self.log().matches("Accepted publickey").count()
    }

    /// The fingerprint of the current host key (`SHA256:…`).
    pub fn host_fingerprint(&self) -> String {
        let out = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(self.host_pub())
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .find(|w| w.starts_with("SHA256:"))
            .unwrap()
            .to_string()
    }

    pub fn docker_calls(&self) -> String {
        std::fs::read_to_string(self.docker_state.join("calls.log")).unwrap_or_default()
    }
}

impl Sshd {
    /// The sshd processes serving connections (the listener's descendants that are sshd
    /// itself, not the shells they started).
    pub fn session_pids(&self) -> Vec<u32> {
        let Some(listener) = self.child.as_ref().map(|c| c.id()) else {
            return Vec::new();
        };
        let out = Command::new("ps")
            .args(["-eo", "pid=,ppid=,comm="])
            .output()
            .unwrap();
        let rows: Vec<(u32, u32, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                Some((
                    w.next()?.parse().ok()?,
                    w.next()?.parse().ok()?,
                    w.next().unwrap_or("").to_string(),
                ))
            })
            .collect();
        let mut found = Vec::new();
        let mut frontier = vec![listener];
        while let Some(parent) = frontier.pop() {
            for (pid, ppid, comm) in &rows {
                if *ppid == parent && comm.starts_with("sshd") {
                    found.push(*pid);
                    frontier.push(*pid);
                }
            }
        }
        found
    }

    /// Sends `signal` (`STOP`, `CONT`, `KILL`, …) to every session process.
    pub fn signal_sessions(&self, signal: &str) -> usize {
        let pids = self.session_pids();
        for pid in &pids {
            let _ = Command::new("kill")
                .args([&format!("-{signal}"), &pid.to_string()])
                .status();
        }
        pids.len()
    }

    /// The server dies with every connection it serves, as when the host or its sshd goes
    /// away; the commands those sessions started are left to fend for themselves.
    pub fn kill_with_sessions(&mut self) {
        let sessions = self.session_pids();
        self.stop();
        for pid in sessions {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether any process on this machine runs a command line containing `needle`.
pub fn process_running(needle: &str) -> bool {
    let out = Command::new("ps").args(["-eo", "args"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.contains(needle) && !l.contains("ps -eo"))
}

/// Waits up to `limit` for `cond`.
pub fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

impl super::Env {
    /// `target add` of a target reaching `sshd` on loopback with its client key.
    pub fn add_sshd_target(&self, ctx: &str, name: &str, sshd: &Sshd) {
        self.add_ssh_target_on(ctx, name, sshd, sshd.port);
    }

    /// The same target on another port (one nothing listens on, say).
    pub fn add_ssh_target_on(&self, ctx: &str, name: &str, sshd: &Sshd, port: u16) {
        self.ok_in(
            ctx,
            &[
                "target",
                "add",
                "--name",
                name,
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--user",
                &sshd.user,
                "--identity-file",
                sshd.client_key.to_str().unwrap(),
            ],
        );
    }
}
