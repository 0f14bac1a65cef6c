//! Reducer and guard tests: every op through the guard in every context type, confirmations,
//! keys, mouse, menus, the deploy plan, the palette.

use super::*;

#[test]
fn every_op_is_covered() {
    let mut seen: Vec<usize> = every_op("x").iter().map(variant).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen, (0..OP_VARIANTS).collect::<Vec<_>>());
}

#[test]
fn no_mutation_slips_through_a_read_only_context() {
    for (i, (name, _)) in KINDS.iter().enumerate() {
        for op in every_op(name) {
            let mut app = app_with(true, true);
            app.active = i;
            let spec = op.verb().spec();
            let fx = request(&mut app, op.clone());
            let went_ahead =
                runs(&fx) || plans(&fx).is_some() || matches!(app.overlay, Overlay::Confirm(_));
            if spec.danger == Danger::Read || spec.root_scope || spec.operator_scope {
                assert!(went_ahead, "{name}: {op:?} should be allowed");
                continue;
            }
            assert!(
                !went_ahead,
                "{name}: {op:?} went ahead in a read-only context: {fx:?}"
            );
            assert!(
                fx.iter().any(|e| matches!(e, Effect::AuditRefusal { .. })),
                "{name}: the refusal of {op:?} is not audited"
            );
            assert!(app.flash.as_ref().unwrap().text.contains("read-only"));
        }
    }
}

#[test]
fn confirmation_levels_follow_the_context_type() {
    let expect = |kind_index: usize, danger: Danger| -> Option<ConfirmLevel> {
        let (_, kind) = KINDS[kind_index];
        match (kind, danger) {
            (_, Danger::Read) => None,
            ("oss-demo", Danger::Mutating) => None,
            ("oss-demo", Danger::Destructive) | ("staging", _) => Some(ConfirmLevel::Yes),
            (_, Danger::Mutating) => Some(ConfirmLevel::Yes),
            (_, Danger::Destructive) => Some(ConfirmLevel::TypeName),
        }
    };
    for (i, (name, kind)) in KINDS.iter().enumerate() {
        for op in every_op(name) {
            if matches!(op, Op::ContextInit { .. }) {
                continue;
            }
            let mut app = app_with(false, true);
            app.active = i;
            let danger = op.verb().danger();
            let fx = request(&mut app, op.clone());
            if op.needs_plan() {
                assert_eq!(plans(&fx), Some(expect(i, danger)), "{kind} {op:?}");
                continue;
            }
            match (expect(i, danger), &app.overlay) {
                (None, Overlay::None) => assert!(runs(&fx), "{op:?}"),
                (Some(level), Overlay::Confirm(c)) => {
                    assert_eq!(c.level, level, "{kind} {op:?}")
                }
                (want, _) => panic!("{kind} {op:?}: want {want:?}, got {fx:?}"),
            }
        }
    }
}

#[test]
fn type_name_confirmation_refuses_a_wrong_name() {
    let mut app = app_with(false, true);
    app.active = 0; // prod-eu, production
    request(
        &mut app,
        Op::RemoveTarget {
            name: "edge-a".into(),
        },
    );
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog")
    };
    assert_eq!(c.level, ConfirmLevel::TypeName);
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("edge-a (edge-a") || l.contains("deploy@203.0.113.10:22"))
    );
    type_text(&mut app, "prod-e");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(!runs(&fx));
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("dialog closed")
    };
    assert!(c.error.as_ref().unwrap().contains("prod-eu"));
    // a `y` is just a letter here
    let fx = update(&mut app, key('y'));
    assert!(!runs(&fx));
    update(&mut app, code(KeyCode::Backspace));
    type_text(&mut app, "u");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(runs(&fx));
    assert!(matches!(app.overlay, Overlay::None));
}

#[test]
fn yes_confirmation_defaults_to_no() {
    let mut app = app_with(false, true);
    app.active = 2; // staging
    request(
        &mut app,
        Op::RemoveTarget {
            name: "edge-a".into(),
        },
    );
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(!runs(&fx), "Enter on the default button cancels");
    assert!(matches!(app.overlay, Overlay::None));
    request(
        &mut app,
        Op::RemoveTarget {
            name: "edge-a".into(),
        },
    );
    let fx = update(&mut app, key('y'));
    assert!(runs(&fx));
}

#[test]
fn keys_drive_navigation_contexts_and_quit() {
    let mut app = app_with(false, true);
    let fx = update(&mut app, key(']'));
    assert_eq!(app.active, 1);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::SetTitle(t) if t.contains("dogfood")))
    );
    update(&mut app, key('5'));
    assert_eq!(app.active, 4);
    update(&mut app, key('['));
    assert_eq!(app.active, 3);
    update(&mut app, key('j'));
    assert_eq!(app.selection[0], 1);
    update(&mut app, code(KeyCode::Tab));
    assert_eq!(app.focus, Pane::Apps);
    // a filter narrows the pane
    update(&mut app, code(KeyCode::BackTab));
    update(&mut app, key('/'));
    type_text(&mut app, "edge-b");
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(app.visible_targets().len(), 1);
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.visible_targets().len(), 2);
    // c checks the selected target straight away (a read)
    let fx = update(&mut app, key('c'));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Run {
            op: Op::CheckTargets(_),
            ..
        }
    )));
    // quitting with a running task asks first
    app.tasks.push(crate::tui::core::app::TaskSummary {
        id: 1,
        title: "t".into(),
        context: app.active_name(),
        state: "running",
        elapsed: std::time::Duration::ZERO,
        summary: String::new(),
    });
    let fx = update(&mut app, key('q'));
    assert!(fx.is_empty() && matches!(app.overlay, Overlay::QuitConfirm { .. }));
    update(&mut app, key('n'));
    assert!(!app.quit);
    update(&mut app, key('q'));
    let fx = update(&mut app, key('y'));
    assert!(app.quit && fx.contains(&Effect::CancelAll));
}

#[test]
fn mouse_clicks_focus_panes_select_rows_and_switch_tabs() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = app_with(false, true);
    let l = super::super::ui::layout::compute(
        ratatui::layout::Rect::new(0, 0, 120, 36),
        crate::tui::features::stage::shows_instances(&app),
    );
    let click = |x: u16, y: u16| {
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: y,
            modifiers: KeyModifiers::NONE,
        })
    };
    let (_, events) = l
        .panes
        .iter()
        .find(|(p, _)| *p == Pane::Events)
        .copied()
        .unwrap();
    update(&mut app, click(events.x + 3, events.y + 3));
    assert_eq!(app.focus, Pane::Events);
    assert_eq!(app.selection[2], 1, "the second event row was clicked");
    let wheel = Action::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: events.x + 3,
        row: events.y + 3,
        modifiers: KeyModifiers::NONE,
    });
    update(&mut app, wheel);
    assert_eq!(app.selection[2], 0);
    // the third tab: " 1 prod-eu " + " " + " 2 dogfood " + " " then " 3 stage-1 "
    let fx = update(&mut app, click(26, 1));
    assert_eq!(app.active, 2, "{fx:?}");
}

#[test]
fn rollback_and_logs_are_disabled_with_a_reason_when_there_is_nothing_to_use() {
    let mut app = app_with(false, true);
    if let Some(s) = app.contexts[0].snapshot.as_mut() {
        s.apps[0].history.truncate(1);
    }
    app.focus = Pane::Apps;
    update(&mut app, Action::Command(Cmd::Menu));
    let Overlay::Menu { items, .. } = &app.overlay else {
        panic!()
    };
    let rollback = items.iter().find(|i| i.label.starts_with("roll")).unwrap();
    assert!(
        rollback
            .disabled
            .as_ref()
            .unwrap()
            .contains("no earlier release")
    );
    assert!(
        items
            .iter()
            .find(|i| i.label.starts_with("deploy"))
            .unwrap()
            .disabled
            .is_none()
    );
    update(&mut app, code(KeyCode::Down));
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.is_empty());
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("no earlier release")
    );
}

#[test]
fn deploy_is_planned_then_confirmed_with_the_plan() {
    let mut app = app_with(false, true);
    app.focus = Pane::Apps;
    let fx = update(&mut app, key('d'));
    assert_eq!(
        plans(&fx),
        Some(Some(ConfirmLevel::Yes)),
        "production asks yes for a deploy"
    );
    update(
        &mut app,
        Action::Planned {
            planned: fake_plan(Kind::Deploy, "prod-eu"),
            confirm: Some(ConfirmLevel::Yes),
        },
    );
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog")
    };
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("deploy api release rel-20261124T120000-000000003 to 1 target(s)"))
    );
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("roll back to rel-20261124T100000-000000002"))
    );
    assert!(c.lines.iter().any(|l| {
        l.contains("docker compose -p 'prod-eu-api' -f compose.yaml up -d --remove-orphans")
    }));
    let fx = update(&mut app, key('y'));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Run {
            op: Op::Apply(_),
            ..
        }
    )));
    // a plan that arrives after the operator moved to another tab is dropped
    update(&mut app, key(']'));
    let fx = update(
        &mut app,
        Action::Planned {
            planned: fake_plan(Kind::Deploy, "prod-eu"),
            confirm: None,
        },
    );
    assert!(fx.is_empty() && matches!(app.overlay, Overlay::None));
    assert!(app.flash.as_ref().unwrap().text.contains("switched tabs"));
}

#[test]
fn deploy_confirmation_snapshot() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    app.active = 1; // dogfood
    update(
        &mut app,
        Action::Planned {
            planned: fake_plan(Kind::Rollback, "dogfood"),
            confirm: Some(ConfirmLevel::TypeName),
        },
    );
    let t = render(&app, &runner, 120, 40);
    insta::assert_snapshot!("confirm_rollback_plan", t.backend());
}

#[test]
fn palette_runs_headless_verbs_and_switches_contexts() {
    let mut app = app_with(false, true);
    app.active = 3; // oss-demo: a check runs at once
    update(&mut app, key(':'));
    type_text(
        &mut app,
        "deploy --app api --strategy rolling --max-parallel 2",
    );
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.iter().any(|e| matches!(e, Effect::Plan { op: Op::Deploy(d), confirm: None, .. } if d.common.max_parallel == 2)));
    update(&mut app, key(':'));
    type_text(&mut app, "target check --all");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::Run { op: Op::CheckTargets(c), .. } if c.targets.len() == 2)
        )
    );
    update(&mut app, key(':'));
    type_text(&mut app, "ctx dog");
    update(&mut app, code(KeyCode::Tab));
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(app.active_name(), "dogfood");
    update(&mut app, key(':'));
    type_text(&mut app, "target list --context prod-eu");
    update(&mut app, code(KeyCode::Enter));
    let Overlay::Palette { message, .. } = &app.overlay else {
        panic!()
    };
    assert!(message.as_ref().unwrap().contains("active tab"));
}

/// What the state watch, the signals and the task runner say reaches the console only through
/// the reducer, which asks for the reads and doctor runs.
#[test]
fn what_the_sources_say_goes_through_the_reducer() {
    let mut app = app_with(false, false);
    assert_eq!(
        update(&mut app, Action::DoctorInputChanged("lab".into())),
        vec![Effect::Doctor("lab".into())]
    );
    assert_eq!(
        update(&mut app, Action::IncidentsChanged(vec!["lab".into()])),
        vec![Effect::LoadIncidents(vec!["lab".into()])]
    );
    assert_eq!(
        update(&mut app, Action::ContextChanged("prod-eu".into())),
        vec![Effect::Load("prod-eu".into())]
    );
    let now = datetime!(2026-11-25 08:00 UTC);
    update(&mut app, Action::Clock(now));
    assert_eq!(app.now, now);
    let task = crate::tui::core::app::TaskSummary {
        id: 7,
        title: "deploy web".into(),
        context: "prod-eu".into(),
        state: "running",
        elapsed: std::time::Duration::from_secs(3),
        summary: String::new(),
    };
    update(&mut app, Action::Tasks(vec![task.clone()]));
    assert_eq!(app.tasks, vec![task]);
    assert!(!app.quit);
    assert!(update(&mut app, Action::Stop).is_empty());
    assert!(app.quit);
}
