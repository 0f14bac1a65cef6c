//! `target check` on an incus host. A target is of role `incus-host` when a staging
//! context's stage object names it as its `host_target` (SPEC §14): what matters there is
//! incus, not Docker. Its probe checks SSH, the architecture, `incus version` (the daemon
//! answers), the source project (`incus list --project SRC`, read only), and the free disk
//! where incus keeps its storage against `min_host_free`; load and uptime as for any target.

use super::target_check::CheckResult;
use crate::error::ErrorCode;
use crate::remote::quote::quote;
use crate::state::ids::TargetName;
use crate::state::paths::ContextDir;
use crate::state::settings;
use crate::state::stage::StageConfig;

pub const ROLE: &str = "incus-host";

/// What the probe of an incus host needs from the stage object.
#[derive(Debug, Clone)]
pub struct IncusRole {
    pub cfg: StageConfig,
}

/// The role of target `t` in context `cd`: an incus host when the stage names it.
pub fn role_of(cd: &ContextDir, t: &TargetName) -> Option<IncusRole> {
    let cfg = settings::load(cd).ok()?.stage().ok()??;
    (cfg.host_target.as_str() == t.as_str()).then_some(IncusRole { cfg })
}

/// The probe: one round trip, `key=value` lines, `fail=<step> <message>` on the first failure.
pub fn probe(role: &IncusRole) -> String {
    let incus = quote(role.cfg.incus.as_str());
    let src = quote(role.cfg.source_project.as_str());
    let storage = quote(role.cfg.storage_path.as_str());
    format!(
        r#"flat() {{ printf %s "$1" | tr '\n' ' '; }}
echo "ssh=ok"
a=$(uname -m 2>&1) || {{ echo "fail=arch $(flat "$a")"; exit 0; }}
echo "arch=$a"
v=$({incus} version 2>&1) || {{ echo "fail=incus $(flat "$v")"; exit 0; }}
echo "incus=$(flat "$v")"
p=$({incus} list --project {src} --format json 2>&1 >/dev/null) || {{ echo "fail=incus_project $(flat "$p")"; exit 0; }}
echo "incus_project=ok"
echo "df=begin"
df -P / {storage} 2>/dev/null
echo "df=end"
[ -r /proc/loadavg ] && read -r l < /proc/loadavg && echo "loadavg=$l"
[ -r /proc/uptime ] && read -r u < /proc/uptime && echo "uptime=$u"
true
"#
    )
}

/// The server's version from `incus version` (`Client version: 6.0 Server version: 6.0`).
fn server_version(v: &str) -> String {
    match v.split_once("Server version:") {
        Some((_, s)) => s.trim().to_string(),
        None => v.trim().to_string(),
    }
}

/// Completes a result whose probe ran to the end: incus answered, the source project is
/// reachable, and the storage has at least `min_host_free`.
pub fn finish(r: &mut CheckResult, role: &IncusRole, lines: &[String]) {
    r.role = Some(ROLE.into());
    let mut project = false;
    for l in lines {
        if let Some(v) = l.strip_prefix("incus=") {
            r.incus_version = Some(server_version(v));
        } else if l == "incus_project=ok" {
            project = true;
        }
    }
    // The probe's second `df` row is the incus storage, not a Docker root.
    r.disk_free_incus = r.disk_free_docker.take();
    if r.incus_version.is_none() || !project {
        r.status = "failed".into();
        r.stage = Some("incus".into());
        r.error_code = Some(ErrorCode::RemoteCommandFailed.as_str().into());
        r.error = Some(
            "incus check incomplete: no answer from `incus version` or the source project".into(),
        );
        return;
    }
    let min = &role.cfg.min_host_free;
    match r.disk_free_incus {
        Some(free) if free < min.bytes => {
            r.status = "failed".into();
            r.stage = Some("disk".into());
            r.error_code = Some(ErrorCode::RemoteCommandFailed.as_str().into());
            r.error = Some(format!(
                "disk check failed: {} free on {}, below the stage's min_host_free {}",
                crate::text::human_bytes(free),
                role.cfg.storage_path.as_str(),
                min.as_str()
            ));
            r.remediation = Some(
                "free disk on the incus host (old snapshots, unused images: `incus image list`), or `stage destroy` a staging project no longer needed".into(),
            );
        }
        _ => r.status = "ok".into(),
    }
}

/// The "what was found" line of a passing incus host.
pub fn found(r: &CheckResult) -> String {
    let mut s = format!(
        "role {ROLE} · ssh ok · arch {} · incus {}",
        r.cpu_arch.clone().unwrap_or_default(),
        r.incus_version.clone().unwrap_or_default()
    );
    if let Some(d) = r.disk_free_incus {
        s.push_str(&format!(
            " · incus storage {} free",
            crate::text::human_bytes(d)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_version_is_read() {
        assert_eq!(
            server_version("Client version: 6.0.0-sim Server version: 6.0.0-sim "),
            "6.0.0-sim"
        );
        assert_eq!(server_version("6.0.1"), "6.0.1");
    }
}
