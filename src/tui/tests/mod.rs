//! Reducer, guard and rendering tests for the console, on a fixed state (no files, no clock).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use serde_json::json;
use time::macros::datetime;

use super::action::{Action, Effect, Op, Pane, Planned};
use super::app::{App, AppRow, BackupRow, ContextView, DoctorState, Overlay, Snapshot, TargetRow};
use super::keymap::{Cmd, Keymap};
use super::theme::Theme;
use super::update::{request, update};
use crate::ops::deploy::Kind;
use crate::ops::target_check::CheckResult;
use crate::ops::targets::NewTarget;
use crate::policy::guard::{ConfirmLevel, ContextPolicy, Danger};
use crate::remote::fanout::Strategy;
use crate::state::StateRoot;
use crate::state::context::ContextConfig;
use crate::state::events::EventRecord;
use crate::state::targets::Target;
use crate::tasks::{TaskMeta, TaskRunner};

const KINDS: [(&str, &str); 5] = [
    ("prod-eu", "production"),
    ("dogfood", "internal-dogfood"),
    ("stage-1", "staging"),
    ("public-demo", "oss-demo"),
    ("lab", "research"),
];

fn target(name: &str, host: &str, auth: &str) -> Target {
    Target {
        auth_method: auth.into(),
        labels: vec!["eu".into()],
        ..Target::new(
            name.parse().unwrap(),
            host.parse().unwrap(),
            crate::state::ids::Port::SSH,
            "deploy".parse().unwrap(),
        )
    }
}

fn event(
    ts: &str,
    sev: &str,
    status: &str,
    source: &str,
    command: &str,
    target: &str,
    message: &str,
) -> EventRecord {
    EventRecord {
        timestamp: ts.into(),
        source: source.into(),
        command: command.into(),
        status: status.into(),
        severity: sev.into(),
        target: target.into(),
        message: message.into(),
        context: String::new(),
        fields: Default::default(),
    }
}

fn snapshot() -> Snapshot {
    let check = CheckResult {
        target: "edge-a".parse().unwrap(),
        user: "deploy".parse().unwrap(),
        host: "203.0.113.10".parse().unwrap(),
        port: crate::state::ids::Port::SSH,
        cpu_arch: Some("amd64".into()),
        reachable: true,
        ssh_ok: true,
        docker_ok: true,
        compose_ok: true,
        status: "ok".into(),
        error: None,
        error_code: None,
        stage: None,
        duration_ms: 120,
        docker_version: Some("27.3.1".into()),
        compose_version: Some("2.29.7".into()),
        disk_free_root: None,
        disk_free_docker: None,
        load1: None,
        uptime_seconds: None,
        checked_at: "2026-11-24T11:55:00Z".into(),
    };
    Snapshot {
        targets: vec![
            TargetRow {
                target: target("edge-a", "203.0.113.10", "key"),
                current: true,
                check: Some(check),
            },
            TargetRow {
                target: target("edge-b", "localhost", "local"),
                current: false,
                check: None,
            },
        ],
        apps: vec![AppRow {
            name: "api".into(),
            registered: true,
            current: "rel-20261124T100000-000000002".into(),
            history: vec![
                "rel-20261124T100000-000000002".into(),
                "rel-20261123T100000-000000001".into(),
            ],
            last_deploy: Some(("succeeded".into(), "2026-11-24T10:00:00Z".into())),
            entry: Some(crate::state::apps::App {
                targets: vec!["edge-a".parse().unwrap()],
                ..crate::state::apps::App::new(
                    "api".parse().unwrap(),
                    "/srv/apps/api/compose.yaml".into(),
                )
            }),
        }],
        events: vec![
            event(
                "2026-11-24T11:59:00Z",
                "critical",
                "failed",
                "deploy",
                "deploy",
                "edge-a",
                "health check failed",
            ),
            event(
                "2026-11-24T11:30:00Z",
                "warning",
                "retrying",
                "alert",
                "alert ingress-tls",
                "edge-b",
                "acme retrying",
            ),
            event(
                "2026-11-24T11:00:00Z",
                "info",
                "succeeded",
                "audit",
                "target add",
                "",
                "edge-b added",
            ),
        ],
        backups: vec![BackupRow {
            id: "bk-01".into(),
            app: "api".into(),
            created_at: "2026-11-24T09:00:00Z".into(),
            size_bytes: Some(50 * 1024 * 1024),
            verified: Some(true),
        }],
        backups_catalogue: true,
        errors: Vec::new(),
    }
}

fn view(name: &str, kind: &str, read_only: bool) -> ContextView {
    let cfg = ContextConfig {
        name: name.parse().unwrap(),
        kind: kind.into(),
        read_only,
        ..Default::default()
    };
    ContextView {
        name: name.into(),
        policy: ContextPolicy::new(name, Some(&cfg)),
        config_error: None,
        snapshot: Some(snapshot()),
        doctor: DoctorState::Ok,
    }
}

fn app_with(read_only: bool, color: bool) -> App {
    let mut app = App::new(
        StateRoot::at("/srv/paas"),
        Keymap::defaults(),
        Theme::defaults(color),
        Vec::new(),
    );
    app.now = datetime!(2026-11-24 12:00 UTC);
    app.size = (120, 36);
    app.contexts = KINDS.iter().map(|(n, k)| view(n, k, read_only)).collect();
    app
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        update(app, key(c));
    }
}

/// Every op, one per variant; `variant` makes a new variant fail to compile until it is here.
fn every_op(active: &str) -> Vec<Op> {
    vec![
        Op::CheckTargets {
            targets: vec!["edge-a".into()],
        },
        Op::AddTarget(NewTarget {
            name: "edge-c".into(),
            host: "203.0.113.30".into(),
            user: "deploy".into(),
            port: 22,
            auth_method: "key".into(),
            identity_file: None,
            labels: vec![],
            make_default: false,
        }),
        Op::RemoveTarget {
            name: "edge-a".into(),
        },
        Op::UseTarget {
            name: "edge-b".into(),
        },
        Op::Exec {
            targets: vec!["edge-a".into()],
            command: "uptime".into(),
            strategy: Strategy::Serial,
            max_parallel: 1,
            continue_on_error: false,
        },
        Op::Deploy {
            common: crate::ops::deploy::Common::new("api"),
            rollback_on_failure: true,
        },
        Op::Rollback {
            common: crate::ops::deploy::Common::new("api"),
            to: None,
        },
        Op::Apply(fake_plan(Kind::Deploy, active)),
        Op::Logs {
            app: "api".into(),
            target: None,
            service: None,
        },
        Op::EventsTail,
        Op::ContextInit {
            name: active.into(),
            kind: "oss-demo".into(),
            read_only: false,
            color: String::new(),
            confirm: String::new(),
        },
        Op::ContextUse {
            name: active.into(),
        },
        Op::EditTarget(NewTarget {
            name: "edge-a".into(),
            host: "203.0.113.11".into(),
            user: "deploy".into(),
            port: 22,
            auth_method: "key".into(),
            identity_file: None,
            labels: vec![],
            make_default: false,
        }),
        Op::AddApp(crate::ops::apps::AppSpec {
            name: "web".into(),
            compose_file: "/srv/web/compose.yaml".into(),
            ..Default::default()
        }),
        Op::EditApp(crate::ops::apps::AppSpec {
            name: "api".into(),
            compose_file: "/srv/apps/api/compose.yaml".into(),
            ..Default::default()
        }),
        Op::RemoveApp { name: "api".into() },
        Op::SetSecret {
            app: "api".into(),
            name: "DATABASE_URL".into(),
            target: None,
            value: crate::ops::secrets::SecretValue::new("s3cr3t-value"),
        },
        Op::SecretList { app: "api".into() },
        Op::DoctorReport,
    ]
}

fn variant(op: &Op) -> usize {
    match op {
        Op::CheckTargets { .. } => 0,
        Op::AddTarget(_) => 1,
        Op::RemoveTarget { .. } => 2,
        Op::UseTarget { .. } => 3,
        Op::Exec { .. } => 4,
        Op::Deploy { .. } => 5,
        Op::Rollback { .. } => 6,
        Op::Logs { .. } => 7,
        Op::EventsTail => 8,
        Op::ContextInit { .. } => 9,
        Op::ContextUse { .. } => 10,
        Op::Apply(_) => 11,
        Op::EditTarget(_) => 12,
        Op::AddApp(_) => 13,
        Op::EditApp(_) => 14,
        Op::RemoveApp { .. } => 15,
        Op::SetSecret { .. } => 16,
        Op::SecretList { .. } => 17,
        Op::DoctorReport => 18,
    }
}
const OP_VARIANTS: usize = 19;

/// A deploy (or rollback) plan of `api` to `edge-a`, as the planner would make it.
fn fake_plan(kind: Kind, ctx: &str) -> Planned {
    use crate::ops::deploy::Plan;
    use crate::ops::deploy::bundle::Bundle;
    use crate::ops::deploy::remote::{Health, Layout};
    use crate::remote::fanout::FanoutPlan;
    let release = "rel-20261124T120000-000000003".to_string();
    Planned(std::sync::Arc::new(Plan {
        kind,
        context: ctx.into(),
        app: "api".into(),
        release: release.clone(),
        from_release: Some("rel-20261124T100000-000000002".into()),
        bundle: Bundle {
            release,
            dir: format!("/srv/paas/contexts/{ctx}/releases/api/rel-20261124T120000-000000003")
                .into(),
            compose: String::new(),
            sha256: "0123456789abcdef".repeat(4),
            files: vec![
                "compose.yaml".into(),
                "compose.files".into(),
                "release.json".into(),
            ],
        },
        targets: vec![target("edge-a", "203.0.113.10", "key")],
        strategy: Strategy::Serial,
        max_parallel: 1,
        continue_on_error: false,
        fanout: FanoutPlan::new(Strategy::Serial, &["edge-a".to_string()], 1),
        rollback_on_failure: kind == Kind::Deploy,
        rollback_candidate: (kind == Kind::Deploy).then(|| "rel-20261124T100000-000000002".into()),
        layout: Layout {
            root: "/opt/si/paas/releases".into(),
            context: ctx.into(),
            app: "api".into(),
        },
        project: format!("{ctx}-api"),
        health: Health {
            cmd: None,
            timeout: std::time::Duration::from_secs(45),
        },
        apply_timeout: std::time::Duration::from_secs(120),
        namespace: String::new(),
        env_names: vec!["DATABASE_URL".into()],
        missing_env: Vec::new(),
    }))
}

fn plans(fx: &[Effect]) -> Option<Option<ConfirmLevel>> {
    fx.iter().find_map(|e| match e {
        Effect::Plan { confirm, .. } => Some(*confirm),
        _ => None,
    })
}

fn runs(fx: &[Effect]) -> bool {
    fx.iter().any(|e| matches!(e, Effect::Run { .. }))
}

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
            if spec.danger == Danger::Read || spec.root_scope {
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
            op: Op::CheckTargets { .. },
            ..
        }
    )));
    // quitting with a running task asks first
    app.tasks.push(super::app::TaskSummary {
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
    let l = super::ui::layout::compute(
        ratatui::layout::Rect::new(0, 0, 120, 36),
        app.contexts.len(),
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
    assert!(fx.iter().any(|e| matches!(e, Effect::Plan { op: Op::Deploy { common, .. }, confirm: None, .. } if common.max_parallel == 2)));
    update(&mut app, key(':'));
    type_text(&mut app, "target check --all");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.iter().any(
        |e| matches!(e, Effect::Run { op: Op::CheckTargets { targets }, .. } if targets.len() == 2)
    ));
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

// ---- rendering ----

fn render(app: &App, runner: &TaskRunner, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::ui::draw(f, app, runner)).unwrap();
    t
}

fn banner_bg(t: &Terminal<TestBackend>) -> Vec<Color> {
    let buf = t.backend().buffer();
    (0..buf.area.width).map(|x| buf[(x, 0)].bg).collect()
}

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
        Op::Exec {
            targets: vec!["edge-a".into(), "edge-b".into()],
            command: "docker system prune -f".into(),
            strategy: Strategy::Rolling,
            max_parallel: 1,
            continue_on_error: false,
        },
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
    app.tasks = vec![super::app::TaskSummary {
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

mod console;
