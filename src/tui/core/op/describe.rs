//! What an operation will do, for the confirmation dialog: one function per capability.

use super::*;

impl Op {
    /// Exactly what will happen, for the confirmation dialog.
    pub fn describe(&self, ctx: &str, targets: &[crate::state::targets::Target]) -> Vec<String> {
        let addr = |n: &str| {
            targets
                .iter()
                .find(|t| t.is(n))
                .map(|t| format!("{} ({}, {})", t.name, t.address(), t.auth().as_str()))
                .unwrap_or_else(|| n.to_string())
        };
        match self {
            Op::CheckTargets { .. }
            | Op::AddTarget { .. }
            | Op::RemoveTarget { .. }
            | Op::UseTarget { .. }
            | Op::Exec { .. }
            | Op::EditTarget { .. }
            | Op::BootstrapTarget { .. } => self.describe_targets(ctx, &addr),
            Op::EventsTail
            | Op::ContextInit { .. }
            | Op::ContextUse { .. }
            | Op::Doctor(_)
            | Op::ScrubBundles => self.describe_contexts(ctx),
            Op::AddApp { .. }
            | Op::EditApp { .. }
            | Op::RemoveApp { .. }
            | Op::ResetApp { .. }
            | Op::EnableAddon { .. }
            | Op::DisableAddon { .. } => self.describe_apps(ctx),
            Op::SetSecret { .. }
            | Op::SecretList { .. }
            | Op::VaultStatus
            | Op::UnsetSecret { .. }
            | Op::SecretEncrypt
            | Op::VaultKeygen
            | Op::VaultRecipientAdd { .. } => self.describe_secrets(ctx),
            Op::Deploy { .. }
            | Op::Rollback { .. }
            | Op::Apply { .. }
            | Op::Logs { .. }
            | Op::LockStatus
            | Op::LockRelease { .. }
            | Op::Reconcile { .. } => self.describe_deploys(ctx),
            Op::Check { .. }
            | Op::AlertTest { .. }
            | Op::AlertAcknowledge { .. }
            | Op::AlertHistory(_)
            | Op::IncidentResolve { .. }
            | Op::IncidentAcknowledge { .. }
            | Op::AgentApprove { .. }
            | Op::AgentDeny { .. } => self.describe_oncall(ctx),
            Op::Stage { .. } | Op::Backup { .. } => self.describe_pane(),
            Op::Shell(s) => s.describe(ctx),
        }
    }

    /// The dialog lines of targets (and running on them).
    fn describe_targets(&self, ctx: &str, addr: &dyn Fn(&str) -> String) -> Vec<String> {
        match self {
            Op::CheckTargets(c) => {
                let mut v = vec!["read-only preflight over SSH:".to_string()];
                v.extend(c.targets.iter().map(|t| format!("  {}", addr(t))));
                v
            }
            Op::AddTarget(t) => vec![
                format!(
                    "add target {} ({}@{}:{}, {})",
                    t.name, t.user, t.host, t.port, t.auth_method
                ),
                format!("writes contexts/{ctx}/targets.json"),
            ],
            Op::RemoveTarget { name } => vec![
                format!("remove target {}", addr(name)),
                format!("writes contexts/{ctx}/targets.json"),
            ],
            Op::UseTarget { name } => vec![format!("make {} the current target", addr(name))],
            Op::Exec(ExecInput {
                targets: ts,
                command,
                strategy,
                max_parallel,
                continue_on_error,
                ..
            }) => {
                let plan = FanoutPlan::new(*strategy, ts, *max_parallel);
                let mut v = vec![
                    format!("run on {} target(s): {command}", ts.len()),
                    format!(
                        "plan: {}{}",
                        plan.summary(),
                        if *continue_on_error {
                            " (continue on error)"
                        } else {
                            ""
                        }
                    ),
                ];
                v.extend(ts.iter().map(|t| format!("  {} $ {command}", addr(t))));
                v
            }
            Op::EditTarget(t) => vec![
                format!(
                    "set target {} to {}@{}:{} ({}{})",
                    t.name,
                    t.user,
                    t.host,
                    t.port,
                    t.auth_method,
                    if t.labels.is_empty() {
                        String::new()
                    } else {
                        format!(", labels {}", t.labels.join(","))
                    }
                ),
                format!("writes contexts/{ctx}/targets.json"),
            ],
            Op::BootstrapTarget {
                target, public_key, ..
            } => vec![
                format!(
                    "install {} on {} over one password login (the system ssh, the password through SSH_ASKPASS)",
                    if public_key.is_empty() {
                        "your public key (~/.ssh/id_ed25519.pub, else id_rsa.pub)"
                    } else {
                        public_key.as_str()
                    },
                    addr(target)
                ),
                "then log in with the key; only if that works is the target switched to key authentication".into(),
                format!("writes contexts/{ctx}/targets.json; the password is never shown or logged"),
            ],
            _ => Vec::new(),
        }
    }

    /// The dialog lines of contexts and their events.
    fn describe_contexts(&self, ctx: &str) -> Vec<String> {
        match self {
            Op::EventsTail => vec!["follow this context's events".into()],
            Op::ContextInit {
                name,
                kind,
                read_only,
                color,
                confirm,
            } => vec![
                format!(
                    "create context {name} of type {kind}{}{}{}",
                    if *read_only { ", read-only" } else { "" },
                    if color.is_empty() {
                        String::new()
                    } else {
                        format!(", colour {color}")
                    },
                    if confirm.is_empty() {
                        String::new()
                    } else {
                        format!(", confirm {confirm}")
                    }
                ),
                format!("creates contexts/{name}/ in the state root"),
            ],
            Op::ContextUse { name } => vec![
                format!("make {name} the stored current context"),
                "writes current_context in the state root".into(),
            ],
            Op::Doctor(d) if d.all_contexts => vec!["run the doctor of every context".into()],
            Op::Doctor(_) => vec!["run the doctor".into()],
            Op::ScrubBundles => vec![
                format!("remove every .env file left in contexts/{ctx}/releases/<app>/<release>/"),
                "the values stay in the vault; deploys stream them from there".into(),
            ],
            _ => Vec::new(),
        }
    }

    /// The dialog lines of apps and their add-ons.
    fn describe_apps(&self, ctx: &str) -> Vec<String> {
        match self {
            Op::AddApp(a) | Op::EditApp(a) => vec![
                format!(
                    "{} app {} from {}",
                    if matches!(self, Op::AddApp(_)) {
                        "register"
                    } else {
                        "update"
                    },
                    a.name,
                    a.compose_file
                ),
                format!(
                    "targets: {}",
                    if a.targets.is_empty() {
                        "the current target".to_string()
                    } else {
                        a.targets.join(",")
                    }
                ),
                format!("writes contexts/{ctx}/apps.json"),
            ],
            Op::RemoveApp { name } => vec![
                format!("remove app {name} from the registry (its release history stays)"),
                format!("writes contexts/{ctx}/apps.json"),
            ],
            Op::ResetApp { name } => vec![
                format!("take {name} down on its targets with its volumes: its data is gone"),
                format!("then deploy its current release again on fresh volumes"),
            ],
            Op::EnableAddon(a) => vec![
                format!(
                    "enable the {} add-on{} for app {}",
                    a.pack,
                    a.name
                        .as_deref()
                        .map(|n| format!(" {n}"))
                        .unwrap_or_default(),
                    a.app
                ),
                format!(
                    "writes contexts/{ctx}/addons.json and the fragment under contexts/{ctx}/addons/; the next deploy adds its service"
                ),
            ],
            Op::DisableAddon { app, name } => vec![
                format!("disable add-on {name} of app {app}"),
                format!(
                    "the next deploy of {app} leaves its service out and removes its container (`up --remove-orphans`); its data volume stays"
                ),
                format!("writes contexts/{ctx}/addons.json and removes the fragment"),
            ],
            _ => Vec::new(),
        }
    }

    /// The dialog lines of secrets and the vault.
    fn describe_secrets(&self, ctx: &str) -> Vec<String> {
        match self {
            Op::SetSecret {
                app, name, target, ..
            } => vec![
                format!(
                    "set secret {name} of app {app} for {}",
                    target.clone().unwrap_or_else(|| "every target".into())
                ),
                format!("writes the vault of {ctx}; the value is never shown or logged"),
            ],
            Op::SecretList { app } => vec![format!("list the variables of {app}")],
            Op::VaultStatus => vec!["show the vault's recipients and value counts".into()],
            Op::UnsetSecret { app, name, target } => vec![
                format!(
                    "remove secret {name} of app {app} for {}",
                    target.clone().unwrap_or_else(|| "every target".into())
                ),
                format!("writes the vault of {ctx}; the next deploy of {app} goes without it"),
            ],
            Op::SecretEncrypt => vec![
                format!("encrypt every plaintext value of {ctx}'s vault in place (age, to its recipients)"),
                format!("rewrites contexts/{ctx}/vault/secrets.env atomically; no value is shown"),
            ],
            Op::VaultKeygen => vec![
                "create your own age identity (for every context), unless you have one".into(),
                "the secret key is written to a 0600 file outside the state root and never shown".into(),
            ],
            Op::VaultRecipientAdd { recipient } => vec![
                format!("add recipient {recipient} to {ctx}'s vault"),
                "re-encrypt every value to the new set of recipients (needs your identity to decrypt them)".into(),
                format!("rewrites contexts/{ctx}/vault/secrets.env atomically; no value is shown"),
            ],
            _ => Vec::new(),
        }
    }

    /// The dialog lines of deploys, rollbacks, their lock and logs.
    fn describe_deploys(&self, ctx: &str) -> Vec<String> {
        match self {
            Op::Deploy(d) => vec![format!("deploy app {}", d.common.app)],
            Op::Rollback(r) => vec![format!(
                "roll app {} back to {}",
                r.common.app,
                r.to_release
                    .clone()
                    .unwrap_or_else(|| "the previous release".into())
            )],
            Op::Apply(p) => p.0.lines(),
            Op::Logs(l) => vec![format!(
                "{} the logs of {} on {}",
                if l.follow { "follow" } else { "show" },
                l.app,
                l.target.clone().unwrap_or_else(|| "its first target".into())
            )],
            Op::Reconcile(r) => vec![format!(
                "read where {} runs on its targets and compare with deployments.json (read-only)",
                r.app
            )],
            Op::LockStatus => vec!["show the deploy locks held in this context".into()],
            Op::LockRelease { app, force } => vec![
                format!(
                    "remove the deploy lock of {app}{}",
                    if *force { ", even one that cannot be read" } else { "" }
                ),
                "only when no deploy of it is running: a running deploy keeps going without its lock".into(),
                format!("removes contexts/{ctx}/locks/deploy-{}.json", crate::state::deployments::app_key(app)),
            ],
            _ => Vec::new(),
        }
    }

    /// The dialog lines of checks, alerts and incidents.
    fn describe_oncall(&self, ctx: &str) -> Vec<String> {
        match self {
            Op::Check(c) => vec![format!(
                "check {}: doctor, {}backups, deploy drift",
                if c.all_contexts {
                    "every context"
                } else {
                    "this context"
                },
                if c.skip_remote { "" } else { "every target, " }
            )],
            Op::AlertTest { severity, .. } => vec![
                format!("raise a {severity} test alert through {ctx}'s alert policy"),
                format!("appends to contexts/{ctx}/events/alerts.jsonl"),
            ],
            Op::AlertAcknowledge { id, note } => vec![
                format!("acknowledge alert {id} ({note}); its incident becomes acknowledged"),
                format!("appends to contexts/{ctx}/events/alerts.jsonl"),
            ],
            Op::AlertHistory(h) => vec![format!("show the last {} alerts", h.limit)],
            Op::IncidentResolve { id, .. } => vec![
                format!("mark incident {id} resolved"),
                format!("rewrites contexts/{ctx}/events/incidents.jsonl"),
            ],
            Op::IncidentAcknowledge { id, note } => vec![
                format!(
                    "mark incident {id} acknowledged{}",
                    if note.is_empty() {
                        String::new()
                    } else {
                        format!(" ({note})")
                    }
                ),
                format!("rewrites contexts/{ctx}/events/incidents.jsonl"),
            ],
            Op::AgentApprove {
                run,
                agent,
                remediation: r,
                ..
            } => {
                let mut v = vec![
                    format!("approve agent {agent}'s run {run}, which then runs at once:"),
                    format!("  {}", r.describe()),
                    format!("  as `{}`", r.command),
                ];
                v.extend(r.plan.iter().map(|l| format!("  {l}")));
                v.push(format!(
                    "writes contexts/{ctx}/agents/approvals.json and events/agent-runs.jsonl; the incident is resolved if it succeeds"
                ));
                v
            }
            Op::AgentDeny { run, agent, note } => vec![
                format!("deny agent {agent}'s run {run} ({note}): nothing runs"),
                format!("writes contexts/{ctx}/agents/approvals.json and events/agent-runs.jsonl"),
            ],
            _ => Vec::new(),
        }
    }

    /// The dialog lines of stage and backups (their ops carry their lines).
    fn describe_pane(&self) -> Vec<String> {
        match self {
            Op::Stage(s) => s.lines.clone(),
            Op::Backup(b) => b.lines.clone(),

            _ => Vec::new(),
        }
    }
}
