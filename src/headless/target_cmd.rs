//! `target add|list|use|remove`.

use super::Invocation;
use super::output::{Report, table};
use crate::cli::{AuthArg, TargetAddArgs, TargetCmd};
use crate::error::{PaasError, Result};
use crate::state::targets::{self, Target};
use crate::state::{names, paths};

pub fn run(inv: &Invocation, cmd: &TargetCmd) -> Result<Report> {
    match cmd {
        TargetCmd::Add(a) => add(inv, a),
        TargetCmd::List => list(inv),
        TargetCmd::Use { name } => {
            names::validate_target(name)?;
            let cd = inv.existing_cd()?;
            let canonical = targets::use_target(&cd, name)?;
            Ok(Report::ok()
                .field("target", &canonical)
                .text(format!("current target is now {canonical}")))
        }
        TargetCmd::Check(a) => super::remote_cmd::check(inv, a),
        TargetCmd::Exec(a) => super::remote_cmd::exec(inv, a),
        TargetCmd::Remove { name, force } => {
            names::validate_target(name)?;
            let cd = inv.existing_cd()?;
            let (removed, current, total) = targets::remove(&cd, name, *force)?;
            Ok(Report::ok()
                .field("target", &removed)
                .field("force", force)
                .field("current_target", &current)
                .field("total", total)
                .text(format!("target {removed} removed ({total} left)")))
        }
    }
}

fn add(inv: &Invocation, a: &TargetAddArgs) -> Result<Report> {
    names::validate_target(&a.name)?;
    names::validate_host(&a.host)?;
    names::validate_user(&a.user)?;
    let identity_file = match &a.identity_file {
        Some(p) => {
            let p = paths::expand_home(p);
            if !p.is_file() {
                return Err(PaasError::usage(
                    "flag_validation",
                    format!("identity file {} does not exist", p.display()),
                )
                .with_remediation("give the path of an existing private key"));
            }
            p.display().to_string()
        }
        None => String::new(),
    };
    let labels = a
        .labels
        .as_deref()
        .map(names::split_csv)
        .unwrap_or_default();
    let cd = inv.existing_cd()?;
    let auth = match a.auth_method {
        AuthArg::Key => "key",
        AuthArg::Local => "local",
    };
    let target = Target {
        name: a.name.clone(),
        host: a.host.clone(),
        port: i64::from(a.port),
        user: a.user.clone(),
        auth_method: auth.to_string(),
        identity_file: identity_file.clone(),
        labels: labels.clone(),
        ..Default::default()
    };
    let address = target.address();
    let (is_default, total) = targets::add(&cd, target, a.default)?;
    Ok(Report::ok()
        .field("name", &a.name)
        .field("host", &a.host)
        .field("port", a.port)
        .field("user", &a.user)
        .field("auth_method", auth)
        .field("identity_file", identity_file)
        .field("labels", labels)
        .field("default", is_default)
        .field("total", total)
        .text(format!(
            "target {} added ({address}, {auth}){}",
            a.name,
            if is_default { ", now current" } else { "" }
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
            if t.is(&doc.current_target) { "*" } else { " " }.into(),
            t.name.clone(),
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
        .set("current_target", &doc.current_target)
        .list(&data)
        .text(text))
}
