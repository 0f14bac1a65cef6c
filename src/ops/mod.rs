//! Operations, one module each. Each takes typed inputs and reports progress through line sinks
//! and results; the headless CLI and the console call the same functions.

pub mod addon;
pub mod alert;
pub mod app_reset;
pub mod apps;
pub mod audit;
pub mod backup;
pub mod bootstrap;
pub mod check;
pub mod checklist;
pub mod deploy;
pub mod logs;
pub mod reconcile;
pub mod redaction;
pub mod remediation;
pub mod secrets;
pub mod shell;
pub mod stage;
pub mod target_check;
pub mod target_exec;
pub mod target_incus;
pub mod targets;
pub mod vault;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::remote::hostkeys::HostKeyLearned;
use crate::remote::pool::{LearnedHook, Pool};
use crate::remote::ssh::SshOptions;
use crate::state::StateRoot;
use crate::state::events::{self, Audit};
use crate::state::paths::EventFile;

/// An exact headless command line for a hint: `paasdeck [--state-root R] --context C ARGS`,
/// with the state root named whenever it is not the default one, so it runs as shown.
pub fn cli_command(root: &StateRoot, context: &str, args: &str) -> String {
    let quote = crate::text::shell_word;
    let mut cmd = "paasdeck".to_string();
    if root.source() != crate::state::RootSource::Home {
        cmd.push_str(" --state-root ");
        cmd.push_str(&quote(&root.path().display().to_string()));
    }
    if !context.is_empty() {
        cmd.push_str(" --context ");
        cmd.push_str(&quote(context));
    }
    if !args.is_empty() {
        cmd.push(' ');
        cmd.push_str(args);
    }
    cmd
}

/// A hint with every `` `paasdeck …` `` command in it made exact for this state root: the
/// root is named when it is not the default one, so a pasted command acts where the failing
/// one did.
pub fn rooted_hint(root: &StateRoot, hint: &str) -> String {
    if root.source() == crate::state::RootSource::Home || hint.contains("--state-root") {
        return hint.to_string();
    }
    let prefix = cli_command(root, "", "");
    hint.replace("`paasdeck ", &format!("`{prefix} "))
}

/// The audit row recorded when a connection adds a host key: on first use, or a key added for
/// a host that already had others.
pub fn host_key_learned_row(context: &str, target: &str, l: &HostKeyLearned) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("target".into(), target.into());
    fields.insert("host".into(), l.host.clone().into());
    fields.insert("port".into(), l.port.into());
    fields.insert("fingerprint".into(), l.fingerprints.join(",").into());
    fields.insert(
        "known_hosts".into(),
        l.known_hosts.display().to_string().into(),
    );
    if !l.previously_known.is_empty() {
        fields.insert(
            "previously_known".into(),
            l.previously_known.join(",").into(),
        );
    }
    let audit = Audit {
        command: "host_key_learned".into(),
        ok: true,
        duration_ms: 0,
        fields,
        error: None,
    };
    let mut row = audit.row(context, &events::operator());
    row.insert("severity".into(), "warning".into());
    row.insert("target".into(), target.into());
    let pattern = crate::remote::hostkeys::host_pattern(&l.host, l.port);
    let message = if l.previously_known.is_empty() {
        format!(
            "accepted the host key of {pattern} on first use ({})",
            l.fingerprints.join(", ")
        )
    } else {
        format!(
            "added a host key for {pattern} ({}) beside the known {}",
            l.fingerprints.join(", "),
            l.previously_known.join(", ")
        )
    };
    row.insert("message".into(), message.into());
    row
}

/// A connection pool whose first-use host keys are audited in the target's context.
pub fn pool(root: &StateRoot, connect_timeout: Duration) -> Pool {
    let opts = SshOptions::from_env(root.known_hosts(), connect_timeout);
    let root = root.clone();
    let hook: LearnedHook = Arc::new(move |ctx, target, learned| {
        if let Err(e) = root.context(ctx).and_then(|cd| {
            events::append(
                &cd,
                EventFile::Audit,
                host_key_learned_row(ctx, target, learned),
            )
        }) {
            tracing::error!("could not audit a learned host key: {}", e.message);
        }
        tracing::warn!(context = ctx, target, host = %learned.host, "host key learned on first use");
    });
    Pool::new(opts, Some(hook))
}
