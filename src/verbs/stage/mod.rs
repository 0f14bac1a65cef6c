//! `stage plan|status|init|clone|start|stop|reset|exec|destroy|configure`: the staging incus
//! project of a staging context, for both front ends. The input is the clap `StageCmd` (the
//! console builds the same one from its stage op); every step is streamed through the scope's
//! progress as it happens (through the terminal sanitiser, without a target prefix: all of a
//! stage's output comes from its one host); the audit row names the components and the
//! commands that ran. A changing action takes the context's stage lock (one at a time), waited
//! for off the caller's thread.

mod configure;

use std::sync::Arc;

use serde_json::Map;

use super::{Outcome, Scope, table};
use crate::cli::StageCmd;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::stage as ops_stage;
use crate::remote::LineSink;
use crate::state::fsio;
use crate::text::{human_bytes, sanitize};
use ops_stage::status::StageStatus;
use ops_stage::{Outcome as StageOutcome, Session, Stage};

/// Runs one stage command in the scope's context.
pub async fn run(scope: &Scope, cmd: &StageCmd) -> Result<Outcome> {
    let cd = scope.cd()?;
    if let StageCmd::Configure(a) = cmd {
        return configure::configure(scope, &cd, a);
    }
    if let StageCmd::Shell { component } = cmd {
        let input = super::shell::ShellInput::Stage {
            component: component.clone(),
        };
        return super::shell::run(scope, &input).await;
    }
    if let StageCmd::Destroy { force: false } = cmd {
        return Err(PaasError::usage(
            "stage_destroy",
            "`stage destroy` deletes every instance of the staging project, its network and the project; pass --force",
        ));
    }
    // Everything is checked (staging context, a valid stage object whose project is not
    // production, its host target) before the host is contacted.
    let st = ops_stage::load(&cd)?;
    let which = match cmd {
        StageCmd::Clone(c) | StageCmd::Start(c) | StageCmd::Stop(c) => {
            ops_stage::select(&st.cfg, &c.names())?
        }
        StageCmd::Reset { component } | StageCmd::Exec { component, .. } => {
            ops_stage::select(&st.cfg, std::slice::from_ref(component))?
        }
        _ => Vec::new(),
    };
    let mutating = !matches!(cmd, StageCmd::Plan | StageCmd::Status);
    // One changing stage action per context at a time; waiting for it holds up no other work.
    let _lock = if mutating {
        let path = cd.locks_dir().join("stage.lock");
        Some(
            tokio::task::spawn_blocking(move || fsio::StateLock::acquire(&path))
                .await
                .map_err(|e| {
                    PaasError::new(ErrorCode::UnknownFailure, "stage_lock", e.to_string())
                })??,
        )
    } else {
        None
    };
    let (outcome, status) = session(scope, &st, cmd, &which).await;
    let alert = match &status {
        Some(s) => ops_stage::alarm::raise(&cd, &st.cfg, s).await,
        None => None,
    };
    let rep = report(
        scope,
        &st,
        &outcome,
        status.as_ref(),
        !matches!(cmd, StageCmd::Plan),
    );
    Ok(match alert {
        Some(a) => rep.set("alert_id", &a.id),
        None => rep,
    })
}

/// Connects to the stage's host and runs the command there.
async fn session(
    scope: &Scope,
    st: &Stage,
    cmd: &StageCmd,
    which: &[crate::state::stage::IncusName],
) -> (StageOutcome, Option<StageStatus>) {
    let transport = match scope.pool.get(&scope.context, &st.host).await {
        Ok(t) => t,
        Err(e) => {
            let empty = StageOutcome {
                steps: Vec::new(),
                error: Some(e),
                data: Map::new(),
            };
            return (empty, None);
        }
    };
    let progress = scope.progress.clone();
    let host = st.cfg.host_target.to_string();
    let sink: LineSink =
        Arc::new(move |stream, line: String| progress.line(&host, stream, &sanitize(&line)));
    let s = Session::new(
        st.cfg.clone(),
        transport,
        sink,
        scope.progress.cancel.clone(),
    );
    let mut status = None;
    let result = match cmd {
        StageCmd::Plan => ops_stage::run::plan(&s).await,
        StageCmd::Init => ops_stage::run::init(&s).await,
        StageCmd::Clone(_) => ops_stage::run::clone(&s, which).await,
        StageCmd::Start(_) => ops_stage::lifecycle::start(&s, which).await,
        StageCmd::Stop(_) => ops_stage::lifecycle::stop(&s, which).await,
        StageCmd::Reset { component } => ops_stage::lifecycle::reset(&s, component).await,
        StageCmd::Exec { component, command } => {
            ops_stage::lifecycle::exec(&s, component, command).await
        }
        StageCmd::Destroy { .. } => ops_stage::lifecycle::destroy(&s).await,
        StageCmd::Status => match ops_stage::status::status(&s).await {
            Ok(x) => {
                let m = ops_stage::status::to_map(&x);
                status = Some(x);
                Ok(m)
            }
            Err(e) => Err(e),
        },
        StageCmd::Configure(_) => Ok(Map::new()),
        StageCmd::Shell { .. } => Ok(Map::new()),
    };
    (StageOutcome::new(&s, result), status)
}

/// The result document; `summary` adds a closing line (a plan has its own).
fn report(
    scope: &Scope,
    st: &Stage,
    o: &StageOutcome,
    status: Option<&StageStatus>,
    summary: bool,
) -> Outcome {
    let mut rep = Outcome::ok()
        .set("project", st.cfg.project.as_str())
        .set("host_target", &st.cfg.host_target);
    for (k, v) in &o.data {
        rep = rep.set(k, v);
    }
    rep = rep.set("steps", &o.steps).set("commands", o.commands());
    for (k, v) in o.audit_fields(&st.cfg) {
        rep = rep.audit_only(&k, v);
    }
    let mut text = String::new();
    if let Some(s) = status {
        text = status_text(s);
    } else if o.error.is_none() && summary {
        text = format!(
            "done: {} command(s) ran, {} step(s) skipped",
            o.commands().len(),
            o.steps
                .iter()
                .filter(|r| r.status == ops_stage::StepStatus::Skipped)
                .count()
        );
    }
    rep = rep.text(text);
    if let Some(e) = &o.error {
        return rep.failed_with(e.clone());
    }
    if let Some(s) = status {
        let findings = s.findings();
        if !findings.is_empty() {
            return rep.failed_with(
                PaasError::new(
                    ErrorCode::ContextGuard,
                    "stage_status",
                    format!(
                        "staging project {} breaks its security directives: {}",
                        s.project,
                        findings.join("; ")
                    ),
                )
                .with_target(&st.cfg.host_target)
                .with_remediation(format!(
                    "stop what is exposed (`paasdeck --context {} stage stop --components NAME`), remove its proxy device (`incus config device remove NAME DEVICE --project {p}`) or forward (`incus network forward delete {} ADDRESS --project {p}`), set a stray address, free disk on the host",
                    scope.context,
                    st.cfg.network.name,
                    p = st.cfg.project
                )),
            );
        }
    }
    rep
}

/// The status table and the host's free disk.
pub fn status_text(s: &StageStatus) -> String {
    let mut rows = vec![vec![
        "NAME".to_string(),
        "STATE".into(),
        "IPV4".into(),
        "DATA".into(),
        "DISK".into(),
        "FLAGS".into(),
    ]];
    for r in &s.rows {
        rows.push(vec![
            sanitize(&r.name).into_owned(),
            sanitize(&r.state).into_owned(),
            if r.ipv4.is_empty() {
                "-".into()
            } else {
                r.ipv4.join(",")
            },
            r.data.clone(),
            r.disk_usage.map(human_bytes).unwrap_or_else(|| "-".into()),
            r.flags.join(","),
        ]);
    }
    let mut text = format!(
        "project {} ({}){}\n",
        s.project,
        s.network,
        if s.project_exists {
            ""
        } else {
            " does not exist yet: run `stage init`"
        }
    );
    text.push_str(&table(&rows));
    text.push_str(&format!(
        "host free disk: {} (min_host_free {}){}\n",
        s.free_bytes
            .map(human_bytes)
            .unwrap_or_else(|| "unknown".into()),
        s.min_host_free,
        if s.low_disk { " — LOW" } else { "" }
    ));
    for e in &s.exposures {
        text.push_str(&format!(
            "EXPOSED: {}\n",
            sanitize(&e.describe()).into_owned()
        ));
    }
    text
}
