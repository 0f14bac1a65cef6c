//! `target bootstrap`: an si password target becomes a key target over one password login.
//! The loopback sshd a test starts cannot check passwords (that needs root, PAM or the shadow
//! file), so the successful login goes through tests/fixtures/fake-ssh-password, which asks
//! paasdeck's askpass for the password exactly as ssh does and runs the install script over a
//! real connection; the real ssh is used against an sshd that offers password logins to show
//! the password is actually sent and a refusal is reported.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::fixtures;
use crate::common::Env;
use crate::common::sshd::Sshd;

const PASSWORD: &str = "pw-7f3a-never-logged";

fn keygen(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "operator", "-f"])
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success());
}

struct Site {
    env: Env,
    sshd: Sshd,
    operator_key: PathBuf,
    ssh_log: PathBuf,
}

impl Site {
    fn new(password_auth: bool) -> Site {
        let env = Env::new();
        let sshd = Sshd::start_with_home(password_auth);
        env.init("prod", "production");
        let text = fixtures::text(&env, "targets-password.json")
            .replace("@PORT@", &sshd.port.to_string())
            .replace("@USER@", &sshd.user);
        std::fs::write(env.ctx_dir("prod").join("targets.json"), text).unwrap();
        fixtures::si_modes(&env.root);
        let operator_key = env.home.join(".ssh/id_ed25519");
        keygen(&operator_key);
        let ssh_log = env.dir.path().join("fake-ssh.log");
        Site {
            env,
            sshd,
            operator_key,
            ssh_log,
        }
    }

    fn run(&self, fake_ssh: bool, password: &str, args: &[&str]) -> (i32, Value, Output) {
        let mut c = self.env.cmd();
        c.env("PAASDECK_SSH_CONFIG", "/dev/null")
            .env("PASS", password);
        if fake_ssh {
            c.env(
                "PAASDECK_SSH_BIN",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-ssh-password"),
            )
            .env("FAKE_SSH_PASSWORD", PASSWORD)
            .env("FAKE_SSH_KEY", &self.sshd.client_key)
            .env("FAKE_SSH_LOG", &self.ssh_log);
        }
        let o = c.arg("--json").args(args).output().unwrap();
        let doc: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", String::from_utf8_lossy(&o.stderr)));
        (o.status.code().unwrap(), doc, o)
    }

    fn target(&self) -> Value {
        let t: Value = serde_json::from_str(
            &std::fs::read_to_string(self.env.ctx_dir("prod").join("targets.json")).unwrap(),
        )
        .unwrap();
        t["targets"][0].clone()
    }

    /// The operator's public key is the server user's only authorized key.
    fn assert_key_installed_once(&self) {
        let home = self.sshd.home.as_ref().unwrap();
        let keys = std::fs::read_to_string(home.join(".ssh/authorized_keys")).unwrap();
        let public = std::fs::read_to_string(self.operator_key.with_extension("pub")).unwrap();
        assert_eq!(keys, public, "the key installed once");
    }

    /// Every file paasdeck wrote (state root, logs) and what the fake ssh saw on its argv.
    fn everything(&self) -> String {
        Env::all_text_under(&self.env.root)
            + &Env::all_text_under(&self.env.log_dir())
            + &std::fs::read_to_string(&self.ssh_log).unwrap_or_default()
    }
}

const BOOTSTRAP: &[&str] = &[
    "--context",
    "prod",
    "target",
    "bootstrap",
    "--target",
    "edge-a",
    "--password-env",
    "PASS",
    "--timeout",
    "30s",
];

#[test]
fn a_password_target_is_checked_honestly_then_bootstrapped_to_key_auth() {
    let site = Site::new(false);
    // Not measured is not reachable: the check names the fix instead.
    let connections = site.sshd.log().matches("Connection from").count();
    let (code, doc, _) = site.run(
        false,
        "",
        &["--context", "prod", "target", "check", "--target", "edge-a"],
    );
    assert_eq!(code, 1, "{doc:#}");
    let row = &doc["data"][0];
    assert_eq!(row["reachable"], Value::Null, "{row:#}");
    assert_eq!(row["stage"], "auth_method");
    assert!(
        row["error"]
            .as_str()
            .unwrap()
            .contains("target bootstrap --target edge-a --password-env"),
        "{row:#}"
    );
    assert_eq!(
        site.sshd.log().matches("Connection from").count(),
        connections,
        "nothing was attempted"
    );

    // A wrong password: refused, nothing changes.
    let (code, doc, _) = site.run(true, "wrong-password", BOOTSTRAP);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_SSH_AUTH_FAILED", "{doc:#}");
    assert_eq!(site.target()["auth_method"], "password");

    // The password variable must be set.
    let (code, doc, _) = site.run(true, "", BOOTSTRAP);
    assert_eq!(code, 2, "{doc:#}");
    assert!(doc["error"]["message"].as_str().unwrap().contains("PASS"));

    let (code, doc, o) = site.run(true, PASSWORD, BOOTSTRAP);
    assert_eq!(code, 0, "{doc:#}\n{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(doc["auth_method"], "key");
    let t = site.target();
    assert_eq!(t["auth_method"], "key");
    assert_eq!(t["identity_file"], site.operator_key.to_str().unwrap());
    site.assert_key_installed_once();
    // From now on the target is reached with the operator's key.
    let (code, doc, _) = site.run(
        false,
        "",
        &["--context", "prod", "target", "check", "--target", "edge-a"],
    );
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["data"][0]["reachable"], true);
    // Audited with the variable's name redacted like si's, never the password anywhere.
    let audit =
        std::fs::read_to_string(site.env.ctx_dir("prod").join("events/audit.jsonl")).unwrap();
    assert!(
        audit.contains("\"command\":\"target bootstrap\""),
        "{audit}"
    );
    assert!(!site.everything().contains(PASSWORD), "the password leaked");
    assert!(
        std::fs::read_to_string(&site.ssh_log)
            .unwrap()
            .contains("PreferredAuthentications=password")
    );
}

#[test]
fn the_real_ssh_sends_the_password_through_askpass_and_a_refusal_is_reported() {
    let site = Site::new(true);
    let (code, doc, _) = site.run(false, PASSWORD, BOOTSTRAP);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_SSH_AUTH_FAILED", "{doc:#}");
    assert_eq!(doc["error"]["stage"], "bootstrap_password_login");
    let log = site.sshd.log();
    assert!(
        log.contains("Failed password for"),
        "ssh sent a password: {log}"
    );
    assert_eq!(site.target()["auth_method"], "password");
    assert!(!site.everything().contains(PASSWORD));
}

#[test]
fn askpass_answers_only_password_prompts() {
    let ask = |prompt: &str| {
        Command::new(Env::bin())
            .arg(prompt)
            .env_clear()
            .env("PAASDECK_ASKPASS", "1")
            .env("PAASDECK_ASKPASS_VALUE", PASSWORD)
            .output()
            .unwrap()
    };
    let o = ask("deploy@203.0.113.10's password: ");
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout), format!("{PASSWORD}\n"));
    let o = ask("Are you sure you want to continue connecting (yes/no/[fingerprint])? ");
    assert!(!o.status.success());
    assert!(o.stdout.is_empty());
}

#[test]
fn the_console_bootstraps_a_password_target_with_the_password_typed_masked() {
    use crate::common::tmux::{Tmux, console_env};
    let site = Site::new(false);
    let mut vars = console_env(&site.env);
    let path = |p: &Path| p.display().to_string();
    vars.extend([
        ("USER".to_string(), "tester".to_string()),
        ("PAASDECK_SSH_CONFIG".to_string(), "/dev/null".to_string()),
        (
            "PAASDECK_SSH_BIN".to_string(),
            path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-ssh-password")),
        ),
        ("FAKE_SSH_PASSWORD".to_string(), PASSWORD.to_string()),
        ("FAKE_SSH_KEY".to_string(), path(&site.sshd.client_key)),
        ("FAKE_SSH_LOG".to_string(), path(&site.ssh_log)),
    ]);
    let shell = format!(
        "cd {} && {} --state-root {}; echo PAASDECK-EXITED $?; sleep 60",
        site.env.work.display(),
        Env::bin().display(),
        site.env.root.display()
    );
    let tmux = Tmux::start(vars, 140, 40, &shell);
    tmux.wait_for("the Targets pane", |s| s.contains("edge-a"));
    tmux.send("B");
    tmux.wait_for("the bootstrap form", |s| {
        s.contains("Install your key on edge-a")
    });
    tmux.send(PASSWORD);
    tmux.send_key("Enter");
    tmux.send_key("Enter");
    let dialog = tmux.wait_for("the confirmation", |s| {
        s.contains("over one password login")
    });
    assert!(!dialog.contains(PASSWORD), "{dialog}");
    assert_eq!(site.target()["auth_method"], "password", "nothing before y");
    tmux.send("y");
    let done = tmux.wait_for("the bootstrap's result", |s| {
        s.contains("now uses key authentication")
    });
    assert!(!done.contains(PASSWORD), "{done}");
    // The target is rewritten as the task ends, not necessarily before its line is drawn.
    crate::common::sshd::eventually(std::time::Duration::from_secs(30), || {
        site.target()["auth_method"] == "key"
    });
    let t = site.target();
    assert_eq!(t["auth_method"], "key", "{t:#}");
    assert_eq!(t["identity_file"], site.operator_key.to_str().unwrap());
    site.assert_key_installed_once();
    let audit_file = site.env.ctx_dir("prod").join("events/audit.jsonl");
    let audit = || std::fs::read_to_string(&audit_file).unwrap_or_default();
    crate::common::sshd::eventually(std::time::Duration::from_secs(30), || {
        audit().contains("\"command\":\"target bootstrap\"")
    });
    let audit = audit();
    assert!(
        audit.contains("\"command\":\"target bootstrap\""),
        "{audit}"
    );
    tmux.send("q");
    tmux.wait_for("the console to exit", |s| s.contains("PAASDECK-EXITED 0"));
    assert!(!site.everything().contains(PASSWORD), "the password leaked");
    // The askpass child is the only place the password went: ssh's argv never held it.
    let argv = std::fs::read_to_string(&site.ssh_log).unwrap();
    assert!(argv.contains("PreferredAuthentications=password"), "{argv}");
}
