//! The verbs run the same for either front end: the same audit fields, the same refusals.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Front, Progress, Scope, record};
use crate::state::StateRoot;
use crate::state::context::{self, InitSpec};

fn scope(root: &StateRoot, front: Front) -> Scope {
    Scope {
        root: root.clone(),
        context: "c".into(),
        operator: "tester".into(),
        front,
        pool: Arc::new(crate::ops::pool(root, Duration::from_secs(5))),
        progress: Progress::quiet(),
    }
}

fn root_with_context() -> (tempfile::TempDir, StateRoot) {
    let t = tempfile::tempdir().unwrap();
    let root = StateRoot::at(t.path().join("state"));
    let cd = root.context("c").unwrap();
    context::init(
        &root,
        &cd,
        &InitSpec {
            kind: Some("internal-dogfood".into()),
            ..Default::default()
        },
    )
    .unwrap();
    (t, root)
}

#[test]
fn a_target_added_from_either_front_end_records_the_same_fields() {
    let (_t, root) = root_with_context();
    let mut rows = Vec::new();
    for (front, name) in [(Front::Headless, "edge-a"), (Front::Console, "edge-b")] {
        let spec = crate::ops::targets::NewTarget {
            name: name.into(),
            host: format!("{name}.example"),
            user: "deploy".into(),
            port: 22,
            auth_method: "key".into(),
            ..Default::default()
        };
        let result = super::targets::add(&scope(&root, front), &spec);
        record(
            &root,
            "c",
            "tester",
            front,
            "target add",
            Instant::now(),
            &result,
        );
        let audit =
            std::fs::read_to_string(root.context("c").unwrap().dir().join("events/audit.jsonl"))
                .unwrap();
        let row: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
        rows.push(row);
    }
    let keys = |row: &serde_json::Value| {
        let mut k: Vec<String> = row["fields"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(keys(&rows[0]), keys(&rows[1]), "{rows:?}");
    for k in [
        "name",
        "host",
        "port",
        "user",
        "auth_method",
        "total",
        "frontend",
    ] {
        assert!(keys(&rows[1]).iter().any(|x| x == k), "{k}: {rows:?}");
    }
    assert_eq!(rows[1]["fields"]["frontend"], "console");
}

#[test]
fn disabling_an_addon_that_is_not_there_is_an_error_naming_it() {
    let (_t, root) = root_with_context();
    let err = super::addons::disable(&scope(&root, Front::Console), "api", "postgres").unwrap_err();
    assert!(
        err.message.contains("has no add-on named \"postgres\""),
        "{}",
        err.message
    );
}

#[test]
fn removing_an_app_needs_force() {
    let (_t, root) = root_with_context();
    let input = super::apps::RemoveInput {
        app: "api".into(),
        force: false,
    };
    let err = super::apps::remove(&scope(&root, Front::Headless), &input).unwrap_err();
    assert!(err.message.contains("needs --force"), "{}", err.message);
}
