//! Rendering tests: the main screen per context type (banner colour per cell), no colour,
//! dialogs, help, the log pane's drop marker, small terminals, state errors and warnings.

use super::*;

#[test]
fn main_screen_per_context_type() {
    let runner = TaskRunner::default();
    let expected = [
        Color::Red,
        Color::Magenta,
        Color::Yellow,
        Color::Green,
        Color::Blue,
    ];
    for (i, ((name, kind), colour)) in KINDS.iter().zip(expected).enumerate() {
        let mut app = app_with(*kind == "staging", true);
        app.active = i;
        let t = render(&app, &runner, 120, 36);
        assert!(
            banner_bg(&t).iter().all(|c| *c == colour),
            "{kind}: banner is not {colour:?}"
        );
        let top: String = (0..120)
            .map(|x| t.backend().buffer()[(x, 0)].symbol().to_string())
            .collect();
        assert!(
            top.contains(&name.to_uppercase()) && top.contains(&kind.to_uppercase()),
            "{top}"
        );
        insta::assert_snapshot!(format!("main_{kind}"), t.backend());
    }
}

#[test]
fn banner_without_colour_uses_reverse_video_and_markers() {
    let runner = TaskRunner::default();
    let app = app_with(true, false);
    let t = render(&app, &runner, 100, 30);
    let buf = t.backend().buffer();
    assert!((0..100).all(|x| buf[(x, 0)].bg == Color::Reset));
    assert!(buf[(0, 0)].modifier.contains(Modifier::REVERSED));
    let top: String = (0..100).map(|x| buf[(x, 0)].symbol().to_string()).collect();
    assert!(
        top.starts_with(">>>")
            && top.contains("▲ PROD-EU · PRODUCTION")
            && top.contains("READ-ONLY"),
        "{top}"
    );
}

#[test]
fn confirmation_dialog_snapshot() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    request(
        &mut app,
        Op::Exec(crate::verbs::targets::ExecInput {
            targets: vec!["edge-a".into(), "edge-b".into()],
            command: "docker system prune -f".into(),
            strategy: Strategy::Rolling,
            max_parallel: 1,
            continue_on_error: false,
            timeout: crate::cli::DEFAULT_EXEC_TIMEOUT,
        }),
    );
    type_text(&mut app, "prod");
    let t = render(&app, &runner, 110, 34);
    insta::assert_snapshot!("confirm_type_name", t.backend());
}

#[test]
fn help_snapshot() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    update(&mut app, key('?'));
    let t = render(&app, &runner, 110, 60);
    insta::assert_snapshot!("help", t.backend());
}

#[test]
fn log_pane_with_dropped_lines_snapshot() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let runner = TaskRunner::new(8, 1 << 20);
    let mut app = app_with(false, true);
    app.active = 3;
    let task = rt.block_on(async {
        let t = runner.spawn(
            TaskMeta {
                title: "exec on edge-a: seq 1 40".into(),
                context: "public-demo".into(),
                target: None,
            },
            |ctx| async move {
                for i in 1..=40 {
                    ctx.note(format!("edge-a | line {i}"));
                }
                Ok("done".into())
            },
        );
        runner.wait(t.id).await;
        t
    });
    app.tasks = vec![crate::tui::core::app::TaskSummary {
        id: task.id,
        title: task.meta.title.clone(),
        context: "public-demo".into(),
        state: "ok",
        elapsed: std::time::Duration::ZERO,
        summary: "done".into(),
    }];
    app.log.task = Some(task.id);
    app.focus = Pane::Log;
    let t = render(&app, &runner, 110, 40);
    let text = format!("{}", t.backend());
    assert!(
        text.contains("32 earlier lines dropped (40 received)"),
        "{text}"
    );
    assert!(text.contains("edge-a | line 40"));
    insta::assert_snapshot!("log_dropped", text.replace(&format!("#{}", task.id), "#N"));
}

#[test]
fn small_terminals_never_panic() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    update(&mut app, key('?'));
    for (w, h) in [(1, 1), (39, 9), (40, 10), (41, 11), (60, 12), (200, 60)] {
        app.size = (w, h);
        let t = render(&app, &runner, w, h);
        let text = format!("{}", t.backend());
        if w < 40 || h < 10 {
            assert!(text.contains("terminal") || w < 20, "{w}x{h}: {text}");
        }
    }
    let _ = json!({});
}

#[test]
fn a_corrupt_state_file_shows_in_the_banner() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    if let Some(s) = app.contexts[0].snapshot.as_mut() {
        s.errors.push(
            "error[PAAS_STATE_CORRUPT]: state file targets.json is malformed at line 3, column 1"
                .into(),
        );
    }
    let t = render(&app, &runner, 160, 30);
    let top: String = (0..160)
        .map(|x| t.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(
        top.contains("STATE ERROR") && top.contains("PAAS_STATE_CORRUPT"),
        "{top}"
    );
}

#[test]
fn config_warnings_are_visible_in_the_banner_and_help() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    app.warnings
        .push("keymap /x/keymap.json is invalid (expected value); using the default keys".into());
    let t = render(&app, &runner, 160, 30);
    let top: String = (0..160)
        .map(|x| t.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(top.contains("1 config warning(s)"), "{top}");
    update(&mut app, key('?'));
    let t = render(&app, &runner, 120, 40);
    assert!(format!("{}", t.backend()).contains("keymap /x/keymap.json is invalid"));
}
