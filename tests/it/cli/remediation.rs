//! Remote failures end with a remediation that names the command to run, over a real loopback
//! sshd: a user outside the docker group (the fake docker prints Docker's own refusal) is told
//! the `usermod` to run in deploy, logs, target check and backup alike; a changed host key names
//! the exact `ssh-keygen -R`.

use crate::common;

use common::sshd::Sshd;
use common::{Env, stderr, stdout};
use serde_json::Value;

struct Site {
    env: Env,
    sshd: Sshd,
}

impl Site {
    /// Context `c` with target `edge` on the sshd and app `api` deploying under the test dir.
    fn new() -> Site {
        let env = Env::new();
        env.init("c", "oss-demo");
        env.ok(&["vault", "keygen"]);
        let sshd = Sshd::start();
        let site = Site { env, sshd };
        site.env.add_sshd_target("c", "edge", &site.sshd);
        std::fs::write(
            site.env.work.join("compose.yaml"),
            "services:\n  api:\n    image: example/api:1\n",
        )
        .unwrap();
        let remote = site.env.dir.path().join("remote");
        site.ok(&[
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            "compose.yaml",
            "--remote-dir",
            remote.to_str().unwrap(),
            "--backup-cmd",
            "docker compose -p c-api exec -T api cat /etc/hostname",
            "--restore-cmd",
            "docker compose -p c-api exec -T api cat",
        ]);
        site
    }

    fn run(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json", "--context", "c"];
        all.extend_from_slice(args);
        let o = self
            .env
            .cmd()
            .env("PAASDECK_SSH_CONFIG", "/dev/null")
            .args(&all)
            .output()
            .unwrap();
        let doc = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}{}", stdout(&o), stderr(&o)));
        (o.status.code().unwrap(), doc)
    }

    fn ok(&self, args: &[&str]) -> Value {
        let (code, doc) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {doc:#}");
        doc
    }

    /// The failure of `args`: exit 1, its code, and its remediation.
    fn failure(&self, args: &[&str]) -> (String, String, Value) {
        let (code, doc) = self.run(args);
        assert_eq!(code, 1, "{args:?}: {doc:#}");
        (
            doc["error"]["code"].as_str().unwrap().to_string(),
            doc["error"]["remediation"].as_str().unwrap().to_string(),
            doc,
        )
    }
}

#[test]
fn a_user_outside_the_docker_group_is_told_the_usermod_to_run() {
    let site = Site::new();
    site.ok(&["deploy", "--app", "api", "--apply"]);
    std::fs::write(site.sshd.docker_state.join("fail-docker-group"), "").unwrap();
    let user = &site.sshd.user;
    let usermod = format!(
        "`ssh -p {} {user}@127.0.0.1 'sudo usermod -aG docker {user}'`",
        site.sshd.port
    );
    let check_again = format!(
        "`paasdeck --state-root {} --context c target check --target edge`",
        site.env.root.display()
    );

    let (code, fix, doc) = site.failure(&["deploy", "--app", "api", "--apply"]);
    assert_eq!(code, "PAAS_REMOTE_APPLY_FAILED", "{doc:#}");
    assert!(
        fix.contains(&usermod) && fix.contains(&check_again),
        "deploy: {fix}\n{doc:#}"
    );

    let (code, fix, doc) = site.failure(&["logs", "--app", "api"]);
    assert_eq!(code, "PAAS_REMOTE_COMMAND_FAILED", "{doc:#}");
    assert!(fix.contains(&usermod), "logs: {fix}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("permission denied while trying to connect"),
        "{doc:#}"
    );

    let (code, fix, doc) = site.failure(&["target", "check", "--target", "edge"]);
    assert_eq!(code, "PAAS_REMOTE_COMMAND_FAILED", "{doc:#}");
    assert!(fix.contains(&usermod), "check: {fix}");
    assert!(
        doc["data"][0]["remediation"]
            .as_str()
            .unwrap()
            .contains("usermod -aG docker"),
        "the row keeps it too: {doc:#}"
    );

    let (code, fix, doc) = site.failure(&["backup", "run", "--app", "api"]);
    assert_eq!(code, "PAAS_REMOTE_COMMAND_FAILED", "{doc:#}");
    assert!(fix.contains(&usermod), "backup: {fix}");

    // the audit trail records the remediation with the failure
    let ev = site.ok(&["events", "list", "--source", "audit", "--limit", "1"]);
    assert!(
        ev["data"][0]["fields"]["error_remediation"]
            .as_str()
            .unwrap()
            .contains("usermod -aG docker"),
        "{ev:#}"
    );

    // a failure without a known cause keeps the generic advice
    std::fs::remove_file(site.sshd.docker_state.join("fail-docker-group")).unwrap();
    std::fs::write(site.sshd.docker_state.join("fail-up"), "").unwrap();
    let (_, fix, _) = site.failure(&["deploy", "--app", "api", "--apply"]);
    assert!(!fix.contains("usermod"), "{fix}");
}

#[test]
fn a_changed_host_key_names_the_exact_ssh_keygen_command() {
    let mut site = Site::new();
    site.ok(&["target", "check", "--target", "edge"]);
    site.sshd.rotate_host_key();
    let (code, fix, doc) = site.failure(&["target", "check", "--target", "edge"]);
    assert_eq!(code, "PAAS_HOST_KEY_MISMATCH", "{doc:#}");
    let cmd = format!(
        "`ssh-keygen -R '[127.0.0.1]:{}' -f {}`",
        site.sshd.port,
        site.env.root.join("known_hosts").display()
    );
    assert!(fix.contains(&cmd), "{fix}\nlacks {cmd}");
}
