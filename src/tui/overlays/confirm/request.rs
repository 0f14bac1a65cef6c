//! The one way an operation starts: ask the guard, then refuse (and audit the refusal),
//! confirm, plan or run.

use crate::policy::guard::{self, ContextPolicy, Decision, Frontend};
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, Confirm, DoctorState, FlashLevel, Overlay};

/// The policy of the context an op acts on; a context `context init` is about to create is
/// guarded as what it will be (its type and confirmation level), not as the default type.
pub(in crate::tui) fn policy_for(app: &App, ctx: &str, op: &Op) -> ContextPolicy {
    if let Some(c) = app.contexts.iter().find(|c| c.name == ctx) {
        return c.policy.clone();
    }
    let planned = match op {
        Op::ContextInit {
            name,
            kind,
            confirm,
            ..
        } => name
            .parse()
            .ok()
            .map(|name| crate::state::context::ContextConfig {
                name,
                kind: kind.clone(),
                confirm: confirm.clone(),
                ..Default::default()
            }),
        _ => None,
    };
    ContextPolicy::new(ctx, planned.as_ref())
}

/// The context an effect runs in: the active tab's, or the new context's own when
/// `context init` creates the first one.
pub(in crate::tui) fn run_context(app: &App, op: &Op) -> String {
    let active = app.active_name();
    if active.is_empty() {
        op.subject_context(&active).to_string()
    } else {
        active
    }
}

/// Asks the guard about an operation: refuse (and audit the refusal), confirm, or run.
pub fn request(app: &mut App, op: Op) -> Vec<Effect> {
    if !matches!(op, Op::ContextInit { .. }) && missing_context(app) {
        return Vec::new();
    }
    let active = run_context(app, &op);
    let ctx = op.subject_context(&active).to_string();
    let policy = policy_for(app, &ctx, &op);
    let doctor = app
        .contexts
        .iter()
        .find(|c| c.name == ctx)
        .map(|c| c.doctor.clone())
        .unwrap_or(DoctorState::Pending);
    let mut failures = || match &doctor {
        DoctorState::Ok | DoctorState::Warn(_) => Vec::new(),
        DoctorState::Pending => vec!["doctor has not finished yet".to_string()],
        DoctorState::Failed(f) => f.clone(),
    };
    let verb = op.verb();
    let decision = guard::check(
        verb,
        &policy,
        Frontend::Console,
        app.write,
        "",
        &mut failures,
    )
    .map(|d| at_least(d, &op, &policy));
    match decision {
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
            app.overlay = Overlay::Confirm(Box::new(Confirm::new(op, ctx, level, lines)));
            Vec::new()
        }
    }
}

/// An app reset asks at least what its context type requires, whatever the settings say.
fn at_least(d: Decision, op: &Op, policy: &ContextPolicy) -> Decision {
    if !matches!(op, Op::ResetApp { .. }) {
        return d;
    }
    let min = guard::app_reset_level(policy);
    match d {
        Decision::Confirm(l) => Decision::Confirm(l.max(min)),
        Decision::Proceed => Decision::Confirm(min),
    }
}

/// Requests `op` unless there is a reason it cannot run, which is shown instead.
pub(in crate::tui) fn request_unless(
    app: &mut App,
    why_not: Option<String>,
    op: Op,
) -> Vec<Effect> {
    match why_not {
        Some(why) => {
            app.flash(FlashLevel::Warn, why);
            Vec::new()
        }
        None => request(app, op),
    }
}

/// Why the selected app cannot be reset, if it cannot: it has no release to deploy again.
pub(in crate::tui) fn reset_unavailable(app: &App) -> Option<String> {
    let a = app.selected_app()?;
    a.current
        .is_empty()
        .then(|| format!("{} has no current release to deploy again", a.name))
}

/// Why the selected app cannot be rolled back, if it cannot.
pub(in crate::tui) fn rollback_unavailable(app: &App) -> Option<String> {
    let a = app.selected_app()?;
    let previous = a.history.iter().any(|r| *r != a.current);
    (!previous).then(|| format!("{} has no earlier release to roll back to", a.name))
}

/// Why the selected app has no logs to follow, if it has none.
pub(in crate::tui) fn logs_unavailable(app: &App) -> Option<String> {
    let a = app.selected_app()?;
    a.current
        .is_empty()
        .then(|| format!("{} has no release deployed yet", a.name))
}

/// Why nothing but `context init` can run yet, if no context exists.
pub(in crate::tui) fn no_context_reason(app: &App) -> Option<String> {
    app.ctx()
        .is_none()
        .then(|| "no context yet: press I to create one first".to_string())
}

/// Says so and returns true when there is no context to act in.
pub(in crate::tui) fn missing_context(app: &mut App) -> bool {
    match no_context_reason(app) {
        Some(why) => {
            app.flash(FlashLevel::Warn, why);
            true
        }
        None => false,
    }
}
