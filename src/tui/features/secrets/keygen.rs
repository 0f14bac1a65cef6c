//! The vault identity on the way to a first secret: a `secret set` with no identity offers to
//! create one (`vault keygen`, through the guard, always asked), then brings the secret form
//! back with what was typed.

use std::path::Path;

use crate::policy::guard::{self, ConfirmLevel, Decision, Frontend};
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, Confirm, FlashLevel, Form, Overlay};
use crate::tui::overlays::confirm::request::policy_for;

/// Offers to create the identity at `at` before the secret of `form` is set; the form waits.
pub(in crate::tui) fn offer(app: &mut App, mut form: Box<Form>, at: &Path) -> Vec<Effect> {
    let op = Op::VaultKeygen;
    let ctx = app.active_name();
    let policy = policy_for(app, &ctx, &op);
    let verb = op.verb();
    match guard::check(
        verb,
        &policy,
        Frontend::Console,
        app.write,
        "",
        &mut Vec::new,
    ) {
        Err(error) => {
            form.error = Some(format!("vault keygen refused: {}", error.message));
            app.overlay = Overlay::Form(form);
            vec![Effect::AuditRefusal {
                context: ctx,
                verb,
                error,
            }]
        }
        Ok(decision) => {
            // The offer is a question whatever the context's level: it never runs unasked.
            let level = match decision {
                Decision::Proceed => ConfirmLevel::Yes,
                Decision::Confirm(l) => l.max(ConfirmLevel::Yes),
            };
            let lines = vec![
                format!("{} · {}", verb.command(), verb.danger().as_str()),
                format!(
                    "no vault identity; create one now at {}?",
                    crate::text::sanitize_inline(&at.display().to_string())
                ),
                "the secret key stays in that file (0600) and is never shown".into(),
                "then the secret form comes back with what you typed".into(),
            ];
            app.after_keygen = Some(form);
            app.overlay = Overlay::Confirm(Box::new(Confirm::new(op, ctx, level, lines)));
            Vec::new()
        }
    }
}

/// A confirmation was cancelled: a secret form waiting for the identity comes back.
pub(in crate::tui) fn cancelled(app: &mut App, op: &Op) {
    app.flash(
        FlashLevel::Info,
        format!("{} cancelled", op.verb().command()),
    );
    if matches!(op, Op::VaultKeygen)
        && let Some(form) = app.after_keygen.take()
    {
        app.overlay = Overlay::Form(form);
    }
}

/// `vault keygen` finished: the waiting secret form comes back (the outcome in the footer),
/// or the outcome is shown in a view of its own.
pub(in crate::tui) fn done(app: &mut App, outcome: Result<Vec<String>, String>) -> Vec<Effect> {
    let waiting = app.after_keygen.take();
    match (outcome, waiting) {
        (Ok(lines), Some(form)) => {
            app.identity_missing_at = None;
            app.flash(FlashLevel::Info, lines.join(" · "));
            app.overlay = Overlay::Form(form);
        }
        (Ok(lines), None) => {
            app.identity_missing_at = None;
            app.overlay = Overlay::Info {
                title: "vault identity".into(),
                lines,
                scroll: 0,
            };
        }
        (Err(e), Some(mut form)) => {
            form.error = Some(e.clone());
            app.flash(FlashLevel::Error, e);
            app.overlay = Overlay::Form(form);
        }
        (Err(e), None) => app.flash(FlashLevel::Error, e),
    }
    vec![Effect::ProbeIdentity]
}
