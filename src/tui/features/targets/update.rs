//! The Targets pane's commands: check one or all, add, edit, remove, use, run a command on
//! targets, install a key with a password (bootstrap); and a check's results arriving.

use crate::ops::target_check::CheckResult;
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, FlashLevel, FormKind, Overlay};
use crate::tui::core::keymap::Cmd;
use crate::tui::overlays::confirm::request::{missing_context, request};
use crate::tui::overlays::forms::update::form;
use crate::tui::update::selection::{all_target_names, selected_target_name};

/// A target command; `None` when `cmd` is not one.
pub(in crate::tui) fn command(app: &mut App, cmd: Cmd) -> Option<Vec<Effect>> {
    let open = |app: &mut App, kind: FormKind| {
        app.overlay = Overlay::Form(Box::new(form(kind, app)));
        Vec::new()
    };
    Some(match cmd {
        Cmd::Check => match selected_target_name(app) {
            Some(t) => request(app, Op::check(vec![t])),
            None => Vec::new(),
        },
        Cmd::CheckAll => {
            let targets = all_target_names(app);
            if targets.is_empty() {
                app.flash(
                    FlashLevel::Warn,
                    "this context has no targets; press a to add one",
                );
                return Some(Vec::new());
            }
            request(app, Op::check(targets))
        }
        Cmd::AddTarget if missing_context(app) => Vec::new(),
        Cmd::AddTarget => open(app, FormKind::AddTarget),
        Cmd::EditTarget => match selected_target_name(app) {
            Some(t) => open(app, FormKind::EditTarget(t)),
            None => Vec::new(),
        },
        Cmd::Remove => match selected_target_name(app) {
            Some(name) => request(app, Op::RemoveTarget { name }),
            None => Vec::new(),
        },
        Cmd::UseTarget => match selected_target_name(app) {
            Some(name) => request(app, Op::UseTarget { name }),
            None => Vec::new(),
        },
        Cmd::Exec if missing_context(app) => Vec::new(),
        Cmd::Exec => open(app, FormKind::Exec),
        Cmd::Bootstrap => {
            if let Some(t) = selected_target_name(app) {
                open_bootstrap(app, &t, "");
            }
            Vec::new()
        }
        _ => return None,
    })
}

/// A target check finished: the pane shows each target's last result.
pub(in crate::tui) fn checked(
    app: &mut App,
    context: &str,
    results: Vec<CheckResult>,
) -> Vec<Effect> {
    if let Some(s) = app
        .ctx_by_name_mut(context)
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

/// Opens the bootstrap form for a target of the active context (`B`, `target bootstrap` in the
/// palette); a target that is unknown or uses the local transport is said why instead.
pub(in crate::tui) fn open_bootstrap(app: &mut App, name: &str, public_key: &str) {
    let Some(t) = app
        .snapshot()
        .and_then(|s| s.targets.iter().find(|t| t.target.is(name)))
        .map(|t| t.target.clone())
    else {
        app.flash(
            FlashLevel::Warn,
            format!(
                "no target named {} in this context",
                crate::text::sanitize_inline(name)
            ),
        );
        return;
    };
    if t.auth() == crate::state::targets::AuthMethod::Local {
        app.flash(
            FlashLevel::Warn,
            format!("{} uses the local transport: no key to install", t.name),
        );
        return;
    }
    let mut f = crate::tui::overlays::forms::update::form_with(
        FormKind::Bootstrap(t.name.to_string()),
        app,
        "public key",
        public_key,
    );
    // The password first, whatever was filled in.
    f.focus_on(0);
    app.overlay = Overlay::Form(Box::new(f));
}
