//! The full-screen console. One event loop (`event_loop.rs`): terminal input, task output,
//! async results and file notifications from the state root (a poll where there are none,
//! `sources/`) become Actions that feed a pure reducer; effects run outside it; the screen is
//! redrawn only when something changed, at most once per frame interval.

pub mod core;
pub mod effects;
mod event_loop;
pub mod features;
pub mod overlays;
mod pace;
mod sources;
pub mod ui;
pub mod update;

#[cfg(test)]
mod inert_tests;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, Instant};

use self::core::action::{self, Effect};
use self::core::app::{App, FlashLevel};
use self::core::keymap::Keymap;
use self::core::model::{load_contexts, load_snapshot};
use self::core::theme::Theme;

use crate::dirs::AppDirs;
use crate::state::{StateRoot, events};
use crate::tasks::TaskRunner;

use sources::terminal;

pub use sources::terminal::restore_terminal;

pub struct ConsoleOptions {
    /// When the process started, for the first-frame figure in the log.
    pub started: Instant,
    pub root: StateRoot,
    pub write: bool,
    pub color: bool,
    pub connect_timeout: Duration,
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
    let (wake_tx, wake) = tokio::sync::mpsc::unbounded_channel::<()>();
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
    let (tx, results) = tokio::sync::mpsc::unbounded_channel::<action::Action>();
    let env = effects::Env {
        root: opts.root.clone(),
        runner: runner.clone(),
        pool: pool.clone(),
        tx,
        operator: events::operator(),
        check_timeout: Duration::from_secs(30),
        doctoring: Default::default(),
    };
    state.follow(&opts.root, &app.contexts, &app.active_name());
    load_active_snapshot(&mut app, &opts.root);

    // Closing the terminal window (SIGHUP), SIGTERM, SIGINT and SIGQUIT (sent by `kill`: raw
    // mode keeps Ctrl-C and Ctrl-\ as keys) quit like `q` then `y`: tasks are cancelled
    // (remote processes stopped) and the terminal is restored. Installed before the terminal
    // changes, so no signal can leave it raw.
    let quit_signals = terminal::QuitSignals::install()?;
    let (_guard, terminal) = terminal::enter_terminal()?;
    let size = terminal.size()?;
    let root = opts.root.clone();
    let mut console = event_loop::Console::new(app, env, terminal, root, state);
    console.feed(action::Action::Resize(size.width, size.height));
    console.draw()?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        contexts = console.app.contexts.len(),
        "first frame"
    );
    let initial = first_effects(&console.app);
    console.run_effects(initial);
    // The other tabs' doctors, so a failing one can be marked before it is visited.
    let shown = console.app.active_name();
    let others = console.app.contexts.iter().filter(|c| c.name != shown);
    let doctors = others.map(|c| Effect::Doctor(c.name.clone())).collect();
    console.run_effects(doctors);
    let channels = event_loop::Channels {
        results,
        wake,
        quit_signals,
        poll: settings.poll,
    };
    console.run(channels).await?;

    // Stop what is still running (remote processes included) before the connections close.
    runner.cancel_all();
    let wait = Instant::now();
    while runner.running() > 0 && wait.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    pool.close_all().await;
    Ok(())
}

/// What the console asks for once it shows: the title, the shown context's doctor and stage
/// object, whether a vault identity exists, every context's incidents.
fn first_effects(app: &App) -> Vec<Effect> {
    let mut initial = Vec::new();
    if let Some(c) = app.ctx() {
        initial.push(Effect::SetTitle(format!(
            "paasdeck — {} ({})",
            c.name, c.policy.kind
        )));
        initial.push(Effect::Doctor(c.name.clone()));
        // A staging context opened on shows its Instances pane at once.
        initial.push(Effect::Stage(crate::tui::features::stage::StageFx::Load(
            c.name.clone(),
        )));
    }
    // A first secret offers to create the vault identity when there is none.
    initial.push(Effect::ProbeIdentity);
    // Every context's incidents, for the banner's open counts.
    initial.push(Effect::LoadIncidents(
        app.contexts.iter().map(|c| c.name.clone()).collect(),
    ));
    initial
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
