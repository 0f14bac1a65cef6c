//! `doctor [--all-contexts]` and `info`.

use serde_json::json;

use super::{Outcome, Scope};
use crate::cli::DoctorArgs;
use crate::dirs::AppDirs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::doctor::{self, DoctorReport, Level};

/// What `doctor` checks: the scope's context, or every context of the state root.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoctorInput {
    pub all_contexts: bool,
}

impl DoctorInput {
    pub fn from_args(a: &DoctorArgs) -> DoctorInput {
        DoctorInput {
            all_contexts: a.all_contexts,
        }
    }
}

/// One report as text: the status line, a line per check (with its fix when it fails), the
/// warnings.
pub fn render(r: &DoctorReport) -> String {
    let status = match (r.ok, r.warnings.is_empty()) {
        (false, _) => "blocked: deploys, rollbacks and secret changes are refused".to_string(),
        (true, true) => "ok".to_string(),
        (true, false) => format!("ok, with {} warning(s)", r.warnings.len()),
    };
    let mut s = format!("paasdeck doctor [{}]: {status}\n", r.context);
    let width = r.checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in &r.checks {
        s.push_str(&format!(
            "  {:<4}  {:<width$}  {}\n",
            match (c.ok, c.level, c.warning) {
                (false, Level::Block, _) => "ERR",
                (false, Level::Warn, _) => "WARN",
                (true, _, true) => "WRN",
                (true, _, false) => "OK",
            },
            c.name,
            c.detail
        ));
        if !c.ok && !c.fix.is_empty() {
            s.push_str(&format!("  {:<4}  {:<width$}  fix: {}\n", "", "", c.fix));
        }
    }
    if !r.warnings.is_empty() {
        s.push_str(&format!(
            "warnings (they never block a deploy, a rollback or a secret change): {}\n",
            r.warnings.join(", ")
        ));
    }
    s
}

/// Runs the doctor of the scope's context, or of every context; a failing doctor is an
/// outcome with `ok: false` (the checks are the data) and `PAAS_DOCTOR_FAILED`.
pub fn doctor(scope: &Scope, input: &DoctorInput) -> Result<Outcome> {
    let cwd = std::env::current_dir().ok();
    if input.all_contexts {
        let mut reports = Vec::new();
        for name in scope.root.list_contexts()? {
            reports.push(doctor::run(&scope.root, &name, cwd.as_deref()));
        }
        return Ok(every_context(&reports));
    }
    let r = doctor::run(&scope.root, &scope.context, cwd.as_deref());
    let out = Outcome::ok()
        .set("count", r.checks.len())
        .set("checks", &r.checks)
        .set("warnings", &r.warnings)
        .audit_only("check_count", r.checks.len())
        .audit_only("failure_count", r.blocking().len())
        .audit_only("warning_count", r.warnings.len())
        .text(render(&r));
    Ok(if r.ok {
        out
    } else {
        out.failed_with(failed(&r))
    })
}

fn every_context(reports: &[DoctorReport]) -> Outcome {
    let text: String = reports.iter().map(render).collect();
    let failing: Vec<String> = reports
        .iter()
        .filter(|r| !r.ok)
        .map(|r| format!("{} ({})", r.context, r.blocking().join(", ")))
        .collect();
    let out = Outcome::ok()
        .list(reports)
        .audit_only("contexts", reports.len())
        .text(if reports.is_empty() {
            "no contexts\n".into()
        } else {
            text
        })
        .summary(format!(
            "doctor of {} context(s): {} failing",
            reports.len(),
            failing.len()
        ));
    if failing.is_empty() {
        return out;
    }
    out.failed_with(
        PaasError::new(
            ErrorCode::DoctorFailed,
            "doctor",
            format!(
                "the doctor found issues in {} of {} context(s): {}",
                failing.len(),
                reports.len(),
                failing.join("; ")
            ),
        )
        .with_remediation(
            "fix what each failing check's detail says, then run `paasdeck doctor --all-contexts` again",
        ),
    )
}

/// A failing doctor is a result (the checks are the data) and a failure: `PAAS_DOCTOR_FAILED`
/// naming the failing checks, as every failing command's JSON carries an `error`.
fn failed(r: &DoctorReport) -> PaasError {
    PaasError::new(
        ErrorCode::DoctorFailed,
        "doctor",
        format!(
            "the doctor found {} blocking issue(s) in context {}: {}",
            r.blocking().len(),
            r.context,
            r.blocking().join(", ")
        ),
    )
    .with_remediation(format!(
        "run each failing check's fix, then `paasdeck --context {} doctor` again",
        r.context
    ))
}

/// The clock shift in force (`PAASDECK_CLOCK_OFFSET`), or why the variable was ignored.
fn clock_offset() -> String {
    use crate::state::clock;
    match std::env::var(clock::OFFSET_ENV) {
        Err(_) => "none".into(),
        Ok(v) => match clock::parse_offset(&v) {
            Ok(d) => format!("{}s ({}={v})", d.whole_seconds(), clock::OFFSET_ENV),
            Err(e) => format!("none (ignored: {e})"),
        },
    }
}

/// Where everything is: the state root and its source, the stored and active contexts, the
/// context's files, the operator's directories and identity file, the clock shift.
pub fn info(scope: &Scope) -> Result<Outcome> {
    let dirs = AppDirs::discover();
    let p = |f: &dyn Fn(&AppDirs) -> std::path::PathBuf| {
        dirs.as_ref()
            .map(|d| f(d).display().to_string())
            .unwrap_or_default()
    };
    let root = &scope.root;
    // `info` is where one looks when the stored name is damaged: it says so instead of failing.
    let stored = match root.stored_context() {
        Ok(s) => s.map(String::from).unwrap_or_default(),
        Err(e) => format!("(unreadable: {})", e.message),
    };
    let cd = root.context(&scope.context)?;
    let body = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "state_root": root.path().display().to_string(),
        "state_root_source": root.source().as_str(),
        "current_context": stored,
        "active_context": scope.context,
        "context_dir": cd.dir().display().to_string(),
        "vault_file": crate::state::context::vault_path(&cd).display().to_string(),
        "known_hosts": root.known_hosts().display().to_string(),
        // A backup_dir that cannot be used says why where the path would be.
        "backup_store": match crate::ops::backup::store_dir(&cd) {
            Ok(d) => d.display().to_string(),
            Err(e) => format!("(unusable: {})", e.message),
        },
        "config_dir": p(&|d| d.config_dir.clone()),
        "keymap_file": p(&|d| d.keymap_file()),
        "theme_file": p(&|d| d.theme_file()),
        // Where a key file would be read from; the environment and the keyring come first.
        "identity_file": std::env::var_os(crate::state::vault::identity::IDENTITY_FILE_ENV)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
            .or_else(crate::state::vault::identity::default_file)
            .map(|f| f.display().to_string())
            .unwrap_or_default(),
        "log_dir": p(&|d| d.log_dir.clone()),
        "data_dir": p(&|d| d.data_dir.clone()),
        "cache_dir": p(&|d| d.cache_dir.clone()),
        "clock_offset": clock_offset(),
    });
    let mut out = Outcome::ok();
    let mut text = String::new();
    if let serde_json::Value::Object(m) = body {
        for (k, v) in &m {
            text.push_str(&format!("{k:<18} {}\n", v.as_str().unwrap_or_default()));
        }
        out.body = m;
    }
    Ok(out.text(text))
}
