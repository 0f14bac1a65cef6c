//! The console's add-on operations, on the same ops and state functions as `app addon`.

use serde_json::{Map, Value};

use crate::error::Result;
use crate::ops;
use crate::state::addons;
use crate::state::ids::AppName;
use crate::state::paths::ContextDir;
use crate::tui::core::action::Op;

/// Enables or disables an add-on; returns the task's result line.
pub(super) fn run(cd: &ContextDir, op: &Op, fields: &mut Map<String, Value>) -> Result<String> {
    match op {
        Op::EnableAddon(spec) => {
            let (r, _) = ops::addon::enable(cd, spec)?;
            fields.insert("app".into(), spec.app.clone().into());
            fields.insert("name".into(), r.name.to_string().into());
            fields.insert("pack".into(), r.pack.clone().into());
            Ok(format!(
                "add-on {} ({} {}, service {}) enabled for {}: the next deploy adds {}",
                r.name,
                r.pack,
                r.version,
                r.service,
                spec.app,
                r.bundle_file()
            ))
        }
        Op::DisableAddon { app, name } => {
            let a = AppName::parse(app.as_str())?;
            fields.insert("app".into(), app.clone().into());
            fields.insert("name".into(), name.clone().into());
            Ok(match addons::disable(cd, &a, name)? {
                Some(r) => format!(
                    "add-on {} disabled for {app}: the next deploy leaves out {}",
                    r.name,
                    r.bundle_file()
                ),
                None => format!("{app} has no add-on {name}"),
            })
        }
        _ => Ok(String::new()),
    }
}
