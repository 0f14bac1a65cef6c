//! An agent's proposal in the real console: the banner counts the runs waiting for approval,
//! the Incidents view shows the proposal; `d` denies it with a note typed into the form; `a`
//! approves the next one through the guard's dialog and its remediation runs.

use std::time::Duration;

use serde_json::Value;

use crate::common::Env;
use crate::common::sshd::eventually;
use crate::common::tmux::{console, first_line};

fn approvals(env: &Env) -> Value {
    std::fs::read_to_string(env.ctx_dir("c").join("agents/approvals.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

fn runs(env: &Env) -> Vec<Value> {
    std::fs::read_to_string(env.ctx_dir("c").join("events/agent-runs.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn propose(env: &Env) -> String {
    let doc = env.ok_in("c", &["agent", "run-once", "--name", "ops"]);
    assert_eq!(doc["status"], "pending-approval", "{doc:#}");
    assert_eq!(doc["remediation"]["action"], "target-check", "{doc:#}");
    doc["run_id"].as_str().unwrap().to_string()
}

#[test]
fn the_incidents_view_shows_a_proposal_d_denies_it_and_a_approves_through_the_dialog() {
    let env = Env::new();
    env.init("c", "oss-demo");
    env.incident_without_alert("c");
    env.ok_in("c", &["agent", "enable", "--name", "ops"]);
    let first = propose(&env);

    let tmux = console(&env, env.root.to_str().unwrap(), 200, 40);
    tmux.wait_for("the banner's pending approvals", |s| {
        first_line(s).contains("approvals pending: c 1")
    });
    tmux.send("i");
    tmux.wait_for("the proposal on the incident's row", |s| {
        s.contains("agent ops proposes: check a again")
    });
    tmux.send("d");
    tmux.wait_for("the deny form", |s| s.contains("Deny agent ops's run"));
    tmux.send("not during the sale");
    tmux.send_key("Enter");
    assert!(
        eventually(Duration::from_secs(30), || approvals(&env)["decisions"][0]
            ["run_id"]
            == first.as_str()),
        "{:#}\n{}",
        approvals(&env),
        tmux.capture(false)
    );
    let d = &approvals(&env)["decisions"][0];
    assert_eq!(d["decision"], "denied", "{d:#}");
    assert_eq!(d["note"], "not during the sale", "{d:#}");
    assert_eq!(d["source"], "console", "{d:#}");

    // The next proposal, approved: the dialog shows what runs, `y` runs it.
    let second = propose(&env);
    tmux.send_key("Escape");
    tmux.wait_for("the view closed", |s| {
        !s.contains("Incidents, every context")
    });
    tmux.send("i");
    tmux.wait_for("the new proposal", |s| {
        s.contains("agent ops proposes: check a again")
    });
    tmux.send("a");
    tmux.wait_for("the guard's dialog", |s| {
        s.contains("Confirm in") && s.contains(&format!("approve agent ops's run {second}"))
    });
    assert_eq!(runs(&env).len(), 3, "nothing runs before y");
    tmux.send("y");
    assert!(
        eventually(Duration::from_secs(60), || runs(&env)
            .iter()
            .any(|r| r["run_id"] == second.as_str()
                && (r["status"] == "succeeded" || r["status"] == "failed"))),
        "{:#?}\n{}",
        runs(&env),
        tmux.capture(false)
    );
    let d = &approvals(&env)["decisions"][0];
    assert_eq!(d["run_id"], second.as_str(), "{d:#}");
    assert_eq!(d["decision"], "approved", "{d:#}");
    // The target still does not answer: the incident stays open, and says what was tried.
    let ran = runs(&env)
        .into_iter()
        .find(|r| r["run_id"] == second.as_str() && r["status"] == "failed")
        .unwrap_or_else(|| panic!("{:#?}", runs(&env)));
    assert_eq!(ran["incident_status"], "open", "{ran:#}");
    // The task's audit row is written once the verb returns.
    let audit =
        || std::fs::read_to_string(env.ctx_dir("c").join("events/audit.jsonl")).unwrap_or_default();
    assert!(
        eventually(Duration::from_secs(30), || audit().lines().any(|l| l
            .contains("\"agent approve\"")
            && l.contains(&second)
            && l.contains("\"approver\"")
            && l.contains("\"frontend\":\"console\""))),
        "{}",
        audit()
    );
    tmux.send_key("Escape");
    tmux.wait_for("the view closed", |s| {
        !s.contains("Incidents, every context")
    });
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED"));
}
