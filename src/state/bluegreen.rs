//! si's blue/green slot state (`bluegreen.json`, written by `si paas deploy bluegreen`): per app
//! and target, the active slot and the release each slot holds. paasdeck only reads it, to find
//! where si's blue/green release runs: `<remote_root>/bluegreen/<app>/<target>/<slot>/<release>`
//! as compose project `<app>-<target>-<slot>`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Result;
use crate::state::deployments::app_key;
use crate::state::fsio;
use crate::state::ids::{ReleaseId, empty_as_none};
use crate::state::names::sanitize_path_segment;
use crate::state::paths::ContextDir;

/// si's two slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Blue,
    Green,
}

impl Slot {
    /// si's rule: anything but `green` is `blue`.
    pub fn parse(s: &str) -> Slot {
        if s.trim().eq_ignore_ascii_case("green") {
            Slot::Green
        } else {
            Slot::Blue
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Blue => "blue",
            Slot::Green => "green",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BlueGreenDoc {
    #[serde(default)]
    pub apps: BTreeMap<String, AppSlots>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppSlots {
    #[serde(default)]
    pub targets: BTreeMap<String, TargetSlots>,
}

/// One target's slots. Release ids pass the same rule as everywhere else on every read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TargetSlots {
    #[serde(default)]
    pub active_slot: String,
    #[serde(default)]
    pub slots: SlotReleases,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlotReleases {
    #[serde(default, with = "empty_as_none")]
    pub blue: Option<ReleaseId>,
    #[serde(default, with = "empty_as_none")]
    pub green: Option<ReleaseId>,
}

/// The release a target runs in its active slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Active {
    pub slot: Slot,
    pub release: ReleaseId,
}

impl BlueGreenDoc {
    fn app(&self, app: &str) -> Option<&AppSlots> {
        self.apps.get(&app_key(app))
    }

    /// The active slot of `app` on `target` and its release, when si recorded one.
    pub fn active(&self, app: &str, target: &str) -> Option<Active> {
        let key = target_key(target);
        let t = self
            .app(app)?
            .targets
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))?
            .1;
        let slot = Slot::parse(&t.active_slot);
        let release = match slot {
            Slot::Blue => t.slots.blue.clone(),
            Slot::Green => t.slots.green.clone(),
        }?;
        Some(Active { slot, release })
    }

    /// Whether `release` is the active release of `app` on any target.
    pub fn is_active_release(&self, app: &str, release: &str) -> bool {
        self.app(app).is_some_and(|a| {
            a.targets.values().any(|t| {
                let r = match Slot::parse(&t.active_slot) {
                    Slot::Blue => &t.slots.blue,
                    Slot::Green => &t.slots.green,
                };
                r.as_ref().is_some_and(|r| r.eq_ignore_ascii_case(release))
            })
        })
    }
}

/// The key si stores a target under: its path sanitiser.
pub fn target_key(target: &str) -> String {
    sanitize_path_segment(target)
}

/// si's compose project for a slot: `<app>-<target>-<slot>`, lowercase letters and digits, any
/// other run of characters one `-`.
pub fn project(app: &str, target: &str, slot: Slot) -> String {
    let raw = format!("{app}-{target}-{}", slot.as_str());
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// Where si's slot release lies under the remote root it deployed to.
pub fn release_dir(root: &str, app: &str, target: &str, slot: Slot, release: &str) -> String {
    format!(
        "{}/bluegreen/{}/{}/{}/{release}",
        root.trim_end_matches('/'),
        app_key(app),
        target_key(target),
        slot.as_str()
    )
}

pub fn load(cd: &ContextDir) -> Result<BlueGreenDoc> {
    Ok(fsio::read_json(&cd.dir().join("bluegreen.json"))?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_projects_and_directories_as_si_names_them() {
        let doc: BlueGreenDoc = serde_json::from_str(
            r#"{"apps": {"web-frontend": {"targets": {"build-box": {"active_slot": "green",
            "slots": {"blue": "rel-20260301T100000-000000001", "green": "rel-20260302T100000-000000002"},
            "updated_at": "2026-03-02T10:00:05Z"}, "edge": {"active_slot": "purple",
            "slots": {"blue": "rel-20260301T100000-000000001", "green": ""}}}}}}"#,
        )
        .unwrap();
        let a = doc.active("web-frontend", "build-box").unwrap();
        assert_eq!(a.slot, Slot::Green);
        assert_eq!(a.release.as_str(), "rel-20260302T100000-000000002");
        // Any other slot value is blue, as si reads it.
        assert_eq!(doc.active("web-frontend", "edge").unwrap().slot, Slot::Blue);
        assert!(doc.active("web-frontend", "other").is_none());
        assert!(doc.active("shop", "edge").is_none());
        assert!(doc.is_active_release("web-frontend", "rel-20260302T100000-000000002"));
        assert!(!doc.is_active_release("web-frontend", "rel-20260303T100000-000000003"));
        assert_eq!(
            project("web-frontend", "build-box", Slot::Green),
            "web-frontend-build-box-green"
        );
        assert_eq!(
            project("Billing_API", "edge.a", Slot::Blue),
            "billing-api-edge-a-blue"
        );
        assert_eq!(
            release_dir(
                "/opt/si/paas/releases/",
                "web-frontend",
                "build-box",
                Slot::Green,
                "r"
            ),
            "/opt/si/paas/releases/bluegreen/web-frontend/build-box/green/r"
        );
        // A release id that is not one is refused on read.
        assert!(
            serde_json::from_str::<BlueGreenDoc>(
                r#"{"apps": {"a": {"targets": {"t": {"slots": {"blue": "../../x"}}}}}}"#
            )
            .is_err()
        );
    }
}
