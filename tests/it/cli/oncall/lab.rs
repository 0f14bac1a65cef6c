//! A context with a local target whose `docker` is the fake one, an app, and a loopback HTTP
//! server standing in for Telegram and the webhook.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::common::{Env, stderr, stdout};

pub const COMPOSE: &str = "services:\n  api:\n    image: example/api:{{paas.release}}\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n  worker:\n    image: example/worker:1\n";
pub const SECRET: &str = "pg-Secret-Value-42";
pub const TOKEN: &str = "123456789:AAH-test_Token-Value";

pub struct Lab {
    pub env: Env,
    pub bin: PathBuf,
    pub docker: PathBuf,
    pub remote: PathBuf,
    pub telegram_base: Option<String>,
}

impl Lab {
    /// Context `shop` (production) with target `edge-a` (local) and app `api`.
    pub fn new() -> Lab {
        let env = Env::new();
        env.init("shop", "production");
        env.ok(&["vault", "keygen"]);
        let bin = env.dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-docker"),
            bin.join("docker"),
        )
        .unwrap();
        let docker = env.dir.path().join("docker-state");
        std::fs::create_dir_all(&docker).unwrap();
        let remote = env.dir.path().join("remote");
        std::fs::write(env.work.join("compose.yaml"), COMPOSE).unwrap();
        let lab = Lab {
            env,
            bin,
            docker,
            remote,
            telegram_base: None,
        };
        lab.ok(&[
            "target",
            "add",
            "--name",
            "edge-a",
            "--host",
            "127.0.0.1",
            "--user",
            "deploy",
            "--auth-method",
            "local",
        ]);
        lab.ok(&[
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            "compose.yaml",
            "--targets",
            "edge-a",
            "--remote-dir",
            lab.remote.to_str().unwrap(),
        ]);
        let o = lab.run_stdin(
            &["secret", "set", "--app", "api", "--name", "DATABASE_URL"],
            SECRET,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        lab
    }

    pub fn cmd(&self) -> std::process::Command {
        let mut c = self.env.cmd();
        c.env(
            "PATH",
            format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("FAKE_DOCKER_STATE", &self.docker);
        if let Some(b) = &self.telegram_base {
            c.env("SI_PAAS_TELEGRAM_API_BASE", b);
        }
        c
    }

    /// `--json --context shop ARGS`: (exit code, document, stdout+stderr).
    pub fn run(&self, args: &[&str]) -> (i32, Value, String) {
        let mut all = vec!["--json", "--context", "shop"];
        all.extend_from_slice(args);
        let o = self.cmd().args(&all).output().unwrap();
        let text = stdout(&o) + &stderr(&o);
        let doc: Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{text}"));
        (o.status.code().unwrap(), doc, text)
    }

    pub fn ok(&self, args: &[&str]) -> Value {
        let (code, doc, text) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {text}");
        doc
    }

    pub fn run_stdin(&self, args: &[&str], input: &str) -> std::process::Output {
        use std::io::Write;
        let mut all = vec!["--context", "shop"];
        all.extend_from_slice(args);
        let mut child = self
            .cmd()
            .args(&all)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn fail_up(&self, on: bool) {
        let f = self.docker.join("fail-up-echo-env");
        if on {
            std::fs::write(f, "").unwrap();
        } else {
            let _ = std::fs::remove_file(f);
        }
    }

    pub fn deploy(&self) -> (i32, Value, String) {
        self.run(&[
            "deploy",
            "--app",
            "api",
            "--apply",
            "--health-timeout",
            "30s",
        ])
    }

    pub fn alert_rows(&self) -> Vec<Value> {
        jsonl(&self.env.ctx_dir("shop").join("events/alerts.jsonl"))
    }

    pub fn setup_telegram(&mut self, server: &Server) {
        self.telegram_base = Some(server.base());
        let o = self.run_stdin(&["alert", "setup-telegram", "--chat-id", "-100123"], TOKEN);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(!(stdout(&o) + &stderr(&o)).contains(TOKEN));
    }

    pub fn setup_webhook(&self, url: &str) {
        let o = self.run_stdin(&["alert", "setup-webhook"], url);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(!(stdout(&o) + &stderr(&o)).contains(url));
        self.ok(&[
            "alert",
            "policy",
            "set",
            "--default",
            "webhook",
            "--critical",
            "webhook",
        ]);
    }

    pub fn current_link(&self) -> PathBuf {
        self.remote.join("shop/api/current")
    }
}

pub fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub url: String,
    pub body: String,
}

/// What the server does with a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// 200 `{"ok": true}`.
    Ok,
    /// Reads the request and never answers.
    Hang,
    /// Answers every request with this status, content type and body (a 3xx also names a
    /// `Location` elsewhere on loopback).
    Answer(u16, &'static str, &'static str),
}

/// A loopback HTTP server (127.0.0.1 only) counting requests; it stops with the test.
pub struct Server {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    server: Arc<tiny_http::Server>,
}

impl Server {
    pub fn start(mode: Mode) -> Server {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s2, seen2) = (server.clone(), seen.clone());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            // Bounded: at most 50 requests, and the thread ends when the server is dropped.
            for _ in 0..50 {
                let Ok(mut req) = s2.recv() else { break };
                let mut body = String::new();
                let _ = req.as_reader().read_to_string(&mut body);
                seen2.lock().unwrap().push(Seen {
                    url: req.url().to_string(),
                    body,
                });
                match mode {
                    Mode::Ok => {
                        let _ = req.respond(tiny_http::Response::from_string("{\"ok\":true}"));
                    }
                    Mode::Hang => held.push(req),
                    Mode::Answer(status, kind, body) => {
                        let mut resp = tiny_http::Response::from_string(body)
                            .with_status_code(status)
                            .with_header(
                                tiny_http::Header::from_bytes("Content-Type", kind).unwrap(),
                            );
                        if (300..400).contains(&status) {
                            resp.add_header(
                                tiny_http::Header::from_bytes(
                                    "Location",
                                    "http://127.0.0.1:9/elsewhere",
                                )
                                .unwrap(),
                            );
                        }
                        let _ = req.respond(resp);
                    }
                }
            }
        });
        Server { port, seen, server }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// A loopback port nothing listens on.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
