//! The console's side of STAGE-GBO: a staging context with a stage object shows an Instances
//! pane, read from `stage status`, with clone/start/stop/reset going through the one guard.
//! This file is the pure reducer (and the ops with the exact commands); its types are in
//! [`model`], the work runs in [`effects`](crate::tui::features::stage::effects).

pub mod effects;
#[cfg(test)]
mod effects_tests;
pub mod model;
pub mod project;
#[cfg(test)]
mod shell_tests;
#[cfg(test)]
mod tests;
pub mod view;

pub use model::{StageAction, StageFx, StageMsg, StageOp, StageView, Stages};

use crate::ops::stage::host::HostView;
use crate::ops::stage::incus::Incus;
use crate::ops::stage::status::StatusRow;
use crate::ops::stage::{lifecycle, plan};
use crate::tui::core::action::{Effect, Op, Pane};
use crate::tui::core::app::{App, FlashLevel, MenuItem};
use crate::tui::core::keymap::Cmd;

impl StageMsg {
    pub fn into_action(self) -> crate::tui::core::action::Action {
        crate::tui::core::action::Action::Stage(self)
    }
}

fn active_view(app: &App) -> Option<&StageView> {
    app.stages.get(&app.active_name())
}

/// Whether the active tab shows the Instances pane.
pub fn shows_instances(app: &App) -> bool {
    app.ctx()
        .is_some_and(|c| c.policy.class == crate::policy::guard::ContextClass::Staging)
        && active_view(app).is_some_and(|v| v.config.is_some())
}

/// The panes focus cycles through on the active tab.
pub fn focus_order(app: &App) -> Vec<Pane> {
    let show = shows_instances(app);
    Pane::ALL
        .iter()
        .copied()
        .filter(|p| *p != Pane::Instances || show)
        .collect()
}

/// Focus leaves the Instances pane when the tab has none.
pub fn fix_focus(app: &mut App) {
    if app.focus == Pane::Instances && !shows_instances(app) {
        app.focus = Pane::Targets;
    }
}

/// The rows after the pane's filter.
pub fn visible_rows(app: &App) -> Vec<&StatusRow> {
    active_view(app)
        .map(|v| v.visible_rows(&app.filters[Pane::Instances.index()]))
        .unwrap_or_default()
}

/// The selected instance's name (what `s` opens a shell in).
pub fn selected_name(app: &App) -> Option<String> {
    selected(app)
}

fn selected(app: &App) -> Option<String> {
    visible_rows(app)
        .get(app.selection[Pane::Instances.index()])
        .map(|r| r.name.clone())
}

pub fn update(app: &mut App, msg: StageMsg) -> Vec<Effect> {
    match msg {
        StageMsg::Loaded { context, config } => {
            let active = app.active_name() == context;
            let v = app.stages.entry(context.clone()).or_default();
            let usable = matches!(config, Some(Ok(_)));
            if v.config != config {
                v.config = config;
            }
            // Read from the host the first time the tab is shown with a usable stage.
            let refresh =
                active && usable && v.status.is_none() && !v.refreshing && v.error.is_none();
            if refresh {
                v.refreshing = true;
            }
            fix_focus(app);
            if refresh {
                vec![Effect::Stage(StageFx::Refresh(context))]
            } else {
                Vec::new()
            }
        }
        StageMsg::Status { context, result } => {
            let now = app.now;
            let v = app.stages.entry(context).or_default();
            v.refreshing = false;
            match result {
                Ok(s) => {
                    v.status = Some(s);
                    v.error = None;
                    v.refreshed_at = Some(now);
                }
                Err(e) => v.error = Some(e),
            }
            let n = visible_rows(app).len();
            let i = Pane::Instances.index();
            if app.selection[i] >= n {
                app.selection[i] = n.saturating_sub(1);
            }
            Vec::new()
        }
    }
}

/// Asks for a refresh of the active tab's instances.
pub fn refresh(app: &mut App) -> Vec<Effect> {
    let name = app.active_name();
    let Some(v) = app.stages.get_mut(&name).filter(|v| v.config().is_some()) else {
        app.flash(FlashLevel::Warn, "this context has no usable stage object");
        return Vec::new();
    };
    if v.refreshing {
        return Vec::new();
    }
    v.refreshing = true;
    vec![Effect::Stage(StageFx::Refresh(name))]
}

/// The operation for an action on the selection (or every component for a clone), with the
/// exact commands; `Err` says why there is none.
pub fn op(app: &App, action: StageAction) -> Result<StageOp, String> {
    op_for(app, action, &[])
}

/// As [`op`], for named components (the palette's `--components` / `reset COMPONENT`): a clone
/// of just those, or a start, stop or reset of the one named. Empty names: the selection (or
/// every component for a clone).
pub fn op_for(app: &App, action: StageAction, named: &[String]) -> Result<StageOp, String> {
    if action != StageAction::Clone && named.len() > 1 {
        return Err(format!(
            "the console acts on one component at a time; name one of {}",
            named.join(", ")
        ));
    }
    let view = active_view(app).ok_or("this context has no stage object")?;
    let cfg = match &view.config {
        Some(Ok(c)) => c,
        Some(Err(e)) => return Err(e.clone()),
        None => return Err("this context has no stage object".into()),
    };
    let i = Incus::new(cfg);
    let component = |name: Option<String>| {
        let name = name.ok_or("no instance selected")?;
        cfg.component(&name)
            .cloned()
            .ok_or(format!("{name} is not a component of the stage object"))
    };
    let mut lines = vec![format!(
        "project {} on {} (from {})",
        cfg.project, cfg.host_target, cfg.source_project
    )];
    let (components, commands) = match action {
        a if a.whole_project() => (
            Vec::new(),
            project::commands(view, cfg, a, named, &mut lines)?,
        ),
        StageAction::Clone => {
            let done: Vec<&str> = view
                .status
                .iter()
                .flat_map(|s| s.rows.iter())
                .filter(|r| r.cloned.as_deref() == Some("done"))
                .map(|r| r.name.as_str())
                .collect();
            if let Some(unknown) = named.iter().find(|n| cfg.component(n).is_none()) {
                return Err(format!("{unknown} is not a component of the stage object"));
            }
            let todo: Vec<_> = cfg
                .components
                .iter()
                .filter(|c| named.is_empty() || named.iter().any(|n| n.as_str() == c.name.as_str()))
                .filter(|c| !done.contains(&c.name.as_str()))
                .map(|c| c.name.clone())
                .collect();
            if !done.is_empty() {
                lines.push(format!("already cloned, skipped: {}", done.join(", ")));
            }
            lines.push(format!(
                "first: df on {}; refused if less than {} would stay free",
                cfg.storage_path.as_str(),
                cfg.min_host_free.as_str()
            ));
            // As for instances still missing; steps already done on the host are skipped.
            let view = HostView {
                source: todo
                    .iter()
                    .map(|n| crate::ops::stage::host::Instance {
                        name: n.to_string(),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            };
            let steps = plan::clone_steps(cfg, &view, &todo).map_err(|e| e.message)?;
            let cmds = steps
                .iter()
                .filter_map(|s| s.call.as_ref().map(|c| (s.mutating(), c.display())))
                .map(|(m, c)| if m { c } else { format!("{c}   (read)") })
                .collect();
            (named.to_vec(), cmds)
        }
        StageAction::Start | StageAction::Stop => {
            let c = component(named.first().cloned().or_else(|| selected(app)))?;
            let call = if action == StageAction::Start {
                lines.push(format!("{} must carry {} first", cfg.nic, c.ip));
                i.start(&c.name)
            } else {
                i.stop(&c.name)
            };
            (vec![c.name.to_string()], vec![call.display()])
        }
        _ => {
            let c = component(named.first().cloned().or_else(|| selected(app)))?;
            let paths = cfg.wipe_paths(&c);
            if paths.is_empty() {
                lines.push(format!(
                    "{} ({}) has nothing to wipe",
                    c.name,
                    c.data.as_str()
                ));
            } else {
                lines.push(format!(
                    "wipes in {} ({}), each directory emptied and kept:",
                    c.name,
                    c.data.as_str()
                ));
                lines.extend(paths.iter().map(|p| format!("  {}", p.as_str())));
            }
            (vec![c.name.to_string()], lifecycle::reset_commands(cfg, &c))
        }
    };
    if !commands.is_empty() {
        lines.push("commands:".into());
        lines.extend(commands.into_iter().map(|c| format!("  $ {c}")));
    }
    Ok(StageOp {
        action,
        components,
        lines,
    })
}

fn request_action(app: &mut App, action: StageAction) -> Vec<Effect> {
    match op(app, action) {
        Ok(op) => crate::tui::overlays::confirm::request::request(app, Op::Stage(op)),
        Err(why) => {
            app.flash(FlashLevel::Warn, why);
            Vec::new()
        }
    }
}

/// The Instances pane's keys.
pub fn command(app: &mut App, cmd: Cmd) -> Vec<Effect> {
    if !shows_instances(app) {
        return Vec::new();
    }
    match cmd {
        Cmd::StageRefresh => refresh(app),
        Cmd::StageClone => request_action(app, StageAction::Clone),
        Cmd::StageStart => request_action(app, StageAction::Start),
        Cmd::StageStop => request_action(app, StageAction::Stop),
        Cmd::StageReset => request_action(app, StageAction::Reset),
        _ => Vec::new(),
    }
}

/// The action menu of the Instances pane; returns its title.
pub fn menu(app: &App, items: &mut Vec<MenuItem>) -> String {
    let key = |c: Cmd| {
        app.keymap
            .keys_for(c)
            .first()
            .map(|k| k.label())
            .unwrap_or_default()
    };
    let sel = selected(app);
    let name = sel.clone().unwrap_or_default();
    let entries = [
        (
            StageAction::Clone,
            Some(Cmd::StageClone),
            "clone what is missing".to_string(),
        ),
        (
            StageAction::Start,
            Some(Cmd::StageStart),
            format!("start {name}"),
        ),
        (
            StageAction::Stop,
            Some(Cmd::StageStop),
            format!("stop {name}"),
        ),
        (
            StageAction::Reset,
            Some(Cmd::StageReset),
            format!("reset {name} (wipe)"),
        ),
        (
            StageAction::Plan,
            None,
            "plan: what init and clone would run".into(),
        ),
        (
            StageAction::Init,
            None,
            "init the project, network and profile".into(),
        ),
        (StageAction::Show, None, "show the stage object".into()),
        (
            StageAction::Destroy,
            None,
            "destroy the whole staging project".into(),
        ),
    ];
    for (action, c, label) in entries {
        let (op, disabled) = match op(app, action) {
            Ok(o) => (o, None),
            Err(why) => (
                StageOp {
                    action,
                    components: Vec::new(),
                    lines: Vec::new(),
                },
                Some(why),
            ),
        };
        items.push(MenuItem {
            label,
            key: c.map(key).unwrap_or_default(),
            op: Op::Stage(op),
            disabled,
        });
    }
    if let Some(s) = &sel {
        let input = crate::verbs::shell::ShellInput::Stage {
            component: s.clone(),
        };
        let (op, disabled) = crate::tui::features::shell::menu_op(app, input);
        items.push(MenuItem {
            label: format!("a shell in {s}"),
            key: key(Cmd::Shell),
            op,
            disabled,
        });
    }
    match sel {
        Some(s) => format!("instance {s}"),
        None => "instances".into(),
    }
}
