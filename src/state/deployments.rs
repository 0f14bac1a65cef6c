//! Release history per app (`deployments.json`), with the `si paas` update rule: the release
//! becomes current, moves to the end of `history`, and the history keeps the last 40.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio};

pub const HISTORY_CAP: usize = 40;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DeploymentsDoc {
    #[serde(default)]
    pub apps: BTreeMap<String, AppHistory>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AppHistory {
    #[serde(default)]
    pub current_release: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current_remote_dir: String,
    #[serde(default)]
    pub history: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AppHistory {
    /// Records a successfully applied release.
    pub fn record(&mut self, release: &str, remote_dir: &str) {
        self.current_release = release.to_string();
        self.current_remote_dir = remote_dir.to_string();
        self.history.retain(|r| !r.eq_ignore_ascii_case(release));
        self.history.push(release.to_string());
        if self.history.len() > HISTORY_CAP {
            let cut = self.history.len() - HISTORY_CAP;
            self.history.drain(..cut);
        }
        self.updated_at = clock::now_doc();
    }

    /// The last history entry that differs from the current release.
    pub fn previous(&self) -> Option<&str> {
        self.history
            .iter()
            .rev()
            .find(|r| !r.eq_ignore_ascii_case(&self.current_release))
            .map(String::as_str)
    }
}

/// The key an app's history is stored under: the `si paas` path sanitiser.
pub fn app_key(app: &str) -> String {
    sanitize_path_segment(app)
}

/// Keeps ASCII letters, digits, `-`, `_`, `.`; every other run becomes one `-`; trims `-._`;
/// empty becomes `unknown`.
pub fn sanitize_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_dash = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c);
            last_dash = false;
        } else if !last_dash {
            out.push('-');
            last_dash = true;
        }
    }
    let trimmed = out.trim_matches(|c| matches!(c, '-' | '_' | '.'));
    if trimmed.is_empty() {
        "unknown".to_string()
    } else {
        trimmed.to_string()
    }
}

pub fn load(cd: &ContextDir) -> Result<DeploymentsDoc> {
    Ok(fsio::read_json(&cd.deployments())?.unwrap_or_default())
}

pub fn record(cd: &ContextDir, app: &str, release: &str, remote_dir: &str) -> Result<AppHistory> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.deployments(), |doc: &mut DeploymentsDoc| {
        let h = doc.apps.entry(app_key(app)).or_default();
        h.record(release, remote_dir);
        Ok(h.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_moves_to_end_and_caps() {
        let mut h = AppHistory::default();
        for i in 0..45 {
            h.record(&format!("rel-{i:02}"), "/opt/x");
        }
        assert_eq!(h.history.len(), HISTORY_CAP);
        assert_eq!(h.history.first().unwrap(), "rel-05");
        h.record("rel-10", "/opt/x");
        assert_eq!(h.history.last().unwrap(), "rel-10");
        assert_eq!(h.history.len(), HISTORY_CAP);
        assert_eq!(h.current_release, "rel-10");
        assert_eq!(h.previous(), Some("rel-44"));
    }

    #[test]
    fn sanitizer() {
        assert_eq!(sanitize_path_segment("Billing API/v2"), "Billing-API-v2");
        assert_eq!(sanitize_path_segment("../.."), "unknown");
        assert_eq!(sanitize_path_segment("a;b$(c)"), "a-b-c");
    }
}
