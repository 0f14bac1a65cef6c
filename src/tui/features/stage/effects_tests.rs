//! The console's stage path end to end: the reducer, the guard and the effects, on the demo's
//! stage with the incus simulator as a `local` host.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::state::StateRoot;
use crate::tui::core::action::{Action, Effect, Op, Pane};
use crate::tui::core::app::App;
use crate::tui::core::keymap::Keymap;
use crate::tui::core::theme::Theme;
use crate::tui::update::update;

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The console's path end to end: a refresh and a reset through the reducer, the guard and the
/// effects, on the demo's stage with the incus simulator (a `local` host target).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_from_the_console_runs_as_a_task_and_is_audited() {
    use crate::tui::effects;
    let dir = tempfile::tempdir().unwrap();
    let root = StateRoot::at(dir.path().join("paas"));
    crate::demo::stage::seed(&root, dir.path(), "demo").unwrap();
    let (env, mut rx) = crate::tui::effects::env::testing::env(&root);
    let mut a = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(false),
        Vec::new(),
    );
    a.contexts = crate::tui::core::app::load_contexts(&root).unwrap();
    let ctx = crate::demo::stage::CONTEXT;
    // Visiting the tab reads the stage object, then the host.
    effects::load(&env, ctx.into());
    let mut next = async || {
        tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
            .await
            .unwrap()
            .unwrap()
    };
    loop {
        match next().await {
            Action::Stage(m @ StageMsg::Loaded { .. }) => {
                for fx in update(&mut a, m.into_action()) {
                    for told in effects::apply(&env, &a, fx) {
                        update(&mut a, told);
                    }
                }
            }
            Action::Stage(m @ StageMsg::Status { .. }) => {
                update(&mut a, m.into_action());
                break;
            }
            _ => {}
        }
    }
    let rows: Vec<String> = visible_rows(&a)
        .iter()
        .map(|r| format!("{} {}", r.name, r.state))
        .collect();
    assert_eq!(rows, ["system Running", "tables Running", "web missing"]);
    a.focus = Pane::Instances;
    update(&mut a, key('R'));
    let fx = update(&mut a, key('y'));
    assert!(
        matches!(
            fx.as_slice(),
            [Effect::Run {
                op: Op::Stage(_),
                ..
            }]
        ),
        "{fx:?}"
    );
    for f in fx {
        for told in effects::apply(&env, &a, f) {
            update(&mut a, told);
        }
    }
    let task = env.runner.tasks().pop().unwrap();
    let started = std::time::Instant::now();
    while task.state().is_running() && started.elapsed() < std::time::Duration::from_secs(60) {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let log: Vec<String> = task.with_log(|l| l.lines().map(|l| l.text.clone()).collect());
    assert_eq!(task.state().label(), "ok", "{log:#?}");
    let changes: Vec<&str> = log
        .iter()
        .filter(|l| l.starts_with("$ ") && !l.contains(" list "))
        .map(|l| l.split("/bin/").nth(1).unwrap_or(l))
        .collect();
    assert_eq!(
        changes,
        [
            "incus stop system --project STAGE-GBO",
            "incus query --project STAGE-GBO '/1.0/instances/system/files?path=/opt/gbo/work&project=STAGE-GBO'",
            "incus file delete --force system/opt/gbo/work/staging-run --project STAGE-GBO",
            "incus query --project STAGE-GBO '/1.0/instances/system/files?path=/opt/gbo/logs&project=STAGE-GBO'",
            "incus file delete --force system/opt/gbo/logs/staging.log --project STAGE-GBO",
            "incus start system --project STAGE-GBO",
        ],
        "{log:#?}"
    );
    let audit = std::fs::read_to_string(
        root.context(ctx)
            .unwrap()
            .event_file(crate::state::paths::EventFile::Audit),
    )
    .unwrap();
    let row: serde_json::Value = audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .rfind(|r| r["command"] == "stage reset")
        .unwrap();
    assert_eq!(row["status"], "succeeded");
    assert_eq!(row["fields"]["frontend"], "console");
    assert_eq!(row["fields"]["components"], "system");
    let sim: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("stage-host/incus-state/state.json")).unwrap(),
    )
    .unwrap();
    let files = sim["projects"]["STAGE-GBO"]["instances"]["system"]["files"]
        .as_object()
        .unwrap();
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["/opt/gbo/data/state.db"],
        "wipe paths and logs deleted, data kept"
    );
    assert!(!log.iter().any(|l| l.contains("already absent")));
    // The pane is read again after the action.
    loop {
        if let Action::Stage(m @ StageMsg::Status { .. }) = next().await {
            update(&mut a, m.into_action());
            break;
        }
    }
    env.pool.close_all().await;
}

/// The demo's stage whose host target is an SSH target on a closed port, for a stage action
/// that fails before any step runs.
fn unreachable_stage(dir: &std::path::Path) -> StateRoot {
    let root = StateRoot::at(dir.join("paas"));
    crate::demo::stage::seed(&root, dir, "demo").unwrap();
    let cd = root.context(crate::demo::stage::CONTEXT).unwrap();
    crate::ops::targets::add(
        &cd,
        &crate::ops::targets::NewTarget {
            name: "gbo-pw".into(),
            host: "127.0.0.1".into(),
            user: "demo".into(),
            port: 1,
            auth_method: "key".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let mut cfg = crate::state::settings::load(&cd)
        .unwrap()
        .stage()
        .unwrap()
        .unwrap();
    cfg.host_target = crate::state::ids::TargetName::parse("gbo-pw").unwrap();
    crate::state::settings::update(&cd, |s| {
        s.set_stage(&cfg);
        Ok(())
    })
    .unwrap();
    root
}

fn audit_rows(root: &StateRoot, command: &str) -> Vec<serde_json::Value> {
    crate::tui::effects::env::testing::audit_rows(root, crate::demo::stage::CONTEXT, command)
}

/// The console's stage op and the headless `stage` command are one verb: the same action
/// leaves the same audit fields (the front end aside), here for a host that cannot be reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_op_from_the_console_audits_as_the_headless_command() {
    use crate::tui::core::action::Effect;
    use crate::tui::effects;
    let dir = tempfile::tempdir().unwrap();
    let root = unreachable_stage(dir.path());
    let (env, _rx) = crate::tui::effects::env::testing::env(&root);
    let mut a = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(false),
        Vec::new(),
    );
    a.contexts = crate::tui::core::app::load_contexts(&root).unwrap();
    let ctx = crate::demo::stage::CONTEXT;
    let op = Op::Stage(StageOp {
        action: StageAction::Stop,
        components: vec!["system".into()],
        lines: Vec::new(),
    });
    effects::apply(
        &env,
        &a,
        Effect::Run {
            context: ctx.into(),
            op,
        },
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while audit_rows(&root, "stage stop").is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let console = audit_rows(&root, "stage stop").pop().unwrap();

    let argv = [
        "paasdeck",
        "--state-root",
        root.path().to_str().unwrap(),
        "--context",
        ctx,
        "--json",
        "stage",
        "stop",
        "--components",
        "system",
    ];
    crate::tui::effects::env::testing::run_headless(&argv).await;
    let rows = audit_rows(&root, "stage stop");
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let headless = &rows[1];
    assert_eq!(console["fields"]["frontend"], "console", "{console}");
    assert_eq!(headless["fields"]["frontend"], "headless", "{headless}");
    assert_eq!(console["status"], "failed", "{console}");
    assert_eq!(console["fields"]["host_target"], "gbo-pw", "{console}");
    let (c, h) = (
        console["fields"].as_object().unwrap(),
        headless["fields"].as_object().unwrap(),
    );
    for k in c.keys().chain(h.keys()) {
        if k != "frontend" {
            assert_eq!(c.get(k), h.get(k), "{k}: {console}\n{headless}");
        }
    }
    for k in ["status", "error_code", "error_stage", "error_target"] {
        assert_eq!(console[k], headless[k], "{k}: {console}\n{headless}");
    }
    env.pool.close_all().await;
}
