//! What other processes change under the console: the state root's watch, every context's event
//! follower and the stamps that say a context list, an incident queue, a doctor input or the shown
//! context's files changed. The loop asks it to look when a notification (or the fallback poll)
//! wakes it; what it finds goes through the reducer like any other Action.

use std::collections::HashMap;
use std::io::Stdout;
use std::time::SystemTime;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::UnboundedSender;

use super::action::{Action, Effect};
use super::app::App;
use super::model::load_contexts;
use super::{effects, run_effects, update, watch};
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
    pub(super) fn follow(&mut self, root: &StateRoot, app: &App) {
        self.followers = app
            .contexts
            .iter()
            .filter_map(|c| {
                let cd = root.context(&c.name).ok()?;
                Some((c.name.clone(), EventFollower::at_end(&cd)))
            })
            .collect();
        self.stamps = app
            .ctx()
            .and_then(|c| root.context(&c.name).ok())
            .map(|cd| watch::files_stamp(&cd))
            .unwrap_or_default();
        self.watched = app.active_name();
    }

    /// Looks at what changed since the last look; true when the screen must be drawn again.
    pub(super) fn look(
        &mut self,
        root: &StateRoot,
        env: &effects::Env,
        app: &mut App,
        terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    ) -> bool {
        let mut dirty = false;
        self.watcher.ensure_contexts(root);
        if self.notifying != self.watcher.notifying(root) {
            self.notifying = !self.notifying;
            super::log_watch(self.notifying, self.settings);
        }
        let now = watch::contexts_stamp(root);
        if now != self.ctx_stamp {
            self.ctx_stamp = now;
            if let Ok(views) = load_contexts(root) {
                for v in &views {
                    if let (false, Ok(cd)) =
                        (self.followers.contains_key(&v.name), root.context(&v.name))
                    {
                        self.followers
                            .insert(v.name.clone(), EventFollower::at_end(&cd));
                    }
                }
                self.followers
                    .retain(|n, _| views.iter().any(|v| v.name == *n));
                let fx = update::update(app, Action::ContextsLoaded(views));
                run_effects(env, app, terminal, fx);
                dirty = true;
            }
        }
        for (name, f) in self.followers.iter_mut() {
            let (rows, _) = f.poll();
            if rows.is_empty() {
                continue;
            }
            if *name == app.active_name() {
                self.event_at = rows
                    .iter()
                    .filter_map(|r| crate::state::clock::parse(&r.timestamp))
                    .max();
            } else {
                // A change elsewhere may turn that context's doctor red.
                effects::spawn_doctor(env, name.clone());
            }
            let fx = update::update(
                app,
                Action::EventsAppended {
                    context: name.clone(),
                    rows,
                },
            );
            run_effects(env, app, terminal, fx);
            dirty = true;
        }
        // A change the doctor sees (a file's mode as much as its content), in any context,
        // runs that context's doctor again: its tab is marked, or its mark cleared.
        let now = watch::doctor_stamps(root);
        for (name, stamp) in &now {
            if self.doctor_stamps.get(name) != Some(stamp) {
                effects::spawn_doctor(env, name.clone());
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
            run_effects(env, app, terminal, vec![Effect::LoadIncidents(changed)]);
            dirty = true;
        }
        if let Some(cd) = app.ctx().and_then(|c| root.context(&c.name).ok()) {
            let now = watch::files_stamp(&cd);
            if now != self.stamps {
                self.stamps = now;
                effects::load(env, cd.name().to_string());
            }
        }
        dirty
    }

    /// A tab shown again is read again: what it shows may be from an earlier visit.
    pub(super) fn on_tab_change(&mut self, root: &StateRoot, env: &effects::Env, app: &App) {
        if app.active_name() == self.watched {
            return;
        }
        self.watched = app.active_name();
        if let Ok(cd) = root.context(&self.watched) {
            self.followers
                .insert(self.watched.clone(), EventFollower::at_end(&cd));
            self.stamps = watch::files_stamp(&cd);
            effects::load(env, self.watched.clone());
        }
    }
}
