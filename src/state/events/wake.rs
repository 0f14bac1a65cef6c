//! Waking a follower when its context's event files change: file notifications (inotify on
//! Linux, through `notify`) deliver a row the moment another process appends it; where they are
//! unavailable (no inotify, a watch limit reached, `PAASDECK_WATCH=poll` for a state root on a
//! network file system), a poll at a fixed interval does the work. Idle, a follower sleeps.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError, channel};
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::error::{PaasError, Result};
use crate::state::paths::ContextDir;

/// The fallback poll's interval unless `PAASDECK_POLL_INTERVAL` says otherwise.
pub const DEFAULT_POLL: Duration = Duration::from_millis(500);

/// How followers learn that files changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchSettings {
    /// Use file notifications when they are available.
    pub notify: bool,
    /// The interval of the poll that stands in for them.
    pub poll: Duration,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            notify: true,
            poll: DEFAULT_POLL,
        }
    }
}

impl WatchSettings {
    /// `PAASDECK_WATCH` (`notify`, the default, or `poll`) and `PAASDECK_POLL_INTERVAL` (a
    /// duration such as `500ms` or `2s`); a bad value is an error naming the variable.
    pub fn from_env() -> Result<WatchSettings> {
        Self::parse(
            std::env::var("PAASDECK_WATCH").ok().as_deref(),
            std::env::var("PAASDECK_POLL_INTERVAL").ok().as_deref(),
        )
    }

    fn parse(watch: Option<&str>, poll: Option<&str>) -> Result<WatchSettings> {
        let mut s = WatchSettings::default();
        match watch.map(str::trim) {
            None | Some("") | Some("notify") => {}
            Some("poll") => s.notify = false,
            Some(other) => {
                return Err(PaasError::usage(
                    "environment",
                    format!(
                        "PAASDECK_WATCH={:?} is neither notify nor poll",
                        crate::text::sanitize_inline(other)
                    ),
                )
                .with_remediation(
                    "set PAASDECK_WATCH=notify (the default) or PAASDECK_WATCH=poll",
                ));
            }
        }
        if let Some(p) = poll.map(str::trim).filter(|p| !p.is_empty()) {
            s.poll = humantime::parse_duration(p)
                .ok()
                .filter(|d| *d >= Duration::from_millis(10))
                .ok_or_else(|| {
                    PaasError::usage(
                        "environment",
                        format!(
                            "PAASDECK_POLL_INTERVAL={:?} is not a duration of at least 10ms",
                            crate::text::sanitize_inline(p)
                        ),
                    )
                    .with_remediation(
                        "set PAASDECK_POLL_INTERVAL to a duration such as 500ms or 2s",
                    )
                })?;
        }
        Ok(s)
    }
}

/// Whether a notification may mean new content: not a file being opened or read (the
/// follower's own reads would wake it again and again); an error (a queue overflow among them)
/// is a reason to look, too.
pub fn is_change(res: &notify::Result<notify::Event>) -> bool {
    match res {
        Ok(e) => !matches!(e.kind, notify::EventKind::Access(_)),
        Err(_) => true,
    }
}

/// A watch on a context's event files that calls `on_change` when they may have changed:
/// `events/`, or the context directory until `events/` exists.
pub struct EventWatch {
    watcher: Option<RecommendedWatcher>,
    events_dir: PathBuf,
    /// The events directory itself is watched (not only the context directory it will appear in).
    watching_events: bool,
    poll: Duration,
}

impl EventWatch {
    /// Without notifications (unavailable or turned off), [`EventWatch::notifications`] is
    /// false and the caller polls every [`EventWatch::poll_interval`].
    pub fn new(
        cd: &ContextDir,
        settings: WatchSettings,
        on_change: impl Fn() + Send + 'static,
    ) -> EventWatch {
        let mut w = EventWatch {
            watcher: None,
            events_dir: cd.events_dir(),
            watching_events: false,
            poll: settings.poll,
        };
        if !settings.notify {
            return w;
        }
        let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            if is_change(&res) {
                on_change();
            }
        });
        let Ok(mut watcher) = watcher else {
            return w;
        };
        if watcher
            .watch(&w.events_dir, RecursiveMode::NonRecursive)
            .is_ok()
        {
            w.watching_events = true;
        } else if watcher
            .watch(cd.dir(), RecursiveMode::NonRecursive)
            .is_err()
        {
            return w;
        }
        w.watcher = Some(watcher);
        w
    }

    /// Whether file notifications report changes (else the caller polls).
    pub fn notifications(&self) -> bool {
        self.watcher.is_some()
    }

    pub fn poll_interval(&self) -> Duration {
        self.poll
    }

    /// Called after each wake: starts watching `events/` once it exists, before the caller
    /// reads the files, so no row written meanwhile goes unnoticed.
    pub fn refresh(&mut self) {
        if !self.watching_events
            && let Some(w) = self.watcher.as_mut()
            && w.watch(&self.events_dir, RecursiveMode::NonRecursive)
                .is_ok()
        {
            self.watching_events = true;
        }
    }

    /// Says in the log how this follower learns of new rows.
    pub fn log(&self, context: &str) {
        if self.notifications() {
            tracing::debug!(context, "following events with file notifications");
        } else {
            tracing::info!(
                context,
                interval_ms = self.poll.as_millis() as u64,
                "file notifications unavailable (or PAASDECK_WATCH=poll): polling the event files"
            );
        }
    }
}

/// Blocks a follower until its context's event files may have changed.
pub struct EventWaker {
    watch: EventWatch,
    rx: Receiver<()>,
}

impl EventWaker {
    pub fn new(cd: &ContextDir, settings: WatchSettings) -> EventWaker {
        let (tx, rx) = channel();
        let watch = EventWatch::new(cd, settings, move || {
            let _ = tx.send(());
        });
        EventWaker { watch, rx }
    }

    pub fn watch(&self) -> &EventWatch {
        &self.watch
    }

    /// Returns once the files may have changed: at the next notification (a burst counts
    /// once), or after the poll interval where there are none.
    pub fn wait(&mut self) {
        self.wait_at_most(None);
    }

    /// [`EventWaker::wait`], giving up after `limit` without a notification.
    pub fn wait_at_most(&mut self, limit: Option<Duration>) {
        if !self.watch.notifications() {
            let poll = self.watch.poll;
            std::thread::sleep(limit.map_or(poll, |l| l.min(poll)));
            return;
        }
        let got = match limit {
            None => self.rx.recv().map_err(|_| true),
            Some(l) => self
                .rx
                .recv_timeout(l)
                .map_err(|e| e == RecvTimeoutError::Disconnected),
        };
        match got {
            Ok(()) => {}
            Err(false) => return,
            Err(true) => {
                // The watcher's thread is gone: poll from now on.
                self.watch.watcher = None;
                return;
            }
        }
        loop {
            match self.rx.try_recv() {
                Ok(()) => continue,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.watch.watcher = None;
                    break;
                }
            }
        }
        self.watch.refresh();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateRoot;
    use crate::state::events::EventFollower;
    use crate::state::paths::EventFile;
    use std::io::Write;
    use std::time::Instant;

    #[test]
    fn settings_come_from_the_environment_and_bad_values_are_named() {
        let s = WatchSettings::parse(None, None).unwrap();
        assert_eq!(s, WatchSettings::default());
        let s = WatchSettings::parse(Some("poll"), Some("2s")).unwrap();
        assert_eq!((s.notify, s.poll), (false, Duration::from_secs(2)));
        let e = WatchSettings::parse(Some("inotify"), None).unwrap_err();
        assert!(e.usage && e.message.contains("PAASDECK_WATCH"), "{e:?}");
        for bad in ["soon", "1ms", "-1s"] {
            let e = WatchSettings::parse(None, Some(bad)).unwrap_err();
            assert!(e.message.contains("PAASDECK_POLL_INTERVAL"), "{e:?}");
        }
    }

    fn append(path: &std::path::Path, row: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(row.as_bytes()).unwrap();
    }

    /// With the poll an hour long, only a notification can bring the row within the second.
    fn row_arrives_by_notification(create_events_dir_later: bool) {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("alpha").unwrap();
        std::fs::create_dir_all(if create_events_dir_later {
            cd.dir().to_path_buf()
        } else {
            cd.events_dir()
        })
        .unwrap();
        let settings = WatchSettings {
            notify: true,
            poll: Duration::from_secs(3600),
        };
        let mut waker = EventWaker::new(&cd, settings);
        assert!(
            waker.watch().notifications(),
            "inotify is available on the build machine"
        );
        let mut follower = EventFollower::at_end(&cd);
        let audit = cd.event_file(EventFile::Audit);
        let (dir, events_dir) = (create_events_dir_later, cd.events_dir());
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            if dir {
                std::fs::create_dir_all(&events_dir).unwrap();
            }
            let at = Instant::now();
            append(&audit, "{\"command\":\"from another writer\"}\n");
            at
        });
        let started = Instant::now();
        let rows = loop {
            waker.wait_at_most(Some(Duration::from_secs(5)));
            let (rows, _) = follower.poll();
            if !rows.is_empty() {
                break rows;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "no row arrived");
        };
        let written = writer.join().unwrap();
        assert_eq!(rows[0].command, "from another writer");
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "the row arrived {:?} after it was written",
            written.elapsed()
        );
    }

    #[test]
    fn a_follower_receives_a_row_through_notifications() {
        row_arrives_by_notification(false);
    }

    #[test]
    fn the_events_directory_is_watched_once_it_appears() {
        row_arrives_by_notification(true);
    }

    #[test]
    fn without_notifications_the_poll_interval_paces_the_follower() {
        let t = tempfile::tempdir().unwrap();
        let cd = StateRoot::at(t.path()).context("alpha").unwrap();
        std::fs::create_dir_all(cd.events_dir()).unwrap();
        let settings = WatchSettings {
            notify: false,
            poll: Duration::from_millis(50),
        };
        let mut waker = EventWaker::new(&cd, settings);
        assert!(!waker.watch().notifications());
        let at = Instant::now();
        waker.wait();
        assert!(at.elapsed() >= Duration::from_millis(50));
    }
}
