//! Reducer tests for the console workflows: contexts, drill-ins, forms, keys.

use super::*;

#[test]
fn a_reload_and_the_follower_never_show_a_row_twice() {
    let mut app = app_with(false, true);
    let fresh = event(
        "2026-11-24T12:00:01.123456789Z",
        "critical",
        "failed",
        "deploy",
        "deploy",
        "edge-a",
        "health check failed",
    );
    let mut snap = snapshot();
    snap.events.insert(0, fresh.clone());
    update(
        &mut app,
        Action::Loaded {
            context: "prod-eu".into(),
            snapshot: Box::new(snap),
        },
    );
    update(
        &mut app,
        Action::EventsAppended {
            context: "prod-eu".into(),
            rows: vec![fresh.clone()],
        },
    );
    let n = app
        .visible_events()
        .iter()
        .filter(|e| ***e == fresh)
        .count();
    assert_eq!(n, 1);
    assert_eq!(app.visible_events().len(), 4);
}

#[test]
fn without_a_context_only_context_init_runs() {
    let mut app = app_with(false, true);
    app.contexts.clear();
    update(&mut app, key('a'));
    assert!(matches!(app.overlay, Overlay::None), "no form opens");
    assert!(app.flash.as_ref().unwrap().text.contains("no context yet"));
    for op in every_op("") {
        let init = matches!(op, Op::ContextInit { .. });
        let fx = request(&mut app, op.clone());
        if init {
            assert!(
                runs(&fx) || matches!(app.overlay, Overlay::Confirm(_)),
                "{op:?}"
            );
        } else {
            assert!(fx.is_empty(), "{op:?} went ahead without a context: {fx:?}");
            assert!(!matches!(app.overlay, Overlay::Confirm(_)), "{op:?}");
        }
        app.overlay = Overlay::None;
    }
}

pub(super) fn screen(t: &Terminal<TestBackend>) -> String {
    format!("{}", t.backend())
}

#[test]
fn enter_on_an_event_opens_every_field_and_its_logs_are_one_key_away() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    let long = "health check failed: service api exited with code 137 after the OOM killer \
                stopped it; the previous release rel-20261124T100000-000000002 is still running";
    if let Some(s) = app.contexts[0].snapshot.as_mut() {
        s.events[0].message = long.into();
        s.events[0].fields.insert("app".into(), json!("api"));
        s.events[0]
            .fields
            .insert("release".into(), json!("rel-20261124T120000-000000003"));
    }
    app.focus = Pane::Events;
    update(&mut app, code(KeyCode::Enter));
    assert!(matches!(app.overlay, Overlay::Event { .. }));
    let t = render(&app, &runner, 160, 40);
    let text = screen(&t);
    assert!(
        text.contains("OOM killer"),
        "the whole message is readable: {text}"
    );
    assert!(text.contains("rel-20261124T120000-000000003"));
    insta::assert_snapshot!("event_detail", text);
    let fx = update(&mut app, key('l'));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Run { op: Op::Logs(l), .. }
            if l.app == "api" && l.target.as_deref() == Some("edge-a"))),
        "{fx:?}"
    );
}

#[test]
fn enter_on_an_app_picks_a_release_to_roll_back_to() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    app.focus = Pane::Apps;
    update(&mut app, code(KeyCode::Enter));
    assert!(matches!(app.overlay, Overlay::History(_)));
    let t = render(&app, &runner, 120, 36);
    insta::assert_snapshot!("history_picker", screen(&t));
    // the current release cannot be chosen
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.is_empty());
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("already the current")
    );
    update(&mut app, key('j'));
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Plan { op: Op::Rollback(r), .. }
            if r.to_release.as_deref() == Some("rel-20261123T100000-000000001"))),
        "{fx:?}"
    );
    // the palette completes release ids
    update(&mut app, key(':'));
    type_text(&mut app, "rollback --app api --to-release rel-20261123");
    update(&mut app, code(KeyCode::Tab));
    let Overlay::Palette { input, .. } = &app.overlay else {
        panic!()
    };
    assert!(input.lines()[0].ends_with("rel-20261123T100000-000000001"));
}

#[test]
fn the_secret_form_masks_the_value_and_forgets_it_after_submit() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    app.focus = Pane::Apps;
    update(&mut app, key('S'));
    assert!(matches!(app.overlay, Overlay::Form(_)));
    update(&mut app, code(KeyCode::Tab));
    type_text(&mut app, "DATABASE_URL");
    update(&mut app, code(KeyCode::Tab));
    update(&mut app, code(KeyCode::Right)); // for: edge-a
    update(&mut app, code(KeyCode::Tab));
    let value = "postgres://u:hunter2-Zx9@db/api";
    type_text(&mut app, value);
    let typing = screen(&render(&app, &runner, 120, 36));
    assert!(
        !typing.contains("hunter2"),
        "the value is never drawn: {typing}"
    );
    assert!(typing.contains("••••"), "{typing}");
    update(&mut app, code(KeyCode::Enter));
    // production asks yes for a mutation: the dialog shows what, never the value
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {:?}", app.overlay)
    };
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("set secret DATABASE_URL of app api for edge-a"))
    );
    let t = render(&app, &runner, 120, 36);
    let text = screen(&t);
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        !format!("{:?}", app.overlay).contains("hunter2"),
        "Debug leaks the value"
    );
    insta::assert_snapshot!("secret_form_submitted", text);
    let fx = update(&mut app, key('y'));
    assert!(fx.iter().any(
        |e| matches!(e, Effect::Run { op: Op::SetSecret { target, .. }, .. }
        if target.as_deref() == Some("edge-a"))
    ));
    assert!(!format!("{fx:?}").contains("hunter2"));
    assert!(!screen(&render(&app, &runner, 120, 36)).contains("hunter2"));
}

#[test]
fn trouble_in_another_tab_marks_it_until_it_is_viewed() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    let failed = event(
        "2026-11-24T12:00:05Z",
        "critical",
        "failed",
        "deploy",
        "deploy",
        "edge-b",
        "health check failed",
    );
    update(
        &mut app,
        Action::EventsAppended {
            context: "dogfood".into(),
            rows: vec![failed.clone()],
        },
    );
    // a refusal (warning) elsewhere does not mark
    let mut refused = failed.clone();
    refused.severity = "warning".into();
    update(
        &mut app,
        Action::EventsAppended {
            context: "stage-1".into(),
            rows: vec![refused],
        },
    );
    assert!(app.trouble.contains_key("dogfood"));
    assert!(!app.trouble.contains_key("stage-1"));
    let t = render(&app, &runner, 160, 36);
    let tabs: String = (0..160)
        .map(|x| t.backend().buffer()[(x, 1)].symbol().to_string())
        .collect();
    assert!(tabs.contains("2 dogfood !"), "{tabs}");
    insta::assert_snapshot!("marked_tab", screen(&t));
    update(&mut app, key('2'));
    assert!(
        !app.trouble.contains_key("dogfood"),
        "viewing it clears the mark"
    );
}

#[test]
fn a_deploy_always_shows_its_plan_and_the_health_timeout_can_change() {
    let mut app = app_with(false, true);
    app.active = 3; // oss-demo: the guard asks nothing for a deploy
    app.focus = Pane::Apps;
    let fx = update(&mut app, key('d'));
    assert_eq!(plans(&fx), Some(None));
    let fx = update(
        &mut app,
        Action::Planned {
            planned: fake_plan(Kind::Deploy, "public-demo"),
            confirm: None,
        },
    );
    assert!(fx.is_empty(), "never one keystroke: {fx:?}");
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
    update(&mut app, key('t'));
    for _ in 0..4 {
        update(&mut app, code(KeyCode::Backspace));
    }
    type_text(&mut app, "90s");
    update(&mut app, code(KeyCode::Enter));
    let Overlay::Confirm(c) = &app.overlay else {
        panic!()
    };
    assert!(
        c.lines.iter().any(|l| l.contains("within 1m 30s")),
        "{:?}",
        c.lines
    );
    let fx = update(&mut app, key('y'));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Run { op: Op::Apply(p), .. }
        if p.0.health.timeout == std::time::Duration::from_secs(90)))
    );
}

#[test]
fn keys_move_between_panes_and_say_where_they_work() {
    let mut app = app_with(false, true);
    update(&mut app, code(KeyCode::Right));
    assert_eq!(app.focus, Pane::Apps);
    update(&mut app, key('h'));
    assert_eq!(app.focus, Pane::Targets);
    update(&mut app, key('d'));
    let text = &app.flash.as_ref().unwrap().text;
    assert!(text.contains("Apps pane"), "{text}");
    // l is logs in the Apps pane, and moves right elsewhere
    update(&mut app, key('l'));
    assert_eq!(app.focus, Pane::Apps);
    let fx = update(&mut app, key('l'));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Run {
            op: Op::Logs { .. },
            ..
        }
    )));
}

#[test]
fn menus_in_a_read_only_context_mark_refused_actions() {
    let mut app = app_with(true, true);
    app.focus = Pane::Targets;
    update(&mut app, key('m'));
    let Overlay::Menu { items, .. } = &app.overlay else {
        panic!()
    };
    let remove = items
        .iter()
        .find(|i| i.label.starts_with("remove"))
        .unwrap();
    assert!(remove.disabled.as_ref().unwrap().contains("read-only"));
    let check = items.iter().find(|i| i.label.starts_with("check")).unwrap();
    assert!(check.disabled.is_none(), "reads stay enabled");
}

#[test]
fn the_quit_question_says_where_tasks_run() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    for (id, ctx) in [(1, "prod-eu"), (2, "dogfood"), (3, "dogfood")] {
        app.tasks.push(crate::tui::core::app::TaskSummary {
            id,
            title: "t".into(),
            context: ctx.into(),
            state: "running",
            elapsed: std::time::Duration::ZERO,
            summary: String::new(),
        });
    }
    let banner = super::super::ui::banner::banner_text(&app).join("|");
    assert!(
        banner.contains("tasks 1 running (+2 in other contexts)"),
        "{banner}"
    );
    update(&mut app, key('q'));
    let text = screen(&render(&app, &runner, 120, 36));
    assert!(
        text.contains("3 task(s) still running: 1 in prod-eu, 2 in dogfood"),
        "{text}"
    );
}

#[test]
fn the_quit_question_counts_the_tasks_running_when_it_is_drawn() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    app.tasks.push(crate::tui::core::app::TaskSummary {
        id: 1,
        title: "logs".into(),
        context: "prod-eu".into(),
        state: "running",
        elapsed: std::time::Duration::ZERO,
        summary: String::new(),
    });
    update(&mut app, key('q'));
    // The task ends before the question is drawn.
    app.tasks[0].state = "ok";
    let text = screen(&render(&app, &runner, 120, 36));
    assert!(
        text.contains("The tasks that were running have ended."),
        "{text}"
    );
    assert!(!text.contains("still running"), "{text}");
    assert!(text.contains("Quit?  y quit"), "{text}");
}

#[test]
fn layouts_at_80x24_and_250x60() {
    let runner = TaskRunner::default();
    let app = app_with(false, true);
    let small = screen(&render(&app, &runner, 80, 24));
    for cut in ["critic ", "faile ", "succeede "] {
        assert!(!small.contains(cut), "a word was cut ({cut:?}):\n{small}");
    }
    // the panes' status columns stay when others go
    for status in ["CHECK", "LAST DEPLOY"] {
        assert!(small.contains(status), "{status} dropped:\n{small}");
    }
    insta::assert_snapshot!("layout_80x24", small);
    let mut app = app_with(false, true);
    app.size = (250, 60);
    let wide = render(&app, &runner, 250, 60);
    let text = screen(&wide);
    // the message column takes the width that is left
    assert!(text.contains("acme retrying"));
    let l = super::super::ui::layout::compute_for(ratatui::layout::Rect::new(0, 0, 250, 60), &app);
    let width = |p: Pane| l.panes.iter().find(|(x, _)| *x == p).unwrap().1.width;
    assert!(width(Pane::Events) > 3 * width(Pane::Backups), "{l:?}");
    insta::assert_snapshot!("layout_250x60", text);
}

#[test]
fn help_is_grouped_and_names_the_keymap_file_the_mouse_and_esc() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    app.keymap_path = Some("/home/op/.config/paasdeck/keymap.json".into());
    update(&mut app, key('?'));
    let text = screen(&render(&app, &runner, 120, 150));
    for want in [
        "TARGETS",
        "APPS",
        "MOUSE",
        "ESC",
        "KEYMAP FILE",
        "/home/op/.config/paasdeck/keymap.json",
        "wheel",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
}

#[test]
fn control_bytes_from_state_never_reach_a_cell() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    if let Some(s) = app.contexts[0].snapshot.as_mut() {
        s.events[0].message = "boom\u{1b}]0;pwned\u{7}\u{1b}[2J\r".into();
        s.events[0].command = "dep\u{1b}[31mloy".into();
        s.targets[0].target.labels = vec!["eu\u{1b}[5m".into()];
    }
    let check = |app: &App| {
        let t = render(app, &runner, 200, 40);
        let buf = t.backend().buffer();
        for cell in buf.content() {
            assert!(
                !cell.symbol().chars().any(|c| c.is_control()),
                "a control byte reached a cell: {:?}",
                cell.symbol()
            );
        }
    };
    check(&app);
    app.focus = Pane::Events;
    update(&mut app, code(KeyCode::Enter));
    check(&app);
}

#[test]
fn a_reload_that_read_the_events_earlier_keeps_the_rows_the_follower_delivered_since() {
    let mut app = app_with(false, true);
    let stale = snapshot();
    let newest_before = stale.events.first().unwrap().timestamp.clone();
    let appended = event(
        "2026-11-24T12:30:00Z",
        "info",
        "succeeded",
        "audit",
        "target add",
        "",
        "name=late-edge",
    );
    assert!(
        appended.timestamp > newest_before,
        "newer than the stale snapshot's rows"
    );
    update(
        &mut app,
        Action::EventsAppended {
            context: "prod-eu".into(),
            rows: vec![appended.clone()],
        },
    );
    // A reload started before the append lands after it.
    update(
        &mut app,
        Action::Loaded {
            context: "prod-eu".into(),
            snapshot: Box::new(stale.clone()),
        },
    );
    let events = &app.ctx().unwrap().snapshot.as_ref().unwrap().events;
    assert_eq!(events[0], appended, "the delivered row stays on top");
    assert_eq!(
        events.len(),
        stale.events.len() + 1,
        "and nothing else is added"
    );
    // A reload that did read it holds it once.
    let mut fresh = stale;
    fresh.events.insert(0, appended.clone());
    update(
        &mut app,
        Action::Loaded {
            context: "prod-eu".into(),
            snapshot: Box::new(fresh.clone()),
        },
    );
    let events = &app.ctx().unwrap().snapshot.as_ref().unwrap().events;
    assert_eq!(events, &fresh.events);
}

#[test]
fn a_failed_deploys_output_tail_reads_line_by_line_in_the_event_detail() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    if let Some(s) = app.contexts[0].snapshot.as_mut() {
        s.events[0].fields.insert(
            "output_tail".into(),
            json!(" api Pulled\nError response from daemon: driver failed programming\nexit 1"),
        );
    }
    app.focus = Pane::Events;
    update(&mut app, code(KeyCode::Enter));
    assert!(matches!(app.overlay, Overlay::Event { .. }));
    let t = render(&app, &runner, 160, 40);
    let text = screen(&t);
    let rows: Vec<&str> = text.lines().collect();
    let at = |needle: &str| {
        rows.iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{text}"))
    };
    let (first, second, third) = (
        at("output_tail"),
        at("Error response from daemon: driver failed programming"),
        at("exit 1"),
    );
    assert!(rows[first].contains("api Pulled"), "{text}");
    assert_eq!((second, third), (first + 1, first + 2), "{text}");
}
