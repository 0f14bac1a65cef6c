//! The responder's console: the All tab, the Incidents view, the banner's open incidents and
//! the on-call actions, through the reducer and on a `TestBackend`.

use super::*;
use crate::state::incidents::{Candidate, Category, Entry, IncidentStatus, Severity};
use crate::tui::core::app::FormKind;
use crate::tui::core::theme::tone_color;
use crate::tui::features::oncall::{self, View};

fn screen(t: &Terminal<TestBackend>) -> String {
    format!("{}", t.backend())
}

fn entry(
    ctx: &str,
    at: time::OffsetDateTime,
    target: &str,
    msg: &str,
    status: IncidentStatus,
) -> Entry {
    let c = Candidate {
        context: ctx.parse().unwrap(),
        source: "deploy-hook".into(),
        category: Category::Deploy,
        severity: Severity::Critical,
        message: msg.into(),
        target: target.into(),
        command: "deploy".into(),
        status: "failed".into(),
        triggered_at: at,
        metadata: Default::default(),
    };
    let i = c.incident();
    Entry {
        key: format!("{}|{}", i.dedupe_key, i.window_start),
        first_seen: i.triggered_at.clone(),
        last_seen: i.triggered_at.clone(),
        incident: i,
        status,
        seen_count: 2,
        alert_ids: vec!["al-20261124T115500-0a1b2c3d".into()],
        acknowledged_at: String::new(),
        acknowledged_by: String::new(),
        resolved_at: String::new(),
        resolved_by: String::new(),
        note: String::new(),
        extra: Default::default(),
    }
}

fn alert_event(ts: &str, id: &str) -> EventRecord {
    let mut e = event(
        ts,
        "critical",
        "sent",
        "alert",
        "deploy failure",
        "edge-a",
        "up failed on edge-a",
    );
    e.fields.insert("id".into(), json!(id));
    e.fields.insert("app".into(), json!("api"));
    e
}

/// prod-eu and dogfood events, interleaved in time, loaded into the All tab.
fn all_tab(app: &mut App) {
    let fx = update(app, key('0'));
    assert_eq!(app.oncall.view, Some(View::All));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadAll(n) if n.len() == 5)),
        "{fx:?}"
    );
    let prod = vec![
        alert_event("2026-11-24T11:58:30Z", "al-20261124T115830-aaaaaaaa"),
        event(
            "2026-11-24T11:50:00Z",
            "info",
            "succeeded",
            "audit",
            "target add",
            "",
            "name=edge-b",
        ),
    ];
    let dogfood = vec![
        event(
            "2026-11-24T11:59:00Z",
            "critical",
            "failed",
            "deploy",
            "deploy",
            "dog-1",
            "health check failed",
        ),
        event(
            "2026-11-24T11:40:00Z",
            "info",
            "succeeded",
            "deploy",
            "deploy",
            "",
            "app=web",
        ),
    ];
    update(
        app,
        Action::AllLoaded(oncall::merge(vec![
            ("prod-eu".into(), prod),
            ("dogfood".into(), dogfood),
        ])),
    );
}

#[test]
fn the_all_tab_merges_every_context_newest_first_marked_and_coloured_live() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    all_tab(&mut app);
    let order: Vec<(&str, &str)> = app
        .oncall
        .all
        .iter()
        .map(|e| (e.context.as_str(), e.record.timestamp.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("dogfood", "2026-11-24T11:59:00Z"),
            ("prod-eu", "2026-11-24T11:58:30Z"),
            ("prod-eu", "2026-11-24T11:50:00Z"),
            ("dogfood", "2026-11-24T11:40:00Z"),
        ]
    );
    let t = render(&app, &runner, 140, 30);
    let text = screen(&t);
    insta::assert_snapshot!("all_tab", text);
    assert!(text.contains("ALL CONTEXTS · ON-CALL"), "{text}");
    // each row's context cell in its context's colour
    let buf = t.backend().buffer();
    let row_of = |needle: &str| {
        (0..buf.area.height)
            .find(|&y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .contains(needle)
            })
            .unwrap()
    };
    let colour_at = |y: u16, name: &str| {
        let line: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        let x = line.find(name).map(|b| line[..b].chars().count()).unwrap() as u16;
        buf[(x, y)].fg
    };
    // (rows off the selection, whose highlight takes over the colours)
    let dog = row_of("app=web");
    let prod = row_of("up failed on edge-a");
    assert_eq!(
        colour_at(dog, "dogfood"),
        tone_color(app.contexts[1].policy.tone)
    );
    assert_eq!(
        colour_at(prod, "prod-eu"),
        tone_color(app.contexts[0].policy.tone)
    );
    assert_ne!(colour_at(dog, "dogfood"), colour_at(prod, "prod-eu"));
    // live: a failure appended in another context lands on top and its incidents are read
    let fx = update(
        &mut app,
        Action::EventsAppended {
            context: "lab".into(),
            rows: vec![event(
                "2026-11-24T12:00:01Z",
                "critical",
                "failed",
                "deploy",
                "deploy",
                "lab-1",
                "boom",
            )],
        },
    );
    assert_eq!(app.oncall.all[0].context, "lab");
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadIncidents(c) if c == &vec!["lab".to_string()])),
        "{fx:?}"
    );
    // Esc goes back to the context tab
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.oncall.view, None);
}

#[test]
fn the_incidents_view_and_the_banner_count_open_incidents_per_context() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    let at = datetime!(2026-11-24 11:55 UTC);
    update(
        &mut app,
        Action::IncidentsLoaded {
            context: "prod-eu".into(),
            entries: vec![
                entry(
                    "prod-eu",
                    at,
                    "edge-a",
                    "up failed on edge-a",
                    IncidentStatus::Open,
                ),
                entry(
                    "prod-eu",
                    at - time::Duration::hours(3),
                    "edge-b",
                    "health check failed",
                    IncidentStatus::Resolved,
                ),
            ],
        },
    );
    update(
        &mut app,
        Action::IncidentsLoaded {
            context: "dogfood".into(),
            entries: vec![entry(
                "dogfood",
                at - time::Duration::minutes(9),
                "dog-1",
                "check failed: deploy_drift",
                IncidentStatus::Acknowledged,
            )],
        },
    );
    // the context banner says where incidents are open
    let t = render(&app, &runner, 160, 30);
    let first: String = screen(&t).lines().next().unwrap().to_string();
    assert!(
        first.contains("incidents open: dogfood 1 · prod-eu 1"),
        "{first}"
    );
    let fx = update(&mut app, key('i'));
    assert_eq!(app.oncall.view, Some(View::Incidents));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::LoadIncidents(n) if n.len() == 5))
    );
    let t = render(&app, &runner, 140, 30);
    let text = screen(&t);
    insta::assert_snapshot!("incidents_view", text);
    // open and acknowledged first, newest first; the resolved one last
    let rows = app.oncall.incident_rows();
    assert_eq!(rows[0].1.incident.target, "edge-a");
    assert_eq!(rows[2].1.status, IncidentStatus::Resolved);
    // resolving the selected one asks in its own context (production: a confirmation)
    update(&mut app, code(KeyCode::Down));
    let fx = update(&mut app, key('X'));
    assert!(!runs(&fx), "{fx:?}");
    match &app.overlay {
        Overlay::Confirm(c) => {
            assert_eq!(c.context, "dogfood");
            assert!(matches!(c.op, Op::IncidentResolve { .. }));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.active_name(), "dogfood");
    assert_eq!(app.oncall.view, Some(View::Incidents), "the view stays");
    app.overlay = Overlay::None;
    // Enter opens the detail, A acknowledges its alert there
    update(&mut app, code(KeyCode::Up));
    update(&mut app, code(KeyCode::Enter));
    assert!(matches!(&app.overlay, Overlay::Incident { context, .. } if context == "prod-eu"));
    let t = render(&app, &runner, 140, 30);
    assert!(screen(&t).contains("seen_count"), "{}", screen(&t));
    update(&mut app, key('A'));
    assert!(
        matches!(&app.overlay, Overlay::Form(f) if matches!(&f.kind,
            FormKind::Acknowledge { alert: Some(a), .. } if a == "al-20261124T115500-0a1b2c3d")),
        "A opens the note form"
    );
    update(&mut app, code(KeyCode::Enter));
    match &app.overlay {
        Overlay::Confirm(c) => {
            assert_eq!(c.context, "prod-eu");
            assert!(
                matches!(&c.op, Op::AlertAcknowledge { id, .. } if id == "al-20261124T115500-0a1b2c3d")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_event_detail_offers_acknowledge_incident_and_rollback_plan() {
    let mut app = app_with(false, true);
    all_tab(&mut app);
    // the prod-eu alert row, second in the All tab
    update(&mut app, code(KeyCode::Down));
    update(&mut app, code(KeyCode::Enter));
    assert!(matches!(app.overlay, Overlay::Event { .. }));
    update(&mut app, key('A'));
    assert!(
        matches!(&app.overlay, Overlay::Form(_)),
        "A opens the note form"
    );
    update(&mut app, code(KeyCode::Enter));
    match &app.overlay {
        Overlay::Confirm(c) => {
            assert_eq!(c.context, "prod-eu");
            assert!(
                matches!(&c.op, Op::AlertAcknowledge { id, .. } if id == "al-20261124T115830-aaaaaaaa")
            );
        }
        other => panic!("{other:?}"),
    }
    app.overlay = Overlay::None;
    // the rollback plan of its app on its target is planned in its context
    update(&mut app, code(KeyCode::Enter));
    let fx = update(&mut app, key('R'));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Plan { context, op: Op::Rollback(r), .. }
            if context == "prod-eu" && r.to_release.is_none() && r.common.app == "api" && r.common.targets == vec!["edge-a".to_string()])),
        "{fx:?}"
    );
    // an event that was not folded into an incident says so
    app.overlay = Overlay::None;
    update(&mut app, code(KeyCode::Enter));
    update(&mut app, key('i'));
    assert!(app.flash.as_ref().unwrap().text.contains("not folded"));
}

#[test]
fn the_palette_knows_check_reconcile_alert_and_incident() {
    use crate::tui::overlays::palette::parse::{Completion, PaletteCmd, complete, parse};
    let mut app = app_with(false, true);
    update(
        &mut app,
        Action::IncidentsLoaded {
            context: "prod-eu".into(),
            entries: vec![entry(
                "prod-eu",
                datetime!(2026-11-24 11:55 UTC),
                "edge-a",
                "x",
                IncidentStatus::Open,
            )],
        },
    );
    if let Some(s) = app.contexts[0].snapshot.as_mut() {
        s.events.insert(
            0,
            alert_event("2026-11-24T11:58:30Z", "al-20261124T115830-aaaaaaaa"),
        );
    }
    assert_eq!(
        parse("check --all-contexts", &app).unwrap(),
        PaletteCmd::Op(Op::Check(crate::verbs::oncall::HealthInput {
            all_contexts: true,
            skip_remote: false,
            prometheus: None,
            timeout: std::time::Duration::from_secs(30),
        }))
    );
    assert_eq!(
        parse("deploy reconcile --app api", &app).unwrap(),
        PaletteCmd::Op(Op::Reconcile(crate::verbs::deploy::ReconcileInput::of(
            "api",
            std::time::Duration::from_secs(45)
        )))
    );
    assert_eq!(
        parse("incident list", &app).unwrap(),
        PaletteCmd::Cmd(Cmd::Incidents)
    );
    assert!(matches!(
        parse("alert history", &app).unwrap(),
        PaletteCmd::Op(Op::AlertHistory(crate::verbs::oncall::HistoryInput {
            limit: 50,
            severity: None
        }))
    ));
    let err = parse("alert setup-webhook", &app).unwrap_err();
    assert!(err.contains("run it headless"), "{err}");
    assert_eq!(
        complete("alert acknowledge --id al-", &app),
        Completion::One("alert acknowledge --id al-20261124T115830-aaaaaaaa".into())
    );
    let id = app.oncall.incidents["prod-eu"][0].id().to_string();
    assert_eq!(
        complete("incident resolve 2026", &app),
        Completion::One(format!("incident resolve {id}"))
    );
    assert_eq!(
        complete("alert test --severity cr", &app),
        Completion::One("alert test --severity critical".into())
    );
    assert_eq!(
        complete("incident acknowledge 2026", &app),
        Completion::One(format!("incident acknowledge {id}"))
    );
    assert_eq!(
        parse(&format!("incident acknowledge {id} --note 'on it'"), &app).unwrap(),
        PaletteCmd::Op(Op::IncidentAcknowledge {
            id: id.clone(),
            note: "on it".into()
        })
    );
    assert!(matches!(complete("inc", &app), Completion::Many(v) if v.len() == 4));
    assert_eq!(
        complete("deploy rec", &app),
        Completion::One("deploy reconcile --app ".into())
    );
}

#[test]
fn an_incident_no_alert_leads_to_is_acknowledged_with_a_note() {
    let mut app = app_with(false, true);
    let at = datetime!(2026-11-24 11:55 UTC);
    let mut open = entry(
        "prod-eu",
        at,
        "edge-a",
        "check failed",
        IncidentStatus::Open,
    );
    open.alert_ids.clear();
    let mut done = entry(
        "prod-eu",
        at - time::Duration::hours(1),
        "edge-b",
        "health check failed",
        IncidentStatus::Acknowledged,
    );
    done.alert_ids.clear();
    done.acknowledged_by = "ops@host".into();
    let id = open.id().to_string();
    update(
        &mut app,
        Action::IncidentsLoaded {
            context: "prod-eu".into(),
            entries: vec![open, done],
        },
    );
    update(&mut app, key('i'));
    // the open one, first: a form for the note, then the confirmation in its context
    update(&mut app, key('A'));
    match &app.overlay {
        Overlay::Form(f) => assert_eq!(
            f.kind,
            FormKind::Acknowledge {
                alert: None,
                incident: Some(id.clone())
            }
        ),
        other => panic!("{other:?}"),
    }
    for c in "on it, restarting".chars() {
        update(&mut app, key(c));
    }
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(!runs(&fx), "{fx:?}");
    match &app.overlay {
        Overlay::Confirm(c) => {
            assert_eq!(c.context, "prod-eu");
            assert_eq!(
                c.op,
                Op::IncidentAcknowledge {
                    id: id.clone(),
                    note: "on it, restarting".into()
                }
            );
        }
        other => panic!("{other:?}"),
    }
    app.overlay = Overlay::None;
    // one acknowledged already says by whom, and asks nothing
    update(&mut app, code(KeyCode::Down));
    update(&mut app, key('A'));
    assert!(matches!(app.overlay, Overlay::None), "{:?}", app.overlay);
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("already acknowledged by ops@host")
    );
}
