//! The action menu (`Enter`): what can be done with the selection, with disabled entries
//! saying why.

use super::confirm::request::{
    logs_unavailable, no_context_reason, reset_unavailable, rollback_unavailable,
};
use crate::ops::deploy::Common;
use crate::policy::guard::Danger;
use crate::tui::core::action::{Op, Pane};
use crate::tui::core::app::{App, MenuItem, Overlay};
use crate::tui::core::keymap::Cmd;
use crate::tui::features::shell;
use crate::tui::update::selection::all_target_names;
use crate::verbs::shell::ShellInput;

pub(in crate::tui) fn open_menu(app: &mut App) {
    let mut items: Vec<MenuItem> = Vec::new();
    let title = match app.focus {
        Pane::Targets => targets_menu(app, &mut items),
        Pane::Apps => apps_menu(app, &mut items),
        Pane::Instances => crate::tui::features::stage::menu(app, &mut items),
        Pane::Backups => crate::tui::features::backup::menu(app, &mut items),
        _ => "context".into(),
    };
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
    mark_refused(app, &mut items);
    app.overlay = Overlay::Menu {
        title,
        items,
        selected: 0,
    };
}

/// A menu entry showing the first key of the command it stands for.
fn item(app: &App, label: String, c: Cmd, op: Op, disabled: Option<String>) -> MenuItem {
    MenuItem {
        label,
        key: app
            .keymap
            .keys_for(c)
            .first()
            .map(|k| k.label())
            .unwrap_or_default(),
        op,
        disabled,
    }
}

/// The selected target's entries and checking all; returns the menu's title.
fn targets_menu(app: &App, items: &mut Vec<MenuItem>) -> String {
    let sel = app.selected_target().map(|t| t.target.name.to_string());
    let title = match &sel {
        Some(t) => format!("target {t}"),
        None => "targets".into(),
    };
    if let Some(t) = sel {
        let check = Op::check(vec![t.clone()]);
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
        let (shell, why) = shell::menu_op(app, ShellInput::Target { target: t.clone() });
        items.push(item(app, format!("a shell on {t}"), Cmd::Shell, shell, why));
    }
    let all = all_target_names(app);
    if !all.is_empty() {
        let op = Op::check(all);
        items.push(item(
            app,
            "check all targets".into(),
            Cmd::CheckAll,
            op,
            None,
        ));
    }
    title
}

/// The selected app's entries; returns the menu's title.
fn apps_menu(app: &App, items: &mut Vec<MenuItem>) -> String {
    let sel = app.selected_app().map(|a| a.name.clone());
    let title = match &sel {
        Some(a) => format!("app {a}"),
        None => "apps".into(),
    };
    if let Some(a) = sel {
        let deploy = Op::deploy(&a);
        items.push(item(app, format!("deploy {a}"), Cmd::Deploy, deploy, None));
        let rollback = Op::rollback(Common::new(&a), None);
        let why = rollback_unavailable(app);
        items.push(item(
            app,
            format!("roll {a} back"),
            Cmd::Rollback,
            rollback,
            why,
        ));
        let logs = Op::logs(&a, None);
        let why = logs_unavailable(app);
        items.push(item(app, format!("follow {a} logs"), Cmd::Logs, logs, why));
        let secrets = Op::SecretList { app: a.clone() };
        items.push(item(
            app,
            format!("{a}'s variables: set or missing"),
            Cmd::Secrets,
            secrets,
            None,
        ));
        let remove = Op::RemoveApp { name: a.clone() };
        items.push(item(
            app,
            format!("remove {a} from the registry"),
            Cmd::RemoveApp,
            remove,
            None,
        ));
        let reset = Op::ResetApp { name: a.clone() };
        let why = reset_unavailable(app);
        items.push(item(
            app,
            format!("reset {a}: fresh volumes, same release"),
            Cmd::ResetApp,
            reset,
            why,
        ));
        let input = ShellInput::App {
            app: a.clone(),
            service: None,
            target: None,
        };
        let (shell, why) = shell::menu_op(app, input);
        items.push(item(app, format!("a shell in {a}"), Cmd::Shell, shell, why));
    }
    title
}

/// Disables, with the reason, what the guard would refuse anyway: everything without a
/// context, changes in a read-only context.
fn mark_refused(app: &App, items: &mut [MenuItem]) {
    let why_all = no_context_reason(app);
    let read_only = app.ctx().is_some_and(|c| c.policy.read_only) && !app.write;
    for i in items.iter_mut().filter(|i| i.disabled.is_none()) {
        let spec = i.op.verb().spec();
        i.disabled = why_all.clone().or_else(|| {
            (read_only && spec.danger != Danger::Read && !spec.root_scope).then(|| {
                format!(
                    "{} is read-only: `{}` is refused (--write lifts it)",
                    app.active_name(),
                    spec.command
                )
            })
        });
    }
}
