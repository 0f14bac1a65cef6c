//! The on-call reads of the console: every context's events for the All tab and their incident
//! queues (`alert history` is the verb's, shown as a view). Its operations (`check`, `alert
//! test|acknowledge`, `incident acknowledge|resolve`) are the verbs of `verbs::oncall`.

use crate::state::agents::runs;
use crate::state::{events, incidents};
use crate::tui::core::action::Action;
use crate::tui::effects::env::Env;
use crate::tui::features::oncall;

/// How many of each context's newest events the All tab starts from.
const PER_CONTEXT: usize = 300;

pub fn load_all(env: &Env, names: Vec<String>) {
    let (root, tx) = (env.root.clone(), env.tx.clone());
    tokio::task::spawn_blocking(move || {
        let per: Vec<_> = names
            .into_iter()
            .filter_map(|n| {
                let cd = root.context(&n).ok()?;
                Some((n, events::newest(&cd, PER_CONTEXT).rows))
            })
            .collect();
        let _ = tx.send(Action::AllLoaded(oncall::merge(per)));
    });
}

pub fn load_incidents(env: &Env, names: Vec<String>) {
    let (root, tx) = (env.root.clone(), env.tx.clone());
    tokio::task::spawn_blocking(move || {
        for context in names {
            let Ok(cd) = root.context(&context) else {
                continue;
            };
            match incidents::load(&cd) {
                Ok(q) => {
                    let _ = tx.send(Action::IncidentsLoaded {
                        context: context.clone(),
                        entries: q.entries,
                    });
                }
                Err(e) => tracing::warn!(context, "could not read incidents: {}", e.message),
            }
            match crate::verbs::agent::pending(&cd) {
                Ok(p) => {
                    let proposals = p
                        .into_iter()
                        .map(|(r, remediation)| oncall::Proposal {
                            run_id: runs::text(&r, "run_id").to_string(),
                            agent: runs::text(&r, "agent").to_string(),
                            incident_id: runs::text(&r, "incident_id").to_string(),
                            remediation,
                        })
                        .collect();
                    let _ = tx.send(Action::ProposalsLoaded { context, proposals });
                }
                Err(e) => tracing::warn!(context, "could not read agent runs: {}", e.message),
            }
        }
    });
}
