//! The common causes of a remote failure, recognised in the output a failing command left in
//! its error, each mapped to a remediation naming the command or flag that fixes it: one table,
//! applied wherever a remote failure becomes a `PaasError` (deploy and rollback steps, health,
//! `target check`, `logs`, `target exec`, app backup and restore).

use crate::error::{ErrorCode, PaasError};
use crate::state::targets::{AuthMethod, Target};
use crate::text::shell_word as quote;

/// What a remediation may name: where the failure happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub context: String,
    pub target: String,
    pub user: String,
    pub host: String,
    pub port: u16,
    /// A local target runs commands here, not over SSH.
    pub local: bool,
    /// The remote root a deploy writes under.
    pub remote_root: Option<String>,
    /// The app a deploy was for: the remote-dir fix names its `deploy` command.
    pub deploy_app: Option<String>,
}

impl Facts {
    pub fn for_target(context: &str, t: &Target) -> Facts {
        Facts {
            context: context.to_string(),
            target: t.name.to_string(),
            user: t.user.to_string(),
            host: t.host.to_string(),
            port: t.port(),
            local: t.auth() == AuthMethod::Local,
            ..Facts::default()
        }
    }

    pub fn deploying(mut self, app: &str, remote_root: &str) -> Facts {
        self.deploy_app = Some(app.to_string());
        self.remote_root = Some(remote_root.to_string());
        self
    }

    /// `script` as the operator runs it on the target: through `ssh` for a remote target.
    fn on_target(&self, script: &str) -> String {
        if self.local {
            return script.to_string();
        }
        let port = if self.port == 22 {
            String::new()
        } else {
            format!("-p {} ", self.port)
        };
        let quoted = crate::text::shell_word(script);
        format!("ssh {port}{}@{} {quoted}", self.user, self.host)
    }

    fn check_again(&self) -> String {
        format!(
            "`paasdeck --context {} target check --target {}`",
            self.context, self.target
        )
    }

    /// A directory under the SSH user's home for `--remote-dir`.
    fn home_dir(&self) -> String {
        if self.user == "root" {
            "/root/paas/releases".into()
        } else {
            format!("/home/{}/paas/releases", self.user)
        }
    }
}

/// One common cause: whether a (lowercased) line shows it, and the remediation for it.
struct Cause {
    name: &'static str,
    matches: fn(&str) -> bool,
    remediation: fn(&Facts, &str) -> String,
}

/// Checked in order: the first cause any line shows wins, so the more specific come first
/// (the Docker socket's "permission denied" before the remote directory's).
const CAUSES: &[Cause] = &[
    Cause {
        name: "docker_group",
        // docker-compose v1 says it in Python: `Error while fetching server API version:
        // ('Connection aborted.', PermissionError(13, 'Permission denied'))`.
        matches: |l| {
            l.contains("permission denied while trying to connect to the docker")
                || (l.contains("error while fetching server api version")
                    && l.contains("permissionerror"))
        },
        remediation: |f, _| {
            format!(
                "{user} may not use the Docker daemon on {host}: add it to the docker group with `{cmd}`, then {check} (a new connection picks up the group)",
                user = f.user,
                host = f.host,
                cmd = f.on_target(&format!("sudo usermod -aG docker {}", f.user)),
                check = f.check_again(),
            )
        },
    },
    Cause {
        name: "docker_not_running",
        matches: |l| {
            l.contains("cannot connect to the docker daemon")
                || l.contains("is the docker daemon running")
                || l.contains("error while fetching server api version")
        },
        remediation: |f, _| {
            format!(
                "the Docker daemon is not running on {}: start it with `{}`, then {}",
                f.host,
                f.on_target("sudo systemctl enable --now docker"),
                f.check_again()
            )
        },
    },
    Cause {
        name: "compose_missing",
        matches: |l| {
            l.contains("'compose' is not a docker command")
                || l.contains("unknown command: docker compose")
                || l.contains("unknown shorthand flag: 'p' in -p")
                || l.contains("docker-compose: not found")
                || l.contains("docker-compose: command not found")
        },
        remediation: |f, _| {
            format!(
                "Docker Compose is missing on {}: install the plugin with `{}` (Docker's apt repository; see https://docs.docker.com/compose/install/linux/) or Debian's docker-compose with `{}`, then {} (it shows compose=v2 or compose=v1)",
                f.host,
                f.on_target("sudo apt-get install -y docker-compose-plugin"),
                f.on_target("sudo apt-get install -y docker-compose"),
                f.check_again()
            )
        },
    },
    Cause {
        name: "docker_missing",
        matches: |l| {
            l.contains("docker: command not found")
                || l.contains("docker: not found")
                || l.contains("\"docker\": executable file not found")
        },
        remediation: |f, _| {
            format!(
                "Docker is not installed on {} (or not on {}'s PATH): install Docker Engine and its Compose plugin (https://docs.docker.com/engine/install/, e.g. `{}`), then {}",
                f.host,
                f.user,
                f.on_target("curl -fsSL https://get.docker.com | sudo sh"),
                f.check_again()
            )
        },
    },
    Cause {
        name: "disk_full",
        matches: |l| l.contains("no space left on device"),
        remediation: |f, _| {
            format!(
                "the disk is full on {}: see what uses it with `{}`, free space (`docker image prune -a` removes images no container uses; old releases lie under {}), then retry",
                f.host,
                f.on_target("df -h; docker system df"),
                f.remote_root
                    .as_deref()
                    .map(|r| format!("{r}/{}", f.context))
                    .unwrap_or_else(|| "the remote root".into())
            )
        },
    },
    Cause {
        name: "remote_dir_permission",
        matches: |l| {
            l.contains("permission denied")
                && (l.contains("cannot create")
                    || l.contains("can't create")
                    || l.contains("failed to create")
                    || l.contains("mkdir"))
        },
        remediation: |f, line| {
            let path = denied_path(line)
                .or_else(|| f.remote_root.clone())
                .unwrap_or_else(|| "the remote directory".into());
            let root = f.remote_root.clone().unwrap_or_else(|| path.clone());
            let home = f.home_dir();
            let elsewhere = match &f.deploy_app {
                Some(app) => format!(
                    "deploy under {user}'s home instead: `paasdeck --context {ctx} deploy --app {app} --remote-dir {home} --apply` (or register it once with `app add --remote-dir {home}`)",
                    user = f.user,
                    ctx = f.context,
                ),
                None => format!(
                    "use a remote dir under {}'s home (`--remote-dir {home}`)",
                    f.user
                ),
            };
            format!(
                "{user} may not create {path} on {host}: {elsewhere}, or create the directory for {user}: `{cmd}`",
                user = f.user,
                host = f.host,
                cmd = f.on_target(&format!(
                    "sudo mkdir -p {root} && sudo chown {user} {root}",
                    root = quote(&root),
                    user = f.user
                )),
            )
        },
    },
];

/// The path a "cannot create" line names: `mkdir: cannot create directory '/opt/si':
/// Permission denied` (any quote style), `sh: 1: cannot create /opt/si/x: Permission denied`.
fn denied_path(line: &str) -> Option<String> {
    let start = ["cannot create", "can't create", "failed to create"]
        .iter()
        .find_map(|m| line.find(m).map(|i| i + m.len()))?;
    let rest = line[start..].trim_start();
    let rest = ["directory ", "symbolic link ", "regular file "]
        .iter()
        .find_map(|w| rest.strip_prefix(w))
        .unwrap_or(rest);
    let quotes: &[char] = &['\'', '"', '‘', '’', '`'];
    let path = match rest.strip_prefix(quotes) {
        Some(q) => q.split(quotes).next()?,
        None => rest.split(": ").next()?,
    };
    path.starts_with('/').then(|| path.to_string())
}

/// Whether one output line shows a common cause.
pub fn shows_a_cause(line: &str) -> bool {
    let l = line.trim().to_lowercase();
    CAUSES.iter().any(|c| (c.matches)(&l))
}

/// The cause a failure's text shows and its remediation, if it is a common one.
pub fn diagnose(text: &str, facts: &Facts) -> Option<(&'static str, String)> {
    let lines: Vec<String> = text
        .split(['\n', '|'])
        .map(|l| l.trim().to_string())
        .collect();
    CAUSES.iter().find_map(|c| {
        lines
            .iter()
            .find(|l| (c.matches)(&l.to_lowercase()))
            .map(|l| (c.name, (c.remediation)(facts, l)))
    })
}

/// Codes whose message carries a remote command's output; the SSH codes keep their own
/// remediations (the exact `ssh-keygen -R`, the key offered).
fn carries_remote_output(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::RemoteApplyFailed
            | ErrorCode::RemoteUploadFailed
            | ErrorCode::RemoteCommandFailed
            | ErrorCode::HealthCheckFailed
            | ErrorCode::RollbackApplyFailed
    )
}

/// Replaces a remote failure's remediation with the specific one when its message (or
/// `output`, the command's last lines) shows a common cause.
pub fn refine(e: PaasError, output: &str, facts: &Facts) -> PaasError {
    if !carries_remote_output(e.code) {
        return e;
    }
    match diagnose(&format!("{}\n{output}", e.message), facts) {
        Some((_, remediation)) => e.with_remediation(remediation),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(port: u16, local: bool) -> Facts {
        Facts {
            context: "shop".into(),
            target: "edge-a".into(),
            user: "deploy".into(),
            host: "203.0.113.10".into(),
            port,
            local,
            remote_root: Some("/opt/si/paas/releases".into()),
            deploy_app: Some("api".into()),
        }
    }

    /// (what the target printed, the cause, words the remediation must hold).
    const TABLE: &[(&str, &str, &[&str])] = &[
        (
            "mkdir: cannot create directory '/opt/si': Permission denied",
            "remote_dir_permission",
            &[
                "deploy may not create /opt/si on 203.0.113.10",
                "`paasdeck --context shop deploy --app api --remote-dir /home/deploy/paas/releases --apply`",
                "`ssh deploy@203.0.113.10 'sudo mkdir -p /opt/si/paas/releases && sudo chown deploy /opt/si/paas/releases'`",
            ],
        ),
        (
            "mkdir: cannot create directory ‘/opt/si’: Permission denied",
            "remote_dir_permission",
            &["create /opt/si on"],
        ),
        (
            "sh: 1: cannot create /opt/si/paas/releases/shop/api/releases/r/compose.yaml: Permission denied",
            "remote_dir_permission",
            &["create /opt/si/paas/releases/shop/api/releases/r/compose.yaml on"],
        ),
        (
            "ln: failed to create symbolic link 'current': Permission denied",
            "remote_dir_permission",
            &["sudo chown deploy /opt/si/paas/releases"],
        ),
        (
            "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/json\": dial unix /var/run/docker.sock: connect: permission denied",
            "docker_group",
            &[
                "`ssh deploy@203.0.113.10 'sudo usermod -aG docker deploy'`",
                "`paasdeck --context shop target check --target edge-a`",
            ],
        ),
        (
            "permission denied while trying to connect to the docker API at unix:///var/run/docker.sock",
            "docker_group",
            &["usermod -aG docker deploy"],
        ),
        (
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
            "docker_not_running",
            &["sudo systemctl enable --now docker"],
        ),
        (
            "docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))",
            "docker_not_running",
            &["systemctl enable --now docker"],
        ),
        (
            "docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', PermissionError(13, 'Permission denied'))",
            "docker_group",
            &["usermod -aG docker deploy"],
        ),
        (
            "docker: 'compose' is not a docker command.",
            "compose_missing",
            &["sudo apt-get install -y docker-compose-plugin"],
        ),
        (
            "unknown shorthand flag: 'p' in -p",
            "compose_missing",
            &["docker-compose-plugin"],
        ),
        (
            "docker: unknown command: docker compose",
            "compose_missing",
            &["docker-compose-plugin"],
        ),
        (
            "bash: line 1: docker: command not found",
            "docker_missing",
            &["Docker is not installed on 203.0.113.10", "get.docker.com"],
        ),
        (
            "sh: 1: docker: not found",
            "docker_missing",
            &["install Docker Engine"],
        ),
        (
            "compose check failed: sh: 1: docker-compose: not found",
            "compose_missing",
            &["docker-compose-plugin"],
        ),
        (
            "failed to register layer: write /usr/lib/x: no space left on device",
            "disk_full",
            &[
                "`ssh deploy@203.0.113.10 'df -h; docker system df'`",
                "docker image prune -a",
                "/opt/si/paas/releases/shop",
            ],
        ),
        (
            "cat: write error: No space left on device",
            "disk_full",
            &["the disk is full on 203.0.113.10"],
        ),
    ];

    #[test]
    fn common_causes_map_to_a_remediation_naming_the_fix() {
        for (output, cause, words) in TABLE {
            let text =
                format!("creating the release directory failed on deploy@h:22 (exit 1): {output}");
            let (got, remediation) = diagnose(&text, &facts(22, false))
                .unwrap_or_else(|| panic!("no cause found in {output:?}"));
            assert_eq!(got, *cause, "{output}");
            for w in *words {
                assert!(
                    remediation.contains(w),
                    "{output}\n→ {remediation}\nlacks {w}"
                );
            }
        }
    }

    #[test]
    fn other_failures_keep_their_remediation() {
        for output in [
            "Error response from daemon: pull access denied for nope",
            "Permission denied (publickey).",
            "service api exited with code 1",
            "",
        ] {
            assert_eq!(diagnose(output, &facts(22, false)), None, "{output}");
        }
        // SSH codes keep their own remediations, even when their text looks like a cause
        let e = PaasError::new(ErrorCode::SshAuthFailed, "ssh", "docker: not found")
            .with_remediation("offer another key");
        assert_eq!(
            refine(e, "", &facts(22, false)).remediation,
            "offer another key"
        );
    }

    #[test]
    fn the_command_fits_the_target() {
        let (_, r) = diagnose("docker: not found", &facts(2222, false)).unwrap();
        assert!(r.contains("`ssh -p 2222 deploy@203.0.113.10 'curl"), "{r}");
        let (_, r) = diagnose(
            "permission denied while trying to connect to the docker daemon socket",
            &facts(22, true),
        )
        .unwrap();
        assert!(r.contains("`sudo usermod -aG docker deploy`"), "{r}");
        let mut root = facts(22, false);
        root.user = "root".into();
        root.deploy_app = None;
        let (_, r) = diagnose(
            "mkdir: cannot create directory '/srv/x': Permission denied",
            &root,
        )
        .unwrap();
        assert!(r.contains("`--remote-dir /root/paas/releases`"), "{r}");
        // output passed beside the message counts too
        let e = PaasError::new(ErrorCode::RemoteCommandFailed, "logs", "logs exited 1");
        let e = refine(
            e,
            "x\ndocker: 'compose' is not a docker command.",
            &facts(22, false),
        );
        assert!(
            e.remediation.contains("docker-compose-plugin"),
            "{}",
            e.remediation
        );
    }
}
