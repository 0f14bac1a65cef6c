//! A real Docker engine for one test: Debian's `dockerd` with its own data root, exec root,
//! socket and pidfile under a short directory in /tmp (a unix socket path must fit in 108
//! bytes), no bridge and no iptables, and an image imported from `busybox-static` (no registry
//! can be reached). It starts in well under a second, so each test has its own; dropping it
//! stops the daemon, unmounts what it mounted and removes its directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const DOCKERD: &str = "/usr/sbin/dockerd";
/// Debian's client (docker.io): what a Debian target has, whatever else is on this machine.
pub const CLIENT: &str = "/usr/bin/docker";
pub const COMPOSE_V1: &str = "/usr/bin/docker-compose";
pub const BUSYBOX: &str = "/bin/busybox";
/// The image every engine test runs.
pub const IMAGE: &str = "paasdeck-test/busybox:1";

pub struct Dockerd {
    dir: Option<tempfile::TempDir>,
    pub root: PathBuf,
    pub socket: PathBuf,
    child: Option<Child>,
}

fn missing() -> Vec<&'static str> {
    [DOCKERD, CLIENT, COMPOSE_V1, BUSYBOX]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect()
}

impl Dockerd {
    pub fn start() -> Dockerd {
        let gone = missing();
        assert!(
            gone.is_empty(),
            "{gone:?} missing: install docker.io, docker-compose and busybox-static (./scripts/test.sh does)"
        );
        assert_eq!(
            super::sshd::current_user(),
            "root",
            "the engine tests start their own dockerd, which needs root"
        );
        let dir = tempfile::Builder::new()
            .prefix("pdk")
            .tempdir_in("/tmp")
            .unwrap();
        let root = dir.path().to_path_buf();
        let socket = root.join("s");
        let log = std::fs::File::create(root.join("dockerd.log")).unwrap();
        let child = Command::new(DOCKERD)
            .arg("--data-root")
            .arg(root.join("d"))
            .arg("--exec-root")
            .arg(root.join("e"))
            .arg("--host")
            .arg(format!("unix://{}", socket.display()))
            .arg("--pidfile")
            .arg(root.join("p"))
            .args(["--bridge", "none", "--iptables=false"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        let mut d = Dockerd {
            dir: Some(dir),
            root,
            socket,
            child: Some(child),
        };
        let started = Instant::now();
        loop {
            let o = d.docker(&["version", "--format", "{{.Server.Version}}"]);
            if o.status.success() {
                break;
            }
            if let Some(c) = d.child.as_mut()
                && let Ok(Some(st)) = c.try_wait()
            {
                panic!("dockerd exited ({st}):\n{}", d.log());
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "dockerd did not answer within 60 s:\n{}",
                d.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        d.import_busybox(IMAGE);
        d
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("dockerd.log")).unwrap_or_default()
    }

    /// Debian's docker CLI against this engine.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new(CLIENT)
            .env("DOCKER_HOST", self.host())
            .args(args)
            .output()
            .unwrap()
    }

    /// `docker` that must succeed; its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.docker(args);
        assert!(
            o.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// An image whose root filesystem is busybox-static with every applet linked.
    pub fn import_busybox(&self, tag: &str) {
        let rootfs = self.root.join("rootfs");
        let bin = rootfs.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(rootfs.join("tmp")).unwrap();
        std::fs::copy(BUSYBOX, bin.join("busybox")).unwrap();
        let list = Command::new(BUSYBOX).arg("--list").output().unwrap();
        for applet in String::from_utf8_lossy(&list.stdout).split_whitespace() {
            if applet != "busybox" {
                std::os::unix::fs::symlink("busybox", bin.join(applet)).unwrap();
            }
        }
        let tarball = self.root.join("rootfs.tar");
        let st = Command::new("tar")
            .arg("-C")
            .arg(&rootfs)
            .arg("-cf")
            .arg(&tarball)
            .arg(".")
            .status()
            .unwrap();
        assert!(st.success());
        let o = self.docker(&["import", tarball.to_str().unwrap(), tag]);
        assert!(
            o.status.success(),
            "docker import: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let _ = std::fs::remove_dir_all(&rootfs);
        let _ = std::fs::remove_file(&tarball);
    }

    /// The project's containers as `name state` lines, sorted.
    pub fn containers(&self, project: &str) -> Vec<String> {
        let out = self.ok(&[
            "ps",
            "-a",
            "--filter",
            &format!("label=com.docker.compose.project={project}"),
            "--format",
            "{{.Names}} {{.State}}",
        ]);
        let mut v: Vec<String> = out.lines().map(str::to_string).collect();
        v.sort();
        v
    }

    /// The image a project's running container of `service` runs.
    pub fn running_image(&self, project: &str, service: &str) -> Option<String> {
        let out = self.ok(&[
            "ps",
            "--filter",
            &format!("label=com.docker.compose.project={project}"),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
            "--format",
            "{{.Image}}",
        ]);
        out.lines().next().map(str::to_string)
    }

    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // Containers first, killed: a container's shim must not outlive the daemon.
        let ids = self.docker(&["ps", "-aq"]);
        let ids: Vec<String> = String::from_utf8_lossy(&ids.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(ids.iter().map(String::as_str));
            let _ = self.docker(&args);
        }
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if let Ok(None) = child.try_wait() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // What dockerd left mounted under its directories, deepest first.
        let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let root = self.root.display().to_string();
        let mut mounts: Vec<String> = info
            .lines()
            .filter_map(|l| l.split_whitespace().nth(4))
            .filter(|m| m.starts_with(&root))
            .map(str::to_string)
            .collect();
        mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
        for m in mounts {
            let ok = Command::new("umount")
                .arg(&m)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                let _ = Command::new("umount").args(["-l", &m]).status();
            }
        }
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        self.stop();
        if let Some(d) = self.dir.take() {
            let _ = d.close();
        }
    }
}

impl super::sshd::Sshd {
    /// Sessions use this engine as a Debian target would: Debian's docker CLI first on PATH
    /// (in place of the fake), `docker-compose` where apt puts it, and `DOCKER_HOST` in the
    /// session's environment.
    pub fn use_engine(&mut self, engine: &Dockerd) {
        let docker = self.fakebin.join("docker");
        let _ = std::fs::remove_file(&docker);
        std::os::unix::fs::symlink(CLIENT, &docker).unwrap();
        self.set_env("DOCKER_HOST", &engine.host());
    }
}
