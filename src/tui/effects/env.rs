//! What every effect runs with (the state root, the task runner, the SSH pool, the channel back
//! to the loop) and the helpers the features' effects share. It imports no effect, so a
//! feature's effects and the dispatcher that calls them never go round in a circle.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::policy::doctor;
use crate::remote::pool::Pool;
use crate::state::StateRoot;
use crate::tasks::TaskRunner;
use crate::tui::core::action::Action;

/// What effects need from the outside world.
#[derive(Clone)]
pub struct Env {
    pub root: StateRoot,
    pub runner: TaskRunner,
    pub pool: Arc<Pool>,
    pub tx: UnboundedSender<Action>,
    pub operator: String,
    pub check_timeout: Duration,
    /// Contexts whose doctor is running now: a visit or change meanwhile need not start another.
    /// Contexts whose doctor is running, each with whether it must run once more (a change
    /// came while it ran).
    pub doctoring: Arc<std::sync::Mutex<std::collections::HashMap<String, bool>>>,
}

/// Runs blocking work off the console's async threads; a task that panicked is an error of
/// `stage`.
pub(crate) async fn off_thread<T: Send + 'static>(
    stage: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> crate::error::Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        crate::error::PaasError::new(
            crate::error::ErrorCode::UnknownFailure,
            stage,
            e.to_string(),
        )
    })
}

/// A read-only view of one context: `lines` runs in the background, its result (or the error)
/// is shown under `title` when it arrives.
pub(in crate::tui) fn show_info<F>(env: &Env, context: String, title: String, lines: F)
where
    F: FnOnce(
            &crate::state::StateRoot,
            &crate::state::ContextDir,
        ) -> crate::error::Result<Vec<String>>
        + Send
        + 'static,
{
    let (root, tx) = (env.root.clone(), env.tx.clone());
    tokio::task::spawn_blocking(move || {
        let lines = match root.context(&context).and_then(|cd| lines(&root, &cd)) {
            Ok(l) => l,
            Err(e) => vec![format!("error[{}]: {}", e.code, e.message)],
        };
        let _ = tx.send(Action::ShowInfo {
            title,
            context,
            lines,
        });
    });
}

/// Runs the doctor for a context and reports the result to the console; returns it.
pub(in crate::tui) fn run_doctor(env: &Env, name: &str) -> crate::policy::doctor::DoctorReport {
    let cwd = std::env::current_dir().ok();
    // The doctor gates the console's deploys: temp files of crashed writers are removed first,
    // as every writer does, so a crash elsewhere does not block them.
    env.root.sweep_temp_files();
    if let Ok(cd) = env.root.context(name) {
        cd.sweep_temp_files();
    }
    let report = doctor::run(&env.root, name, cwd.as_deref());
    let _ = env.tx.send(Action::DoctorDone {
        context: name.to_string(),
        report: Box::new(report.clone()),
    });
    report
}

/// What the console's effects tests share: an `Env` on a state root (with the receiving end of
/// its channel) and the audit rows a command left in a context.
#[cfg(test)]
pub(crate) mod testing {
    use super::Env;
    use crate::state::StateRoot;
    use crate::state::paths::EventFile;
    use crate::tui::core::action::Action;

    /// Runs `argv` as the headless front end would (off the async workers); its exit code.
    pub(crate) async fn run_headless(argv: &[&str]) -> i32 {
        let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(argv).unwrap();
        tokio::task::spawn_blocking(move || {
            crate::headless::run(&cli.global, cli.command.as_ref().unwrap())
        })
        .await
        .unwrap()
    }

    pub(crate) fn env(root: &StateRoot) -> (Env, tokio::sync::mpsc::UnboundedReceiver<Action>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let env = Env {
            root: root.clone(),
            runner: crate::tasks::TaskRunner::default(),
            pool: std::sync::Arc::new(crate::ops::pool(root, std::time::Duration::from_secs(5))),
            tx,
            operator: "tester@console".into(),
            check_timeout: std::time::Duration::from_secs(30),
            doctoring: Default::default(),
        };
        (env, rx)
    }

    /// The audit rows of `command` in `context`, oldest first.
    pub(crate) fn audit_rows(
        root: &StateRoot,
        context: &str,
        command: &str,
    ) -> Vec<serde_json::Value> {
        let Ok(cd) = root.context(context) else {
            return Vec::new();
        };
        std::fs::read_to_string(cd.event_file(EventFile::Audit))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|r| r["command"] == command)
            .collect()
    }
}
