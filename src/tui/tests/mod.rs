//! Reducer, guard and rendering tests for the console, on a fixed state (no files, no clock).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use serde_json::json;
use time::macros::datetime;

use super::core::action::{Action, Effect, Op, Pane, Planned};
use super::core::app::{
    App, AppRow, BackupRow, ContextView, DoctorState, Overlay, Snapshot, TargetRow,
};
use super::core::keymap::{Cmd, Keymap};
use super::core::theme::Theme;
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
        reachable: Some(true),
        ssh_ok: true,
        docker_ok: true,
        compose_ok: true,
        status: "ok".into(),
        error: None,
        error_code: None,
        stage: None,
        remediation: None,
        duration_ms: 120,
        docker_version: Some("27.3.1".into()),
        compose_version: Some("2.29.7".into()),
        compose_kind: Some("v2".into()),
        disk_free_root: None,
        disk_free_docker: None,
        load1: None,
        uptime_seconds: None,
        reused_connection_s: None,
        checked_at: "2026-11-24T11:55:00Z".into(),
        role: None,
        incus_version: None,
        disk_free_incus: None,
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
            addons: Vec::new(),
            slots: Vec::new(),
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
        backups: backup_rows(),
        backups_catalogue: true,
        errors: Vec::new(),
    }
}

/// The snapshot's backups: verified, unverified, failing verification, failed.
fn backup_rows() -> Vec<BackupRow> {
    vec![
        BackupRow {
            id: "bk-20261124T090000-api-1a2b3c".into(),
            kind: "app".into(),
            app: "api".into(),
            target: "edge-a".into(),
            created_at: "2026-11-24T09:00:00Z".into(),
            size_bytes: Some(50 * 1024 * 1024),
            verified: Some(true),
            sha256: "9f2c".repeat(16),
            ..Default::default()
        },
        BackupRow {
            id: "bk-20261123T090000-state-0d0e0f".into(),
            kind: "state".into(),
            app: "state".into(),
            created_at: "2026-11-23T09:00:00Z".into(),
            size_bytes: Some(48 * 1024),
            verified: None,
            sha256: "0b7e".repeat(16),
            ..Default::default()
        },
        BackupRow {
            id: "bk-20261122T090000-api-aa00bb".into(),
            kind: "app".into(),
            app: "api".into(),
            target: "edge-a".into(),
            created_at: "2026-11-22T09:00:00Z".into(),
            size_bytes: Some(49 * 1024 * 1024),
            verified: Some(false),
            sha256: "77aa".repeat(16),
            detail: "artifact has 51380291 bytes with sha256 …; the catalogue says …".into(),
            ..Default::default()
        },
        BackupRow {
            id: "bk-20261121T090000-api-c0ffee".into(),
            kind: "app".into(),
            app: "api".into(),
            target: "edge-a".into(),
            created_at: "2026-11-21T09:00:00Z".into(),
            failed: true,
            detail: "the backup command exited 1 on edge-a: pg_dump: error: connection refused"
                .into(),
            ..Default::default()
        },
    ]
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
        Op::check(vec!["edge-a".into()]),
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
        Op::Exec(crate::verbs::targets::ExecInput {
            targets: vec!["edge-a".into()],
            command: "uptime".into(),
            strategy: Strategy::Serial,
            max_parallel: 1,
            continue_on_error: false,
            timeout: crate::cli::DEFAULT_EXEC_TIMEOUT,
        }),
        Op::deploy("api"),
        Op::ResetApp { name: "api".into() },
        Op::rollback(crate::ops::deploy::Common::new("api"), None),
        Op::Apply(fake_plan(Kind::Deploy, active)),
        Op::logs("api", None),
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
        Op::EnableAddon(crate::ops::addon::EnableSpec {
            app: "api".into(),
            pack: "postgres".into(),
            ..Default::default()
        }),
        Op::DisableAddon {
            app: "api".into(),
            name: "postgres".into(),
        },
    ]
    .into_iter()
    .chain(more_ops())
    .collect()
}

/// The second half of `every_op`: the ops that need no active context.
fn more_ops() -> Vec<Op> {
    vec![
        Op::doctor(),
        Op::Stage(super::features::stage::StageOp {
            action: super::features::stage::StageAction::Reset,
            components: vec!["web".into()],
            lines: vec!["$ incus stop web --project STAGE-GBO".into()],
        }),
        Op::Backup(super::features::backup::state_op()),
        Op::Check(crate::verbs::oncall::HealthInput {
            all_contexts: false,
            skip_remote: false,
            prometheus: None,
            timeout: std::time::Duration::from_secs(30),
        }),
        Op::Reconcile(crate::verbs::deploy::ReconcileInput::of(
            "api",
            std::time::Duration::from_secs(45),
        )),
        Op::AlertTest {
            severity: "info".into(),
            message: "paasdeck alert test".into(),
        },
        Op::AlertAcknowledge {
            id: "al-20261124T120000-0a1b2c3d".into(),
            note: "on it".into(),
        },
        Op::AlertHistory(crate::verbs::oncall::HistoryInput {
            limit: 50,
            severity: None,
        }),
        Op::IncidentResolve {
            id: "20261124T120000.000000000Z-0123456789abcdef".into(),
            note: String::new(),
        },
        Op::IncidentAcknowledge {
            id: "20261124T120000.000000000Z-0123456789abcdef".into(),
            note: "on it".into(),
        },
        Op::ScrubBundles,
        Op::VaultStatus,
        Op::UnsetSecret {
            app: "api".into(),
            name: "DATABASE_URL".into(),
            target: None,
        },
        Op::LockStatus,
        Op::LockRelease {
            app: "api".into(),
            force: false,
        },
        Op::SecretEncrypt,
        Op::VaultKeygen,
        Op::VaultRecipientAdd {
            recipient: "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq".into(),
        },
        Op::BootstrapTarget {
            target: "edge-a".into(),
            public_key: String::new(),
            password: crate::ops::secrets::SecretValue::new("pw-never-shown"),
        },
        Op::Shell(crate::tui::features::shell::ShellOp {
            input: crate::verbs::shell::ShellInput::Target {
                target: "edge-a".into(),
            },
            host: "edge-a (deploy@203.0.113.10:22)".into(),
        }),
        Op::AgentApprove {
            run: "run-20261124T120000.000000000Z".into(),
            agent: "ops".into(),
            remediation: crate::verbs::agent::Remediation::noop("example"),
            write: false,
        },
        Op::AgentDeny {
            run: "run-20261124T120000.000000000Z".into(),
            agent: "ops".into(),
            note: "not now".into(),
        },
    ]
}

fn variant(op: &Op) -> usize {
    match op {
        Op::CheckTargets(_) => 0,
        Op::AddTarget(_) => 1,
        Op::RemoveTarget { .. } => 2,
        Op::UseTarget { .. } => 3,
        Op::Exec(_) => 4,
        Op::Deploy(_) => 5,
        Op::Rollback(_) => 6,
        Op::Logs(_) => 7,
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
        Op::Doctor(_) => 18,
        Op::Stage(_) => 19,
        Op::Backup(_) => 20,
        Op::Check { .. } => 21,
        Op::Reconcile(_) => 22,
        Op::AlertTest { .. } => 23,
        Op::AlertAcknowledge { .. } => 24,
        Op::AlertHistory(_) => 25,
        Op::IncidentResolve { .. } => 26,
        Op::EnableAddon(_) => 27,
        Op::DisableAddon { .. } => 28,
        Op::BootstrapTarget { .. } => 29,
        Op::ScrubBundles => 30,
        Op::VaultStatus => 31,
        Op::SecretEncrypt => 32,
        Op::VaultRecipientAdd { .. } => 33,
        Op::UnsetSecret { .. } => 34,
        Op::LockStatus => 35,
        Op::LockRelease { .. } => 36,
        Op::IncidentAcknowledge { .. } => 37,
        Op::VaultKeygen => 38,
        Op::Shell(_) => 39,
        Op::AgentApprove { .. } => 40,
        Op::AgentDeny { .. } => 41,
        Op::ResetApp { .. } => 42,
    }
}
const OP_VARIANTS: usize = 43;

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
            compose_files: vec!["compose.yaml".into()],
            addon_texts: Vec::new(),
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
        si: Vec::new(),
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

mod addons;
mod app_reset;
mod backups;
mod bootstrap;
mod console;
mod doctor;
mod first_run;
mod forms;
mod forms_palette;
mod layering;
mod oncall;
mod overlay_keys;
mod palette_verbs;
mod reducer;
mod render;
mod separation;
mod shell;
mod small_screen;
