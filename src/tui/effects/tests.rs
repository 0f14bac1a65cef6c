//! Effects tell the reducer what happened as Actions; they never change the app.

use std::time::Duration;

use super::{Env, apply};
use crate::state::StateRoot;
use crate::state::context::{self, InitSpec};
use crate::tui::core::action::{Action, Effect, Op};
use crate::tui::core::app::App;
use crate::tui::core::keymap::Keymap;
use crate::tui::core::theme::Theme;
use crate::tui::update::update;

fn env(root: &StateRoot) -> Env {
    super::env::testing::env(root).0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_started_task_and_a_search_come_back_as_actions_for_the_reducer() {
    let dir = tempfile::tempdir().unwrap();
    let root = StateRoot::at(dir.path().join("paas"));
    let spec = InitSpec {
        kind: Some("staging".into()),
        ..Default::default()
    };
    context::init(&root, &root.context("c").unwrap(), &spec).unwrap();
    let env = env(&root);
    let mut app = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(false),
        Vec::new(),
    );
    // An op started as a task: the app is told, not changed.
    let run = Effect::Run {
        context: "c".into(),
        op: Op::deploy("api"),
    };
    let actions = apply(&env, &app, run);
    let id = match actions.as_slice() {
        [Action::TaskStarted(id)] => *id,
        other => panic!("{other:?}"),
    };
    assert_eq!(app.log.task, None);
    for a in actions {
        update(&mut app, a);
    }
    assert_eq!(app.log.task, Some(id));
    assert!(app.log.follow);
    // A search of its log: the hit (or none) comes back as an Action too.
    let task = env.runner.get(id).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while task.state().is_running() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.log.search = Some("no such words in any log".into());
    let actions = apply(&env, &app, Effect::SearchLog { forward: true });
    assert!(
        matches!(actions.as_slice(), [Action::LogSearched(None)]),
        "{actions:?}"
    );
    assert!(app.flash.is_none());
    for a in actions {
        update(&mut app, a);
    }
    assert!(app.flash.is_some());
    // An op without a context is refused with a notice, through the reducer.
    let actions = apply(
        &env,
        &app,
        Effect::Run {
            context: String::new(),
            op: Op::deploy("api"),
        },
    );
    assert!(
        matches!(actions.as_slice(), [Action::Notice { error: true, text }] if text.contains("needs a context")),
        "{actions:?}"
    );
}

fn audit_fields(root: &StateRoot, command: &str) -> Vec<serde_json::Value> {
    super::env::testing::audit_rows(root, "c", command)
        .into_iter()
        .map(|r| r["fields"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_from_the_palette_carries_its_flags_and_audits_as_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let root = StateRoot::at(dir.path().join("paas"));
    let spec = InitSpec {
        kind: Some("staging".into()),
        ..Default::default()
    };
    context::init(&root, &root.context("c").unwrap(), &spec).unwrap();
    let env = env(&root);
    let mut app = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(false),
        Vec::new(),
    );
    app.contexts = crate::tui::core::model::load_contexts(&root).unwrap();
    let prom = dir.path().join("check.prom");
    let line = format!(
        "check --skip-remote --timeout 5s --prometheus {}",
        prom.display()
    );
    let Ok(crate::tui::overlays::palette::parse::PaletteCmd::Op(op)) =
        crate::tui::overlays::palette::parse::parse(&line, &app)
    else {
        panic!("{line}");
    };
    let Op::Check(input) = &op else {
        panic!("{op:?}")
    };
    assert_eq!(input.timeout, Duration::from_secs(5));
    let run = Effect::Run {
        context: "c".into(),
        op: op.clone(),
    };
    apply(&env, &app, run);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while audit_fields(&root, "check").is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let console = audit_fields(&root, "check").pop().unwrap();
    // The console wrote the textfile the flag names.
    assert!(prom.exists(), "no {}", prom.display());

    let argv = [
        "paasdeck",
        "--state-root",
        root.path().to_str().unwrap(),
        "--context",
        "c",
        "--json",
        "check",
        "--skip-remote",
        "--timeout",
        "5s",
    ];
    crate::tui::effects::env::testing::run_headless(&argv).await;
    let headless = audit_fields(&root, "check").pop().unwrap();
    let (c, h) = (console.as_object().unwrap(), headless.as_object().unwrap());
    assert!(
        c.contains_key("failing") && c.contains_key("contexts"),
        "{console}"
    );
    for k in c.keys().chain(h.keys()) {
        if k != "frontend" {
            assert_eq!(c.get(k), h.get(k), "{k}: {console}\n{headless}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_test_from_the_palette_carries_its_message_and_audits_as_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let root = StateRoot::at(dir.path().join("paas"));
    let spec = InitSpec {
        kind: Some("staging".into()),
        ..Default::default()
    };
    context::init(&root, &root.context("c").unwrap(), &spec).unwrap();
    let env = env(&root);
    let mut app = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(false),
        Vec::new(),
    );
    app.contexts = crate::tui::core::model::load_contexts(&root).unwrap();
    let line = "alert test --severity warning --message disk-almost-full";
    let Ok(crate::tui::overlays::palette::parse::PaletteCmd::Op(op)) =
        crate::tui::overlays::palette::parse::parse(line, &app)
    else {
        panic!("{line}");
    };
    assert!(
        matches!(&op, Op::AlertTest { message, .. } if message == "disk-almost-full"),
        "{op:?}"
    );
    apply(
        &env,
        &app,
        Effect::Run {
            context: "c".into(),
            op,
        },
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while audit_fields(&root, "alert test").is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let console = audit_fields(&root, "alert test").pop().unwrap();
    let alerts = std::fs::read_to_string(root.path().join("contexts/c/events/alerts.jsonl"))
        .unwrap_or_default();
    assert!(alerts.contains("disk-almost-full"), "{alerts}");

    let argv = [
        "paasdeck",
        "--state-root",
        root.path().to_str().unwrap(),
        "--context",
        "c",
        "--json",
        "alert",
        "test",
        "--severity",
        "warning",
        "--message",
        "disk-almost-full",
    ];
    crate::tui::effects::env::testing::run_headless(&argv).await;
    let headless = audit_fields(&root, "alert test").pop().unwrap();
    let (c, h) = (console.as_object().unwrap(), headless.as_object().unwrap());
    assert!(
        c.contains_key("severity") && c.contains_key("channel"),
        "{console}"
    );
    for k in c.keys().chain(h.keys()) {
        // Each run raises its own alert.
        if k != "frontend" && k != "id" {
            assert_eq!(c.get(k), h.get(k), "{k}: {console}\n{headless}");
        }
    }
}

/// The console's alert view shows what `alert history` returns, for the palette's `--limit`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alert_view_shows_the_alert_history_verbs_text() {
    use crate::state::alerts::AlertSeverity;
    let dir = tempfile::tempdir().unwrap();
    let root = StateRoot::at(dir.path().join("paas"));
    let spec = InitSpec {
        kind: Some("staging".into()),
        ..Default::default()
    };
    let cd = root.context("c").unwrap();
    context::init(&root, &cd, &spec).unwrap();
    for m in ["first", "second", "third"] {
        crate::ops::alert::raise(
            &cd,
            &crate::ops::alert::Alert::new("alert test", AlertSeverity::Info, m),
        );
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let env = Env { tx, ..env(&root) };
    let app = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(false),
        Vec::new(),
    );
    let input = crate::verbs::oncall::HistoryInput {
        limit: 2,
        severity: None,
    };
    let run = Effect::Run {
        context: "c".into(),
        op: Op::AlertHistory(input.clone()),
    };
    apply(&env, &app, run);
    let lines = loop {
        let got = tokio::time::timeout(Duration::from_secs(60), rx.recv()).await;
        if let Action::ShowInfo { lines, .. } = got.unwrap().unwrap() {
            break lines;
        }
    };
    let scope = super::run::view_scope(&env, "c");
    let verb = crate::verbs::oncall::alert_history(&scope, &input).unwrap();
    let want: Vec<String> = verb.text.lines().map(String::from).collect();
    assert_eq!(lines, want);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[1].contains("third"), "{lines:#?}");
}
