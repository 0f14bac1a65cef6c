//! `logs`: `docker compose -p <ctx>-<app> logs` in the app's current release on one target,
//! every line delivered as it arrives; `--follow` runs until interrupted or cancelled. Lines are
//! cleaned of the app's vault values for that target first: an app that prints its
//! environment leaks what its `.env` holds.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::deploy::bundle;
use super::deploy::location::{self, Location};
use super::deploy::remote::{Layout, compose, project_name};
use super::redaction::{self, Redacting};
use super::remediation;
use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::redact::ValueRedactor;
use crate::remote::pool::Pool;
use crate::remote::quote::{quote, quote_all};
use crate::remote::{ExecRequest, LineSink, Stream};
use crate::state::ids::{AppName, ReleaseId, ServiceName};
use crate::state::paths::ContextDir;
use crate::state::targets::Target;
use crate::state::{apps, deployments, names, targets};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(45);

#[derive(Debug, Clone)]
pub struct LogsSpec {
    pub app: String,
    pub target: Option<String>,
    pub service: Option<String>,
    pub tail: u32,
    pub since: Option<String>,
    pub follow: bool,
}

/// Where and how logs will be read.
#[derive(Debug, Clone)]
pub struct LogsPlan {
    pub target: Target,
    pub release: String,
    pub command: String,
    /// The app's values on this target, hidden from every line.
    pub redactor: ValueRedactor,
}

pub fn plan(cd: &ContextDir, spec: &LogsSpec) -> Result<LogsPlan> {
    let app = AppName::parse(spec.app.as_str())?;
    let service = spec
        .service
        .as_deref()
        .map(ServiceName::parse)
        .transpose()?;
    if let Some(s) = &spec.since {
        humantime::parse_duration(s).map_err(|e| {
            PaasError::usage("flag_validation", format!("invalid --since {s:?}: {e}"))
        })?;
    }
    let at = ComposeAt::current(cd, &app, spec.target.as_deref())?;
    let mut args = vec![
        "logs".to_string(),
        "--no-color".into(),
        "--tail".into(),
        spec.tail.to_string(),
    ];
    if let Some(s) = &spec.since {
        args.push("--since".into());
        args.push(s.clone());
    }
    if spec.follow {
        args.push("--follow".into());
    }
    if let Some(s) = service {
        args.push(s.into());
    }
    let command = at.command(&args);
    let (target, release) = (at.target, at.release);
    let vault = redaction::load_vault(cd)?;
    let redactor = redaction::app_values(cd, &vault, &spec.app, &target.name);
    Ok(LogsPlan {
        target,
        release: release.to_string(),
        command,
        redactor,
    })
}

/// An app's current release on one of its targets: where its compose project runs, for a
/// `docker compose` command there (logs, the app's shell).
#[derive(Debug, Clone)]
pub struct ComposeAt {
    pub target: Target,
    pub release: ReleaseId,
    pub app: AppName,
    context: String,
    files: Vec<String>,
    loc: Location,
}

impl ComposeAt {
    /// The app's current release on `target` (else its first target).
    pub fn current(cd: &ContextDir, app: &AppName, target: Option<&str>) -> Result<ComposeAt> {
        let entry = apps::load(cd)?.find(app).cloned();
        let h = deployments::load(cd)?.app(app).cloned().unwrap_or_default();
        let Some(release) = h.current_release.clone() else {
            return Err(location::no_release(app));
        };
        let doc = targets::load(cd)?;
        let wanted: Vec<String> = match target {
            Some(t) => {
                names::validate_target(t)?;
                vec![t.to_string()]
            }
            None => entry
                .as_ref()
                .map(|e| e.targets.iter().take(1).map(String::from).collect())
                .unwrap_or_default(),
        };
        let target =
            doc.select(&wanted)?.into_iter().next().ok_or_else(|| {
                targets::not_found(wanted.first().map(String::as_str).unwrap_or("?"))
            })?;
        let loc = location::on_target(cd, app, &h, target.name.as_str())?
            .ok_or_else(|| location::no_release_on(app, &target.name))?;
        // A blue/green target may still run an older slot release than the recorded one.
        let release = match ReleaseId::parse(loc.release()) {
            Ok(r) => r,
            Err(_) => release,
        };
        let files = bundle::compose_files(cd, app, &release);
        Ok(ComposeAt {
            target,
            release,
            app: app.clone(),
            context: cd.name().to_string(),
            files,
            loc,
        })
    }

    /// `docker compose ARGS` in the release's directory, with its project and files.
    pub fn command(&self, args: &[String]) -> String {
        let paasdeck_root = |root: String| Layout {
            root,
            context: self.context.clone(),
            app: self.app.to_string(),
        };
        let pd_project = project_name(&self.context, &self.app);
        let in_dir = |dir: &str, project: &str| {
            format!(
                "cd {} && {} {}",
                quote(dir),
                compose(project, &self.files),
                quote_all(args)
            )
        };
        match &self.loc {
            Location::Paasdeck { root, .. } => {
                in_dir(&paasdeck_root(root.clone()).current(), &pd_project)
            }
            // si's release directory; a record an older paasdeck wrote (its bare root) names
            // paasdeck's layout under that root instead.
            Location::Si {
                releases_dir,
                release_dir,
                project,
                ..
            } => format!(
                "if [ -d {} ]; then {}; else {}; fi",
                quote(release_dir),
                in_dir(release_dir, project),
                in_dir(&paasdeck_root(releases_dir.clone()).current(), &pd_project)
            ),
            // si's active slot: its release directory, or a clear word that it is gone.
            Location::SiBlueGreen {
                release_dir,
                project,
                slot,
                ..
            } => format!(
                "if [ -d {dir} ]; then {}; else echo {} >&2; exit 1; fi",
                in_dir(release_dir, project),
                quote(&format!(
                    "si's {slot} slot release directory {release_dir} is not on this target"
                )),
                dir = quote(release_dir),
            ),
        }
    }
}

/// How a logs command ended: its exit code and its last stderr lines.
#[derive(Debug, Clone, Default)]
pub struct Exit {
    pub code: i32,
    tail: Vec<String>,
}

impl Exit {
    /// The failure a non-zero exit is, with the remediation its output points at.
    pub fn error(&self, context: &str, plan: &LogsPlan) -> Option<PaasError> {
        self.failure(context, &plan.target, "logs", "logs")
    }

    /// A non-zero exit of `docker compose WHAT` on `target` as an error (at `stage`) naming the
    /// target and the command's last stderr lines, refined by the remediation table.
    pub fn failure(
        &self,
        context: &str,
        target: &Target,
        what: &str,
        stage: &str,
    ) -> Option<PaasError> {
        if self.code == 0 {
            return None;
        }
        let tail = self.tail.join(" | ");
        let e = PaasError::new(
            ErrorCode::RemoteCommandFailed,
            stage,
            format!(
                "docker compose {what} exited with status {} on {}{}",
                self.code,
                target.name,
                if tail.is_empty() {
                    String::new()
                } else {
                    format!(": {tail}")
                }
            ),
        )
        .with_target(target.name.as_str());
        Some(remediation::refine(
            e,
            "",
            &remediation::Facts::for_target(context, target),
        ))
    }
}

/// Streams the logs; returns how the remote command ended.
pub async fn run(
    pool: &Pool,
    context: &str,
    plan: &LogsPlan,
    follow: bool,
    sink: LineSink,
    cancel: &CancellationToken,
) -> Result<Exit> {
    let t = Redacting::wrap(
        pool.get(context, &plan.target).await?,
        plan.redactor.clone(),
    );
    let mut req = ExecRequest::new(plan.command.clone());
    if !follow {
        req.timeout = Some(DEFAULT_TIMEOUT);
    }
    exec_keeping_tail(t.as_ref(), req, sink, cancel).await
}

/// Runs `req` on `t`, its output to `sink`, keeping the last stderr lines: they say why a
/// failing command failed.
pub async fn exec_keeping_tail(
    t: &dyn crate::remote::Transport,
    req: ExecRequest,
    sink: LineSink,
    cancel: &CancellationToken,
) -> Result<Exit> {
    let tail = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let t2 = tail.clone();
    let tee: LineSink = std::sync::Arc::new(move |stream, line: String| {
        if stream == Stream::Stderr
            && let Ok(mut v) = t2.lock()
        {
            if v.len() == 3 {
                v.remove(0);
            }
            v.push(line.clone());
        }
        sink(stream, line);
    });
    let code = t.exec(req, tee, cancel.clone()).await?;
    let tail = tail.lock().map(|v| v.clone()).unwrap_or_default();
    Ok(Exit { code, tail })
}
