//! The reducer: `update(&mut App, Action) -> Vec<Effect>`. Pure: it reads and changes the
//! console state and returns the work to do; it never touches files, SSH or the terminal.
//! Every operation goes through [`request`], which asks the one guard.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::action::{Action, Effect, Op, Pane};
use super::app::{
    App, Confirm, DoctorState, Field, FlashLevel, Form, FormKind, MenuItem, Overlay, new_input,
};
use super::keymap::Cmd;
use super::palette::{self, PaletteCmd};
use super::ui::layout;
use crate::ops::deploy::Common;
use crate::ops::targets::NewTarget;
use crate::policy::guard::{self, ConfirmLevel, ContextPolicy, Decision, Frontend};
use crate::remote::fanout::Strategy;
use crate::state::names;

pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(k) => on_key(app, k),
        Action::Mouse(m) => on_mouse(app, m),
        Action::Resize(w, h) => {
            app.size = (w, h);
            Vec::new()
        }
        Action::Command(c) => command(app, c),
        Action::Request(op) => request(app, op),
        Action::ContextsLoaded(views) => {
            let active = app.active_name();
            let mut old: Vec<_> = std::mem::take(&mut app.contexts);
            app.contexts = views
                .into_iter()
                .map(|mut v| {
                    if let Some(i) = old.iter().position(|o| o.name == v.name) {
                        let o = old.remove(i);
                        v.snapshot = o.snapshot;
                        v.doctor = o.doctor;
                    }
                    v
                })
                .collect();
            app.active = app
                .contexts
                .iter()
                .position(|c| c.name == active)
                .unwrap_or(0);
            Vec::new()
        }
        Action::Loaded { context, snapshot } => {
            if let Some(c) = app.ctx_by_name_mut(&context) {
                c.snapshot = Some(*snapshot);
            }
            clamp_selections(app);
            Vec::new()
        }
        Action::EventsAppended { context, rows } => {
            let active = app.active_name() == context;
            if let Some(s) = app
                .ctx_by_name_mut(&context)
                .and_then(|c| c.snapshot.as_mut())
            {
                // A reload that read the file after these rows were appended already has them.
                let fresh: Vec<_> = rows
                    .into_iter()
                    .filter(|r| !s.events.iter().take(64).any(|e| e == r))
                    .collect();
                let n = fresh.len();
                for r in fresh {
                    s.events.insert(0, r);
                }
                s.events.truncate(super::app::EVENTS_KEPT);
                // Keep the selected event where it was unless the operator is at the top.
                if active && app.selection[2] > 0 {
                    app.selection[2] += n;
                }
            }
            clamp_selections(app);
            Vec::new()
        }
        Action::DoctorDone { context, report } => {
            if let Some(c) = app.ctx_by_name_mut(&context) {
                c.doctor = if report.ok {
                    DoctorState::Ok
                } else {
                    DoctorState::Failed(report.failures())
                };
            }
            Vec::new()
        }
        Action::Checked { context, results } => {
            if let Some(s) = app
                .ctx_by_name_mut(&context)
                .and_then(|c| c.snapshot.as_mut())
            {
                for r in results {
                    if let Some(row) = s.targets.iter_mut().find(|t| t.target.is(&r.target)) {
                        row.check = Some(r);
                    }
                }
            }
            Vec::new()
        }
        Action::Planned { planned, confirm } => {
            let plan = planned.0.clone();
            if plan.context != app.active_name() {
                app.flash(
                    FlashLevel::Warn,
                    format!(
                        "the {} plan for {} in {} arrived after you switched tabs; ask again there",
                        plan.kind.command(),
                        plan.app,
                        plan.context
                    ),
                );
                return Vec::new();
            }
            let op = Op::Apply(planned);
            app.flash = None;
            match confirm {
                None => vec![Effect::Run {
                    context: plan.context.clone(),
                    op,
                }],
                Some(level) => {
                    let verb = op.verb();
                    let mut lines =
                        vec![format!("{} · {}", verb.command(), verb.danger().as_str())];
                    lines.extend(plan.lines());
                    app.overlay = Overlay::Confirm(Box::new(Confirm {
                        op,
                        context: plan.context.clone(),
                        level,
                        lines,
                        yes_focused: false,
                        input: new_input("type the context name"),
                        error: None,
                        scroll: 0,
                    }));
                    Vec::new()
                }
            }
        }
        Action::Notice { error, text } => {
            app.flash(
                if error {
                    FlashLevel::Error
                } else {
                    FlashLevel::Info
                },
                text,
            );
            Vec::new()
        }
        Action::Stage(m) => super::stage::update(app, m),
        Action::TasksChanged | Action::Tick => Vec::new(),
    }
}

fn clamp_selections(app: &mut App) {
    for pane in Pane::ALL.into_iter().filter(|p| *p != Pane::Log) {
        let i = pane.index();
        let n = app.row_count(pane);
        if app.selection[i] >= n {
            app.selection[i] = n.saturating_sub(1);
        }
    }
}

/// Tasks of the active context, in start order.
pub fn context_tasks(app: &App) -> Vec<u64> {
    let active = app.active_name();
    app.tasks
        .iter()
        .filter(|t| t.context == active)
        .map(|t| t.id)
        .collect()
}

fn switch_context(app: &mut App, i: usize) -> Vec<Effect> {
    if i >= app.contexts.len() {
        return Vec::new();
    }
    let changed = app.active != i;
    app.active = i;
    if changed {
        app.selection = Default::default();
        app.filters = Default::default();
        app.log.task = context_tasks(app).last().copied();
        app.log.follow = true;
        app.log.search = None;
        app.log.hit = None;
        app.flash = None;
    }
    super::stage::fix_focus(app);
    let c = &app.contexts[i];
    let mut fx = vec![Effect::SetTitle(format!(
        "paasdeck — {} ({})",
        c.name, c.policy.kind
    ))];
    if c.snapshot.is_none() {
        fx.push(Effect::Load(c.name.clone()));
    }
    // The last result stays on screen until the fresh one arrives.
    fx.push(Effect::Doctor(c.name.clone()));
    fx
}

/// Switches to a context by name.
pub fn switch_to(app: &mut App, name: &str) -> Vec<Effect> {
    match app.contexts.iter().position(|c| c.name == name) {
        Some(i) => switch_context(app, i),
        None => {
            app.flash(FlashLevel::Error, format!("no context named {name:?}"));
            Vec::new()
        }
    }
}

fn on_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    if !matches!(app.overlay, Overlay::None) {
        return overlay_key(app, k);
    }
    if k.code == KeyCode::Esc {
        let i = app.focus.index();
        if app.focus != Pane::Log && !app.filters[i].is_empty() {
            app.filters[i].clear();
            clamp_selections(app);
        }
        app.flash = None;
        return Vec::new();
    }
    match app.keymap.lookup(&k, app.focus) {
        Some(cmd) => command(app, cmd),
        None => Vec::new(),
    }
}

fn move_selection(app: &mut App, delta: isize, to_end: Option<bool>) {
    if app.focus == Pane::Log {
        let log = &mut app.log;
        match to_end {
            Some(true) => log.follow = true,
            Some(false) => {
                log.follow = false;
                log.scroll = 0;
            }
            None => {
                if delta < 0 {
                    log.follow = false;
                }
                log.scroll = (log.scroll as isize + delta).max(0) as usize;
            }
        }
        return;
    }
    let i = app.focus.index();
    let n = app.row_count(app.focus);
    if n == 0 {
        app.selection[i] = 0;
        return;
    }
    app.selection[i] = match to_end {
        Some(true) => n - 1,
        Some(false) => 0,
        None => (app.selection[i] as isize + delta).clamp(0, n as isize - 1) as usize,
    };
}

fn selected_target_name(app: &mut App) -> Option<String> {
    let t = app.selected_target().map(|t| t.target.name.to_string());
    if t.is_none() {
        app.flash(FlashLevel::Warn, "no target selected");
    }
    t
}

fn selected_app_name(app: &mut App) -> Option<String> {
    let a = app.selected_app().map(|a| a.name.clone());
    if a.is_none() {
        app.flash(FlashLevel::Warn, "no app selected");
    }
    a
}

fn all_target_names(app: &App) -> Vec<String> {
    app.snapshot()
        .map(|s| {
            s.targets
                .iter()
                .map(|t| t.target.name.to_string())
                .collect()
        })
        .unwrap_or_default()
}

pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    let page = (app.size.1 / 4).max(1) as isize;
    match cmd {
        Cmd::Quit => {
            let running = app.running_tasks();
            if running > 0 {
                app.overlay = Overlay::QuitConfirm { running };
                Vec::new()
            } else {
                app.quit = true;
                vec![Effect::Quit]
            }
        }
        Cmd::Help => {
            app.overlay = Overlay::Help { scroll: 0 };
            Vec::new()
        }
        Cmd::Palette => {
            app.overlay = Overlay::Palette {
                input: new_input("target check --all · ctx NAME · deploy --app APP"),
                message: None,
            };
            Vec::new()
        }
        Cmd::Filter => {
            let mut input = new_input(if app.focus == Pane::Log {
                "search the task log"
            } else {
                "filter rows"
            });
            let current = match app.focus {
                Pane::Log => app.log.search.clone().unwrap_or_default(),
                p => app.filters[p.index()].clone(),
            };
            input.insert_str(current);
            app.overlay = Overlay::Filter {
                pane: app.focus,
                input,
            };
            Vec::new()
        }
        Cmd::Menu => {
            open_menu(app);
            Vec::new()
        }
        Cmd::FocusNext | Cmd::FocusPrev => {
            let order = super::stage::focus_order(app);
            let n = order.len();
            let i = order.iter().position(|p| *p == app.focus).unwrap_or(0);
            let next = if cmd == Cmd::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            app.focus = order[next];
            Vec::new()
        }
        Cmd::Up => {
            move_selection(app, -1, None);
            Vec::new()
        }
        Cmd::Down => {
            move_selection(app, 1, None);
            Vec::new()
        }
        Cmd::PageUp => {
            move_selection(app, -page, None);
            Vec::new()
        }
        Cmd::PageDown => {
            move_selection(app, page, None);
            Vec::new()
        }
        Cmd::Top => {
            move_selection(app, 0, Some(false));
            Vec::new()
        }
        Cmd::Bottom => {
            move_selection(app, 0, Some(true));
            Vec::new()
        }
        Cmd::PrevContext => {
            let n = app.contexts.len().max(1);
            switch_context(app, (app.active + n - 1) % n)
        }
        Cmd::NextContext => {
            let n = app.contexts.len().max(1);
            switch_context(app, (app.active + 1) % n)
        }
        Cmd::Context1
        | Cmd::Context2
        | Cmd::Context3
        | Cmd::Context4
        | Cmd::Context5
        | Cmd::Context6
        | Cmd::Context7
        | Cmd::Context8
        | Cmd::Context9 => {
            let n = Cmd::ALL.iter().position(|c| *c == cmd).unwrap_or(0)
                - Cmd::ALL
                    .iter()
                    .position(|c| *c == Cmd::Context1)
                    .unwrap_or(0);
            switch_context(app, n)
        }
        Cmd::ContextInit => {
            app.overlay = Overlay::Form(Box::new(form(FormKind::ContextInit, app)));
            Vec::new()
        }
        Cmd::ContextUse => {
            let name = app.active_name();
            request(app, Op::ContextUse { name })
        }
        Cmd::Check => match selected_target_name(app) {
            Some(t) => request(app, Op::CheckTargets { targets: vec![t] }),
            None => Vec::new(),
        },
        Cmd::CheckAll => {
            let targets = all_target_names(app);
            if targets.is_empty() {
                app.flash(
                    FlashLevel::Warn,
                    "this context has no targets; press a to add one",
                );
                return Vec::new();
            }
            request(app, Op::CheckTargets { targets })
        }
        Cmd::AddTarget => {
            app.overlay = Overlay::Form(Box::new(form(FormKind::AddTarget, app)));
            Vec::new()
        }
        Cmd::Remove => match selected_target_name(app) {
            Some(name) => request(app, Op::RemoveTarget { name }),
            None => Vec::new(),
        },
        Cmd::UseTarget => match selected_target_name(app) {
            Some(name) => request(app, Op::UseTarget { name }),
            None => Vec::new(),
        },
        Cmd::Exec => {
            app.overlay = Overlay::Form(Box::new(form(FormKind::Exec, app)));
            Vec::new()
        }
        Cmd::Deploy => match selected_app_name(app) {
            Some(a) => request(
                app,
                Op::Deploy {
                    common: Common::new(&a),
                    rollback_on_failure: true,
                },
            ),
            None => Vec::new(),
        },
        Cmd::Rollback => match selected_app_name(app) {
            Some(a) => request_unless(
                app,
                rollback_unavailable(app),
                Op::Rollback {
                    common: Common::new(&a),
                    to: None,
                },
            ),
            None => Vec::new(),
        },
        Cmd::Logs => match selected_app_name(app) {
            Some(a) => request_unless(
                app,
                logs_unavailable(app),
                Op::Logs {
                    app: a,
                    target: None,
                    service: None,
                },
            ),
            None => Vec::new(),
        },
        Cmd::EventsTail => request(app, Op::EventsTail),
        Cmd::StageRefresh
        | Cmd::StageClone
        | Cmd::StageStart
        | Cmd::StageStop
        | Cmd::StageReset => super::stage::command(app, cmd),
        Cmd::CancelTask => {
            let running = app
                .log
                .task
                .and_then(|id| app.tasks.iter().find(|t| t.id == id))
                .filter(|t| t.state == "running")
                .map(|t| t.id);
            match running {
                Some(id) => {
                    app.flash(FlashLevel::Info, format!("cancelling task #{id}…"));
                    vec![Effect::CancelTask(id)]
                }
                None => {
                    app.flash(FlashLevel::Info, "no running task is focused (q quits)");
                    Vec::new()
                }
            }
        }
        Cmd::Follow => {
            app.log.follow = !app.log.follow;
            Vec::new()
        }
        Cmd::Wrap => {
            app.log.wrap = !app.log.wrap;
            Vec::new()
        }
        Cmd::SearchNext | Cmd::SearchPrev => {
            if app.log.search.is_none() {
                app.flash(FlashLevel::Info, "no search yet: press / in the task pane");
                return Vec::new();
            }
            vec![Effect::SearchLog {
                forward: cmd == Cmd::SearchNext,
            }]
        }
        Cmd::NextTask | Cmd::PrevTask => {
            let ids = context_tasks(app);
            if ids.is_empty() {
                return Vec::new();
            }
            let pos = app.log.task.and_then(|t| ids.iter().position(|i| *i == t));
            let n = ids.len();
            let next = match (pos, cmd == Cmd::NextTask) {
                (None, _) => n - 1,
                (Some(p), true) => (p + 1) % n,
                (Some(p), false) => (p + n - 1) % n,
            };
            app.log.task = Some(ids[next]);
            app.log.follow = true;
            app.log.hit = None;
            Vec::new()
        }
    }
}

/// The policy of the context an op acts on.
fn policy_for(app: &App, ctx: &str) -> ContextPolicy {
    app.contexts
        .iter()
        .find(|c| c.name == ctx)
        .map(|c| c.policy.clone())
        .unwrap_or_else(|| ContextPolicy::new(ctx, None))
}

/// Asks the guard about an operation: refuse (and audit the refusal), confirm, or run.
pub fn request(app: &mut App, op: Op) -> Vec<Effect> {
    let active = app.active_name();
    let ctx = op.subject_context(&active).to_string();
    let policy = policy_for(app, &ctx);
    let doctor = app
        .contexts
        .iter()
        .find(|c| c.name == ctx)
        .map(|c| c.doctor.clone())
        .unwrap_or(DoctorState::Pending);
    let mut failures = || match &doctor {
        DoctorState::Ok => Vec::new(),
        DoctorState::Pending => vec!["doctor has not finished yet".to_string()],
        DoctorState::Failed(f) => f.clone(),
    };
    let verb = op.verb();
    match guard::check(
        verb,
        &policy,
        Frontend::Console,
        app.write,
        "",
        &mut failures,
    ) {
        Err(error) => {
            app.flash(FlashLevel::Error, format!("refused: {}", error.message));
            vec![Effect::AuditRefusal {
                context: ctx,
                verb,
                error,
            }]
        }
        Ok(decision) if op.needs_plan() => {
            app.overlay = Overlay::None;
            app.flash(
                FlashLevel::Info,
                format!("planning {}…", op.title().trim_start_matches("plan ")),
            );
            let confirm = match decision {
                Decision::Proceed => None,
                Decision::Confirm(level) => Some(level),
            };
            vec![Effect::Plan {
                context: active,
                op,
                confirm,
            }]
        }
        Ok(Decision::Proceed) => {
            app.overlay = Overlay::None;
            vec![Effect::Run {
                context: active,
                op,
            }]
        }
        Ok(Decision::Confirm(level)) => {
            let targets: Vec<_> = app
                .snapshot()
                .map(|s| s.targets.iter().map(|t| t.target.clone()).collect())
                .unwrap_or_default();
            let mut lines = vec![format!("{} · {}", verb.command(), verb.danger().as_str())];
            lines.extend(op.describe(&ctx, &targets));
            app.overlay = Overlay::Confirm(Box::new(Confirm {
                op,
                context: ctx,
                level,
                lines,
                yes_focused: false,
                input: new_input("type the context name"),
                error: None,
                scroll: 0,
            }));
            Vec::new()
        }
    }
}

/// Requests `op` unless there is a reason it cannot run, which is shown instead.
fn request_unless(app: &mut App, why_not: Option<String>, op: Op) -> Vec<Effect> {
    match why_not {
        Some(why) => {
            app.flash(FlashLevel::Warn, why);
            Vec::new()
        }
        None => request(app, op),
    }
}

/// Why the selected app cannot be rolled back, if it cannot.
fn rollback_unavailable(app: &App) -> Option<String> {
    let a = app.selected_app()?;
    let previous = a.history.iter().any(|r| *r != a.current);
    (!previous).then(|| format!("{} has no earlier release to roll back to", a.name))
}

/// Why the selected app has no logs to follow, if it has none.
fn logs_unavailable(app: &App) -> Option<String> {
    let a = app.selected_app()?;
    a.current
        .is_empty()
        .then(|| format!("{} has no release deployed yet", a.name))
}

fn open_menu(app: &mut App) {
    let item = |app: &App, label: String, c: Cmd, op: Op, disabled: Option<String>| MenuItem {
        label,
        key: app
            .keymap
            .keys_for(c)
            .first()
            .map(|k| k.label())
            .unwrap_or_default(),
        op,
        disabled,
    };
    let mut items: Vec<MenuItem> = Vec::new();
    let title;
    match app.focus {
        Pane::Targets => {
            let sel = app.selected_target().map(|t| t.target.name.to_string());
            title = match &sel {
                Some(t) => format!("target {t}"),
                None => "targets".into(),
            };
            if let Some(t) = sel {
                let check = Op::CheckTargets {
                    targets: vec![t.clone()],
                };
                items.push(item(app, format!("check {t}"), Cmd::Check, check, None));
                let use_it = Op::UseTarget { name: t.clone() };
                items.push(item(
                    app,
                    format!("make {t} current"),
                    Cmd::UseTarget,
                    use_it,
                    None,
                ));
                let remove = Op::RemoveTarget { name: t.clone() };
                items.push(item(app, format!("remove {t}"), Cmd::Remove, remove, None));
            }
            let all = all_target_names(app);
            if !all.is_empty() {
                let op = Op::CheckTargets { targets: all };
                items.push(item(
                    app,
                    "check all targets".into(),
                    Cmd::CheckAll,
                    op,
                    None,
                ));
            }
        }
        Pane::Apps => {
            let sel = app.selected_app().map(|a| a.name.clone());
            title = match &sel {
                Some(a) => format!("app {a}"),
                None => "apps".into(),
            };
            if let Some(a) = sel {
                let deploy = Op::Deploy {
                    common: Common::new(&a),
                    rollback_on_failure: true,
                };
                items.push(item(app, format!("deploy {a}"), Cmd::Deploy, deploy, None));
                let rollback = Op::Rollback {
                    common: Common::new(&a),
                    to: None,
                };
                let why = rollback_unavailable(app);
                items.push(item(
                    app,
                    format!("roll {a} back"),
                    Cmd::Rollback,
                    rollback,
                    why,
                ));
                let logs = Op::Logs {
                    app: a.clone(),
                    target: None,
                    service: None,
                };
                let why = logs_unavailable(app);
                items.push(item(app, format!("follow {a} logs"), Cmd::Logs, logs, why));
            }
        }
        Pane::Instances => title = super::stage::menu(app, &mut items),
        _ => title = "context".into(),
    }
    items.push(item(
        app,
        "follow events in a task".into(),
        Cmd::EventsTail,
        Op::EventsTail,
        None,
    ));
    let name = app.active_name();
    let store = Op::ContextUse { name: name.clone() };
    items.push(item(
        app,
        format!("store {name} as the current context"),
        Cmd::ContextUse,
        store,
        None,
    ));
    app.overlay = Overlay::Menu {
        title,
        items,
        selected: 0,
    };
}

fn field(label: &'static str, hint: &'static str, value: &str) -> Field {
    let mut input = new_input(hint);
    input.insert_str(value);
    Field { label, hint, input }
}

fn form(kind: FormKind, app: &App) -> Form {
    let fields = match kind {
        FormKind::AddTarget => vec![
            field("name", "edge-a", ""),
            field("host", "203.0.113.10 or a DNS name", ""),
            field("user", "deploy", ""),
            field("port", "22", "22"),
            field("auth", "key or local", "key"),
            field("identity file", "optional: ~/.ssh/id_ed25519", ""),
            field("labels", "optional: a,b", ""),
        ],
        FormKind::Exec => {
            let selected = app
                .selected_target()
                .map(|t| t.target.name.to_string())
                .unwrap_or_default();
            vec![
                field("targets", "a,b or all", &selected),
                field("strategy", "serial, rolling, canary or parallel", "serial"),
                field("max parallel", "1", "1"),
                field("command", "uptime", ""),
            ]
        }
        FormKind::ContextInit => vec![
            field("name", "lowercase, e.g. customer-acme", ""),
            field(
                "type",
                "production, customer, internal-dogfood, staging, oss-demo",
                "oss-demo",
            ),
        ],
    };
    Form {
        kind,
        fields,
        focus: 0,
        error: None,
    }
}

/// Builds the op a submitted form asks for, or says what is wrong.
fn submit_form(app: &App, f: &Form) -> Result<Op, String> {
    match f.kind {
        FormKind::AddTarget => {
            let port = f.value("port");
            let port: u16 = port
                .parse()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("port {port:?} is not a number from 1 to 65535"))?;
            let spec = NewTarget {
                name: f.value("name"),
                host: f.value("host"),
                user: f.value("user"),
                port,
                auth_method: f.value("auth"),
                identity_file: Some(f.value("identity file"))
                    .filter(|s| !s.is_empty())
                    .map(Into::into),
                labels: names::split_csv(&f.value("labels")),
                make_default: false,
            };
            names::validate_target(&spec.name).map_err(|e| e.message)?;
            names::validate_host(&spec.host).map_err(|e| e.message)?;
            names::validate_user(&spec.user).map_err(|e| e.message)?;
            if !matches!(spec.auth_method.as_str(), "key" | "local") {
                return Err("auth must be key or local".into());
            }
            Ok(Op::AddTarget(spec))
        }
        FormKind::Exec => {
            let wanted = names::split_csv(&f.value("targets"));
            let known = all_target_names(app);
            let targets: Vec<String> = if wanted.iter().any(|w| w.eq_ignore_ascii_case("all")) {
                known
            } else {
                let mut v = Vec::new();
                for w in wanted {
                    match known.iter().find(|k| k.eq_ignore_ascii_case(&w)) {
                        Some(k) => v.push(k.clone()),
                        None => return Err(format!("no target named {w:?} in this context")),
                    }
                }
                v
            };
            if targets.is_empty() {
                return Err("name at least one target".into());
            }
            let strategy = Strategy::parse(&f.value("strategy"))
                .ok_or("strategy must be serial, rolling, canary or parallel")?;
            let max_parallel: usize = f
                .value("max parallel")
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or("max parallel must be a positive number")?;
            let command = f.value("command");
            if command.is_empty() {
                return Err("the command is empty".into());
            }
            Ok(Op::Exec {
                targets,
                command,
                strategy,
                max_parallel,
                continue_on_error: false,
            })
        }
        FormKind::ContextInit => {
            let name = f.value("name");
            names::validate_context(&name).map_err(|e| e.message)?;
            let kind = f.value("type").to_ascii_lowercase();
            names::validate_context(&kind).map_err(|_| format!("invalid type {kind:?}"))?;
            if app.contexts.iter().any(|c| c.name == name) {
                return Err(format!("context {name} already exists"));
            }
            Ok(Op::ContextInit { name, kind })
        }
    }
}

fn is_ctrl_c(k: &KeyEvent) -> bool {
    k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL)
}

fn overlay_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let overlay = std::mem::replace(&mut app.overlay, Overlay::None);
    match overlay {
        Overlay::None => Vec::new(),
        Overlay::Help { scroll } => {
            match k.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    app.overlay = Overlay::Help { scroll: scroll + 1 }
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    app.overlay = Overlay::Help {
                        scroll: scroll.saturating_sub(1),
                    }
                }
                KeyCode::PageDown => {
                    app.overlay = Overlay::Help {
                        scroll: scroll + 10,
                    }
                }
                KeyCode::PageUp => {
                    app.overlay = Overlay::Help {
                        scroll: scroll.saturating_sub(10),
                    }
                }
                _ => {}
            }
            Vec::new()
        }
        Overlay::QuitConfirm { running } => match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                app.quit = true;
                vec![Effect::CancelAll, Effect::Quit]
            }
            KeyCode::Char('n') | KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => Vec::new(),
            _ if is_ctrl_c(&k) => Vec::new(),
            _ => {
                app.overlay = Overlay::QuitConfirm { running };
                Vec::new()
            }
        },
        Overlay::Menu {
            title,
            items,
            mut selected,
        } => match k.code {
            KeyCode::Esc | KeyCode::Char('q') => Vec::new(),
            _ if is_ctrl_c(&k) => Vec::new(),
            KeyCode::Down | KeyCode::Char('j') => {
                selected = (selected + 1) % items.len().max(1);
                app.overlay = Overlay::Menu {
                    title,
                    items,
                    selected,
                };
                Vec::new()
            }
            KeyCode::Up | KeyCode::Char('k') => {
                let n = items.len().max(1);
                selected = (selected + n - 1) % n;
                app.overlay = Overlay::Menu {
                    title,
                    items,
                    selected,
                };
                Vec::new()
            }
            KeyCode::Enter => match items.get(selected) {
                Some(item) => match &item.disabled {
                    Some(why) => {
                        app.flash(FlashLevel::Warn, format!("{}: {why}", item.label));
                        Vec::new()
                    }
                    None => request(app, item.op.clone()),
                },
                None => Vec::new(),
            },
            _ => {
                app.overlay = Overlay::Menu {
                    title,
                    items,
                    selected,
                };
                Vec::new()
            }
        },
        Overlay::Confirm(mut c) => {
            if k.code == KeyCode::Esc || is_ctrl_c(&k) {
                app.flash(
                    FlashLevel::Info,
                    format!("{} cancelled", c.op.verb().command()),
                );
                return Vec::new();
            }
            let step = match k.code {
                KeyCode::Up => Some(-1),
                KeyCode::PageUp => Some(-10),
                KeyCode::Down => Some(1),
                KeyCode::PageDown => Some(10),
                _ => None,
            };
            if let Some(step) = step {
                let max = c.lines.len().saturating_sub(1) as i32;
                c.scroll = (c.scroll as i32 + step).clamp(0, max) as u16;
                app.overlay = Overlay::Confirm(c);
                return Vec::new();
            }
            let confirmed = match c.level {
                ConfirmLevel::TypeName => {
                    if k.code == KeyCode::Enter {
                        let typed = c.input.lines().join("");
                        if typed == c.context {
                            true
                        } else {
                            c.error = Some(format!(
                                "type the context name exactly ({}) to confirm",
                                c.context
                            ));
                            false
                        }
                    } else {
                        c.input.input(k);
                        c.error = None;
                        false
                    }
                }
                _ => match k.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => true,
                    KeyCode::Char('n') | KeyCode::Char('N') => {
                        app.flash(
                            FlashLevel::Info,
                            format!("{} cancelled", c.op.verb().command()),
                        );
                        return Vec::new();
                    }
                    KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab => {
                        c.yes_focused = !c.yes_focused;
                        false
                    }
                    KeyCode::Enter if c.yes_focused => true,
                    KeyCode::Enter => {
                        app.flash(
                            FlashLevel::Info,
                            format!("{} cancelled", c.op.verb().command()),
                        );
                        return Vec::new();
                    }
                    _ => false,
                },
            };
            if confirmed {
                let active = app.active_name();
                vec![Effect::Run {
                    context: active,
                    op: c.op,
                }]
            } else {
                app.overlay = Overlay::Confirm(c);
                Vec::new()
            }
        }
        Overlay::Form(mut f) => {
            if k.code == KeyCode::Esc || is_ctrl_c(&k) {
                return Vec::new();
            }
            let last = f.fields.len().saturating_sub(1);
            match k.code {
                KeyCode::Tab | KeyCode::Down => f.focus = (f.focus + 1).min(last),
                KeyCode::BackTab | KeyCode::Up => f.focus = f.focus.saturating_sub(1),
                KeyCode::Enter if f.focus < last => f.focus += 1,
                KeyCode::Enter => match submit_form(app, &f) {
                    Ok(op) => return request(app, op),
                    Err(e) => f.error = Some(e),
                },
                _ => {
                    if let Some(field) = f.fields.get_mut(f.focus) {
                        field.input.input(k);
                    }
                    f.error = None;
                }
            }
            app.overlay = Overlay::Form(f);
            Vec::new()
        }
        Overlay::Filter { pane, mut input } => match k.code {
            KeyCode::Esc => {
                if pane == Pane::Log {
                    app.log.search = None;
                    app.log.hit = None;
                } else {
                    app.filters[pane.index()].clear();
                    clamp_selections(app);
                }
                Vec::new()
            }
            _ if is_ctrl_c(&k) => Vec::new(),
            KeyCode::Enter => {
                let text = input.lines().join("");
                if pane == Pane::Log {
                    if text.is_empty() {
                        app.log.search = None;
                        app.log.hit = None;
                        return Vec::new();
                    }
                    app.log.search = Some(text);
                    app.log.hit = None;
                    return vec![Effect::SearchLog { forward: true }];
                }
                Vec::new()
            }
            _ => {
                input.input(k);
                if pane != Pane::Log {
                    app.filters[pane.index()] = input.lines().join("");
                    app.selection[pane.index()] = 0;
                }
                app.overlay = Overlay::Filter { pane, input };
                Vec::new()
            }
        },
        Overlay::Palette { mut input, .. } => match k.code {
            KeyCode::Esc => Vec::new(),
            _ if is_ctrl_c(&k) => Vec::new(),
            KeyCode::Tab => {
                let text = input.lines().join("");
                let completed = palette::complete(&text, app);
                match completed {
                    palette::Completion::One(t) => {
                        input = new_input("");
                        input.insert_str(t);
                        app.overlay = Overlay::Palette {
                            input,
                            message: None,
                        };
                    }
                    palette::Completion::Many(options) => {
                        app.overlay = Overlay::Palette {
                            input,
                            message: Some(options.join("  ")),
                        };
                    }
                    palette::Completion::None => {
                        app.overlay = Overlay::Palette {
                            input,
                            message: Some("no completion".into()),
                        };
                    }
                }
                Vec::new()
            }
            KeyCode::Enter => {
                let text = input.lines().join("");
                match palette::parse(&text, app) {
                    Ok(PaletteCmd::Op(op)) => request(app, op),
                    Ok(PaletteCmd::Switch(name)) => switch_to(app, &name),
                    Ok(PaletteCmd::Cmd(c)) => command(app, c),
                    Err(msg) => {
                        app.overlay = Overlay::Palette {
                            input,
                            message: Some(msg),
                        };
                        Vec::new()
                    }
                }
            }
            _ => {
                input.input(k);
                app.overlay = Overlay::Palette {
                    input,
                    message: None,
                };
                Vec::new()
            }
        },
    }
}

fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    if !matches!(app.overlay, Overlay::None) {
        return Vec::new();
    }
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    let l = layout::compute(area, super::stage::shows_instances(app));
    let pos = Position::new(m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(i) = layout::tab_at(&l, app, pos) {
                return switch_context(app, i);
            }
            if let Some((pane, rect)) = l.panes.iter().find(|(_, r)| r.contains(pos)) {
                app.focus = *pane;
                if *pane != Pane::Log {
                    // Rows start under the border and the header line.
                    let row = pos.y.saturating_sub(rect.y + 2) as usize;
                    let n = app.row_count(*pane);
                    if pos.y >= rect.y + 2 && row < n {
                        app.selection[pane.index()] = row;
                    }
                }
            }
            Vec::new()
        }
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            if let Some((pane, _)) = l.panes.iter().find(|(_, r)| r.contains(pos)) {
                app.focus = *pane;
                let d = if m.kind == MouseEventKind::ScrollUp {
                    -3
                } else {
                    3
                };
                move_selection(app, d, None);
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}
