use serde_json::json;

use super::lock::{self, LockFile};
use super::*;
use crate::state::StateRoot;
use crate::state::incidents::Severity;

fn ctx() -> (tempfile::TempDir, ContextDir) {
    let t = tempfile::tempdir().unwrap();
    let root = StateRoot::at(t.path());
    let cd = root.context("shop").unwrap();
    std::fs::create_dir_all(cd.events_dir()).unwrap();
    (t, cd)
}

#[test]
fn the_policy_defaults_are_sis_and_a_file_overrides_them_per_severity() {
    let (_t, cd) = ctx();
    let p = load_policy(&cd).unwrap();
    assert_eq!(p.action_for(Severity::Info), PolicyAction::AutoAllow);
    assert_eq!(
        p.action_for(Severity::Warning),
        PolicyAction::ApprovalRequired
    );
    assert_eq!(
        p.action_for(Severity::Critical),
        PolicyAction::ApprovalRequired
    );
    std::fs::create_dir_all(agents_dir(&cd)).unwrap();
    std::fs::write(
        policy_file(&cd),
        json!({"default_action": "deny", "severity_actions": {"warn": "auto-allow"}, "owner": "si"})
            .to_string(),
    )
    .unwrap();
    let p = load_policy(&cd).unwrap();
    assert_eq!(p.action_for(Severity::Warning), PolicyAction::AutoAllow);
    assert_eq!(p.action_for(Severity::Critical), PolicyAction::Deny);
    assert_eq!(p.extra["owner"], "si");
}

#[test]
fn enabling_twice_keeps_one_agent_and_unknown_keys_survive() {
    let (_t, cd) = ctx();
    std::fs::create_dir_all(agents_dir(&cd)).unwrap();
    std::fs::write(
        agents_file(&cd),
        json!({"agents": [{"name": "zeta", "enabled": false, "targets": ["all"], "si_only": 1}], "version": 2})
            .to_string(),
    )
    .unwrap();
    enable(&cd, "ops", None, Some("default".into())).unwrap();
    let a = enable(&cd, "ops", Some(vec!["edge-a".into()]), None).unwrap();
    assert_eq!(a.targets, ["edge-a"]);
    assert_eq!(a.profile, "default");
    let doc = load(&cd).unwrap();
    let names: Vec<&str> = doc.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["ops", "zeta"]);
    assert_eq!(doc.extra["version"], 2);
    assert_eq!(doc.agents[1].extra["si_only"], 1);
    assert!(disable(&cd, "nobody").is_err());
    assert!(!disable(&cd, "ops").unwrap().enabled);
}

#[test]
fn one_decision_per_run_newest_first() {
    let (_t, cd) = ctx();
    let d = |run: &str, decision: &str| Decision {
        run_id: run.into(),
        agent: "ops".into(),
        decision: decision.into(),
        ..Default::default()
    };
    decide(&cd, d("run-1", "approved")).unwrap();
    decide(&cd, d("run-2", "approved")).unwrap();
    decide(&cd, d("run-1", "denied")).unwrap();
    let doc = load_approvals(&cd).unwrap();
    let got: Vec<(&str, &str)> = doc
        .decisions
        .iter()
        .map(|d| (d.run_id.as_str(), d.decision.as_str()))
        .collect();
    assert_eq!(got, [("run-1", "denied"), ("run-2", "approved")]);
}

#[test]
fn a_held_lock_keeps_a_second_run_out_and_a_stale_one_is_taken_over() {
    let (_t, cd) = ctx();
    let held = lock::acquire(&cd, "ops", "first").unwrap().unwrap();
    assert!(!held.recovered);
    let busy = lock::acquire(&cd, "ops", "second").unwrap().unwrap_err();
    assert!(
        busy.message.contains("agent lock unavailable"),
        "{}",
        busy.message
    );
    assert!(busy.message.contains("first"), "{}", busy.message);
    // From another thread while held: still refused.
    let cd2 = cd.clone();
    let other = std::thread::spawn(move || lock::acquire(&cd2, "ops", "third").unwrap().is_err());
    assert!(other.join().unwrap());
    drop(held);
    assert!(!lock::lock_path(&cd, "ops").exists());

    let old = crate::state::clock::rfc3339_nanos(
        crate::state::clock::now() - time::Duration::minutes(16),
    );
    let stale = LockFile {
        agent: "ops".into(),
        owner: "dead".into(),
        pid: 1,
        acquired_at: old.clone(),
        heartbeat_at: old,
    };
    crate::state::fsio::write_json_atomic(&lock::lock_path(&cd, "ops"), &stale).unwrap();
    let taken = lock::acquire(&cd, "ops", "fourth").unwrap().unwrap();
    assert!(taken.recovered);
    let now: LockFile = crate::state::fsio::read_json(&lock::lock_path(&cd, "ops"))
        .unwrap()
        .unwrap();
    assert_eq!(now.owner, "fourth");
}

#[test]
fn run_records_are_appended_with_their_artifact() {
    let (_t, cd) = ctx();
    let id = runs::new_run_id();
    let mut r = runs::Record::new();
    r.insert("run_id".into(), id.clone().into());
    r.insert("status".into(), "noop".into());
    let written = runs::append(&cd, r).unwrap();
    let path = std::path::PathBuf::from(runs::text(&written, "artifact_path"));
    let art: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(art["source"], "agent-run");
    assert_eq!(art["context"], "shop");
    assert_eq!(art["record"]["run_id"], id.as_str());
    assert_eq!(runs::of_run(&cd, &id).unwrap().len(), 1);
    assert!(runs::of_run(&cd, "run-none").is_err());
    assert!(runs::validate_run_id("run-../../x").is_err());
}
