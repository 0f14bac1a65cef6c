//! `app add|list|status|remove` over the apps registry and the release history.

use serde_json::json;

use super::Invocation;
use super::output::{Report, table};
use crate::cli::{AppAddArgs, AppCmd};
use crate::error::{PaasError, Result};
use crate::ops::{self, apps::AppSpec};
use crate::state::apps;
use crate::state::deployments;
use crate::state::ids::AppName;
use crate::state::names;

pub fn run(inv: &Invocation, cmd: &AppCmd) -> Result<Report> {
    match cmd {
        AppCmd::Add(a) => add(inv, a),
        AppCmd::List => list(inv),
        AppCmd::Status { app } => status(inv, app),
        AppCmd::Addon(c) => super::addon_cmd::run(inv, c),
        AppCmd::Remove { app, force } => {
            names::validate_app(app)?;
            if !force {
                return Err(PaasError::usage(
                    "app_remove",
                    format!("removing app {app:?} from the registry needs --force"),
                ));
            }
            let cd = inv.existing_cd()?;
            let (name, total) = ops::apps::remove(&cd, app)?;
            Ok(Report::ok()
                .field("app", &name)
                .field("force", true)
                .field("total", total)
                .text(format!(
                    "app {name} removed from the registry (release history and bundles kept)"
                )))
        }
    }
}

fn add(inv: &Invocation, a: &AppAddArgs) -> Result<Report> {
    names::validate_app(&a.name)?;
    let cd = inv.existing_cd()?;
    let spec = AppSpec {
        name: a.name.clone(),
        compose_file: a.compose_file.display().to_string(),
        targets: a
            .targets
            .as_deref()
            .map(names::split_csv)
            .unwrap_or_default(),
        health_cmd: a.health_cmd.clone().unwrap_or_default(),
        remote_dir: a.remote_dir.clone().unwrap_or_default(),
        backup_cmd: a.backup_cmd.clone().unwrap_or_default(),
        restore_cmd: a.restore_cmd.clone().unwrap_or_default(),
    };
    let (app, total) = ops::apps::add(&cd, &spec)?;
    Ok(Report::ok()
        .field("app", &app.name)
        .field("compose_file", &app.compose_file)
        .field("targets", &app.targets)
        .field("health_cmd", &app.health_cmd)
        .field(
            "remote_dir",
            app.remote_dir
                .clone()
                .map(String::from)
                .unwrap_or_else(|| crate::ops::deploy::DEFAULT_REMOTE_ROOT.to_string()),
        )
        .field("backup_cmd", &app.backup_cmd)
        .field("restore_cmd", &app.restore_cmd)
        .field("total", total)
        .text(format!("app {} registered", app.name)))
}

/// Every app the context knows (the same list the console shows): registered ones, and those
/// known only from their release history, as `si paas` leaves them.
fn list(inv: &Invocation) -> Result<Report> {
    let cd = inv.existing_cd()?;
    let known = apps::load_known(&cd)?;
    let mut rows = vec![vec![
        "APP".to_string(),
        "CURRENT RELEASE".into(),
        "RELEASES".into(),
        "TARGETS".into(),
    ]];
    let mut data = Vec::new();
    for k in &known {
        let h = k.history.as_ref();
        let current = h
            .and_then(|h| h.current_release.as_ref())
            .map(String::from)
            .unwrap_or_default();
        let count = h.map(|h| h.history.len()).unwrap_or(0);
        let targets = match &k.entry {
            None => "(not registered)".to_string(),
            Some(a) if a.targets.is_empty() => "(current)".into(),
            Some(a) => a
                .targets
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(","),
        };
        rows.push(vec![
            k.name.clone(),
            if current.is_empty() {
                "-".into()
            } else {
                current.clone()
            },
            count.to_string(),
            targets,
        ]);
        let mut v = match &k.entry {
            Some(a) => serde_json::to_value(a).unwrap_or_default(),
            None => json!({ "name": k.name }),
        };
        v["registered"] = json!(k.registered());
        v["current_release"] = json!(current);
        v["releases"] = json!(count);
        v["current_remote_dir"] = json!(
            h.and_then(|h| h.current_remote_dir.as_ref())
                .map(String::from)
                .unwrap_or_default()
        );
        data.push(v);
    }
    let text = if known.is_empty() {
        format!(
            "no apps; register one with `{}`\n",
            crate::ops::cli_command(
                &inv.root,
                &inv.context,
                "app add --name NAME --compose-file FILE"
            )
        )
    } else {
        table(&rows)
    };
    Ok(Report::ok().list(&data).text(text))
}

fn status(inv: &Invocation, app: &str) -> Result<Report> {
    let app = AppName::parse(app)?;
    let cd = inv.existing_cd()?;
    let reg = apps::load(&cd)?;
    let hist = deployments::load(&cd)?;
    let entry = reg.find(&app);
    let h = hist.app(&app);
    if entry.is_none() && h.is_none() {
        return Err(apps::not_found(&app));
    }
    let h = h.cloned().unwrap_or_default();
    let current = h
        .current_release
        .as_ref()
        .map(String::from)
        .unwrap_or_default();
    let remote_dir = h
        .current_remote_dir
        .as_ref()
        .map(String::from)
        .unwrap_or_default();
    let mut releases: Vec<serde_json::Value> = h
        .history
        .iter()
        .rev()
        .map(|r| json!({"release": r, "current": h.is_current(r)}))
        .collect();
    if releases.is_empty() && !current.is_empty() {
        releases.push(json!({"release": current, "current": true}));
    }
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    let mut text = format!(
        "app {}\n  current release  {}\n  remote dir       {}\n  updated          {}\n",
        entry.map(|e| e.name.as_str()).unwrap_or(&app),
        dash(&current),
        dash(&remote_dir),
        dash(&h.updated_at),
    );
    let loc = crate::ops::deploy::location::current(cd.name(), &app, &h)?;
    if let Some(l) = &loc {
        text.push_str(&format!(
            "  layout           {}{}\n  release dir      {}\n  project          {}\n",
            l.layout_name(),
            if l.is_si() {
                " (deployed by si: the next deploy takes it over)"
            } else {
                ""
            },
            l.release_dir(),
            l.project()
        ));
    }
    if let Some(e) = entry {
        text.push_str(&format!("  compose file     {}\n", e.compose_file));
    }
    let addons = crate::state::addons::load(&cd)?.for_app(&app);
    if !addons.is_empty() {
        text.push_str(&format!(
            "  add-ons          {}\n",
            addons
                .iter()
                .map(|a| format!(
                    "{} ({} {}, service {})",
                    a.name, a.pack, a.version, a.service
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    text.push_str("  history (newest first):\n");
    for r in &releases {
        text.push_str(&format!(
            "    {} {}\n",
            if r["current"] == true { "*" } else { " " },
            r["release"].as_str().unwrap_or_default()
        ));
    }
    Ok(Report::ok()
        .set(
            "app",
            entry
                .map(|e| e.name.to_string())
                .unwrap_or_else(|| app.to_string()),
        )
        .set("registered", entry.is_some())
        .set("registry", entry)
        .set("current_release", &current)
        .set("current_remote_dir", &remote_dir)
        .set("updated_at", &h.updated_at)
        .set("previous_release", h.previous())
        .set("location", &loc)
        .set(
            "addons",
            addons
                .iter()
                .map(|a| json!({"name": a.name, "pack": a.pack, "service": a.service, "version": a.version, "bundle_file": a.bundle_file()}))
                .collect::<Vec<_>>(),
        )
        .list(&releases)
        .text(text))
}
