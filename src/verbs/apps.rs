//! `app add|list|status|remove` and the console's app edit, over the apps registry and the
//! release history.

use serde_json::json;

use super::{Outcome, Scope};
use crate::cli::AppAddArgs;
use crate::error::{PaasError, Result};
use crate::ops::{self, apps::AppSpec};
use crate::state::apps;
use crate::state::deployments;
use crate::state::ids::AppName;
use crate::state::names;

/// `app add` from its flags, every one carried.
pub fn add_input(a: &AppAddArgs) -> AppSpec {
    AppSpec {
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
    }
}

/// `app add`: the app registered, every field recorded.
pub fn add(scope: &Scope, spec: &AppSpec) -> Result<Outcome> {
    names::validate_app(&spec.name)?;
    let (app, total) = ops::apps::add(&scope.cd()?, spec)?;
    Ok(registered(&app).field("total", total).text(format!(
        "app {} registered ({total} in {})",
        app.name, scope.context
    )))
}

/// The console's app edit: every field of a registered app set anew.
pub fn edit(scope: &Scope, spec: &AppSpec) -> Result<Outcome> {
    names::validate_app(&spec.name)?;
    let app = ops::apps::edit(&scope.cd()?, spec)?;
    Ok(registered(&app).text(format!("app {} updated", app.name)))
}

/// A registered app's fields, in the body and the audit row.
fn registered(app: &apps::App) -> Outcome {
    Outcome::ok()
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
}

/// What `app remove` removes; without `force` it is refused (the console's confirmation
/// dialog stands in for it).
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveInput {
    pub app: String,
    pub force: bool,
}

/// `app remove`: the registry entry goes; the release history and bundles stay.
pub fn remove(scope: &Scope, input: &RemoveInput) -> Result<Outcome> {
    let app = &input.app;
    names::validate_app(app)?;
    if !input.force {
        return Err(PaasError::usage(
            "app_remove",
            format!("removing app {app:?} from the registry needs --force"),
        ));
    }
    let (name, total) = ops::apps::remove(&scope.cd()?, app)?;
    Ok(Outcome::ok()
        .field("app", &name)
        .field("force", true)
        .field("total", total)
        .text(format!(
            "app {name} removed from the registry ({total} left; release history and bundles kept)"
        )))
}

/// Every app the context knows (the same list the console shows): registered ones, and those
/// known only from their release history, as `si paas` leaves them.
pub fn list(scope: &Scope) -> Result<Outcome> {
    let cd = scope.cd()?;
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
                &scope.root,
                &scope.context,
                "app add --name NAME --compose-file FILE"
            )
        )
    } else {
        crate::text::table(&rows)
    };
    Ok(Outcome::ok().list(&data).text(text))
}

/// `app status APP`: the registry entry, the release history, where it runs, its add-ons.
pub fn status(scope: &Scope, app: &str) -> Result<Outcome> {
    let app = AppName::parse(app)?;
    let cd = scope.cd()?;
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
    let slots = crate::ops::deploy::location::blue_green_targets(&cd, &app, &h)?;
    let loc = match slots.first() {
        Some(l) => Some(l.clone()),
        None => crate::ops::deploy::location::current(cd.name(), &app, &h)?,
    };
    where_it_runs(&mut text, &slots, loc.as_ref());
    if let Some(e) = entry {
        text.push_str(&format!("  compose file     {}\n", e.compose_file));
    }
    let addons = crate::state::addons::load(&cd)?.for_app(&app);
    status_tail(&mut text, &addons, &releases);
    Ok(Outcome::ok()
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
        .set("bluegreen", &slots)
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

/// `app status`'s lines on where the app runs: si's blue/green slots, then the layout.
fn where_it_runs(
    text: &mut String,
    slots: &[crate::ops::deploy::location::Location],
    loc: Option<&crate::ops::deploy::location::Location>,
) {
    for l in slots {
        if let crate::ops::deploy::location::Location::SiBlueGreen {
            target,
            slot,
            release,
            ..
        } = l
        {
            text.push_str(&format!(
                "  on {target:<14} si's {slot} slot: {release} ({}, project {})\n",
                l.release_dir(),
                l.project()
            ));
        }
    }
    if let Some(l) = loc {
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
}

/// `app status`'s add-ons and release history lines.
fn status_tail(
    text: &mut String,
    addons: &[crate::state::addons::AddonRecord],
    releases: &[serde_json::Value],
) {
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
    for r in releases {
        text.push_str(&format!(
            "    {} {}\n",
            if r["current"] == true { "*" } else { " " },
            r["release"].as_str().unwrap_or_default()
        ));
    }
}
