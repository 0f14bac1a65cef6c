use serde_json::{Map, Value, json};

use super::*;
use crate::state::StateRoot;
use crate::state::clock;
use crate::state::events;
use crate::state::paths::{ContextDir, EventFile};

fn ctx() -> (tempfile::TempDir, ContextDir) {
    let t = tempfile::tempdir().unwrap();
    let root = StateRoot::at(t.path());
    let cd = root.context("shop").unwrap();
    std::fs::create_dir_all(cd.events_dir()).unwrap();
    (t, cd)
}

fn row(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn deploy_failed(at: &str, target: &str) -> Map<String, Value> {
    row(json!({
        "timestamp": at, "context": "shop", "source": "deploy", "command": "deploy",
        "status": "failed", "app": "api", "error_target": target,
        "error_message": "up failed", "error_code": "PAAS_REMOTE_APPLY_FAILED"
    }))
}

fn ago(secs: i64) -> String {
    clock::rfc3339_nanos(clock::now() - time::Duration::seconds(secs))
}

#[test]
fn the_same_failure_twice_within_the_window_is_one_incident_seen_twice() {
    let (_t, cd) = ctx();
    let a = events::append_folded(
        &cd,
        EventFile::Deployments,
        deploy_failed(&ago(120), "edge-a"),
    )
    .unwrap()
    .unwrap();
    assert!(a.inserted);
    let b = events::append_folded(
        &cd,
        EventFile::Deployments,
        deploy_failed(&ago(10), "edge-a"),
    )
    .unwrap()
    .unwrap();
    assert_eq!(b.id, a.id);
    assert_eq!(b.seen_count, 2);
    let q = load(&cd).unwrap();
    assert_eq!(q.entries.len(), 1);
    let e = &q.entries[0];
    assert_eq!(e.seen_count, 2);
    assert_eq!(e.incident.source, "deploy-hook");
    assert_eq!(e.incident.category, Category::Deploy);
    assert_eq!(e.incident.severity, Severity::Critical);
    assert_eq!(e.incident.signal, "deploy_failed");
    assert_eq!(e.incident.dedupe_key.len(), 16);
    assert!(e.incident.id.ends_with(&e.incident.dedupe_key));
    assert_eq!(e.status, IncidentStatus::Open);
    // another target is another incident
    let c = events::append_folded(
        &cd,
        EventFile::Deployments,
        deploy_failed(&ago(5), "edge-b"),
    )
    .unwrap()
    .unwrap();
    assert_ne!(c.id, a.id);
    // more than the window after the last one: a new incident
    let (_t2, cd2) = ctx();
    let first = fold_row(
        &cd2,
        EventFile::Deployments,
        &deploy_failed(&ago(900), "edge-a"),
    )
    .unwrap()
    .unwrap();
    let later = fold_row(
        &cd2,
        EventFile::Deployments,
        &deploy_failed(&ago(1), "edge-a"),
    )
    .unwrap()
    .unwrap();
    assert_ne!(first.id, later.id);
}

#[test]
fn schema_matches_si_and_the_file_holds_one_entry_per_line() {
    let (_t, cd) = ctx();
    let at = "2026-02-17T02:03:04.5Z";
    let c = candidate(
        cd.context_name(),
        EventFile::Deployments,
        &deploy_failed(at, "edge-a"),
    )
    .unwrap();
    let i = c.incident();
    assert_eq!(i.window_start, "2026-02-17T02:00:00Z");
    assert_eq!(i.window_end, "2026-02-17T02:05:00Z");
    assert_eq!(i.id, format!("20260217T020304.500000000Z-{}", i.dedupe_key));
    // si: sha256("shop|deploy-hook|deploy|critical|edge-a|deploy_failed|deploy")[..8]
    let payload = "shop|deploy-hook|deploy|critical|edge-a|deploy_failed|deploy";
    let want: String = sha2::Sha256::digest(payload.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    use sha2::Digest;
    assert_eq!(i.dedupe_key, want);
    let corr: String = sha2::Sha256::digest(format!("{want}|20260217T0200|").as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(i.correlation_id, corr);
    fold_row(
        &cd,
        EventFile::Deployments,
        &deploy_failed(&ago(1), "edge-a"),
    )
    .unwrap();
    let text = std::fs::read_to_string(cd.incidents_file()).unwrap();
    let line: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    for k in [
        "key",
        "incident",
        "status",
        "first_seen",
        "last_seen",
        "seen_count",
    ] {
        assert!(line.get(k).is_some(), "{k}: {line}");
    }
    assert_eq!(
        line["key"].as_str().unwrap(),
        format!(
            "{}|{}",
            line["incident"]["dedupe_key"].as_str().unwrap(),
            line["incident"]["window_start"].as_str().unwrap()
        )
    );
}

#[test]
fn severity_only_escalates_and_a_resolved_incident_opens_again() {
    let (_t, cd) = ctx();
    let mut warn = deploy_failed(&ago(30), "edge-a");
    warn.insert("status".into(), "degraded".into());
    warn.insert("command".into(), "deploy".into());
    let c = candidate(cd.context_name(), EventFile::Deployments, &warn).unwrap();
    assert_eq!(c.severity, Severity::Warning);
    let mut c2 = c.clone();
    c2.severity = Severity::Critical;
    // the same dedupe inputs except severity make another key: escalation is within one key
    let first = fold_candidate(&cd, &c2).unwrap();
    let mut lower = c2.clone();
    lower.triggered_at = clock::now();
    lower.severity = Severity::Critical;
    fold_candidate(&cd, &lower).unwrap();
    let q = load(&cd).unwrap();
    assert_eq!(
        q.find(&first.id).unwrap().incident.severity,
        Severity::Critical
    );
    resolve(&cd, &first.id, "tester@host", "fixed").unwrap();
    assert_eq!(
        load(&cd).unwrap().find(&first.id).unwrap().status,
        IncidentStatus::Resolved
    );
    fold_candidate(&cd, &lower).unwrap();
    let e = load(&cd).unwrap().find(&first.id).unwrap().clone();
    assert_eq!(e.status, IncidentStatus::Open);
    assert_eq!(e.seen_count, 3);
    assert!(resolve(&cd, "nope", "t", "").is_err());
}

#[test]
fn which_rows_are_folded() {
    let (_t, cd) = ctx();
    let name = cd.context_name();
    let ok = row(
        json!({"timestamp": ago(1), "source": "deploy", "command": "deploy", "status": "succeeded"}),
    );
    assert!(candidate(name, EventFile::Deployments, &ok).is_none());
    let audit = row(
        json!({"timestamp": ago(1), "source": "audit", "command": "target check", "status": "failed", "severity": "critical", "error_message": "x"}),
    );
    let c = candidate(name, EventFile::Audit, &audit).unwrap();
    assert_eq!(
        (c.source.as_str(), c.category),
        ("runtime-watch", Category::Runtime)
    );
    let refusal = row(
        json!({"timestamp": ago(1), "source": "audit", "command": "deploy", "status": "failed", "severity": "warning"}),
    );
    assert!(candidate(name, EventFile::Audit, &refusal).is_none());
    let linked = row(
        json!({"timestamp": ago(1), "source": "audit", "command": "deploy", "status": "failed", "severity": "critical", "fields": {"incident_id": "x"}}),
    );
    assert!(candidate(name, EventFile::Audit, &linked).is_none());
    let alert = row(
        json!({"timestamp": ago(1), "command": "deploy failure", "status": "failed", "severity": "critical", "message": "m"}),
    );
    assert!(candidate(name, EventFile::Alerts, &alert).is_none());
    // a hostile target is dropped, never stored
    let bad = deploy_failed(&ago(1), "../x");
    assert_eq!(
        candidate(name, EventFile::Deployments, &bad)
            .unwrap()
            .target,
        ""
    );
}

#[test]
fn retention_cap_and_unreadable_lines_kept() {
    let (_t, cd) = ctx();
    let mut q = queue::Queue {
        raw: vec!["not json".into(), "{\"key\":\"k\",\"incident\":{\"id\":\"../../etc\",\"context\":\"shop\",\"dedupe_key\":\"d\"}}".into()],
        ..Default::default()
    };
    for i in 0..(CAP + 5) {
        let mut c = candidate(
            cd.context_name(),
            EventFile::Deployments,
            &deploy_failed(&ago(1), "edge-a"),
        )
        .unwrap();
        c.command = format!("deploy{i}");
        if i == 0 {
            // not seen for 15 days: pruned on the next fold
            c.triggered_at = clock::now() - time::Duration::days(15);
        }
        let inc = c.incident();
        q.entries.push(Entry {
            key: schema::key_of(&inc),
            first_seen: inc.triggered_at.clone(),
            last_seen: inc.triggered_at.clone(),
            incident: inc,
            status: IncidentStatus::Open,
            seen_count: 1,
            alert_ids: vec![],
            acknowledged_at: String::new(),
            acknowledged_by: String::new(),
            resolved_at: String::new(),
            resolved_by: String::new(),
            note: String::new(),
            extra: Default::default(),
        });
    }
    queue::save(&cd, &q).unwrap();
    let before = load(&cd).unwrap();
    assert_eq!((before.entries.len(), before.skipped), (CAP + 5, 2));
    fold_row(
        &cd,
        EventFile::Deployments,
        &deploy_failed(&ago(0), "edge-z"),
    )
    .unwrap();
    let q = load(&cd).unwrap();
    assert_eq!(q.entries.len(), CAP);
    assert_eq!(q.skipped, 2);
    assert!(
        q.entries
            .iter()
            .all(|e| e.incident.signal != "deploy0_failed")
    );
    assert_eq!(q.entries[0].incident.target, "edge-z");
    let text = std::fs::read_to_string(cd.incidents_file()).unwrap();
    assert!(text.contains("not json\n"));
}
