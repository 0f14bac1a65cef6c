//! `check [--all-contexts] [--skip-remote] [--prometheus FILE]`: the scripted health check.
//! Exit 0 only when every check of every context passes.

use serde_json::json;

use super::Invocation;
use super::output::Report;
use super::remote_cmd::block_on;
use crate::cli::CheckArgs;
use crate::error::{ErrorCode, PaasError, Result};
use crate::ops::{self, check};

fn render(c: &check::ContextCheck) -> String {
    let mut s = format!(
        "paasdeck check [{}]: {}\n",
        c.context,
        if c.ok { "ok" } else { "FAILED" }
    );
    let width = c.checks.iter().map(|v| v.name.len()).max().unwrap_or(0);
    for v in &c.checks {
        s.push_str(&format!(
            "  {:<4} {:<width$}  {}\n",
            if v.ok { "OK" } else { "FAIL" },
            v.name,
            crate::text::sanitize_inline(&v.detail)
        ));
    }
    if let Some(i) = &c.incident_id {
        s.push_str(&format!("  incident {i}\n"));
    }
    if let Some(a) = &c.alert {
        s.push_str(&format!("  {}", super::deploy_cmd::alert_line(a)));
    }
    s
}

pub fn run(inv: &Invocation, a: &CheckArgs) -> Result<Report> {
    if let Some(p) = &a.prometheus {
        crate::state::fsio::existing_output(p, "flag_validation")?;
    }
    let contexts = if a.all_contexts {
        inv.root.list_contexts()?
    } else {
        inv.existing_cd()?;
        vec![inv.context.clone()]
    };
    let spec = check::CheckSpec {
        skip_remote: a.skip_remote,
        timeout: a.timeout,
        parallel: 16,
    };
    let pool = ops::pool(&inv.root, inv.connect_timeout);
    let (root, cwd) = (inv.root.clone(), inv.cwd.clone());
    let mut results = block_on(|cancel| async move {
        let mut out = Vec::new();
        for ctx in &contexts {
            out.push(check::check_context(&root, &pool, cwd.as_deref(), ctx, &spec, &cancel).await);
        }
        pool.close_all().await;
        out
    })?;
    for c in &mut results {
        check::report_failure(&inv.root, c);
    }
    let now = crate::state::clock::now();
    let mut prom_error = None;
    if let Some(path) = &a.prometheus {
        // The verdicts are the result; a textfile that cannot be written fails the run too.
        if let Err(e) = check::write_prometheus(path, &check::prometheus(&results, now)) {
            prom_error = Some(e);
        }
    }
    let ok = results.iter().all(|c| c.ok);
    let failing: Vec<String> = results
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{} ({})", c.context, c.failing().join(", ")))
        .collect();
    let text: String = if results.is_empty() {
        "no contexts\n".into()
    } else {
        results.iter().map(render).collect()
    };
    // `contexts` is exactly SPEC §15's shape; what the failures raised is listed beside it.
    let contexts: Vec<serde_json::Value> = results
        .iter()
        .map(|c| json!({"context": c.context, "ok": c.ok, "checks": c.checks}))
        .collect();
    let raised: Vec<serde_json::Value> = results
        .iter()
        .filter(|c| c.incident_id.is_some() || c.alert.is_some())
        .map(|c| {
            json!({
                "context": c.context,
                "incident_id": c.incident_id,
                "alert": c.alert.as_ref().map(super::deploy_cmd::alert_summary),
            })
        })
        .collect();
    let incident = results.iter().find_map(|c| c.incident_id.clone());
    let mut rep = Report::ok().set("contexts", contexts);
    if !raised.is_empty() {
        rep = rep.set("raised", raised);
    }
    let mut rep = rep
        .audit_only("contexts", results.len())
        .audit_only("failing", failing.join("; "))
        .text(text);
    if let Some(i) = &incident {
        rep = rep.audit_only("incident_id", i);
    }
    if let Some(e) = prom_error {
        return Ok(rep.failed_with(e));
    }
    if ok {
        return Ok(rep);
    }
    Ok(rep.failed_with(
        PaasError::new(
            ErrorCode::CheckFailed,
            "check",
            format!(
                "check failed in {} of {} context(s): {}",
                failing.len(),
                results.len(),
                failing.join("; ")
            ),
        )
        .with_remediation(
            "read each failing check's detail; `paasdeck --context C doctor`, `target check --all` and `deploy reconcile --app A` show more",
        ),
    ))
}
