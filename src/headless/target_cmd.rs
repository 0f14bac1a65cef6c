//! `target add|list|use|remove`.

use super::Invocation;
use super::output::{Report, table};
use crate::cli::{TargetAddArgs, TargetCmd};
use crate::error::Result;
use crate::ops::targets as targets_op;
use crate::state::{names, targets};

pub fn run(inv: &Invocation, cmd: &TargetCmd) -> Result<Report> {
    match cmd {
        TargetCmd::Add(a) => add(inv, a),
        TargetCmd::List => list(inv),
        TargetCmd::Use { name } => {
            names::validate_target(name)?;
            let cd = inv.existing_cd()?;
            let canonical = targets_op::use_target(&cd, name)?;
            Ok(Report::ok()
                .field("target", &canonical)
                .text(format!("current target is now {canonical}")))
        }
        TargetCmd::Check(a) => super::remote_cmd::check(inv, a),
        TargetCmd::Exec(a) => super::remote_cmd::exec(inv, a),
        TargetCmd::Bootstrap(a) => super::remote_cmd::bootstrap(inv, a),
        TargetCmd::Remove { name, force } => {
            names::validate_target(name)?;
            let cd = inv.existing_cd()?;
            let (removed, current, total) = targets_op::remove(&cd, name, *force)?;
            Ok(Report::ok()
                .field("target", &removed)
                .field("force", force)
                .field(
                    "current_target",
                    current.map(String::from).unwrap_or_default(),
                )
                .field("total", total)
                .text(format!("target {removed} removed ({total} left)")))
        }
    }
}

fn add(inv: &Invocation, a: &TargetAddArgs) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let spec = a.new_target();
    let added = targets_op::add(&cd, &spec)?;
    let t = &added.target;
    Ok(Report::ok()
        .field("name", &t.name)
        .field("host", &t.host)
        .field("port", t.port())
        .field("user", &t.user)
        .field("auth_method", &t.auth_method)
        .field("identity_file", &t.identity_file)
        .field("labels", &t.labels)
        .field("default", added.is_default)
        .field("total", added.total)
        .text(format!(
            "target {} added ({}, {}){}",
            t.name,
            t.address(),
            t.auth_method,
            if added.is_default {
                ", now current"
            } else {
                ""
            }
        )))
}

fn list(inv: &Invocation) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let doc = targets::load(&cd)?;
    let mut rows = vec![vec![
        " ".into(),
        "NAME".into(),
        "ADDRESS".into(),
        "AUTH".into(),
        "LABELS".into(),
    ]];
    for t in &doc.targets {
        rows.push(vec![
            if doc.is_current(t) { "*" } else { " " }.into(),
            t.name.to_string(),
            t.address(),
            t.auth().as_str().into(),
            t.labels.join(","),
        ]);
    }
    let text = if doc.targets.is_empty() {
        "no targets; add one with `paasdeck --context <ctx> target add --name N --host H --user U`\n"
            .to_string()
    } else {
        table(&rows)
    };
    let data: Vec<serde_json::Value> = doc
        .targets
        .iter()
        .map(|t| crate::policy::redact::redacted(&serde_json::to_value(t).unwrap_or_default()))
        .collect();
    Ok(Report::ok()
        .set(
            "current_target",
            doc.current_target
                .as_ref()
                .map(String::from)
                .unwrap_or_default(),
        )
        .list(&data)
        .text(text))
}
