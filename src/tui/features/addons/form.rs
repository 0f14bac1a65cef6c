//! The form that enables an si add-on: the pack and the optional overrides si takes, checked
//! as the command line checks them.

use crate::ops::addon::{EnableSpec, PACKS};
use crate::tui::core::action::Op;
use crate::tui::core::app::Form;
use crate::tui::overlays::forms::fields::{choice, field};

/// The enable form's fields: the pack and the optional overrides si takes.
pub(in crate::tui) fn fields() -> Vec<crate::tui::core::app::Field> {
    vec![
        choice(
            "pack",
            "postgres, redis, nats, supabase-walg or databasus",
            PACKS.iter().map(|p| p.pack.to_string()).collect(),
            "postgres",
        ),
        field("name", "optional: the pack's name", ""),
        field("version", "optional: the pack's default", ""),
        field("service", "optional: <pack>-<name>", ""),
        field("set", "optional: POSTGRES_DB=shop,POSTGRES_USER=shop", ""),
    ]
}

/// The op a submitted enable form asks for.
pub(in crate::tui) fn submit(app_name: &str, f: &Form) -> Result<Op, String> {
    let opt = |label: &str| Some(f.value(label)).filter(|v| !v.is_empty());
    let spec = EnableSpec {
        app: app_name.to_string(),
        pack: f.value("pack"),
        name: opt("name"),
        service: opt("service"),
        version: opt("version"),
        set: opt("set"),
    };
    // The same checks as the command line, before the guard is asked.
    crate::ops::addon::find_pack(&spec.pack).map_err(|e| e.message)?;
    if let Some(n) = &spec.name {
        crate::state::names::validate_addon(n).map_err(|e| e.message)?;
    }
    if let Some(v) = &spec.version {
        crate::state::names::validate_image_tag(v).map_err(|e| e.message)?;
    }
    if let Some(s) = &spec.service {
        crate::state::names::validate_service(s).map_err(|e| e.message)?;
    }
    if let Some(s) = &spec.set {
        crate::ops::addon::parse_set(s).map_err(|e| e.message)?;
    }
    Ok(Op::EnableAddon(spec))
}
