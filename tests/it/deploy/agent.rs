//! Automation agents over a real sshd (SPEC §17): a stopped app becomes an incident (`check`),
//! a proposal (`agent run-once`), an approval and the app running again, with si's files
//! written as si writes them; a denied run and a run on a read-only context change nothing.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use serde_json::Value;

use super::{Site, release_of};

const SI_RUN_KEYS: [&str; 24] = [
    "timestamp",
    "agent",
    "run_id",
    "status",
    "incident_id",
    "incident_correlation_id",
    "runtime_mode",
    "runtime_profile",
    "runtime_auth_path",
    "runtime_ready",
    "lock_path",
    "lock_recovered",
    "policy_action",
    "execution_mode",
    "execution_note",
    "artifact_path",
    "collected",
    "inserted",
    "updated",
    "pruned",
    "queue_total",
    "queue_path",
    "collector_count",
    "message",
];

fn json_file(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn jsonl(path: PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

impl Site {
    fn stopped_flag(&self) -> PathBuf {
        self.sshds[0].docker_state.join("projects/shop-api/stopped")
    }

    /// Deploys `api`, stops it behind paasdeck's back and lets `check` open the incident.
    fn stopped_app_with_incident(&self) -> (String, String) {
        let (code, doc, text) = self.deploy(&["--apply", "--health-timeout", "30s"]);
        assert_eq!(code, 0, "{text}");
        let rel = release_of(&doc);
        std::fs::write(self.stopped_flag(), "").unwrap();
        let (code, doc, text) = self.run(&["check"]);
        assert_eq!(code, 1, "{text}");
        let incident = doc["raised"][0]["incident_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no incident: {doc:#}"))
            .to_string();
        let (code, _, text) = self.run(&["agent", "enable", "--name", "ops"]);
        assert_eq!(code, 0, "{text}");
        (rel, incident)
    }

    fn incident_status(&self, id: &str) -> String {
        let (_, doc, _) = self.run(&["incident", "show", id]);
        let d = if doc["data"].is_object() {
            &doc["data"]
        } else {
            &doc
        };
        d["status"].as_str().unwrap_or_default().to_string()
    }

    fn agents_file(&self, name: &str) -> PathBuf {
        self.env.ctx_dir("shop").join("agents").join(name)
    }

    fn runs(&self) -> Vec<Value> {
        jsonl(self.env.ctx_dir("shop").join("events/agent-runs.jsonl"))
    }

    fn propose(&self) -> Value {
        let (code, doc, text) = self.run(&["agent", "run-once", "--name", "ops"]);
        assert_eq!(code, 0, "{text}");
        assert_eq!(doc["status"], "pending-approval", "{doc:#}");
        doc
    }
}

#[test]
fn a_stopped_app_is_proposed_approved_and_running_again_with_sis_files() {
    let site = Site::new(1);
    let (rel, incident) = site.stopped_app_with_incident();
    let doc = site.propose();
    let run = doc["run_id"].as_str().unwrap().to_string();
    assert!(run.starts_with("run-"), "{run}");
    assert_eq!(doc["incident_id"], incident.as_str());
    assert_eq!(doc["policy_action"], "approval-required");
    let rem = &doc["remediation"];
    assert_eq!(rem["action"], "restore-release", "{rem:#}");
    assert_eq!(rem["app"], "api");
    assert_eq!(rem["release"], rel.as_str());
    assert_eq!(rem["targets"], serde_json::json!(["edge-a"]));
    let cmd = rem["command"].as_str().unwrap();
    assert!(
        cmd.contains(&format!(
            "rollback --app api --to-release {rel} --targets edge-a --apply"
        )),
        "{cmd}"
    );
    assert!(!rem["plan"].as_array().unwrap().is_empty(), "{rem:#}");
    // Proposed only: the app is still stopped, the incident still open.
    assert!(site.stopped_flag().exists());
    assert_eq!(site.incident_status(&incident), "open");

    // si's files, as si writes them.
    let agents = json_file(site.agents_file("agents.json"));
    assert_eq!(agents["agents"][0]["name"], "ops");
    assert_eq!(agents["agents"][0]["enabled"], true);
    assert_eq!(agents["agents"][0]["last_run_id"], run.as_str());
    assert_eq!(agents["agents"][0]["last_run_state"], "pending-approval");
    let runs = site.runs();
    assert_eq!(runs.len(), 1);
    for k in SI_RUN_KEYS {
        assert!(
            runs[0].get(k).is_some(),
            "run record lacks {k}: {:#}",
            runs[0]
        );
    }
    let artifact = json_file(PathBuf::from(runs[0]["artifact_path"].as_str().unwrap()));
    assert_eq!(artifact["source"], "agent-run");
    assert_eq!(artifact["context"], "shop");
    assert_eq!(artifact["record"]["run_id"], run.as_str());
    assert!(
        artifact["record"]["artifact_path"]
            .as_str()
            .unwrap()
            .contains(&format!("events/agent-artifacts/{run}/"))
    );
    assert!(!site.agents_file("locks/ops.lock.json").exists());

    let (code, doc, text) = site.run(&["agent", "approve", "--run", &run, "--note", "go"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(doc["status"], "succeeded", "{doc:#}");
    // The app runs its recorded release again; the incident is resolved.
    assert!(!site.stopped_flag().exists());
    assert_eq!(site.running(0).as_deref(), Some(rel.as_str()));
    assert_eq!(site.incident_status(&incident), "resolved");
    let (code, _, text) = site.run(&["deploy", "reconcile", "--app", "api"]);
    assert_eq!(code, 0, "{text}");

    let approvals = json_file(site.agents_file("approvals.json"));
    let d = &approvals["decisions"][0];
    assert_eq!(d["run_id"], run.as_str());
    assert_eq!(d["agent"], "ops");
    assert_eq!(d["decision"], "approved");
    assert_eq!(d["note"], "go");
    assert_eq!(d["source"], "cli");
    assert!(!d["actor"].as_str().unwrap().is_empty());
    let statuses: Vec<String> = site
        .runs()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["pending-approval", "approved", "succeeded"]);
    // The audit row names the agent, the run and the approver.
    let audit = jsonl(site.env.ctx_dir("shop").join("events/audit.jsonl"));
    let row = audit
        .iter()
        .rev()
        .find(|r| r["command"] == "agent approve")
        .unwrap_or_else(|| panic!("no audit row: {audit:#?}"));
    let text = row.to_string();
    assert!(text.contains("\"agent\":\"ops\""), "{text}");
    assert!(text.contains(&run), "{text}");
    assert!(text.contains("\"approver\""), "{text}");
    // A decided run is not decided again.
    let (code, _, _) = site.run(&["agent", "approve", "--run", &run]);
    assert_eq!(code, 2);
}

#[test]
fn a_denied_run_and_a_read_only_context_change_nothing() {
    let site = Site::new(1);
    let (_, incident) = site.stopped_app_with_incident();
    let deploys = site.events().len();
    let run = site.propose()["run_id"].as_str().unwrap().to_string();
    let (code, doc, text) = site.run(&["agent", "deny", "--run", &run, "--note", "not now"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(doc["status"], "denied");
    assert!(site.stopped_flag().exists());
    assert_eq!(site.incident_status(&incident), "open");
    assert_eq!(site.events().len(), deploys);
    let approvals = json_file(site.agents_file("approvals.json"));
    assert_eq!(approvals["decisions"][0]["decision"], "denied");
    assert_eq!(approvals["decisions"][0]["note"], "not now");
    let audit = jsonl(site.env.ctx_dir("shop").join("events/audit.jsonl"));
    let row = audit
        .iter()
        .rev()
        .find(|r| r["command"] == "agent deny")
        .unwrap_or_else(|| panic!("no audit row: {audit:#?}"));
    assert_eq!(row["fields"]["run_id"], run.as_str(), "{row:#}");
    assert_eq!(row["fields"]["action"], "restore-release", "{row:#}");
    assert_eq!(row["fields"]["note"], "not now", "{row:#}");
    let (code, _, _) = site.run(&["agent", "approve", "--run", &run]);
    assert_eq!(code, 2, "a denied run is not approved afterwards");
    assert!(site.stopped_flag().exists());

    // A run waiting for approval when the context turns read-only is refused by the guard.
    let run = site.propose()["run_id"].as_str().unwrap().to_string();
    let settings = site.env.ctx_dir("shop").join("paasdeck.json");
    let mut s = json_file(settings.clone());
    s["read_only"] = Value::Bool(true);
    std::fs::write(&settings, s.to_string()).unwrap();
    let before = site.runs().len();
    let (code, doc, text) = site.run(&["agent", "approve", "--run", &run]);
    assert_eq!(code, 2, "{text}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    let (code, doc, _) = site.run(&["agent", "run-once", "--name", "ops"]);
    assert_eq!(code, 2);
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD");
    assert_eq!(site.runs().len(), before);
    assert!(site.stopped_flag().exists());
    assert_eq!(site.events().len(), deploys);
    assert_eq!(site.incident_status(&incident), "open");
    let approvals = json_file(site.agents_file("approvals.json"));
    assert_eq!(approvals["decisions"].as_array().unwrap().len(), 1);
}

#[test]
fn an_auto_allowed_severity_runs_at_once_and_a_held_lock_blocks_a_second_run() {
    let site = Site::new(1);
    let (rel, incident) = site.stopped_app_with_incident();
    // Another run of the agent holds its lock: this one is blocked and proposes nothing.
    let lock = site.agents_file("locks/ops.lock.json");
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    let fresh = serde_json::json!({
        "agent": "ops", "owner": "other-host", "pid": 1,
        "acquired_at": "2099-01-01T00:00:00Z", "heartbeat_at": "2099-01-01T00:00:00Z"
    });
    std::fs::write(&lock, fresh.to_string()).unwrap();
    let (code, doc, text) = site.run(&["agent", "run-once", "--name", "ops"]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(doc["status"], "blocked");
    assert!(text.contains("lock unavailable"), "{text}");
    assert!(lock.exists(), "another run's lock is left alone");
    // A stale lock (its run died 16 minutes ago) is taken over.
    let stale = serde_json::json!({
        "agent": "ops", "owner": "dead", "pid": 1,
        "acquired_at": "2020-01-01T00:00:00Z", "heartbeat_at": "2020-01-01T00:00:00Z"
    });
    std::fs::write(&lock, stale.to_string()).unwrap();
    std::fs::write(
        site.agents_file("remediation_policy.json"),
        r#"{"default_action":"approval-required","severity_actions":{"critical":"auto-allow"}}"#,
    )
    .unwrap();
    // Written by hand, the policy file is readable by others: a block-level doctor failure,
    // which refuses the rollback exactly as it refuses the operator's own.
    let (code, doc, text) = site.run(&["agent", "run-once", "--name", "ops"]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(doc["lock_recovered"], true, "{doc:#}");
    assert_eq!(doc["policy_action"], "auto-allow");
    assert_eq!(doc["status"], "failed", "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_DOCTOR_BLOCKED", "{doc:#}");
    assert!(site.stopped_flag().exists());
    assert_eq!(site.incident_status(&incident), "open");
    for (f, mode) in [
        ("remediation_policy.json", 0o600),
        ("locks", 0o700),
        ("", 0o700),
    ] {
        std::fs::set_permissions(site.agents_file(f), std::fs::Permissions::from_mode(mode))
            .unwrap();
    }
    let (code, doc, text) = site.run(&["agent", "run-once", "--name", "ops"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(doc["lock_recovered"], false, "{doc:#}");
    assert_eq!(doc["status"], "succeeded", "{doc:#}");
    assert!(!site.stopped_flag().exists());
    assert_eq!(site.running(0).as_deref(), Some(rel.as_str()));
    assert_eq!(site.incident_status(&incident), "resolved");
    assert!(!lock.exists(), "the run's own lock is released");
    let statuses: Vec<String> = site
        .runs()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        statuses,
        ["blocked", "queued", "failed", "queued", "succeeded"]
    );
    // Nothing open is left: the next run has nothing to do.
    let (code, doc, _) = site.run(&["agent", "run-once", "--name", "ops"]);
    assert_eq!(code, 0);
    assert_eq!(doc["status"], "noop");
}

#[test]
fn two_runs_of_one_agent_at_once_the_second_is_blocked_by_the_first_ones_lock() {
    let site = Site::new(1);
    let (rel, incident) = site.stopped_app_with_incident();
    let policy = site.agents_file("remediation_policy.json");
    std::fs::write(
        &policy,
        r#"{"default_action":"approval-required","severity_actions":{"critical":"auto-allow"}}"#,
    )
    .unwrap();
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o600)).unwrap();
    // The first run's remediation holds the agent's lock while its `up` is slow.
    let state = site.sshds[0].docker_state.clone();
    std::fs::write(state.join("slow-up"), "3").unwrap();
    let _ = std::fs::remove_file(state.join("up-started"));
    let first = site
        .env
        .cmd()
        .env("PAASDECK_SSH_CONFIG", "/dev/null")
        .args([
            "--json",
            "--context",
            "shop",
            "agent",
            "run-once",
            "--name",
            "ops",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        crate::common::sshd::eventually(std::time::Duration::from_secs(60), || state
            .join("up-started")
            .exists()),
        "the first run never started its remediation"
    );
    let (code, doc, text) = site.run(&["agent", "run-once", "--name", "ops"]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(doc["status"], "blocked", "{doc:#}");
    assert!(text.contains("lock unavailable"), "{text}");
    let out = first.wait_with_output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    assert_eq!(doc["status"], "succeeded", "{doc:#}");
    assert_eq!(site.running(0).as_deref(), Some(rel.as_str()));
    assert_eq!(site.incident_status(&incident), "resolved");
    assert!(!site.agents_file("locks/ops.lock.json").exists());
}

#[test]
fn a_failed_deploy_that_did_not_roll_back_is_proposed_a_rollback_to_the_last_healthy_release() {
    let site = Site::new(1);
    let (code, doc, text) = site.deploy(&["--apply", "--health-timeout", "30s"]);
    assert_eq!(code, 0, "{text}");
    let good = release_of(&doc);
    // The next release starts unhealthy, and the deploy is told not to roll back.
    std::fs::write(
        site.env.work.join("compose.yaml"),
        super::COMPOSE.replace("example/worker:1", "example/worker:unhealthy"),
    )
    .unwrap();
    let (code, doc, text) = site.deploy(&[
        "--apply",
        "--health-timeout",
        "3s",
        "--rollback-on-failure",
        "false",
    ]);
    assert_eq!(code, 1, "{text}");
    let incident = doc["incident_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no incident: {doc:#}"))
        .to_string();
    assert_ne!(site.running(0).as_deref(), Some(good.as_str()));
    let (code, _, text) = site.run(&["agent", "enable", "--name", "ops"]);
    assert_eq!(code, 0, "{text}");
    let doc = site.propose();
    assert_eq!(doc["incident_id"], incident.as_str());
    let rem = &doc["remediation"];
    assert_eq!(rem["action"], "rollback", "{rem:#}");
    assert_eq!(rem["release"], good.as_str(), "{rem:#}");
    assert_eq!(rem["targets"], serde_json::json!(["edge-a"]));
    let run = doc["run_id"].as_str().unwrap().to_string();
    let (code, doc, text) = site.run(&["agent", "approve", "--run", &run]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(doc["status"], "succeeded", "{doc:#}");
    assert_eq!(site.running(0).as_deref(), Some(good.as_str()));
    assert_eq!(site.incident_status(&incident), "resolved");
}
