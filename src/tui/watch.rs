//! Watching the state root: file notifications (inotify on Linux, through `notify`) wake the
//! console as soon as another process creates, removes or changes a context or appends an
//! event, in any context; the periodic poll stays as the fallback where notifications are
//! unavailable (or the root does not exist yet).

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc::UnboundedSender;

use crate::state::{ContextDir, StateRoot};

/// Watches `<root>` and `<root>/contexts` (recursively); `None` when the root cannot be
/// watched (missing, or no notification support): polling then does the work.
pub fn start(root: &StateRoot, wake: UnboundedSender<()>) -> Option<RecommendedWatcher> {
    let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if res.is_ok() {
            let _ = wake.send(());
        }
    })
    .ok()?;
    w.watch(root.path(), RecursiveMode::NonRecursive).ok()?;
    let contexts = root.contexts_dir();
    if contexts.is_dir() {
        let _ = w.watch(&contexts, RecursiveMode::Recursive);
    }
    Some(w)
}

/// Adds the contexts directory once it exists (it appears with the first context).
pub fn ensure_contexts(w: &mut Option<RecommendedWatcher>, root: &StateRoot, watching: &mut bool) {
    if *watching {
        return;
    }
    let contexts = root.contexts_dir();
    if let Some(w) = w.as_mut()
        && contexts.is_dir()
        && w.watch(&contexts, RecursiveMode::Recursive).is_ok()
    {
        *watching = true;
    }
}

fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// What the context list looks like on disk: names and each config's modification time, so
/// a context created, removed or reconfigured elsewhere is noticed.
pub fn contexts_stamp(root: &StateRoot) -> HashMap<String, Option<SystemTime>> {
    root.list_contexts()
        .unwrap_or_default()
        .into_iter()
        .map(|n| {
            let t = root.context(&n).ok().and_then(|cd| mtime(&cd.config()));
            (n, t)
        })
        .collect()
}

/// The files whose change means a context's panes must be reloaded.
pub fn files_stamp(cd: &ContextDir) -> Vec<Option<SystemTime>> {
    [
        cd.config(),
        cd.targets(),
        cd.apps(),
        cd.deployments(),
        cd.checks(),
        cd.backups(),
        crate::state::settings::path(cd),
    ]
    .iter()
    .map(|p| mtime(p))
    .collect()
}

/// Each context's incident queue's modification time.
pub fn incidents_stamp(root: &StateRoot) -> HashMap<String, Option<SystemTime>> {
    root.list_contexts()
        .unwrap_or_default()
        .into_iter()
        .map(|n| {
            let t = root
                .context(&n)
                .ok()
                .and_then(|cd| mtime(&cd.incidents_file()));
            (n, t)
        })
        .collect()
}
