//! The terminal the console takes over: raw mode, the alternate screen, mouse capture and
//! bracketed paste on the way in, all restored on the way out (a panic included); and the
//! signals that quit the console cleanly.

use std::io::{Stdout, stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

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

/// Gives the terminal back for a program in the foreground (a shell): raw mode, mouse
/// capture and bracketed paste off, the main screen back, the cursor shown.
pub(in crate::tui) fn suspend() {
    restore_terminal();
}

/// Takes the terminal again after a program in the foreground: the modes [`enter_terminal`]
/// sets, on a fresh alternate screen (the caller redraws all of it).
pub(in crate::tui) fn resume() -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(
        stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    )
}

/// Restores the terminal when dropped.
pub(in crate::tui) struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

pub(in crate::tui) fn enter_terminal()
-> std::io::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
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

/// The signals that quit the console cleanly.
pub(in crate::tui) struct QuitSignals {
    hangup: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    quit: tokio::signal::unix::Signal,
}

impl QuitSignals {
    pub(in crate::tui) fn install() -> std::io::Result<QuitSignals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(QuitSignals {
            hangup: signal(SignalKind::hangup())?,
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    /// Forgets the interrupts (Ctrl-C, Ctrl-\\) a program in the foreground received as the
    /// terminal's foreground process group: they were meant for it, not for the console.
    pub(in crate::tui) fn forget_interrupts(&mut self) {
        use futures::FutureExt;
        while matches!(self.interrupt.recv().now_or_never(), Some(Some(()))) {}
        while matches!(self.quit.recv().now_or_never(), Some(Some(()))) {}
    }

    /// Waits for the next one; returns its name.
    pub(in crate::tui) async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.hangup.recv() => "SIGHUP",
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.quit.recv() => "SIGQUIT",
        }
    }
}
