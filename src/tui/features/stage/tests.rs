//! The Instances pane: when it shows, how the reducer fills it, and that its actions pass the
//! guard with the exact commands; a `TestBackend` snapshot of the pane and the reset dialog.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::macros::datetime;

use super::*;
use crate::ops::stage::status::{StageStatus, StatusRow};
use crate::policy::guard::{ConfirmLevel, ContextPolicy};
use crate::state::StateRoot;
use crate::state::context::ContextConfig;
use crate::state::stage::StageConfig;
use crate::tasks::TaskRunner;
use crate::tui::core::action::{Action, Effect, Op, Pane};
use crate::tui::core::app::{App, ContextView, DoctorState, Overlay, Snapshot};
use crate::tui::core::keymap::Keymap;
use crate::tui::core::theme::Theme;
use crate::tui::update::update;

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
        snapshot: Some(Snapshot::default()),
        doctor: DoctorState::Ok,
    }
}

fn stage_config() -> StageConfig {
    let mut v = crate::state::stage::tests_sample();
    v["components"] = serde_json::json!([
        {"name": "system", "ip": "10.0.3.10", "data": "wipe", "wipe": ["/opt/gbo/work"]},
        {"name": "tables", "ip": "10.0.3.11", "data": "keep"},
        {"name": "web", "ip": "10.0.3.12", "data": "wipe", "wipe": ["/srv/uploads"]}
    ]);
    StageConfig::from_value(&v).unwrap()
}

fn row(name: &str, state: &str, ip: &str, data: &str, flags: &[&str]) -> StatusRow {
    StatusRow {
        name: name.into(),
        state: state.into(),
        ipv4: if ip.is_empty() {
            vec![]
        } else {
            vec![ip.into()]
        },
        expected_ip: None,
        data: data.into(),
        disk_usage: Some(2 << 30),
        cloned: (state != "missing").then(|| "done".to_string()),
        flags: flags.iter().map(|f| f.to_string()).collect(),
    }
}

fn status() -> StageStatus {
    StageStatus {
        project: "STAGE-GBO".into(),
        project_exists: true,
        network: "10.0.3.0/24".into(),
        free_bytes: Some(80 << 30),
        min_host_free: "20GiB".into(),
        low_disk: false,
        rows: vec![
            row("system", "Running", "10.0.3.10", "wipe", &[]),
            row("tables", "Stopped", "", "keep", &[]),
            row(
                "web",
                "Running",
                "192.168.1.7",
                "wipe",
                &["outside_network", "address_mismatch"],
            ),
        ],
        exposures: Vec::new(),
    }
}

/// `gbo` (staging) is active, `prod` (production) beside it.
fn app(read_only: bool) -> App {
    let mut app = App::new(
        StateRoot::at("/srv/paas"),
        Keymap::defaults(),
        Theme::defaults(true),
        Vec::new(),
    );
    app.now = datetime!(2026-11-24 12:00 UTC);
    app.size = (120, 36);
    app.contexts = vec![
        view("gbo", "staging", read_only),
        view("prod", "production", false),
    ];
    app
}

fn loaded(app: &mut App) -> Vec<Effect> {
    update(
        app,
        Action::Stage(StageMsg::Loaded {
            context: "gbo".into(),
            config: Some(Ok(stage_config())),
        }),
    )
}

pub(super) fn with_status(read_only: bool) -> App {
    let mut a = app(read_only);
    loaded(&mut a);
    update(
        &mut a,
        Action::Stage(StageMsg::Status {
            context: "gbo".into(),
            result: Ok(status()),
        }),
    );
    a.focus = Pane::Instances;
    a
}

pub(super) fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[test]
fn the_pane_shows_for_a_staging_context_with_a_stage_object_only() {
    let mut a = app(false);
    assert!(!shows_instances(&a));
    assert!(!focus_order(&a).contains(&Pane::Instances));
    let fx = loaded(&mut a);
    assert_eq!(fx, [Effect::Stage(StageFx::Refresh("gbo".into()))]);
    assert!(a.stages["gbo"].refreshing);
    assert!(shows_instances(&a));
    assert_eq!(focus_order(&a)[4], Pane::Instances);
    // Loading again while the first read runs asks for nothing more.
    assert!(loaded(&mut a).is_empty());
    // Tab cycles through it; switching to production leaves it.
    for _ in 0..4 {
        update(
            &mut a,
            Action::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
        );
    }
    assert_eq!(a.focus, Pane::Instances);
    update(&mut a, key(']'));
    assert_eq!(a.active_name(), "prod");
    assert_eq!(a.focus, Pane::Targets);
    // A production context never shows it, whatever its paasdeck.json says.
    update(
        &mut a,
        Action::Stage(StageMsg::Loaded {
            context: "prod".into(),
            config: Some(Ok(stage_config())),
        }),
    );
    assert!(!shows_instances(&a));
    assert!(!focus_order(&a).contains(&Pane::Instances));
}

#[test]
fn status_fills_rows_and_failures_are_kept() {
    let mut a = with_status(false);
    assert_eq!(a.row_count(Pane::Instances), 3);
    assert_eq!(a.stages["gbo"].refreshed_at, Some(a.now));
    a.filters[Pane::Instances.index()] = "outside".into();
    assert_eq!(visible_rows(&a).len(), 1);
    a.filters[Pane::Instances.index()].clear();
    let fx = update(&mut a, key('r'));
    assert_eq!(fx, [Effect::Stage(StageFx::Refresh("gbo".into()))]);
    assert!(update(&mut a, key('r')).is_empty(), "one read at a time");
    update(
        &mut a,
        Action::Stage(StageMsg::Status {
            context: "gbo".into(),
            result: Err("error[PAAS_SSH_CONNECT_FAILED]: ssh to gbo-host failed".into()),
        }),
    );
    let v = &a.stages["gbo"];
    assert!(!v.refreshing);
    assert!(
        v.error
            .as_deref()
            .unwrap()
            .contains("PAAS_SSH_CONNECT_FAILED")
    );
    assert_eq!(
        v.status.as_ref().unwrap().rows.len(),
        3,
        "the last good read stays"
    );
}

#[test]
fn reset_asks_with_the_paths_it_wipes_and_the_exact_commands() {
    let mut a = with_status(false);
    update(&mut a, key('j'));
    update(&mut a, key('j'));
    let fx = update(&mut a, key('R'));
    assert!(fx.is_empty());
    let Overlay::Confirm(c) = &a.overlay else {
        panic!("no confirmation: {:?}", a.flash)
    };
    assert_eq!(c.level, ConfirmLevel::Yes, "staging: yes/yes");
    assert_eq!(
        c.lines,
        [
            "stage reset · destructive",
            "project STAGE-GBO on gbo-host (from default)",
            "wipes in web (wipe), each directory emptied and kept:",
            "  /srv/uploads",
            "  /opt/gbo/logs",
            "commands:",
            "  $ incus stop web --project STAGE-GBO",
            "  $ incus query --project STAGE-GBO '/1.0/instances/web/files?path=/srv/uploads&project=STAGE-GBO'",
            "  $ incus file delete --force web/srv/uploads/ENTRY --project STAGE-GBO   # each entry, hidden ones too; /srv/uploads stays",
            "  $ incus query --project STAGE-GBO '/1.0/instances/web/files?path=/opt/gbo/logs&project=STAGE-GBO'",
            "  $ incus file delete --force web/opt/gbo/logs/ENTRY --project STAGE-GBO   # each entry, hidden ones too; /opt/gbo/logs stays",
            "  $ incus start web --project STAGE-GBO",
        ]
    );
    let fx = update(&mut a, key('y'));
    let Some(Effect::Run {
        context,
        op: Op::Stage(op),
    }) = fx.first()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(context, "gbo");
    assert_eq!(
        (op.action, op.components.clone()),
        (StageAction::Reset, vec!["web".to_string()])
    );
}

#[test]
fn clone_start_and_stop_go_through_the_guard() {
    let mut a = with_status(false);
    update(&mut a, key('c'));
    let Overlay::Confirm(c) = &a.overlay else {
        panic!("no confirmation")
    };
    // Every component is cloned already (`done`), so nothing is left to run.
    assert!(
        c.lines
            .iter()
            .any(|l| l == "already cloned, skipped: system, tables, web")
    );
    assert!(c.lines.iter().any(|l| l.contains("df on /var/lib/incus")));
    a.overlay = Overlay::None;
    a.stages
        .get_mut("gbo")
        .unwrap()
        .status
        .as_mut()
        .unwrap()
        .rows[1]
        .cloned = None;
    update(&mut a, key('c'));
    let Overlay::Confirm(c) = &a.overlay else {
        panic!("no confirmation")
    };
    assert!(c.lines.contains(&"  $ incus copy tables tables --project default --target-project STAGE-GBO --instance-only".to_string()), "{:#?}", c.lines);
    assert!(
        c.lines
            .contains(&"  $ incus start tables --project STAGE-GBO".to_string())
    );
    a.overlay = Overlay::None;
    update(&mut a, key('j'));
    update(&mut a, key('t'));
    let Overlay::Confirm(c) = &a.overlay else {
        panic!("no confirmation")
    };
    assert_eq!(c.lines[0], "stage start · mutating");
    assert!(
        c.lines
            .contains(&"  $ incus start tables --project STAGE-GBO".to_string())
    );
    a.overlay = Overlay::None;
    update(&mut a, key('S'));
    let Overlay::Confirm(c) = &a.overlay else {
        panic!("no confirmation")
    };
    assert!(
        c.lines
            .contains(&"  $ incus stop tables --project STAGE-GBO".to_string())
    );
    // The menu offers the same, with the same keys.
    a.overlay = Overlay::None;
    update(
        &mut a,
        Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let Overlay::Menu { title, items, .. } = &a.overlay else {
        panic!("no menu")
    };
    assert_eq!(title, "instance tables");
    let keys: Vec<&str> = items.iter().take(4).map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["c", "t", "S", "R"]);
}

#[test]
fn a_read_only_staging_context_refuses_and_audits() {
    let mut a = with_status(true);
    for k in ['c', 't', 'S', 'R', 's'] {
        let fx = update(&mut a, key(k));
        assert!(
            matches!(fx.as_slice(), [Effect::AuditRefusal { .. }]),
            "{k}: {fx:?}"
        );
        assert!(a.flash.as_ref().unwrap().text.contains("read-only"));
        assert!(matches!(a.overlay, Overlay::None));
    }
    // Reading is fine.
    assert_eq!(update(&mut a, key('r')).len(), 1);
}

#[test]
fn a_bad_stage_object_is_shown_and_acts_on_nothing() {
    let mut a = app(false);
    let fx = update(
        &mut a,
        Action::Stage(StageMsg::Loaded {
            context: "gbo".into(),
            config: Some(Err(
                "error[PAAS_STATE_CORRUPT]: paasdeck.json: stage.components[0].ip: bad".into(),
            )),
        }),
    );
    assert!(fx.is_empty(), "no host read for an unusable object");
    a.focus = Pane::Instances;
    assert!(update(&mut a, key('c')).is_empty());
    assert!(
        a.flash
            .as_ref()
            .unwrap()
            .text
            .contains("PAAS_STATE_CORRUPT")
    );
    let t = render(&a, 120, 36);
    let text = screen(&t);
    assert!(
        text.contains("The stage object cannot be used:")
            && text.contains("error[PAAS_STATE_CORRUPT]"),
        "{text}"
    );
}

fn render(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::tui::ui::draw(f, app, &TaskRunner::default()))
        .unwrap();
    t
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn snapshot_instances_pane_and_reset_dialog() {
    let mut a = with_status(false);
    let t = render(&a, 120, 36);
    let text = screen(&t);
    assert!(text.contains("Instances STAGE-GBO (3)"), "{text}");
    assert!(text.contains("off-net wrong-ip"), "{text}");
    // The flagged row is drawn in the failure colour.
    let buf = t.backend().buffer();
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("192.168.1.7"))
        .unwrap();
    let x = line.find("off-net").unwrap();
    let col = line[..x].chars().count() as u16;
    assert_eq!(buf[(col, y as u16)].fg, a.theme.failed);
    insta::assert_snapshot!("instances_staging", t.backend());
    update(&mut a, key('j'));
    update(&mut a, key('j'));
    update(&mut a, key('R'));
    let t = render(&a, 120, 36);
    insta::assert_snapshot!("confirm_stage_reset", t.backend());
}

/// A stage action's audit row lands while the tab reloads: the reload and the follower both
/// see it, and the Events pane shows it once.
#[test]
fn events_a_reload_already_holds_are_not_added_twice() {
    let mut a = app(false);
    let row = crate::state::events::EventRecord {
        timestamp: "2026-11-24T12:00:00.123456789Z".into(),
        source: "audit".into(),
        command: "stage clone".into(),
        status: "succeeded".into(),
        severity: "info".into(),
        target: String::new(),
        message: String::new(),
        context: "gbo".into(),
        fields: Default::default(),
    };
    let later = crate::state::events::EventRecord {
        timestamp: "2026-11-24T12:00:01.000000000Z".into(),
        command: "stage status".into(),
        ..row.clone()
    };
    a.contexts[0].snapshot.as_mut().unwrap().events = vec![row.clone()];
    update(
        &mut a,
        Action::EventsAppended {
            context: "gbo".into(),
            rows: vec![row, later.clone()],
        },
    );
    let events = &a.contexts[0].snapshot.as_ref().unwrap().events;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0], later);
}

#[test]
fn the_palette_runs_stage_verbs_through_the_same_ops_and_guard() {
    use crate::tui::overlays::palette::parse::{PaletteCmd, parse};
    let a = with_status(false);
    // `stage reset COMPONENT` is the Instances pane's reset of that component, whatever is
    // selected, with the same exact commands.
    let Ok(PaletteCmd::Op(Op::Stage(op))) = parse("stage reset web", &a) else {
        panic!("{:?}", parse("stage reset web", &a))
    };
    assert_eq!(
        (op.action, op.components.clone()),
        (StageAction::Reset, vec!["web".to_string()])
    );
    assert!(
        op.lines
            .iter()
            .any(|l| l == "  $ incus stop web --project STAGE-GBO")
    );
    let Ok(PaletteCmd::Op(Op::Stage(op))) = parse("stage clone --components tables", &a) else {
        panic!("clone")
    };
    assert_eq!(op.components, vec!["tables".to_string()]);
    let Ok(PaletteCmd::Op(Op::Stage(op))) = parse("stage stop --components system", &a) else {
        panic!("stop")
    };
    assert_eq!(
        (op.action, op.components.clone()),
        (StageAction::Stop, vec!["system".to_string()])
    );
    assert_eq!(
        parse("stage status", &a),
        Ok(PaletteCmd::Cmd(Cmd::StageRefresh))
    );
    // Unknown and several components are refused with the reason; nothing runs.
    let e = parse("stage reset nope", &a).unwrap_err();
    assert!(e.contains("nope is not a component"), "{e}");
    let e = parse("stage start --components system,web", &a).unwrap_err();
    assert!(e.contains("one component at a time"), "{e}");
    // init, plan, destroy and configure --show are console actions too, with headless's
    // flags: a destroy names --force, and its dialog lists what goes.
    for (line, action) in [
        ("stage init", StageAction::Init),
        ("stage plan", StageAction::Plan),
        ("stage configure --show", StageAction::Show),
    ] {
        let Ok(PaletteCmd::Op(Op::Stage(o))) = parse(line, &a) else {
            panic!("{line}: {:?}", parse(line, &a))
        };
        assert_eq!((o.action, o.components.len()), (action, 0), "{line}");
    }
    let e = parse("stage destroy", &a).unwrap_err();
    assert!(e.contains("pass --force"), "{e}");
    let Ok(PaletteCmd::Op(Op::Stage(d))) = parse("stage destroy --force", &a) else {
        panic!("destroy")
    };
    assert_eq!(d.action, StageAction::Destroy);
    assert!(
        d.lines
            .iter()
            .any(|l| l == "  $ incus delete --force system --project STAGE-GBO"),
        "{:?}",
        d.lines
    );
    assert!(
        d.lines
            .iter()
            .any(|l| l == "  $ incus project delete STAGE-GBO --project STAGE-GBO"),
        "{:?}",
        d.lines
    );
    // Verbs without a console action get the exact headless command.
    let e = parse("stage configure --from-file stage.json", &a).unwrap_err();
    assert!(
        e.contains(
            "paasdeck --state-root /srv/paas --context gbo stage configure --from-file stage.json"
        ),
        "{e}"
    );
    // Through the palette, a stop asks like the pane's key does (staging: yes).
    let mut a = a;
    update(&mut a, Action::Request(Op::Stage(op)));
    let Overlay::Confirm(c) = &a.overlay else {
        panic!("no confirmation: {:?}", a.flash)
    };
    assert_eq!(c.level, ConfirmLevel::Yes);
}

#[test]
fn the_pane_says_when_the_hosts_free_disk_is_below_min_host_free() {
    let mut a = with_status(false);
    let text = screen(&render(&a, 200, 36));
    assert!(text.contains("free 80.0G ─"), "{text}");
    assert!(!text.contains("BELOW"), "{text}");
    let mut low = status();
    low.free_bytes = Some(10 << 30);
    low.low_disk = true;
    update(
        &mut a,
        Action::Stage(StageMsg::Status {
            context: "gbo".into(),
            result: Ok(low),
        }),
    );
    let text = screen(&render(&a, 200, 36));
    assert!(
        text.contains("free 10.0G BELOW min_host_free 20GiB"),
        "{text}"
    );
}
