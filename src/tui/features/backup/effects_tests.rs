//! A backup prune from the console and from the CLI leave the same audit fields.

use crate::state::StateRoot;
use crate::state::context::{self, InitSpec};
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::App;
use crate::tui::core::keymap::Keymap;
use crate::tui::core::theme::Theme;
use crate::tui::effects;
use crate::tui::update::update;

fn audit_rows(root: &StateRoot, command: &str) -> Vec<serde_json::Value> {
    crate::tui::effects::env::testing::audit_rows(root, "c", command)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prune_from_the_console_audits_the_fields_the_cli_audits() {
    let dir = tempfile::tempdir().unwrap();
    let root = StateRoot::at(dir.path().join("paas"));
    let spec = InitSpec {
        kind: Some("staging".into()),
        ..Default::default()
    };
    context::init(&root, &root.context("c").unwrap(), &spec).unwrap();
    let (env, _rx) = crate::tui::effects::env::testing::env(&root);
    let mut a = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(false),
        Vec::new(),
    );
    let policy = crate::ops::backup::prune::policy(5, 2, 1).unwrap();
    let op = Op::Backup(super::prune_op(policy, true));
    let fx = Effect::Run {
        context: "c".into(),
        op,
    };
    for told in effects::apply(&env, &a, fx) {
        update(&mut a, told);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while audit_rows(&root, "backup prune").is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let console = audit_rows(&root, "backup prune").pop().unwrap();

    let argv = [
        "paasdeck",
        "--state-root",
        root.path().to_str().unwrap(),
        "--context",
        "c",
        "--json",
        "backup",
        "prune",
        "--keep-daily",
        "5",
        "--keep-weekly",
        "2",
        "--keep-monthly",
        "1",
        "--apply",
    ];
    let code = crate::tui::effects::env::testing::run_headless(&argv).await;
    assert_eq!(code, 0);
    let headless = audit_rows(&root, "backup prune").pop().unwrap();

    let (c, h) = (
        console["fields"].as_object().unwrap(),
        headless["fields"].as_object().unwrap(),
    );
    for k in [
        "apply",
        "policy",
        "kept",
        "to_remove",
        "removed",
        "files_removed",
    ] {
        assert!(
            c.contains_key(k),
            "{k} missing from the console's row: {console}"
        );
    }
    for k in c.keys().chain(h.keys()) {
        if k != "frontend" {
            assert_eq!(c.get(k), h.get(k), "{k}: {console}\n{headless}");
        }
    }
    assert_eq!(c["frontend"], "console");
    assert_eq!(h["frontend"], "headless");
}
