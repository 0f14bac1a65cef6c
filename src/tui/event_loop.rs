//! The console's loop: input → update → effects → draw. Every source — the terminal, the
//! signals, the task runner, async results and the state root's watch — yields Actions; each
//! goes through the reducer, the only code that changes the console's state, and the effects
//! it returns run outside it. The screen is drawn again only when something changed: at once
//! after input, at most once per frame interval for everything else (see `pace.rs`).

use std::io::Stdout;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyEventKind};
use crossterm::execute;
use crossterm::terminal::SetTitle;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::UnboundedReceiver;

use super::core::action::{Action, Effect};
use super::core::app::{App, TaskSummary};
use super::features::shell::effects::ReadyShell;
use super::pace::Pace;
use super::sources::StateWatch;
use super::sources::terminal::{self, QuitSignals};
use super::{effects, sources::input, ui, update};
use crate::state::StateRoot;
use crate::tasks::TaskRunner;

/// How often the screen is redrawn while tasks run (their elapsed times move).
const TICK: Duration = Duration::from_millis(500);

/// The console while it runs: its state, what effects need, the screen and the state watch.
pub(super) struct Console {
    pub(super) app: App,
    pub(super) env: effects::Env,
    pub(super) terminal: Terminal<CrosstermBackend<Stdout>>,
    pub(super) root: StateRoot,
    pub(super) state: StateWatch,
    pace: Pace,
    key_at: Option<Instant>,
    /// A shell to hand the terminal to once the current Action is done.
    shell: Option<Box<ReadyShell>>,
}

/// Where Actions come from besides the terminal and the state watch.
pub(super) struct Channels {
    /// Results of effects run in the background.
    pub(super) results: UnboundedReceiver<Action>,
    /// A notification under the state root.
    pub(super) wake: UnboundedReceiver<()>,
    pub(super) quit_signals: QuitSignals,
    /// The state root is polled at this interval where there are no notifications.
    pub(super) poll: Duration,
}

impl Console {
    pub(super) fn new(
        app: App,
        env: effects::Env,
        terminal: Terminal<CrosstermBackend<Stdout>>,
        root: StateRoot,
        state: StateWatch,
    ) -> Console {
        Console {
            app,
            env,
            terminal,
            root,
            state,
            pace: Pace::new(Instant::now()),
            key_at: None,
            shell: None,
        }
    }

    /// One Action through the reducer, then the effects it asks for.
    pub(super) fn feed(&mut self, action: Action) {
        let fx = update::update(&mut self.app, action);
        self.run_effects(fx);
    }

    /// Every Action in turn; true when there was one.
    fn feed_all(&mut self, actions: impl IntoIterator<Item = Action>) -> bool {
        let mut any = false;
        for a in actions {
            self.feed(a);
            any = true;
        }
        any
    }

    pub(super) fn run_effects(&mut self, fx: Vec<Effect>) {
        let mut fx = std::collections::VecDeque::from(fx);
        while let Some(e) = fx.pop_front() {
            // What an effect tells at once goes through the reducer like any other Action.
            let told = match e {
                Effect::SetTitle(t) => {
                    // The title holds a context name read from disk: it must not end the OSC.
                    let t = crate::text::sanitize_inline(&t).into_owned();
                    let _ = execute!(self.terminal.backend_mut(), SetTitle(t));
                    Vec::new()
                }
                Effect::Quit => vec![Action::Stop],
                Effect::Shell(s) => {
                    self.shell = Some(s);
                    Vec::new()
                }
                other => effects::apply(&self.env, &self.app, other),
            };
            for a in told {
                fx.extend(update::update(&mut self.app, a));
            }
        }
    }

    /// Draws the screen as the state is now, with the tasks and the clock read first.
    pub(super) fn draw(&mut self) -> std::io::Result<()> {
        self.feed(Action::Tasks(summaries(&self.env.runner)));
        self.feed(Action::Clock(crate::state::clock::now()));
        let (app, runner) = (&self.app, &self.env.runner);
        self.terminal.draw(|f| ui::draw(f, app, runner))?;
        if let Some(k) = self.key_at.take() {
            tracing::debug!(latency_us = k.elapsed().as_micros() as u64, "key to frame");
        }
        if let Some(at) = self.state.event_at.take() {
            let us = (crate::state::clock::now() - at).whole_microseconds();
            tracing::debug!(latency_us = us as i64, "event to frame");
        }
        self.pace.drawn(Instant::now());
        Ok(())
    }

    /// What the terminal gave; false when the loop must end (the terminal is gone).
    fn on_terminal(&mut self, got: Option<input::Input>) -> bool {
        let ev = match got {
            Some(input::Input::Event(ev)) => ev,
            Some(input::Input::Gone(why)) => {
                tracing::warn!("quitting: {why}");
                self.feed(Action::Stop);
                return false;
            }
            None => return false,
        };
        let action = match ev {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                self.key_at.get_or_insert_with(Instant::now);
                Some(Action::Key(k))
            }
            Event::Mouse(m) => Some(Action::Mouse(m)),
            Event::Resize(w, h) => Some(Action::Resize(w, h)),
            Event::Paste(text) => Some(Action::Paste(text)),
            _ => None,
        };
        if let Some(a) = action {
            // Keys act on what the tasks are now (the quit question counts them).
            self.feed(Action::Tasks(summaries(&self.env.runner)));
            self.feed(a);
            self.pace.input();
        } else {
            self.pace.changed();
        }
        true
    }

    /// What the state watch finds, and a tab shown again, as Actions through the reducer.
    fn look(&mut self, look: bool) {
        if look {
            let found = self.state.look(&self.root, &self.app.active_name());
            if self.feed_all(found) {
                self.pace.changed();
            }
        }
        let shown = self
            .state
            .on_tab_change(&self.root, &self.app.active_name());
        self.feed_all(shown);
    }

    /// Runs until the operator (or a signal, or the terminal going away) quits.
    pub(super) async fn run(&mut self, mut ch: Channels) -> std::io::Result<()> {
        let (input_tx, mut input) = tokio::sync::mpsc::unbounded_channel::<input::Input>();
        let pause = input::spawn(input_tx)?;
        let mut resized =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())?;
        let changed = self.env.runner.changed();
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut poll = tokio::time::interval(ch.poll);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let due = self.pace.due();
            let deadline = tokio::time::Instant::from_std(due.unwrap_or_else(Instant::now));
            let mut look = false;
            tokio::select! {
                biased;
                // A hang-up or a kill is seen before any input still queued.
                name = ch.quit_signals.recv() => {
                    tracing::warn!(signal = name, "quitting on a signal");
                    self.feed(Action::Stop);
                }
                got = input.recv() => {
                    if !self.on_terminal(got) {
                        break;
                    }
                }
                Some(()) = resized.recv() => {
                    if let Ok((w, h)) = crossterm::terminal::size() {
                        self.feed(Action::Resize(w, h));
                        self.pace.input();
                    }
                }
                _ = tokio::time::sleep_until(deadline), if due.is_some() => self.draw()?,
                Some(a) = ch.results.recv() => {
                    self.feed(a);
                    self.pace.changed();
                }
                _ = changed.notified() => self.pace.changed(),
                Some(()) = ch.wake.recv() => {
                    // A burst of notifications is one look at the files.
                    while ch.wake.try_recv().is_ok() {}
                    look = true;
                }
                _ = poll.tick(), if !self.state.notifying => look = true,
                // Ticks only while something changes with time: running tasks, a message to
                // expire.
                _ = tick.tick(), if self.app.running_everywhere() > 0 || self.app.flash.is_some() => {
                    let shown = self.app.flash.is_some();
                    self.feed(Action::Tick(Instant::now()));
                    if self.app.running_everywhere() > 0 || shown != self.app.flash.is_some() {
                        self.pace.changed();
                    }
                }
            }
            self.look(look);
            if self.app.quit {
                break;
            }
            if let Some(shell) = self.shell.take() {
                self.run_shell(*shell, &pause, &mut ch).await?;
            }
        }
        Ok(())
    }
}

impl Console {
    /// Hands the terminal to a shell until it exits: the input reader paused (no keystroke
    /// for the shell becomes a console key), the terminal's modes restored and the main
    /// screen shown; then the console's screen back, drawn whole, and how the shell ended
    /// recorded and shown. Tasks keep running on the runtime meanwhile; what they report
    /// waits in the channels.
    async fn run_shell(
        &mut self,
        shell: ReadyShell,
        pause: &input::Pause,
        ch: &mut Channels,
    ) -> std::io::Result<()> {
        pause.pause();
        terminal::suspend();
        {
            use std::io::Write;
            let mut out = std::io::stdout();
            let _ = writeln!(out, "{}", crate::text::sanitize_inline(&shell.announce()));
            let _ = out.flush();
        }
        let started_at = crate::state::clock::now_event();
        let code = shell.command.run().await;
        ch.quit_signals.forget_interrupts();
        let back = terminal::resume();
        pause.resume();
        back?;
        self.terminal.clear()?;
        if let Ok((w, h)) = crossterm::terminal::size() {
            self.feed(Action::Resize(w, h));
        }
        let told =
            crate::tui::features::shell::effects::finished(&self.env, &shell, &started_at, code);
        self.feed(told);
        // Back from the shell: drawn at once, as after a key.
        self.pace.input();
        Ok(())
    }
}

pub(super) fn summaries(runner: &TaskRunner) -> Vec<TaskSummary> {
    runner
        .tasks()
        .iter()
        .map(|t| TaskSummary {
            id: t.id,
            title: t.meta.title.clone(),
            context: t.meta.context.clone(),
            state: t.state().label(),
            elapsed: t.elapsed(),
            summary: t.summary(),
        })
        .collect()
}
