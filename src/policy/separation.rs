//! Contexts of different types never share a host: one rule, reported by the doctor's
//! `contexts_distinct_targets` for state written by any tool, and enforced where a target is
//! created or changed (`target add`, a target's edit, `context import`) so the mix is refused
//! before it is written.

mod hosts;
pub use hosts::Hosts;

use std::collections::{BTreeSet, HashMap};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::context;
use crate::state::paths::{ContextDir, StateRoot};
use crate::state::targets::{self, AuthMethod, Target, TargetsDoc};

/// Where a target connects, as the rule compares it (`host:port`, host lowercased); `None` for
/// an `auth_method: local` target, which never connects to its host.
pub fn endpoint(t: &Target) -> Option<String> {
    (t.auth() != AuthMethod::Local).then(|| format!("{}:{}", t.host.to_ascii_lowercase(), t.port()))
}

/// A context's type as the rule compares it (`config.json`'s `type`, lowercased, with the
/// `si paas` default).
pub fn kind_of(cd: &ContextDir) -> Result<String> {
    Ok(context::load(cd)?
        .map(|c| c.kind())
        .unwrap_or_else(|| context::DEFAULT_TYPE.into()))
}

/// Another context, read for the comparison.
pub struct Neighbour {
    pub name: String,
    pub kind: String,
    pub targets: TargetsDoc,
}

/// Every context of the root but `ctx`, each read or with the error that stopped its read.
pub fn neighbours(root: &StateRoot, ctx: &str) -> Result<Vec<(String, Result<Neighbour>)>> {
    Ok(root
        .list_contexts()?
        .into_iter()
        .filter(|n| n != ctx)
        .map(|name| {
            let read = root.context(&name).and_then(|cd| {
                Ok(Neighbour {
                    name: name.clone(),
                    kind: kind_of(&cd)?,
                    targets: targets::load(&cd)?,
                })
            });
            (name, read)
        })
        .collect())
}

/// One host:port used by a target of this context and a target of a context of another type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    /// This context's host:port, and the other's spelling when it differs
    /// (`localhost:22 (as 127.0.0.1:22)`).
    pub endpoint: String,
    /// The target of this context.
    pub target: String,
    pub other_context: String,
    pub other_kind: String,
    pub other_target: String,
}

/// The clashes of `mine` (targets of a context of type `my_kind`) with the neighbours, in the
/// neighbours' order: the same port on the same host, compared as hosts ([`Hosts`]: the same
/// name, or an address in common). `mine` is indexed once by port and by each of its hosts'
/// keys, so the cost is linear in the targets of both sides (an import of many thousand
/// targets stays fast) and each name is resolved once.
pub fn clashes(my_kind: &str, mine: &[Target], neighbours: &[&Neighbour]) -> Vec<Clash> {
    let mut out = Vec::new();
    let mut hosts = Hosts::default();
    let mut index: HashMap<(u16, String), Vec<usize>> = HashMap::new();
    for (i, t) in mine.iter().enumerate() {
        if endpoint(t).is_none() {
            continue;
        }
        for key in hosts.keys(t.host.as_str()) {
            index.entry((t.port(), key)).or_default().push(i);
        }
    }
    if index.is_empty() {
        return out;
    }
    for n in neighbours.iter().filter(|n| n.kind != my_kind) {
        for other in &n.targets.targets {
            let Some(theirs) = endpoint(other) else {
                continue;
            };
            let mut matched: BTreeSet<usize> = BTreeSet::new();
            for key in hosts.keys(other.host.as_str()) {
                matched.extend(index.get(&(other.port(), key)).into_iter().flatten());
            }
            for t in matched.into_iter().map(|i| &mine[i]) {
                let Some(ours) = endpoint(t) else { continue };
                out.push(Clash {
                    endpoint: if ours == theirs {
                        ours
                    } else {
                        format!("{ours} (as {theirs})")
                    },
                    target: t.name.to_string(),
                    other_context: n.name.clone(),
                    other_kind: n.kind.clone(),
                    other_target: other.name.to_string(),
                });
            }
        }
    }
    out
}

/// Refuses `targets` about to be written into context `cd` when one of them would share a
/// host:port with a target of a context of another type: `PAAS_CONTEXT_GUARD`, naming the other
/// context, its target and the host:port. Another context that cannot be read refuses too
/// (with its own error): the rule cannot be checked against it.
pub fn refuse_shared_hosts(cd: &ContextDir, targets: &[Target], stage: &str) -> Result<()> {
    if targets.iter().all(|t| endpoint(t).is_none()) {
        return Ok(());
    }
    let root = StateRoot::at(cd.root_path());
    let my_kind = kind_of(cd)?;
    let mut read = Vec::new();
    for (name, n) in neighbours(&root, cd.name())? {
        read.push(n.map_err(|e| PaasError {
            message: format!(
                "cannot check that context {name} shares no host with {}: {}",
                cd.name(),
                e.message
            ),
            stage: stage.to_string(),
            ..e
        })?);
    }
    let read: Vec<&Neighbour> = read.iter().collect();
    let Some(c) = clashes(&my_kind, targets, &read).into_iter().next() else {
        return Ok(());
    };
    Err(PaasError::new(
        ErrorCode::ContextGuard,
        stage,
        format!(
            "refusing target {} in context {} ({my_kind}): {} is already target {} of context {} ({}), and contexts of different types never share a host:port",
            c.target,
            cd.name(),
            c.endpoint,
            c.other_target,
            c.other_context,
            c.other_kind
        ),
    )
    .with_target(&c.target)
    .with_remediation(format!(
        "give this target a host (or port) of its own, or keep the host in contexts of type {}; `paasdeck --context {} target list` shows where it is used",
        c.other_kind,
        crate::text::shell_word(&c.other_context)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ids::{Host, Port, TargetName, User};

    fn target(name: &str, host: &str, port: i64, auth: &str) -> Target {
        Target {
            auth_method: auth.into(),
            ..Target::new(
                TargetName::parse(name).unwrap(),
                Host::parse(host).unwrap(),
                Port::new(port).unwrap(),
                User::parse("u").unwrap(),
            )
        }
    }

    fn neighbour(name: &str, kind: &str, targets: Vec<Target>) -> Neighbour {
        Neighbour {
            name: name.into(),
            kind: kind.into(),
            targets: TargetsDoc {
                targets,
                ..Default::default()
            },
        }
    }

    #[test]
    fn the_rule_compares_host_and_port_across_types_only() {
        let dogfood = neighbour(
            "internal",
            "internal-dogfood",
            vec![
                target("box", "Box.Example", 22, "key"),
                target("here", "10.0.0.9", 22, "local"),
            ],
        );
        let demo2 = neighbour("demo2", "oss-demo", vec![target("x", "10.0.0.5", 22, "")]);
        let all = [&dogfood, &demo2];
        let cases: &[(Target, usize, &str)] = &[
            (
                target("a", "box.example", 22, "key"),
                1,
                "same host:port, case aside",
            ),
            (target("a", "box.example", 2222, "key"), 0, "another port"),
            (target("a", "box.example", 22, "local"), 0, "a local target"),
            (
                target("a", "10.0.0.9", 22, "key"),
                0,
                "the other side is local",
            ),
            (
                target("a", "10.0.0.5", 22, "key"),
                0,
                "a context of the same type",
            ),
        ];
        for (t, want, why) in cases {
            let got = clashes("oss-demo", std::slice::from_ref(t), &all);
            assert_eq!(got.len(), *want, "{why}: {got:?}");
        }
        let c = &clashes("oss-demo", &[target("a", "box.example", 22, "")], &all)[0];
        assert_eq!(
            (
                c.endpoint.as_str(),
                c.other_context.as_str(),
                c.other_target.as_str()
            ),
            ("box.example:22", "internal", "box")
        );
    }
}
