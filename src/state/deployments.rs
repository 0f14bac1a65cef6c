//! Release history per app (`deployments.json`), with the `si paas` update rule: the release
//! becomes current, moves to the end of `history`, and the history keeps the last 40.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::state::ids::{AppName, ReleaseId, RemoteDir, empty_as_none};
use crate::state::names::sanitize_path_segment;
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio};

pub const HISTORY_CAP: usize = 40;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DeploymentsDoc {
    #[serde(default)]
    pub apps: BTreeMap<AppName, AppHistory>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One app's releases. Every id is a release id and the directory a remote directory, checked
/// on every read: a hand-edited `../../other/...` never reaches a path or a remote command.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AppHistory {
    #[serde(default, with = "empty_as_none")]
    pub current_release: Option<ReleaseId>,
    #[serde(
        default,
        with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub current_remote_dir: Option<RemoteDir>,
    #[serde(default)]
    pub history: Vec<ReleaseId>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AppHistory {
    /// Records a successfully applied release.
    pub fn record(&mut self, release: &ReleaseId, remote_dir: &RemoteDir) {
        self.current_release = Some(release.clone());
        self.current_remote_dir = Some(remote_dir.clone());
        self.history.retain(|r| !r.eq_ignore_ascii_case(release));
        self.history.push(release.clone());
        if self.history.len() > HISTORY_CAP {
            let cut = self.history.len() - HISTORY_CAP;
            self.history.drain(..cut);
        }
        self.updated_at = clock::now_doc();
    }

    /// Whether `release` is the current release.
    pub fn is_current(&self, release: &str) -> bool {
        self.current_release
            .as_ref()
            .is_some_and(|c| c.eq_ignore_ascii_case(release))
    }

    /// The last history entry that differs from the current release.
    pub fn previous(&self) -> Option<&ReleaseId> {
        self.history.iter().rev().find(|r| !self.is_current(r))
    }
}

/// The key an app's history is stored under: the `si paas` path sanitiser.
pub fn app_key(app: &str) -> String {
    sanitize_path_segment(app)
}

pub fn load(cd: &ContextDir) -> Result<DeploymentsDoc> {
    Ok(fsio::read_json(&cd.deployments())?.unwrap_or_default())
}

impl DeploymentsDoc {
    /// The history of an app (by name or key), if it has one.
    pub fn app(&self, app: &str) -> Option<&AppHistory> {
        self.apps.get(app_key(app).as_str())
    }
}

pub fn record(
    cd: &ContextDir,
    app: &AppName,
    release: &ReleaseId,
    remote_dir: &RemoteDir,
) -> Result<AppHistory> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.deployments(), |doc: &mut DeploymentsDoc| {
        let h = doc.apps.entry(app.key()).or_default();
        h.record(release, remote_dir);
        Ok(h.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(i: u32) -> ReleaseId {
        ReleaseId::parse(format!("rel-20260101T0000{i:02}-000000000")).unwrap()
    }

    #[test]
    fn record_moves_to_end_and_caps() {
        let dir = RemoteDir::parse("/opt/x").unwrap();
        let mut h = AppHistory::default();
        for i in 0..45 {
            h.record(&rel(i), &dir);
        }
        assert_eq!(h.history.len(), HISTORY_CAP);
        assert_eq!(h.history.first().unwrap(), &rel(5));
        h.record(&rel(10), &dir);
        assert_eq!(h.history.last().unwrap(), &rel(10));
        assert_eq!(h.history.len(), HISTORY_CAP);
        assert_eq!(h.current_release.as_ref(), Some(&rel(10)));
        assert_eq!(h.previous(), Some(&rel(44)));
    }

    #[test]
    fn a_traversal_in_the_history_is_corrupt_state() {
        let p = std::path::Path::new("/x/deployments.json");
        let doc = r#"{"apps":{"web":{"current_release":"rel-20260101T000000-000000001",
            "history":["rel-20260101T000000-000000001","../../../other/releases/web/rel-20260101T000000-000000002"]}}}"#;
        let e = fsio::parse_json::<DeploymentsDoc>(p, doc).unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::StateCorrupt);
        assert!(e.message.contains("/x/deployments.json"), "{}", e.message);
        assert!(e.message.contains("apps.web.history[1]"), "{}", e.message);
        assert!(!e.message.contains("other/releases"), "{}", e.message);
        for bad in [
            r#"{"apps":{"web":{"current_release":"../x"}}}"#,
            r#"{"apps":{"web":{"current_remote_dir":"/opt/../../etc"}}}"#,
            r#"{"apps":{"../web":{}}}"#,
        ] {
            let e = fsio::parse_json::<DeploymentsDoc>(p, bad).unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::StateCorrupt, "{bad}");
        }
        // si's "nothing yet" spellings read as none
        let ok = r#"{"apps":{"web":{"current_release":"","history":[]}}}"#;
        let d = fsio::parse_json::<DeploymentsDoc>(p, ok).unwrap();
        assert!(d.app("web").unwrap().current_release.is_none());
    }

    #[test]
    fn sanitizer() {
        assert_eq!(sanitize_path_segment("Billing API/v2"), "Billing-API-v2");
        assert_eq!(sanitize_path_segment("../.."), "unknown");
        assert_eq!(sanitize_path_segment("a;b$(c)"), "a-b-c");
    }
}
