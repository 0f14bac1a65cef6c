//! `stage plan|status|init|clone|start|stop|reset|exec|destroy|configure`: the staging incus
//! project of a staging context. Every step is printed as it happens; the audit row names the
//! components and the commands that ran.

use std::io::Write;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::Invocation;
use super::output::{Report, table};
use super::remote_cmd::block_on;
use crate::cli::{ConfigureArgs, StageCmd};
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::{self, stage as ops_stage};
use crate::policy::guard::ContextPolicy;
use crate::remote::{LineSink, Stream};
use crate::state::paths::ContextDir;
use crate::state::stage::{self, StageConfig};
use crate::state::{context, fsio, settings, targets};
use crate::text::{human_bytes, sanitize};
use ops_stage::status::StageStatus;
use ops_stage::{Outcome, Session, Stage};

pub fn run(inv: &Invocation, cmd: &StageCmd) -> Result<Report> {
    let cd = inv.existing_cd()?;
    if let StageCmd::Configure(a) = cmd {
        return configure(inv, &cd, a);
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
    // One changing stage action per context at a time.
    let _lock = if mutating {
        Some(fsio::StateLock::acquire(
            &cd.locks_dir().join("stage.lock"),
        )?)
    } else {
        None
    };
    let sink = printer(inv.json);
    let pool = ops::pool(&inv.root, inv.connect_timeout);
    let (outcome, status) = block_on(|cancel| async {
        let transport = match pool.get(&inv.context, &st.host).await {
            Ok(t) => t,
            Err(e) => {
                let empty = Outcome {
                    steps: Vec::new(),
                    error: Some(e),
                    data: Map::new(),
                };
                return (empty, None);
            }
        };
        let s = Session::new(st.cfg.clone(), transport, sink, cancel);
        let mut status = None;
        let result = match cmd {
            StageCmd::Plan => ops_stage::run::plan(&s).await,
            StageCmd::Init => ops_stage::run::init(&s).await,
            StageCmd::Clone(_) => ops_stage::run::clone(&s, &which).await,
            StageCmd::Start(_) => ops_stage::lifecycle::start(&s, &which).await,
            StageCmd::Stop(_) => ops_stage::lifecycle::stop(&s, &which).await,
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
        };
        pool.close_all().await;
        (Outcome::new(&s, result), status)
    })?;
    Ok(report(
        inv,
        &st,
        &outcome,
        status.as_ref(),
        !matches!(cmd, StageCmd::Plan),
    ))
}

/// Prints each line as it arrives (text mode), through the terminal sanitiser.
fn printer(json: bool) -> LineSink {
    Arc::new(move |stream, line: String| {
        if json {
            return;
        }
        let text = format!("{}\n", sanitize(&line));
        let _ = match stream {
            Stream::Stdout => std::io::stdout().lock().write_all(text.as_bytes()),
            Stream::Stderr => std::io::stderr().lock().write_all(text.as_bytes()),
        };
    })
}

/// The result document; `summary` adds a closing line in text mode (a plan has its own).
fn report(
    inv: &Invocation,
    st: &Stage,
    o: &Outcome,
    status: Option<&StageStatus>,
    summary: bool,
) -> Report {
    let mut rep = Report::ok()
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
    } else if o.error.is_none() && !inv.json && summary {
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
        let outside = s.outside();
        if !outside.is_empty() {
            return rep.failed_with(
                PaasError::new(
                    ErrorCode::ContextGuard,
                    "stage_status",
                    format!(
                        "{} has an IPv4 address outside the staging network {}: it may reach production",
                        outside.join(", "),
                        s.network
                    ),
                )
                .with_target(&st.cfg.host_target)
                .with_remediation(format!(
                    "stop it (`paasdeck --context {} stage stop --components {}`) and set its address; `stage reset` checks it before starting",
                    inv.context,
                    outside.join(",")
                )),
            );
        }
    }
    rep
}

fn status_text(s: &StageStatus) -> String {
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
    text
}

fn input_error(path: &std::path::Path, e: &stage::Invalid) -> PaasError {
    let msg = format!("{}: {}: {}", path.display(), e.field, e.message);
    if e.guard {
        PaasError::new(ErrorCode::ContextGuard, "stage_configure", msg)
            .with_remediation("the staging project must be a project of its own, never `default` or the source project")
    } else {
        PaasError::usage("stage_configure", msg)
            .with_remediation("fix that field; docs/stage.md shows a complete stage object")
    }
}

fn configure(inv: &Invocation, cd: &ContextDir, a: &ConfigureArgs) -> Result<Report> {
    let ccfg = context::require(cd)?;
    ops_stage::require_staging(cd.name(), &ContextPolicy::new(cd.name(), Some(&ccfg)))?;
    let current = settings::load(cd)?;
    let Some(file) = &a.from_file else {
        let stage = current.stage()?;
        let value = stage.as_ref().map(StageConfig::to_value);
        let text = match &value {
            Some(v) => {
                serde_json::to_string_pretty(&serde_json::json!({ "stage": v })).unwrap_or_default()
            }
            None => format!(
                "context {} has no stage object; write one with `paasdeck --context {} stage configure --from-file stage.json`",
                cd.name(),
                cd.name()
            ),
        };
        return Ok(Report::ok()
            .set("path", current.path().display().to_string())
            .set("stage", value)
            .text(sanitize(&text).into_owned()));
    };
    let raw = std::fs::read_to_string(file).map_err(|e| {
        PaasError::usage(
            "stage_configure",
            format!("cannot read {}: {e}", file.display()),
        )
    })?;
    let doc: Value = fsio::parse_json(file, &raw).map_err(|e| PaasError {
        code: ErrorCode::InvalidArgument,
        stage: "stage_configure".into(),
        usage: true,
        ..e
    })?;
    let value = match doc.get("stage") {
        Some(v) if doc.as_object().is_some_and(|m| m.len() == 1) => v.clone(),
        _ => doc,
    };
    let cfg = StageConfig::from_value(&value).map_err(|e| input_error(file, &e))?;
    if targets::load(cd)?.find(&cfg.host_target).is_none() {
        return Err(PaasError::usage(
            "stage_configure",
            format!(
                "{}: stage.host_target: {:?} is not a target of context {:?}",
                file.display(),
                cfg.host_target.as_str(),
                cd.name()
            ),
        )
        .with_remediation(format!(
            "add the incus host first: `paasdeck --context {} target add --name {} --host H --user U` (or --auth-method local)",
            cd.name(),
            cfg.host_target
        )));
    }
    let new = cfg.to_value();
    let changes = stage::describe_changes(current.get("stage"), &new);
    let mut notes = Vec::new();
    let incus_project = ccfg.incus_project.trim();
    if !incus_project.is_empty() && incus_project != cfg.project.as_str() {
        notes.push(format!(
            "note: config.json names incus_project {incus_project:?}, the stage object {}",
            cfg.project
        ));
    }
    let write = !a.dry_run && !changes.is_empty();
    if write {
        settings::update(cd, |s| {
            s.set_stage(&cfg);
            Ok(())
        })?;
    }
    let mut text = String::new();
    if changes.is_empty() {
        text.push_str("the stage object is already like that; nothing written\n");
    } else {
        for c in &changes {
            text.push_str(&format!("  {c}\n"));
        }
        text.push_str(&if write {
            format!("written to {}\n", settings::path(cd).display())
        } else {
            "dry run: nothing written\n".into()
        });
    }
    for n in &notes {
        text.push_str(n);
        text.push('\n');
    }
    text.push_str(&format!(
        "next: `paasdeck --context {} stage plan` shows what `stage init` and `stage clone` will run\n",
        inv.context
    ));
    Ok(Report::ok()
        .field("project", cfg.project.as_str())
        .field("changes", &changes)
        .field("written", write)
        .set("path", settings::path(cd).display().to_string())
        .set("stage", new)
        .text(sanitize(&text).into_owned()))
}
