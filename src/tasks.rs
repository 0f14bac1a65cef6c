//! The task runner: every action runs as a tokio task with a bounded log (line and byte caps,
//! oldest lines dropped and counted), a cancellation token and a final state. The console reads
//! snapshots; a generation counter and a [`Notify`] tell it when something changed.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::{LineSink, Stream};

pub const DEFAULT_MAX_LINES: usize = 10_000;
pub const DEFAULT_MAX_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub stream: Stream,
    pub text: String,
}

/// A ring buffer of output lines with line and byte caps.
#[derive(Debug, Clone)]
pub struct TaskLog {
    lines: VecDeque<LogLine>,
    bytes: usize,
    max_lines: usize,
    max_bytes: usize,
    /// Lines pushed out by the caps.
    pub dropped: u64,
    /// Lines ever received.
    pub total: u64,
}

impl TaskLog {
    pub fn new(max_lines: usize, max_bytes: usize) -> TaskLog {
        TaskLog {
            lines: VecDeque::new(),
            bytes: 0,
            max_lines: max_lines.max(1),
            max_bytes: max_bytes.max(1),
            dropped: 0,
            total: 0,
        }
    }

    pub fn push(&mut self, stream: Stream, text: String) {
        self.total += 1;
        self.bytes += text.len();
        self.lines.push_back(LogLine { stream, text });
        while self.lines.len() > self.max_lines
            || (self.bytes > self.max_bytes && self.lines.len() > 1)
        {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.text.len();
                self.dropped += 1;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn lines(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    pub fn get(&self, i: usize) -> Option<&LogLine> {
        self.lines.get(i)
    }

    /// The last `n` lines' text.
    pub fn tail(&self, n: usize) -> Vec<String> {
        let skip = self.lines.len().saturating_sub(n);
        self.lines
            .iter()
            .skip(skip)
            .map(|l| l.text.clone())
            .collect()
    }
}

impl Default for TaskLog {
    fn default() -> Self {
        TaskLog::new(DEFAULT_MAX_LINES, DEFAULT_MAX_BYTES)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    Running,
    Ok,
    Failed(PaasError),
    Cancelled,
}

impl TaskState {
    pub fn label(&self) -> &'static str {
        match self {
            TaskState::Running => "running",
            TaskState::Ok => "ok",
            TaskState::Failed(_) => "failed",
            TaskState::Cancelled => "cancelled",
        }
    }
    pub fn is_running(&self) -> bool {
        matches!(self, TaskState::Running)
    }
}

/// What a task is about, for lists and titles.
#[derive(Debug, Clone, Default)]
pub struct TaskMeta {
    pub title: String,
    pub context: String,
    pub target: Option<String>,
}

pub struct Task {
    pub id: u64,
    pub meta: TaskMeta,
    pub started: Instant,
    state: Mutex<(TaskState, Option<Duration>, String)>,
    log: Mutex<TaskLog>,
    cancel: CancellationToken,
}

impl Task {
    pub fn state(&self) -> TaskState {
        self.state
            .lock()
            .map(|s| s.0.clone())
            .unwrap_or(TaskState::Running)
    }
    /// Run time so far, or the final duration.
    pub fn elapsed(&self) -> Duration {
        self.state
            .lock()
            .ok()
            .and_then(|s| s.1)
            .unwrap_or_else(|| self.started.elapsed())
    }
    /// A one-line result set by the task when it ends.
    pub fn summary(&self) -> String {
        self.state.lock().map(|s| s.2.clone()).unwrap_or_default()
    }
    /// Runs `f` with the log locked (for rendering only the visible slice).
    pub fn with_log<R>(&self, f: impl FnOnce(&TaskLog) -> R) -> R {
        match self.log.lock() {
            Ok(l) => f(&l),
            Err(p) => f(&p.into_inner()),
        }
    }
    pub fn cancel(&self) {
        self.cancel.cancel();
    }
}

/// Handed to a running task: where its output goes and how it learns it was cancelled.
#[derive(Clone)]
pub struct TaskCtx {
    pub sink: LineSink,
    pub cancel: CancellationToken,
}

impl TaskCtx {
    /// Writes a line of paasdeck's own commentary into the task log.
    pub fn note(&self, text: impl Into<String>) {
        (self.sink)(Stream::Stdout, text.into());
    }
}

#[derive(Clone)]
pub struct TaskRunner {
    tasks: Arc<Mutex<Vec<Arc<Task>>>>,
    next: Arc<AtomicU64>,
    generation: Arc<AtomicU64>,
    changed: Arc<Notify>,
    max_lines: usize,
    max_bytes: usize,
}

impl Default for TaskRunner {
    fn default() -> Self {
        TaskRunner::new(DEFAULT_MAX_LINES, DEFAULT_MAX_BYTES)
    }
}

impl TaskRunner {
    pub fn new(max_lines: usize, max_bytes: usize) -> TaskRunner {
        TaskRunner {
            tasks: Arc::new(Mutex::new(Vec::new())),
            next: Arc::new(AtomicU64::new(1)),
            generation: Arc::new(AtomicU64::new(0)),
            changed: Arc::new(Notify::new()),
            max_lines,
            max_bytes,
        }
    }

    fn bump(generation: &AtomicU64, changed: &Notify) {
        generation.fetch_add(1, Ordering::Relaxed);
        changed.notify_one();
    }

    /// Increases whenever any task's state or log changes.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Resolves after the next change.
    pub fn changed(&self) -> Arc<Notify> {
        self.changed.clone()
    }

    /// Starts a task on the current tokio runtime. The future's `Ok` string becomes the task's
    /// summary; an error with code `PAAS_CANCELLED` (or any error after a cancel request) ends
    /// it as cancelled.
    pub fn spawn<F, Fut>(&self, meta: TaskMeta, f: F) -> Arc<Task>
    where
        F: FnOnce(TaskCtx) -> Fut,
        Fut: Future<Output = Result<String>> + Send + 'static,
    {
        self.spawn_with(meta, CancellationToken::new(), f)
    }

    /// Starts a task that is also cancelled when `parent` is (a deploy's per-target tasks).
    pub fn spawn_child<F, Fut>(&self, meta: TaskMeta, parent: &CancellationToken, f: F) -> Arc<Task>
    where
        F: FnOnce(TaskCtx) -> Fut,
        Fut: Future<Output = Result<String>> + Send + 'static,
    {
        self.spawn_with(meta, parent.child_token(), f)
    }

    fn spawn_with<F, Fut>(&self, meta: TaskMeta, cancel: CancellationToken, f: F) -> Arc<Task>
    where
        F: FnOnce(TaskCtx) -> Fut,
        Fut: Future<Output = Result<String>> + Send + 'static,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let task = Arc::new(Task {
            id,
            meta,
            started: Instant::now(),
            state: Mutex::new((TaskState::Running, None, String::new())),
            log: Mutex::new(TaskLog::new(self.max_lines, self.max_bytes)),
            cancel,
        });
        let (generation, changed) = (self.generation.clone(), self.changed.clone());
        let t = task.clone();
        let sink: LineSink = Arc::new(move |stream, line| {
            if let Ok(mut log) = t.log.lock() {
                log.push(stream, line);
            }
            Self::bump(&generation, &changed);
        });
        let ctx = TaskCtx {
            sink,
            cancel: task.cancel.clone(),
        };
        // Listed before it starts, so a task that spawns children is always above them.
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.push(task.clone());
        }
        let fut = f(ctx);
        let t = task.clone();
        let (generation, changed) = (self.generation.clone(), self.changed.clone());
        tokio::spawn(async move {
            let (state, summary) = match fut.await {
                Ok(s) if t.cancel.is_cancelled() => (TaskState::Cancelled, s),
                Ok(s) => (TaskState::Ok, s),
                Err(e) if e.code == ErrorCode::Cancelled || t.cancel.is_cancelled() => {
                    (TaskState::Cancelled, "cancelled".to_string())
                }
                Err(e) => {
                    let s = format!("error[{}]: {}", e.code, e.message);
                    (TaskState::Failed(e), s)
                }
            };
            if let Ok(mut s) = t.state.lock() {
                *s = (state, Some(t.started.elapsed()), summary);
            }
            Self::bump(&generation, &changed);
        });
        Self::bump(&self.generation, &self.changed);
        task
    }

    pub fn tasks(&self) -> Vec<Arc<Task>> {
        self.tasks.lock().map(|t| t.clone()).unwrap_or_default()
    }

    pub fn get(&self, id: u64) -> Option<Arc<Task>> {
        self.tasks().into_iter().find(|t| t.id == id)
    }

    pub fn running(&self) -> usize {
        self.tasks()
            .iter()
            .filter(|t| t.state().is_running())
            .count()
    }

    pub fn cancel(&self, id: u64) -> bool {
        match self.get(id) {
            Some(t) if t.state().is_running() => {
                t.cancel();
                true
            }
            _ => false,
        }
    }

    pub fn cancel_all(&self) {
        for t in self.tasks() {
            t.cancel();
        }
    }

    /// Waits until the task has ended.
    pub async fn wait(&self, id: u64) -> Option<TaskState> {
        loop {
            let notified = self.changed.notified();
            let t = self.get(id)?;
            let s = t.state();
            if !s.is_running() {
                return Some(s);
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), notified).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_caps_lines_and_bytes_and_counts_drops() {
        let mut log = TaskLog::new(3, 1000);
        for i in 0..10 {
            log.push(Stream::Stdout, format!("line {i}"));
        }
        assert_eq!(log.len(), 3);
        assert_eq!(log.dropped, 7);
        assert_eq!(log.total, 10);
        assert_eq!(log.tail(2), vec!["line 8", "line 9"]);
        let mut log = TaskLog::new(100, 10);
        log.push(Stream::Stdout, "12345".into());
        log.push(Stream::Stdout, "67890".into());
        log.push(Stream::Stdout, "abcde".into());
        assert_eq!(log.len(), 2);
        assert!(log.bytes() <= 10);
        assert_eq!(log.dropped, 1);
    }

    #[tokio::test]
    async fn runs_cancels_and_reports() {
        let runner = TaskRunner::new(100, 10_000);
        let ok = runner.spawn(TaskMeta::default(), |ctx| async move {
            ctx.note("hello");
            Ok("done".to_string())
        });
        assert_eq!(runner.wait(ok.id).await, Some(TaskState::Ok));
        assert_eq!(ok.summary(), "done");
        assert_eq!(ok.with_log(|l| l.tail(1)), vec!["hello"]);
        let slow = runner.spawn(TaskMeta::default(), |ctx| async move {
            ctx.cancel.cancelled().await;
            Err(PaasError::new(ErrorCode::Cancelled, "x", "stopped"))
        });
        assert_eq!(runner.running(), 1);
        assert!(runner.cancel(slow.id));
        assert_eq!(runner.wait(slow.id).await, Some(TaskState::Cancelled));
        let parent = CancellationToken::new();
        let child = runner.spawn_child(TaskMeta::default(), &parent, |ctx| async move {
            ctx.cancel.cancelled().await;
            Ok("stopped with the parent".to_string())
        });
        parent.cancel();
        assert_eq!(runner.wait(child.id).await, Some(TaskState::Cancelled));
        let bad = runner.spawn(TaskMeta::default(), |_| async move {
            Err(PaasError::new(ErrorCode::RemoteCommandFailed, "x", "nope"))
        });
        assert!(matches!(
            runner.wait(bad.id).await,
            Some(TaskState::Failed(_))
        ));
        assert!(bad.summary().contains("nope"));
    }
}
