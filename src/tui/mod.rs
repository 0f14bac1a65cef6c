//! The full-screen console. One event loop: terminal input, task output, async results and
//! file notifications from the state root (a poll where there are none) feed a pure reducer;
//! effects run outside it; the screen is redrawn only when something changed, at most once per
//! frame interval.

pub mod action;
pub mod app;
pub mod backup;
pub mod effects;
mod form_field;
pub mod input;
pub mod keymap;
pub mod model;
pub mod oncall;
pub mod op;
pub mod palette;
pub mod pane;
mod sources;
pub mod stage;
pub mod theme;
pub mod ui;
pub mod update;
pub mod watch;

#[cfg(test)]
mod inert_tests;
#[cfg(test)]
mod tests;

use std::io::{Stdout, stdout};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    KeyEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, SetTitle, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use action::{Action, Effect};
use app::{App, FlashLevel, TaskSummary};
use keymap::Keymap;
use model::{load_contexts, load_snapshot};
use theme::Theme;

use crate::dirs::AppDirs;
use crate::state::{StateRoot, events};
use crate::tasks::TaskRunner;

/// The shortest time between two frames: redraws coalesce under load.
const FRAME: Duration = Duration::from_millis(20);
/// How often the screen is redrawn while tasks run (their elapsed times move).
const TICK: Duration = Duration::from_millis(500);

pub struct ConsoleOptions {
    /// When the process started, for the first-frame figure in the log.
    pub started: Instant,
    pub root: StateRoot,
    pub write: bool,
    pub color: bool,
    pub connect_timeout: Duration,
}

/// Restores the terminal: raw mode off, mouse capture off, main screen back, cursor shown.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

fn enter_terminal() -> std::io::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
    // Restore before any panic report reaches the screen, then let the previous hook print it.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
    enable_raw_mode()?;
    let guard = TerminalGuard;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )?;
    let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok((guard, terminal))
}

fn summaries(runner: &TaskRunner) -> Vec<TaskSummary> {
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

/// Builds the console state for a root: contexts, the active one loaded, keymap and theme.
pub fn initial_app(root: &StateRoot, write: bool, color: bool) -> App {
    let dirs = AppDirs::discover();
    let (keymap, mut warnings) = Keymap::load(dirs.as_ref().map(|d| d.keymap_file()).as_deref());
    let (theme, w2) = Theme::load(dirs.as_ref().map(|d| d.theme_file()).as_deref(), color);
    warnings.extend(w2);
    let mut app = App::new(root.clone(), keymap, theme, warnings);
    app.keymap_path = dirs.as_ref().map(|d| d.keymap_file());
    app.write = write;
    match load_contexts(root) {
        Ok(c) => app.contexts = c,
        Err(e) => app.flash(
            FlashLevel::Error,
            format!("error[{}]: {}", e.code, e.message),
        ),
    }
    if let Some(stored) = root.stored_context_hint()
        && let Some(i) = app.contexts.iter().position(|c| stored == c.name)
    {
        app.active = i;
    }
    app
}

/// Reads the shown context's state. The console calls it only after its followers and the
/// watch have started, so a row appended meanwhile is in what it reads or delivered after.
pub fn load_active_snapshot(app: &mut App, root: &StateRoot) {
    if let Some(c) = app.contexts.get_mut(app.active)
        && let Ok(cd) = root.context(&c.name)
    {
        c.snapshot = Some(load_snapshot(&cd));
    }
}

pub fn run(opts: ConsoleOptions) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run_async(opts))
}

async fn run_async(opts: ConsoleOptions) -> std::io::Result<()> {
    let started = opts.started;
    // The watch starts before anything is read, and every stamp is taken before what it
    // stands for: a change another process makes from here on wakes the loop and differs
    // from its stamp, or is in what is read.
    let settings_read = events::WatchSettings::from_env();
    let settings = settings_read.as_ref().copied().unwrap_or_default();
    let (wake_tx, mut wake) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut state = sources::StateWatch::start(&opts.root, settings, wake_tx);
    let mut app = initial_app(&opts.root, opts.write, opts.color);
    if let Err(e) = settings_read {
        app.flash(
            FlashLevel::Warn,
            format!("{}; {}", e.message, e.remediation),
        );
    }
    let runner = TaskRunner::default();
    let pool = Arc::new(crate::ops::pool(&opts.root, opts.connect_timeout));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Action>();
    let env = effects::Env {
        root: opts.root.clone(),
        runner: runner.clone(),
        pool: pool.clone(),
        tx,
        operator: events::operator(),
        check_timeout: Duration::from_secs(30),
        doctoring: Default::default(),
    };
    state.follow(&opts.root, &app);
    load_active_snapshot(&mut app, &opts.root);

    // Closing the terminal window (SIGHUP), SIGTERM, SIGINT and SIGQUIT (sent by `kill`: raw
    // mode keeps Ctrl-C and Ctrl-\ as keys) quit like `q` then `y`: tasks are cancelled
    // (remote processes stopped) and the terminal is restored. Installed before the terminal
    // changes, so no signal can leave it raw.
    let mut quit_signals = QuitSignals::install()?;
    let (_guard, mut terminal) = enter_terminal()?;
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    terminal.draw(|f| ui::draw(f, &app, &runner))?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        contexts = app.contexts.len(),
        "first frame"
    );

    let mut initial = Vec::new();
    if let Some(c) = app.ctx() {
        initial.push(Effect::SetTitle(format!(
            "paasdeck — {} ({})",
            c.name, c.policy.kind
        )));
        initial.push(Effect::Doctor(c.name.clone()));
    }
    // A first secret offers to create the vault identity when there is none.
    initial.push(Effect::ProbeIdentity);
    // Every context's incidents, for the banner's open counts.
    initial.push(Effect::LoadIncidents(
        app.contexts.iter().map(|c| c.name.clone()).collect(),
    ));
    run_effects(&env, &mut app, &mut terminal, initial);

    let (input_tx, mut input) = tokio::sync::mpsc::unbounded_channel::<input::Input>();
    input::spawn(input_tx)?;
    let mut resized =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())?;
    let changed = runner.changed();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut poll = tokio::time::interval(settings.poll);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The other tabs' doctors, so a failing one can be marked before it is visited.
    let shown = app.active_name();
    for c in app.contexts.iter().filter(|c| c.name != shown) {
        effects::spawn_doctor(&env, c.name.clone());
    }
    let mut dirty = false;
    let mut look = false;
    let mut last_draw = Instant::now();
    let mut key_at: Option<Instant> = None;

    loop {
        let deadline = tokio::time::Instant::from_std(last_draw + FRAME);
        tokio::select! {
            biased;
            // A hang-up or a kill is seen before any input still queued.
            name = quit_signals.recv() => {
                tracing::warn!(signal = name, "quitting on a signal");
                app.quit = true;
            }
            got = input.recv() => {
                let ev = match got {
                    Some(input::Input::Event(ev)) => ev,
                    Some(input::Input::Gone(why)) => {
                        tracing::warn!("quitting: {why}");
                        app.quit = true;
                        break;
                    }
                    None => break,
                };
                let action = match ev {
                    Event::Key(k) if k.kind != KeyEventKind::Release => {
                        key_at.get_or_insert_with(Instant::now);
                        Some(Action::Key(k))
                    }
                    Event::Mouse(m) => Some(Action::Mouse(m)),
                    Event::Resize(w, h) => Some(Action::Resize(w, h)),
                    Event::Paste(text) => Some(Action::Paste(text)),
                    _ => None,
                };
                if let Some(a) = action {
                    // Keys act on what the tasks are now (the quit question counts them).
                    app.tasks = summaries(&runner);
                    let fx = update::update(&mut app, a);
                    run_effects(&env, &mut app, &mut terminal, fx);
                }
                dirty = true;
            }
            Some(()) = resized.recv() => {
                if let Ok((w, h)) = crossterm::terminal::size() {
                    let fx = update::update(&mut app, Action::Resize(w, h));
                    run_effects(&env, &mut app, &mut terminal, fx);
                    dirty = true;
                }
            }
            _ = tokio::time::sleep_until(deadline), if dirty => {
                app.tasks = summaries(&runner);
                app.now = crate::state::clock::now();
                terminal.draw(|f| ui::draw(f, &app, &runner))?;
                if let Some(k) = key_at.take() {
                    tracing::debug!(latency_us = k.elapsed().as_micros() as u64, "key to frame");
                }
                if let Some(at) = state.event_at.take() {
                    let us = (crate::state::clock::now() - at).whole_microseconds();
                    tracing::debug!(latency_us = us as i64, "event to frame");
                }
                dirty = false;
                last_draw = Instant::now();
            }
            Some(a) = rx.recv() => {
                let fx = update::update(&mut app, a);
                run_effects(&env, &mut app, &mut terminal, fx);
                dirty = true;
            }
            _ = changed.notified() => {
                dirty = true;
            }
            Some(()) = wake.recv() => {
                // A burst of notifications is one look at the files.
                while wake.try_recv().is_ok() {}
                look = true;
            }
            _ = poll.tick(), if !state.notifying => {
                look = true;
            }
            // Ticks only while something changes with time: running tasks, a message to expire.
            _ = tick.tick(), if app.running_everywhere() > 0 || app.flash.is_some() => {
                let shown = app.flash.is_some();
                update::update(&mut app, Action::Tick(Instant::now()));
                dirty |= app.running_everywhere() > 0 || shown != app.flash.is_some();
            }
        }
        if std::mem::take(&mut look) && state.look(&opts.root, &env, &mut app, &mut terminal) {
            dirty = true;
        }
        state.on_tab_change(&opts.root, &env, &app);
        if app.quit {
            break;
        }
    }

    // Stop what is still running (remote processes included) before the connections close.
    runner.cancel_all();
    let wait = Instant::now();
    while runner.running() > 0 && wait.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pool.close_all().await;
    Ok(())
}

/// Says in the log how the console learns of other processes' changes.
fn log_watch(notifying: bool, settings: events::WatchSettings) {
    if notifying {
        tracing::debug!("watching the state root with file notifications");
    } else {
        tracing::info!(
            interval_ms = settings.poll.as_millis() as u64,
            "file notifications unavailable (or PAASDECK_WATCH=poll): polling the state root"
        );
    }
}

/// The signals that quit the console cleanly.
struct QuitSignals {
    hangup: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    quit: tokio::signal::unix::Signal,
}

impl QuitSignals {
    fn install() -> std::io::Result<QuitSignals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(QuitSignals {
            hangup: signal(SignalKind::hangup())?,
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    /// Waits for the next one; returns its name.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.hangup.recv() => "SIGHUP",
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.quit.recv() => "SIGQUIT",
        }
    }
}

fn run_effects(
    env: &effects::Env,
    app: &mut App,
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    fx: Vec<Effect>,
) {
    let mut fx = std::collections::VecDeque::from(fx);
    while let Some(e) = fx.pop_front() {
        match e {
            Effect::SetTitle(t) => {
                // The title holds a context name read from disk: it must not end the OSC.
                let t = crate::text::sanitize_inline(&t).into_owned();
                let _ = execute!(terminal.backend_mut(), SetTitle(t));
            }
            Effect::Quit => app.quit = true,
            // What an effect tells at once goes through the reducer like any other Action.
            other => {
                for a in effects::apply(env, app, other) {
                    fx.extend(update::update(app, a));
                }
            }
        }
    }
}
