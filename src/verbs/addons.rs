//! `app addon contract|enable|list|disable`: si's add-on packs for an app.

use serde_json::json;

use super::{Outcome, Scope};
use crate::cli::AddonEnableArgs;
use crate::error::{PaasError, Result};
use crate::ops::addon::{self, EnableSpec, PACKS};
use crate::state::addons;
use crate::state::ids::AppName;

/// `app addon contract`: the pack catalogue.
pub fn contract() -> Result<Outcome> {
    let mut rows = vec![vec![
        "PACK".to_string(),
        "CLASS".into(),
        "VERSION".into(),
        "SERVICE".into(),
        "DESCRIPTION".into(),
    ]];
    for p in PACKS {
        rows.push(vec![
            p.pack.into(),
            p.class.into(),
            p.default_version.into(),
            p.default_service.into(),
            p.description.into(),
        ]);
    }
    Ok(Outcome::ok()
        .set("merge_strategy", addons::MERGE_ADDITIVE)
        .list(&PACKS)
        .text(crate::text::table(&rows)))
}

/// `app addon enable` from its flags, every one carried.
pub fn enable_input(a: &AddonEnableArgs) -> EnableSpec {
    EnableSpec {
        app: a.app.clone(),
        pack: a.pack.clone(),
        name: a.name.clone(),
        service: a.service.clone(),
        version: a.version.clone(),
        set: a.set.clone(),
    }
}

/// `app addon enable`: the pack's fragment written, the add-on recorded for the next deploy.
pub fn enable(scope: &Scope, a: &EnableSpec) -> Result<Outcome> {
    let cd = scope.cd()?;
    let (rec, _) = addon::enable(&cd, a)?;
    Ok(Outcome::ok()
        .field("app", &a.app)
        .field("name", &rec.name)
        .field("pack", &rec.pack)
        .field("class", &rec.class)
        .field("service", &rec.service)
        .field("version", &rec.version)
        .field("merge_strategy", rec.merge_strategy())
        .field("fragment_path", &rec.fragment_path)
        .field("set_count", rec.vars.len())
        .field("bundle_file", rec.bundle_file())
        .text(format!(
            "add-on {} ({} {}, service {}) enabled for {}: the next deploy adds {}",
            rec.name,
            rec.pack,
            rec.version,
            rec.service,
            a.app,
            rec.bundle_file()
        )))
}

/// `app addon list [--app A]`.
pub fn list(scope: &Scope, app: Option<&str>) -> Result<Outcome> {
    let cd = scope.cd()?;
    let doc = addons::load(&cd)?;
    let rows: Vec<(AppName, addons::AddonRecord)> = match app {
        Some(a) => {
            let app = AppName::parse(a)?;
            doc.for_app(&app)
                .into_iter()
                .map(|r| (app.key(), r))
                .collect()
        }
        None => doc.all(),
    };
    let mut t = vec![vec![
        "APP".to_string(),
        "NAME".into(),
        "PACK".into(),
        "CLASS".into(),
        "SERVICE".into(),
        "VERSION".into(),
    ]];
    let mut data = Vec::new();
    for (key, r) in &rows {
        t.push(vec![
            r.app
                .as_ref()
                .map(String::from)
                .unwrap_or_else(|| key.to_string()),
            r.name.to_string(),
            r.pack.clone(),
            r.class.clone(),
            r.service.to_string(),
            r.version.to_string(),
        ]);
        let mut v = serde_json::to_value(r).unwrap_or_default();
        if v["app"] == "" {
            v["app"] = json!(key);
        }
        v["merge_strategy"] = json!(r.merge_strategy());
        v["bundle_file"] = json!(r.bundle_file());
        data.push(v);
    }
    let text = if rows.is_empty() {
        format!(
            "no add-ons; enable one with `paasdeck --context {} app addon enable --app {} --pack postgres`\n",
            scope.context,
            app.unwrap_or("APP")
        )
    } else {
        crate::text::table(&t)
    };
    Ok(Outcome::ok()
        .set("app", app.unwrap_or_default())
        .list(&data)
        .text(text))
}

/// `app addon disable`: an add-on that is not there is an error naming it.
pub fn disable(scope: &Scope, app: &str, name: &str) -> Result<Outcome> {
    let app = AppName::parse(app)?;
    crate::state::names::validate_addon(name)?;
    let cd = scope.cd()?;
    let removed = addons::disable(&cd, &app, name)?;
    let Some(r) = removed else {
        return Err(PaasError::usage(
            "addon_disable",
            format!("app {app} has no add-on named {name:?}"),
        )
        .with_remediation(format!(
            "list them with `paasdeck --context {} app addon list --app {app}`",
            cd.name()
        )));
    };
    Ok(Outcome::ok()
        .field("app", &app)
        .field("name", &r.name)
        .field("removed", true)
        .field(
            "removed_fragment",
            addons::fragment_path(&cd, &app, &r.name).display().to_string(),
        )
        .text(format!(
            "add-on {} disabled for {app}: the next deploy leaves out {} (service {}; its data volume stays)",
            r.name,
            r.bundle_file(),
            r.service
        )))
}
