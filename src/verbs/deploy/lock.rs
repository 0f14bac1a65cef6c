//! `deploy lock status|acquire|release`.

use serde_json::Value;

use super::super::{Outcome, Scope, table};
use crate::cli::LockCmd;
use crate::error::Result;
use crate::ops::deploy::lock::{self, Found};
use crate::state::{deployments, names};

/// A deploy lock command: every flag of it.
pub type LockInput = LockCmd;

pub fn lock(scope: &Scope, input: &LockInput) -> Result<Outcome> {
    match input {
        LockCmd::Status { app } => status(scope, app.as_deref()),
        LockCmd::Acquire { app, message } => {
            names::validate_app(app)?;
            crate::text::refuse_control("--message", message)?;
            let held = lock::acquire(&scope.cd()?, app, &scope.operator, message, true)?.keep();
            Ok(Outcome::ok()
                .field("app", app)
                .field("message", message)
                .set("lock", &held)
                .text(format!("deploy lock of {app} taken: {message}")))
        }
        LockCmd::Release { app, force } => release(scope, app, *force),
    }
}

fn status(scope: &Scope, app: Option<&str>) -> Result<Outcome> {
    if let Some(a) = app {
        names::validate_app(a)?;
    }
    let key = app.map(deployments::app_key);
    let locks: Vec<_> = lock::list(&scope.cd()?)?
        .into_iter()
        .filter(|l| match (l, app) {
            (_, None) => true,
            (Found::Lock(l), Some(a)) => l.app.eq_ignore_ascii_case(a),
            (Found::Unreadable(u), Some(_)) => Some(&u.app) == key.as_ref(),
        })
        .collect();
    let rows: Vec<Value> = locks.iter().map(Found::json).collect();
    let mut lines = vec![vec!["APP".to_string(), "LOCK".into()]];
    for l in &locks {
        lines.push(vec![l.app().to_string(), describe(l)]);
    }
    let text = if locks.is_empty() {
        "no deploy locks held\n".to_string()
    } else {
        table(&lines)
    };
    Ok(Outcome::ok().list(&rows).text(text))
}

/// A lock as one line: who holds it since when, and whether it is stale.
pub fn describe(l: &Found) -> String {
    format!(
        "{}{}",
        l.describe(),
        match l {
            Found::Lock(l) if l.is_stale() => " (stale)",
            _ => "",
        }
    )
}

fn release(scope: &Scope, app: &str, force: bool) -> Result<Outcome> {
    names::validate_app(app)?;
    let was = lock::release(&scope.cd()?, app, force)?;
    let unreadable = matches!(was, Some(Found::Unreadable(_)));
    let line = match &was {
        Some(l) => format!("deploy lock of {app} released (was {})", l.describe()),
        None => format!("app {app} held no deploy lock"),
    };
    scope.progress.note(&line);
    Ok(Outcome::ok()
        .field("app", app)
        .field("released", was.is_some())
        .field("force", force)
        .field("unreadable", unreadable)
        .set("was", was.as_ref().map(Found::json))
        .text(line))
}
