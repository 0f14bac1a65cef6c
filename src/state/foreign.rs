//! Deploy history of another context inside this one: a release id in `deployments.json` whose
//! bundle lies in another context and not here, and a bundle whose `release.json` names another
//! context. Found for the doctor's `deploy_history_consistency`; the ids are dropped from the
//! history by `context scrub-bundles --apply`.

use std::path::PathBuf;

use crate::error::Result;
use crate::state::deployments::{self, DeploymentsDoc};
use crate::state::fsio;
use crate::state::paths::{ContextDir, StateRoot};
use crate::state::releases::bundles::Bundle;

/// One release id of this context's history that belongs to another context.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignRelease {
    /// The app key in `deployments.json`.
    pub app: String,
    pub release: String,
    pub other_context: String,
}

/// A bundle of this context made for another one.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignBundle {
    pub dir: PathBuf,
    pub other_context: String,
}

/// The release ids found as bundle directories in each other context.
fn others_releases(root: &StateRoot, me: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for name in root.list_contexts().unwrap_or_default() {
        if name == me {
            continue;
        }
        let Ok(cd) = root.context(&name) else {
            continue;
        };
        let mut ids = Vec::new();
        for app in std::fs::read_dir(cd.releases_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            for rel in std::fs::read_dir(app.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if rel.path().is_dir() {
                    ids.push(rel.file_name().to_string_lossy().into_owned());
                }
            }
        }
        out.push((name, ids));
    }
    out
}

/// Release ids of `doc` (current and history) that are bundles of another context, not here.
fn foreign_in(cd: &ContextDir, root: &StateRoot, doc: &DeploymentsDoc) -> Vec<ForeignRelease> {
    let others = others_releases(root, cd.name());
    let mut out = Vec::new();
    for (app, h) in &doc.apps {
        let key = app.key().as_str().to_string();
        let ids = h.current_release.iter().chain(h.history.iter());
        for id in ids {
            let id = id.as_str().to_string();
            if cd.releases_dir().join(&key).join(&id).is_dir()
                || out
                    .iter()
                    .any(|f: &ForeignRelease| f.app == key && f.release == id)
            {
                continue;
            }
            if let Some((other, _)) = others.iter().find(|(_, ids)| ids.contains(&id)) {
                out.push(ForeignRelease {
                    app: key.clone(),
                    release: id,
                    other_context: other.clone(),
                });
            }
        }
    }
    out
}

pub fn foreign_releases(cd: &ContextDir) -> Result<Vec<ForeignRelease>> {
    let root = StateRoot::at(cd.root_path());
    Ok(foreign_in(cd, &root, &deployments::load(cd)?))
}

/// The bundles (from one walk of `releases/`) whose `release.json` names another context.
pub fn foreign_bundles(cd: &ContextDir, bundles: &[Bundle]) -> Vec<ForeignBundle> {
    bundles
        .iter()
        .filter_map(|b| {
            let other = b.context().filter(|c| *c != cd.name())?;
            Some(ForeignBundle {
                dir: b.dir.clone(),
                other_context: other.to_string(),
            })
        })
        .collect()
}

/// Drops the foreign release ids from the history under the context lock (a foreign current
/// release leaves the app with none); returns them. Without `apply`, only finds them.
pub fn scrub_foreign_releases(cd: &ContextDir, apply: bool) -> Result<Vec<ForeignRelease>> {
    let lock = cd.lock()?;
    let root = StateRoot::at(cd.root_path());
    let found = foreign_in(cd, &root, &deployments::load(cd)?);
    if apply && !found.is_empty() {
        fsio::update_doc(&lock, &cd.deployments(), |doc: &mut DeploymentsDoc| {
            for h in doc.apps.values_mut() {
                let drop = |id: &str| found.iter().any(|f| f.release == id);
                h.history.retain(|r| !drop(r.as_str()));
                if h.current_release.as_ref().is_some_and(|c| drop(c.as_str())) {
                    h.current_release = None;
                }
            }
            Ok(())
        })?;
    }
    Ok(found)
}
