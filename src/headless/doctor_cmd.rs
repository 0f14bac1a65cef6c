//! `doctor [--all-contexts]` and `info`.

use serde_json::json;

use super::Invocation;
use super::output::Report;
use crate::cli::DoctorArgs;
use crate::dirs::AppDirs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::policy::doctor::{self, DoctorReport, Level};

fn render(r: &DoctorReport) -> String {
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

pub fn run(inv: &Invocation, args: &DoctorArgs) -> Result<Report> {
    if args.all_contexts {
        let mut reports = Vec::new();
        for name in inv.root.list_contexts()? {
            reports.push(doctor::run(&inv.root, &name, inv.cwd.as_deref()));
        }
        let ok = reports.iter().all(|r| r.ok);
        let text: String = reports.iter().map(render).collect();
        let rep = Report::ok()
            .list(&reports)
            .audit_only("contexts", reports.len())
            .text(if reports.is_empty() {
                "no contexts\n".into()
            } else {
                text
            });
        let failing: Vec<String> = reports
            .iter()
            .filter(|r| !r.ok)
            .map(|r| format!("{} ({})", r.context, r.blocking().join(", ")))
            .collect();
        return Ok(if ok {
            rep
        } else {
            rep.failed_with(
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
        });
    }
    let r = doctor::run(&inv.root, &inv.context, inv.cwd.as_deref());
    let rep = Report::ok()
        .set("count", r.checks.len())
        .set("checks", &r.checks)
        .set("warnings", &r.warnings)
        .audit_only("check_count", r.checks.len())
        .audit_only("failure_count", r.blocking().len())
        .audit_only("warning_count", r.warnings.len())
        .text(render(&r));
    Ok(if r.ok {
        rep
    } else {
        rep.failed_with(failed(&r))
    })
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

pub fn info(inv: &Invocation) -> Result<Report> {
    let dirs = AppDirs::discover();
    let p = |f: &dyn Fn(&AppDirs) -> std::path::PathBuf| {
        dirs.as_ref()
            .map(|d| f(d).display().to_string())
            .unwrap_or_default()
    };
    // `info` is where one looks when the stored name is damaged: it says so instead of failing.
    let stored = match inv.root.stored_context() {
        Ok(s) => s.map(String::from).unwrap_or_default(),
        Err(e) => format!("(unreadable: {})", e.message),
    };
    let cd = inv.cd();
    let body = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "state_root": inv.root.path().display().to_string(),
        "state_root_source": inv.root.source().as_str(),
        "current_context": stored,
        "active_context": inv.context,
        "context_dir": cd.dir().display().to_string(),
        "vault_file": crate::state::context::vault_path(&cd).display().to_string(),
        "known_hosts": inv.root.known_hosts().display().to_string(),
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
    let mut rep = Report::ok();
    let mut text = String::new();
    if let serde_json::Value::Object(m) = body {
        for (k, v) in &m {
            text.push_str(&format!("{k:<18} {}\n", v.as_str().unwrap_or_default()));
        }
        rep.body = m;
    }
    Ok(rep.text(text))
}
