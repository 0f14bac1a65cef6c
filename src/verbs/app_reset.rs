//! `app reset --app A`: the runbook's environment reset for a disposable context. The app's
//! compose project goes down with its volumes on every one of its targets, then its current
//! release is deployed again through the deploy's own apply, so it starts on fresh volumes.
//! oss-demo and staging contexts take the normal confirmation (`--yes`); any other type only the
//! context's name typed (`--confirm-context NAME`), whatever its confirmation settings say.

use std::sync::Arc;

use serde_json::json;

use super::{Outcome, Scope};
use crate::cli::AppResetArgs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::app_reset;
use crate::ops::deploy::{self, Common, Inline, Plan, lock as dlock};
use crate::policy::guard::{self, ConfirmLevel, ContextPolicy};
use crate::remote::LineSink;
use crate::state::paths::ContextDir;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetInput {
    pub app: String,
    /// The normal confirmation (`--yes`, or the console's dialog).
    pub yes: bool,
    /// The context's name as the operator typed it.
    pub confirm_context: Option<String>,
}

impl ResetInput {
    pub fn from_args(a: &AppResetArgs) -> ResetInput {
        ResetInput {
            app: a.app.clone(),
            yes: a.yes,
            confirm_context: a.confirm_context.clone(),
        }
    }
}

/// Refuses a reset the operator has not confirmed as the context's type requires.
pub fn confirmed(policy: &ContextPolicy, input: &ResetInput) -> Result<()> {
    let name = policy.name.as_str();
    if let Some(typed) = &input.confirm_context {
        if typed == name {
            return Ok(());
        }
        return Err(PaasError::usage(
            "confirm",
            format!("--confirm-context {typed:?} does not match the context {name:?}"),
        )
        .with_remediation(format!(
            "type the context's name exactly: --confirm-context {name}"
        )));
    }
    match guard::app_reset_level(policy) {
        ConfirmLevel::TypeName => Err(PaasError::usage(
            "confirm",
            format!(
                "app reset deletes {}'s volumes; in the {} context {name:?} it needs the context's name typed",
                input.app, policy.kind
            ),
        )
        .with_remediation(format!(
            "re-run with --confirm-context {name} if you mean it (--yes is enough only in oss-demo and staging contexts)"
        ))),
        _ if input.yes => Ok(()),
        _ => Err(PaasError::usage(
            "confirm",
            format!("app reset deletes {}'s volumes and needs confirming", input.app),
        )
        .with_remediation("re-run with --yes if you mean it")),
    }
}

/// `app reset`: confirmed, then down with volumes on each target, then the current release
/// deployed again.
pub async fn run(scope: &Scope, input: &ResetInput) -> Result<Outcome> {
    let cd = scope.cd()?;
    confirmed(&ContextPolicy::load(&cd)?, input)?;
    let plan = app_reset::plan(&cd, &input.app)?;
    // What would stop the deploy stops the reset before any target is touched.
    let redeploy = deploy::plan_redeploy(&cd, &Common::new(&input.app))?;
    refuse_before_down(&cd, &redeploy)?;
    let mut downed = Vec::new();
    for d in &plan.downs {
        scope.progress.note(format!(
            "{}: docker compose down -v ({} and its volumes)",
            d.target.name, plan.app
        ));
        let (lines, target) = (scope.progress.lines.clone(), d.target.name.to_string());
        let sink: LineSink = Arc::new(move |stream, line: String| lines(&target, stream, &line));
        app_reset::down(&scope.pool, cd.name(), d, sink, &scope.progress.cancel)
            .await
            .map_err(|e| half_done(e, &cd, &input.app, &downed))?;
        downed.push(d.target.name.to_string());
    }
    scope.progress.note(format!(
        "deploying {} {} again on fresh volumes",
        plan.app, plan.release
    ));
    let lines = scope.progress.lines.clone();
    let sink_for = Arc::new(move |target: &str| {
        let (lines, target) = (lines.clone(), target.to_string());
        Arc::new(move |stream, line: String| lines(&target, stream, &line)) as LineSink
    });
    let exec = Inline {
        sink_for,
        cancel: scope.progress.cancel.clone(),
    };
    let applied = super::deploy::apply(scope, Arc::new(redeploy), &exec).await?;
    let text = format!(
        "reset {}: down with volumes on {}\n{}",
        plan.app,
        downed.join(", "),
        applied.text
    );
    let mut out = applied
        .set(
            "reset",
            json!({"app": plan.app, "release": plan.release, "down_targets": downed}),
        )
        .audit_only("reset_down_targets", &downed)
        .text(text);
    out.summary = format!("reset {} to fresh volumes: {}", plan.app, out.summary);
    Ok(out)
}

/// A deploy lock someone holds, or variables without a value: the release could not be
/// deployed again, so the app is not taken down.
fn refuse_before_down(cd: &ContextDir, plan: &Plan) -> Result<()> {
    if let Some(l) = dlock::read(cd, &plan.app)?.filter(|l| !l.is_stale()) {
        return Err(dlock::locked(cd, &l));
    }
    if !plan.missing_env.is_empty() {
        return Err(PaasError::new(
            ErrorCode::SecretMissing,
            "secrets",
            format!(
                "{} {} needs {} variable(s) with no value: {}; refusing to reset (nothing was changed on any target)",
                plan.app,
                plan.release,
                plan.missing_env.len(),
                plan.missing_env.join(", ")
            ),
        )
        .with_remediation(format!(
            "set each with `paasdeck --context {} secret set --app {} --name NAME`",
            cd.name(),
            plan.app
        )));
    }
    Ok(())
}

/// A `down -v` that failed after others succeeded: says which targets are already down.
fn half_done(e: PaasError, cd: &ContextDir, app: &str, downed: &[String]) -> PaasError {
    let done = if downed.is_empty() {
        "no target was taken down".to_string()
    } else {
        format!("already down with their volumes: {}", downed.join(", "))
    };
    let again = format!(
        "run `paasdeck --context {} app reset --app {app}` again (it deploys the release again wherever it is down)",
        cd.name()
    );
    PaasError {
        message: format!("{} ({done})", e.message),
        remediation: if e.remediation.is_empty() {
            format!("fix what stopped it, then {again}")
        } else {
            format!("{}; then {again}", e.remediation)
        },
        ..e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::context::ContextConfig;

    fn policy(kind: &str, confirm: &str) -> ContextPolicy {
        let cfg = ContextConfig {
            name: "shop".parse().unwrap(),
            kind: kind.into(),
            confirm: confirm.into(),
            ..Default::default()
        };
        ContextPolicy::new("shop", Some(&cfg))
    }

    fn input(yes: bool, typed: Option<&str>) -> ResetInput {
        ResetInput {
            app: "api".into(),
            yes,
            confirm_context: typed.map(String::from),
        }
    }

    #[test]
    fn disposable_contexts_take_yes_and_others_only_the_typed_name() {
        for kind in ["oss-demo", "staging"] {
            assert!(confirmed(&policy(kind, ""), &input(true, None)).is_ok());
            assert!(confirmed(&policy(kind, ""), &input(false, None)).is_err());
        }
        for kind in ["production", "internal-dogfood", "customer"] {
            // Lowered confirmation settings do not lower a reset's.
            let p = policy(kind, "none");
            let e = confirmed(&p, &input(true, None)).unwrap_err();
            assert!(e.message.contains("name typed"), "{}", e.message);
            assert!(e.remediation.contains("--confirm-context shop"));
            assert!(confirmed(&p, &input(false, Some("shop"))).is_ok());
            let e = confirmed(&p, &input(true, Some("Shop"))).unwrap_err();
            assert!(e.message.contains("does not match"), "{}", e.message);
        }
    }
}
