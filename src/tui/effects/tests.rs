//! Effects tell the reducer what happened as Actions; they never change the app.

use std::time::Duration;

use super::{Env, apply};
use crate::state::StateRoot;
use crate::state::context::{self, InitSpec};
use crate::tasks::TaskRunner;
use crate::tui::action::{Action, Effect, Op};
use crate::tui::app::App;
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;
use crate::tui::update::update;

fn env(root: &StateRoot) -> Env {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    Env {
        root: root.clone(),
        runner: TaskRunner::default(),
        pool: std::sync::Arc::new(crate::ops::pool(root, Duration::from_secs(5))),
        tx,
        operator: "tester@console".into(),
        check_timeout: Duration::from_secs(30),
        doctoring: Default::default(),
    }
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
