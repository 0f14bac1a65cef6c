//! Watching the state root: file notifications (inotify on Linux, through `notify`) wake the
//! console as soon as another process creates, removes or changes a context or appends an
//! event, in any context; a periodic poll runs only as the fallback where notifications are
//! unavailable (or the root does not exist yet).

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc::UnboundedSender;

use crate::state::events::WatchSettings;
use crate::state::{ContextDir, StateRoot};

/// The state root's watch: `<root>` and `<root>/contexts` (recursively), or nothing where
/// notifications are unavailable (or turned off with `PAASDECK_WATCH=poll`).
pub struct RootWatch {
    watcher: Option<RecommendedWatcher>,
    /// `<root>/contexts` is watched (it appears with the first context).
    contexts: bool,
}

impl RootWatch {
    pub fn start(
        root: &StateRoot,
        settings: WatchSettings,
        wake: UnboundedSender<()>,
    ) -> RootWatch {
        let mut w = RootWatch {
            watcher: None,
            contexts: false,
        };
        if !settings.notify {
            return w;
        }
        // The console's own reads of the files it watches must not wake it again.
        let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            if crate::state::events::is_change(&res) {
                let _ = wake.send(());
            }
        });
        let Ok(mut watcher) = watcher else {
            return w;
        };
        if watcher
            .watch(root.path(), RecursiveMode::NonRecursive)
            .is_err()
        {
            return w;
        }
        w.watcher = Some(watcher);
        w.ensure_contexts(root);
        w
    }

    /// Adds the contexts directory once it exists.
    pub fn ensure_contexts(&mut self, root: &StateRoot) {
        if self.contexts {
            return;
        }
        let contexts = root.contexts_dir();
        if let Some(w) = self.watcher.as_mut()
            && contexts.is_dir()
            && w.watch(&contexts, RecursiveMode::Recursive).is_ok()
        {
            self.contexts = true;
        }
    }

    /// Whether notifications cover every file the console follows; else it must poll.
    pub fn notifying(&self, root: &StateRoot) -> bool {
        self.watcher.is_some() && (self.contexts || !root.contexts_dir().is_dir())
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

/// What the doctor of each context reads, as one number per context: every file and directory
/// of the context (mode, size, modification time, inode) and the root's own files. A change —
/// a `chmod` as much as a write — means that context's doctor must run again. Rows appended to
/// event files count only by the file's mode and identity: new rows are the followers' to
/// report (they run another tab's doctor), and an append must not cost a doctor run each.
pub fn doctor_stamps(root: &StateRoot) -> HashMap<String, u64> {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::MetadataExt;
    let stamp = |dir: &Path, depth: usize, h: &mut std::collections::hash_map::DefaultHasher| {
        let events = dir.join("events");
        for e in walkdir::WalkDir::new(dir)
            .follow_links(false)
            .max_depth(depth)
            .into_iter()
            .flatten()
        {
            if let Ok(m) = e.metadata() {
                e.path().hash(h);
                (m.mode(), m.ino()).hash(h);
                if !(m.is_file() && e.path().starts_with(&events)) {
                    (m.len(), m.mtime(), m.mtime_nsec()).hash(h);
                }
            }
        }
    };
    let mut base = std::collections::hash_map::DefaultHasher::new();
    for p in [root.current_context_file(), root.known_hosts()] {
        if let Ok(m) = std::fs::symlink_metadata(&p) {
            (m.mode(), m.len(), m.mtime(), m.ino()).hash(&mut base);
        }
    }
    stamp(root.path(), 1, &mut base);
    root.list_contexts()
        .unwrap_or_default()
        .into_iter()
        .map(|n| {
            let mut h = base.clone();
            if let Ok(cd) = root.context(&n) {
                stamp(cd.dir(), ContextDir::STATE_DEPTH + 1, &mut h);
            }
            (n, h.finish())
        })
        .collect()
}
