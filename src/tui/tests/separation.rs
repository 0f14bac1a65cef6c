//! Contexts of different types never share a host, in the console too: the target form, the
//! palette and a target's edit go through the reducer, the guard and the effects to the same
//! `ops::targets` functions as `target add`, which refuse the shared host:port and write nothing.

use super::*;
use crate::ops::targets::{self as target_ops, NewTarget};
use crate::state::context::{self, InitSpec};
use crate::tui::effects::{self, Env};

fn spec(name: &str, host: &str, port: u16) -> NewTarget {
    NewTarget {
        name: name.into(),
        host: host.into(),
        user: "deploy".into(),
        port,
        auth_method: "key".into(),
        ..Default::default()
    }
}

/// A root with `internal` (internal-dogfood, target `box` at 10.1.2.3:22) and `demo`
/// (oss-demo, target `edge` at 10.9.9.9:22), and the console on the demo's Targets pane.
fn console(dir: &std::path::Path) -> (StateRoot, App) {
    let root = StateRoot::at(dir.join("paas"));
    for (name, kind, target) in [
        ("internal", "internal-dogfood", spec("box", "10.1.2.3", 22)),
        ("demo", "oss-demo", spec("edge", "10.9.9.9", 22)),
    ] {
        let cd = root.context(name).unwrap();
        let init = InitSpec {
            kind: Some(kind.into()),
            ..Default::default()
        };
        context::init(&root, &cd, &init).unwrap();
        target_ops::add(&cd, &target).unwrap();
    }
    let mut app = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(false),
        Vec::new(),
    );
    app.contexts = crate::tui::core::app::load_contexts(&root).unwrap();
    app.active = app.contexts.iter().position(|c| c.name == "demo").unwrap();
    let cd = root.context("demo").unwrap();
    app.contexts[app.active].snapshot = Some(crate::tui::core::app::load_snapshot(&cd));
    app.focus = Pane::Targets;
    (root, app)
}

/// Applies the effects of one step and returns the log and end state of the task they ran.
async fn run(env: &Env, app: &mut App, fx: Vec<Effect>) -> (String, Vec<String>) {
    assert!(
        fx.iter().any(|f| matches!(f, Effect::Run { .. })),
        "the step runs an op: {fx:?}"
    );
    let before = env.runner.tasks().len();
    for f in fx {
        effects::apply(env, app, f);
    }
    let tasks = env.runner.tasks();
    assert_eq!(tasks.len(), before + 1);
    let task = tasks.last().unwrap().clone();
    let started = std::time::Instant::now();
    while task.state().is_running() && started.elapsed() < std::time::Duration::from_secs(30) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let log = task.with_log(|l| l.lines().map(|l| l.text.clone()).collect());
    (task.state().label().to_string(), log)
}

fn assert_refused(what: &str, (state, log): &(String, Vec<String>)) {
    assert_eq!(state, "failed", "{what}: {log:#?}");
    let text = log.join("\n");
    assert!(
        text.contains("error[PAAS_CONTEXT_GUARD]")
            && text.contains("10.1.2.3:22")
            && text.contains("context internal (internal-dogfood)"),
        "{what}: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_target_form_palette_and_edit_refuse_a_host_of_another_context_type() {
    let dir = tempfile::tempdir().unwrap();
    let (root, mut app) = console(dir.path());
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let env = Env {
        root: root.clone(),
        runner: TaskRunner::default(),
        pool: std::sync::Arc::new(crate::ops::pool(&root, std::time::Duration::from_secs(5))),
        tx,
        operator: "tester@console".into(),
        check_timeout: std::time::Duration::from_secs(30),
        doctoring: Default::default(),
    };
    let targets = root.context("demo").unwrap().targets();
    let before = std::fs::read(&targets).unwrap();

    // The add form: name, host, user, then Enter through port, auth, identity file, labels.
    update(&mut app, key('a'));
    assert!(matches!(app.overlay, Overlay::Form(_)), "the form opens");
    let mut fx = Vec::new();
    for (text, enters) in [("public-box", 1), ("10.1.2.3", 1), ("deploy", 5)] {
        type_text(&mut app, text);
        for _ in 0..enters {
            fx = update(&mut app, code(KeyCode::Enter));
        }
    }
    assert_refused("form", &run(&env, &mut app, fx).await);
    assert_eq!(
        std::fs::read(&targets).unwrap(),
        before,
        "form: nothing written"
    );

    // The palette.
    update(&mut app, key(':'));
    type_text(
        &mut app,
        "target add --name p --host 10.1.2.3 --user deploy",
    );
    let fx = update(&mut app, code(KeyCode::Enter));
    assert_refused("palette", &run(&env, &mut app, fx).await);
    assert_eq!(
        std::fs::read(&targets).unwrap(),
        before,
        "palette: nothing written"
    );

    // Editing edge's host to the shared one.
    update(&mut app, key('e'));
    assert!(
        matches!(app.overlay, Overlay::Form(_)),
        "the edit form opens"
    );
    for _ in 0.."10.9.9.9".len() {
        update(&mut app, code(KeyCode::Backspace));
    }
    type_text(&mut app, "10.1.2.3");
    let mut fx = Vec::new();
    for _ in 0..6 {
        fx = update(&mut app, code(KeyCode::Enter));
    }
    assert_refused("edit", &run(&env, &mut app, fx).await);
    assert_eq!(
        std::fs::read(&targets).unwrap(),
        before,
        "edit: nothing written"
    );

    // The same host on another port is another endpoint: the palette adds it.
    update(&mut app, key(':'));
    type_text(
        &mut app,
        "target add --name p --host 10.1.2.3 --port 2222 --user deploy",
    );
    let fx = update(&mut app, code(KeyCode::Enter));
    let (state, log) = run(&env, &mut app, fx).await;
    assert_eq!(state, "ok", "{log:#?}");
    let doc = crate::state::targets::load(&root.context("demo").unwrap()).unwrap();
    assert!(doc.find("p").is_some_and(|t| t.port() == 2222));
    env.pool.close_all().await;
}
