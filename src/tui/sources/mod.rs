//! What other processes change under the console: the state root's watch, every context's event
//! follower and the stamps that say a context list, an incident queue, a doctor input or the shown
//! context's files changed. The loop asks it to look when a notification (or the fallback poll)
//! wakes it; it never touches the console's state: what it finds it says as Actions, which go
//! through the reducer like any other (the reducer asks for the reads and doctor runs).

pub mod input;
pub mod terminal;
pub mod watch;

use std::collections::HashMap;
use std::time::SystemTime;

use tokio::sync::mpsc::UnboundedSender;

use super::core::action::Action;
use super::core::model::{ContextView, load_contexts};
use crate::state::StateRoot;
use crate::state::events::{self, EventFollower};

pub(super) struct StateWatch {
    watcher: watch::RootWatch,
    pub(super) notifying: bool,
    settings: events::WatchSettings,
    ctx_stamp: HashMap<String, Option<SystemTime>>,
    incident_stamps: HashMap<String, Option<SystemTime>>,
    doctor_stamps: HashMap<String, u64>,
    followers: HashMap<String, EventFollower>,
    stamps: Vec<Option<SystemTime>>,
    watched: String,
    /// The newest event row of the shown context delivered since the last frame.
    pub(super) event_at: Option<time::OffsetDateTime>,
}

impl StateWatch {
    /// Starts the watch and takes every root-wide stamp before anything is read: a change
    /// another process makes from here on wakes the loop and differs from its stamp, or is in
    /// what is read.
    pub(super) fn start(
        root: &StateRoot,
        settings: events::WatchSettings,
        wake: UnboundedSender<()>,
    ) -> StateWatch {
        let watcher = watch::RootWatch::start(root, settings, wake);
        let notifying = watcher.notifying(root);
        super::log_watch(notifying, settings);
        StateWatch {
            watcher,
            notifying,
            settings,
            ctx_stamp: watch::contexts_stamp(root),
            incident_stamps: watch::incidents_stamp(root),
            doctor_stamps: watch::doctor_stamps(root),
            followers: HashMap::new(),
            stamps: Vec::new(),
            watched: String::new(),
            event_at: None,
        }
    }

    /// Follows every context's events and stamps the shown context's files; called before the
    /// shown context is read, so a row appended from here on is in that read or delivered by
    /// its follower (the reducer keeps one of each). Every context is followed: trouble in
    /// another tab shows on its tab.
    pub(super) fn follow(&mut self, root: &StateRoot, contexts: &[ContextView], shown: &str) {
        self.followers = contexts
            .iter()
            .filter_map(|c| {
                let cd = root.context(&c.name).ok()?;
                Some((c.name.clone(), EventFollower::at_end(&cd)))
            })
            .collect();
        self.stamps = shown_dir(root, shown)
            .map(|cd| watch::files_stamp(&cd))
            .unwrap_or_default();
        self.watched = shown.to_string();
    }

    /// Looks at what changed since the last look (`shown`: the context on screen) and says it
    /// as Actions, in the order found.
    pub(super) fn look(&mut self, root: &StateRoot, shown: &str) -> Vec<Action> {
        self.watcher.ensure_contexts(root);
        if self.notifying != self.watcher.notifying(root) {
            self.notifying = !self.notifying;
            super::log_watch(self.notifying, self.settings);
        }
        let mut found: Vec<Action> = self.contexts(root).into_iter().collect();
        found.extend(self.events(shown));
        // A change the doctor sees (a file's mode as much as its content), in any context,
        // runs that context's doctor again: its tab is marked, or its mark cleared.
        let now = watch::doctor_stamps(root);
        for (name, stamp) in &now {
            if self.doctor_stamps.get(name) != Some(stamp) {
                found.push(Action::DoctorInputChanged(name.clone()));
            }
        }
        self.doctor_stamps = now;
        // Incident queues are rewritten right after a failure row: read again on change.
        let now = watch::incidents_stamp(root);
        let changed: Vec<String> = now
            .iter()
            .filter(|(n, t)| self.incident_stamps.get(*n) != Some(*t))
            .map(|(n, _)| n.clone())
            .collect();
        if !changed.is_empty() {
            self.incident_stamps = now;
            found.push(Action::IncidentsChanged(changed));
        }
        if let Some(cd) = shown_dir(root, shown) {
            let now = watch::files_stamp(&cd);
            if now != self.stamps {
                self.stamps = now;
                found.push(Action::ContextChanged(cd.name().to_string()));
            }
        }
        found
    }

    /// The list of contexts, when it changed: a new context is followed, a removed one no more.
    fn contexts(&mut self, root: &StateRoot) -> Option<Action> {
        let now = watch::contexts_stamp(root);
        if now == self.ctx_stamp {
            return None;
        }
        self.ctx_stamp = now;
        let views = load_contexts(root).ok()?;
        for v in &views {
            if let (false, Ok(cd)) = (self.followers.contains_key(&v.name), root.context(&v.name)) {
                self.followers
                    .insert(v.name.clone(), EventFollower::at_end(&cd));
            }
        }
        self.followers
            .retain(|n, _| views.iter().any(|v| v.name == *n));
        Some(Action::ContextsLoaded(views))
    }

    /// The rows every follower delivered; a change in a context not shown may turn its doctor
    /// red, so its doctor runs again.
    fn events(&mut self, shown: &str) -> Vec<Action> {
        let mut found = Vec::new();
        for (name, f) in self.followers.iter_mut() {
            let (rows, _) = f.poll();
            if rows.is_empty() {
                continue;
            }
            if name == shown {
                self.event_at = rows
                    .iter()
                    .filter_map(|r| crate::state::clock::parse(&r.timestamp))
                    .max();
            } else {
                found.push(Action::DoctorInputChanged(name.clone()));
            }
            found.push(Action::EventsAppended {
                context: name.clone(),
                rows,
            });
        }
        found
    }

    /// A tab shown again is read again: what it shows may be from an earlier visit.
    pub(super) fn on_tab_change(&mut self, root: &StateRoot, shown: &str) -> Option<Action> {
        if shown == self.watched {
            return None;
        }
        self.watched = shown.to_string();
        let cd = root.context(&self.watched).ok()?;
        self.followers
            .insert(self.watched.clone(), EventFollower::at_end(&cd));
        self.stamps = watch::files_stamp(&cd);
        Some(Action::ContextChanged(self.watched.clone()))
    }
}

/// The shown context's directory (none when no context is shown).
fn shown_dir(root: &StateRoot, shown: &str) -> Option<crate::state::ContextDir> {
    if shown.is_empty() {
        return None;
    }
    root.context(shown).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::events::Audit;
    use crate::state::paths::EventFile;

    /// The watch says what it finds as Actions, and needs no console state to do it.
    #[test]
    fn what_another_process_writes_comes_out_as_actions() {
        let dir = tempfile::tempdir().unwrap();
        let root = StateRoot::at(dir.path().join("paas"));
        crate::demo::stage::seed(&root, dir.path(), "demo").unwrap();
        let ctx = crate::demo::stage::CONTEXT;
        let contexts = load_contexts(&root).unwrap();
        let (wake, _woken) = tokio::sync::mpsc::unbounded_channel();
        let mut watch = StateWatch::start(&root, events::WatchSettings::default(), wake);
        watch.follow(&root, &contexts, "");
        let row = Audit {
            command: "target check".into(),
            ok: false,
            duration_ms: 3,
            fields: Default::default(),
            error: None,
        }
        .row(ctx, "tester@console");
        let cd = root.context(ctx).unwrap();
        events::append(&cd, EventFile::Audit, row).unwrap();
        let found = watch.look(&root, "");
        // Not shown: its doctor runs again, and its rows go to the reducer.
        assert!(
            found
                .iter()
                .any(|a| matches!(a, Action::DoctorInputChanged(n) if n == ctx)),
            "{found:?}"
        );
        assert!(
            found.iter().any(|a| matches!(a,
                Action::EventsAppended { context, rows } if context == ctx && rows.len() == 1)),
            "{found:?}"
        );
        // Its tab shown: read again, once.
        assert!(matches!(
            watch.on_tab_change(&root, ctx),
            Some(Action::ContextChanged(n)) if n == ctx
        ));
        assert!(watch.on_tab_change(&root, ctx).is_none());
    }
}
