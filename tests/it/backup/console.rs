//! The real console in tmux on a demo state: `b` takes a state backup (its task says so and
//! the catalogue on disk has it), `v` verifies the selected backup, `r` opens the restore
//! dialog naming the backup, its checksum and the target, and Esc leaves everything as it was.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::Env;

struct Tmux(String);

impl Tmux {
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.0]);
        c
    }
    fn keys(&self, keys: &[&str]) {
        assert!(
            self.cmd()
                .args(["send-keys", "-t", "e2e"])
                .args(keys)
                .status()
                .unwrap()
                .success()
        );
    }
    fn screen(&self) -> String {
        let o = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    fn wait_for(&self, what: &str) -> String {
        self.wait_until(what, |s| s.contains(what))
    }
    /// Waits for a screen that satisfies `cond` as a whole (never half a frame).
    fn wait_until(&self, what: &str, cond: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if cond(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what:?}:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

#[test]
fn b_backs_up_v_verifies_and_r_asks_before_a_restore() {
    let env = Env::new();
    let demo = env.dir.path().join("demo");
    let o = env
        .cmd()
        .args([
            "--state-root",
            demo.to_str().unwrap(),
            "demo",
            "--seed-only",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let root = String::from_utf8(o.stdout).unwrap().trim().to_string();
    let ctx_dir = std::path::Path::new(&root).join("contexts/oss-demo");
    let count = || {
        let t = std::fs::read_to_string(ctx_dir.join("backups.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&t).unwrap();
        v["backups"].as_array().unwrap().clone()
    };
    let before = count();
    assert!(
        before.iter().any(|r| r["verify"] == "ok"),
        "the demo verified one: {before:#?}"
    );
    let home = env.home.display().to_string();
    let t = Tmux(format!("paasdeck-backup-{}", std::process::id()));
    let shell = format!(
        "env HOME={home} XDG_CONFIG_HOME={home}/.config XDG_STATE_HOME={home}/.local/state XDG_CACHE_HOME={home}/.cache TERM=xterm-256color {} --state-root {root}; sleep 30",
        crate::common::Env::bin().display()
    );
    assert!(
        t.cmd()
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                "160",
                "-y",
                "44",
                &shell
            ])
            .status()
            .unwrap()
            .success()
    );
    t.wait_for("OSS-DEMO");
    t.wait_for("doctor ok");
    // b with the Targets pane focused: the context's state (oss-demo asks nothing for a mutation).
    t.keys(&["-l", "b"]);
    t.wait_for("backup bk-");
    // The catalogue row is written as the task ends, not necessarily before its line is drawn.
    crate::common::sshd::eventually(Duration::from_secs(30), || {
        count().len() == before.len() + 1
    });
    let after = count();
    assert_eq!(after.len(), before.len() + 1, "{after:#?}");
    let new = after.iter().find(|r| !before.contains(r)).unwrap();
    assert_eq!(new["kind"], "state");
    assert_eq!(new["status"], "ok");
    assert!(std::path::Path::new(new["path"].as_str().unwrap()).is_file());
    // The Backups pane lists it (newest first): v verifies it and the catalogue says so.
    t.keys(&["Tab", "Tab", "Tab"]);
    let id = new["id"].as_str().unwrap();
    let short = id.rsplit('-').next().unwrap();
    t.wait_for(short);
    t.keys(&["-l", "v"]);
    t.wait_for(&format!("backup verify {id} — ok"));
    let verified = || count().into_iter().find(|r| r["id"] == id);
    crate::common::sshd::eventually(Duration::from_secs(30), || {
        verified().is_some_and(|r| r["verify"] == "ok")
    });
    let row = verified().unwrap();
    assert_eq!(row["verify"], "ok", "{row:#}");
    // r asks first (destructive), naming the backup and its checksum; Esc changes nothing.
    t.keys(&["-l", "r"]);
    let restore = format!("restore backup {id}");
    let sha = row["sha256"].as_str().unwrap()[..40].to_string();
    let dialog = t.wait_until(
        "the restore dialog, naming the backup and its checksum",
        |s| s.contains("Confirm in") && s.contains(&restore) && s.contains(&sha),
    );
    assert!(dialog.contains(&format!("restore backup {id}")), "{dialog}");
    assert!(
        dialog.contains(&row["sha256"].as_str().unwrap()[..40]),
        "{dialog}"
    );
    t.keys(&["Escape"]);
    t.wait_until("the dialog to close", |s| !s.contains("Confirm in"));
    assert_eq!(count().len(), before.len() + 1);
    let audit_file = ctx_dir.join("events/audit.jsonl");
    let audit = || std::fs::read_to_string(&audit_file).unwrap_or_default();
    crate::common::sshd::eventually(Duration::from_secs(30), || {
        let a = audit();
        a.contains("\"backup state\"") && a.contains("\"backup verify\"")
    });
    let audit = audit();
    assert!(
        audit
            .lines()
            .any(|l| l.contains("\"backup state\"") && l.contains("\"console\""))
    );
    assert!(
        audit
            .lines()
            .any(|l| l.contains("\"backup verify\"") && l.contains(id))
    );
    assert!(!audit.lines().any(|l| l.contains("\"backup restore\"")));
}
