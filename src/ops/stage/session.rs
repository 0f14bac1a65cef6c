//! A stage action under way: one connection to the incus host, every command echoed and its
//! output streamed to the action's line sink as it arrives, every step recorded.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::host::{self, HostView, parse_df, parse_instances, parse_named};
use super::incus::{HostCall, Incus, df, is_mutating};
use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::{ExecRequest, LineSink, Stream, Transport};
use crate::state::stage::StageConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ran,
    Skipped,
    Failed,
}

/// One step of a stage action, as it happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// The component it concerns; empty for the project, network and profile.
    pub component: String,
    pub step: String,
    pub command: String,
    pub status: StepStatus,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    #[serde(skip)]
    pub mutating: bool,
}

/// A stage action under way: the host connection, where its output goes, what has run.
pub struct Session {
    pub cfg: StageConfig,
    transport: Arc<dyn Transport>,
    sink: LineSink,
    pub cancel: CancellationToken,
    steps: Mutex<Vec<StepRecord>>,
}

/// The last lines of a command's output, for error messages.
#[derive(Debug, Default)]
struct Ran {
    code: i32,
    stdout: Vec<String>,
    stderr: Vec<String>,
}

impl Ran {
    fn tail(&self) -> String {
        let src = if self.stderr.is_empty() {
            &self.stdout
        } else {
            &self.stderr
        };
        src[src.len().saturating_sub(3)..].join(" | ")
    }
}

impl Session {
    pub fn new(
        cfg: StageConfig,
        transport: Arc<dyn Transport>,
        sink: LineSink,
        cancel: CancellationToken,
    ) -> Session {
        Session {
            cfg,
            transport,
            sink,
            cancel,
            steps: Mutex::new(Vec::new()),
        }
    }

    pub fn incus(&self) -> Incus<'_> {
        Incus::new(&self.cfg)
    }

    /// A line of its own in the output.
    pub fn note(&self, line: impl Into<String>) {
        (self.sink)(Stream::Stdout, line.into());
    }

    pub fn steps(&self) -> Vec<StepRecord> {
        self.steps.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn record(&self, r: StepRecord) {
        if let Ok(mut s) = self.steps.lock() {
            s.push(r);
        }
    }

    pub fn skip(&self, component: &str, step: &str, why: &str) {
        let who = if component.is_empty() {
            String::new()
        } else {
            format!("{component}: ")
        };
        self.note(format!("· {who}{step}: {why}"));
        self.record(StepRecord {
            component: component.into(),
            step: step.into(),
            command: String::new(),
            status: StepStatus::Skipped,
            detail: why.into(),
            mutating: false,
        });
    }

    /// Runs a call; `echo` streams its output lines (indented) as they arrive.
    async fn exec(&self, call: &HostCall, script: String, echo: bool) -> Result<Ran> {
        self.note(format!("$ {}", call.display()));
        let store = Arc::new(Mutex::new(Ran::default()));
        let (s2, sink) = (store.clone(), self.sink.clone());
        let tee: LineSink = Arc::new(move |stream, line: String| {
            if echo || stream == Stream::Stderr {
                sink(stream, format!("    {line}"));
            }
            if let Ok(mut r) = s2.lock() {
                // A query's answer is kept whole; otherwise the last lines, for errors.
                let keep_all = !echo && stream == Stream::Stdout;
                let v = match stream {
                    Stream::Stdout => &mut r.stdout,
                    Stream::Stderr => &mut r.stderr,
                };
                v.push(line);
                if !keep_all && v.len() > 20 {
                    v.remove(0);
                }
            }
        });
        let mut req = ExecRequest::new(script);
        req.stdin = call.stdin.clone();
        let code = self.transport.exec(req, tee, self.cancel.clone()).await?;
        let mut out = store
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default();
        out.code = code;
        Ok(out)
    }

    fn failure(&self, call: &HostCall, ran: &Ran, stage: &str) -> PaasError {
        PaasError::new(
            ErrorCode::RemoteCommandFailed,
            stage,
            format!(
                "`{}` failed on {} (exit {}): {}",
                call.display(),
                self.transport.label(),
                ran.code,
                ran.tail()
            ),
        )
        .with_target(&self.cfg.host_target)
        .with_remediation("read the command's output above; fix the host, then run the same stage command again (it resumes)")
    }

    /// A read: its JSON answer (folded for the trip back), never shown in the output.
    pub async fn query(&self, call: &HostCall) -> Result<String> {
        let ran = self.exec(call, call.folded_script(), false).await?;
        if ran.code != 0 {
            return Err(self.failure(call, &ran, "stage_query"));
        }
        Ok(ran.stdout.concat())
    }

    /// A file's text (`incus file pull … -`), or `None` when the command fails (no such file).
    pub async fn read_text(&self, call: &HostCall) -> Result<Option<String>> {
        let ran = self.exec(call, call.script(), false).await?;
        if ran.code != 0 {
            return Ok(None);
        }
        let mut text = ran.stdout.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        Ok(Some(text))
    }

    /// Runs a step; a non-zero exit fails it.
    pub async fn run(&self, component: &str, step: &str, call: HostCall) -> Result<()> {
        match self.attempt(component, step, &call).await? {
            (0, _) => Ok(()),
            (_, e) => Err(e),
        }
    }

    /// Runs a step and returns its exit code with the error it would be; a failure is
    /// recorded as failed unless the caller accepts it (see [`Session::accept`]).
    pub async fn attempt(
        &self,
        component: &str,
        step: &str,
        call: &HostCall,
    ) -> Result<(i32, PaasError)> {
        let ran = match self.exec(call, call.script(), true).await {
            Ok(r) => r,
            Err(e) => {
                self.record(StepRecord {
                    component: component.into(),
                    step: step.into(),
                    command: call.display(),
                    status: StepStatus::Failed,
                    detail: e.message.clone(),
                    mutating: is_mutating(&call.argv),
                });
                return Err(e);
            }
        };
        let err = self.failure(call, &ran, &format!("stage_{step}"));
        self.record(StepRecord {
            component: component.into(),
            step: step.into(),
            command: call.display(),
            status: if ran.code == 0 {
                StepStatus::Ran
            } else {
                StepStatus::Failed
            },
            detail: if ran.code == 0 {
                String::new()
            } else {
                ran.tail()
            },
            mutating: is_mutating(&call.argv),
        });
        Ok((ran.code, err))
    }

    /// Marks the last failed step as an accepted outcome (e.g. deleting a path already gone).
    pub fn accept(&self, why: &str) {
        if let Ok(mut s) = self.steps.lock()
            && let Some(last) = s.last_mut()
        {
            last.status = StepStatus::Ran;
            last.detail = why.into();
        }
        self.note(format!("    ({why})"));
    }

    /// Free bytes where incus keeps its storage (`df -Pk`).
    pub async fn free_space(&self) -> Result<u64> {
        let call = df(&self.cfg);
        let ran = self.exec(&call, call.script(), false).await?;
        if ran.code != 0 {
            return Err(self.failure(&call, &ran, "stage_disk"));
        }
        parse_df(&ran.stdout).ok_or_else(|| {
            PaasError::new(
                ErrorCode::RemoteCommandFailed,
                "stage_disk",
                format!(
                    "`{}` on {} printed no free-space figure",
                    call.display(),
                    self.transport.label()
                ),
            )
            .with_remediation("check the stage's storage_path exists on the host")
        })
    }

    /// Reads the staging project (and, for plans and clones, production and the free disk).
    pub async fn observe(&self, what: Observe) -> Result<HostView> {
        let i = self.incus();
        let mut v = HostView::default();
        let projects = parse_named("incus project list", &self.query(&i.project_list()).await?)?;
        v.project_exists = projects.iter().any(|(n, _)| n == self.cfg.project.as_str());
        if v.project_exists {
            if what.infra {
                let nets =
                    parse_named("incus network list", &self.query(&i.network_list()).await?)?;
                v.network_exists = nets
                    .iter()
                    .any(|(n, _)| n == self.cfg.network.name.as_str());
                let profiles =
                    parse_named("incus profile list", &self.query(&i.profile_list()).await?)?;
                if let Some((_, p)) = profiles.iter().find(|(n, _)| n == "default") {
                    v.profile = host::devices(p.get("devices"));
                }
            }
            v.instances = parse_instances(&self.query(&i.list()).await?)?;
        }
        if what.source {
            v.source = parse_instances(&self.query(&i.list_source()).await?)?;
        }
        if what.df {
            v.free = Some(self.free_space().await?);
        }
        Ok(v)
    }
}

/// What [`Session::observe`] reads besides the project's instances.
#[derive(Debug, Clone, Copy, Default)]
pub struct Observe {
    /// The network and the default profile.
    pub infra: bool,
    /// Production's instances.
    pub source: bool,
    /// The host's free disk.
    pub df: bool,
}
