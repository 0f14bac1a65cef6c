//! Tracing to a daily file in the platform state directory. Nothing is ever logged to the
//! terminal: stdout belongs to the output contract and the console owns the screen.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::state::fsio;

/// Installs the file logger; returns the guard that flushes it on drop, or `None` when the log
/// directory cannot be created (paasdeck then runs without a log rather than failing).
pub fn init(log_dir: Option<&Path>, verbose: u8) -> Option<WorkerGuard> {
    let dir = log_dir?;
    fsio::ensure_dir(dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("paasdeck")
        .filename_suffix("log")
        .max_log_files(14)
        .build(dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let default = match verbose {
        0 => "paasdeck=info",
        1 => "paasdeck=debug",
        _ => "paasdeck=trace",
    };
    let mut filter =
        EnvFilter::try_from_env("PAASDECK_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    // The HTTP client logs request paths at trace level, and a Telegram path holds the bot
    // token: whatever filter is asked for, it says no more than warnings.
    for quiet in ["ureq=warn", "ureq_proto=warn", "rustls=warn"] {
        if let Ok(d) = quiet.parse() {
            filter = filter.add_directive(d);
        }
    }
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
