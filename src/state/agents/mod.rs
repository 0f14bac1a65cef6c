//! si's automation-agent files, in si's shapes so an si root's agents open as they are:
//! `agents/agents.json` (the agents), `agents/approvals.json` (one decision per run, newest
//! first), `agents/remediation_policy.json` (what each incident severity allows), the per-agent
//! lock (`lock.rs`) and the run log with its artifacts (`runs.rs`). Keys paasdeck does not know
//! are kept as they are when a document is rewritten.

pub mod lock;
pub mod runs;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::incidents::Severity;
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio, names};

pub fn agents_dir(cd: &ContextDir) -> PathBuf {
    cd.dir().join("agents")
}

pub fn agents_file(cd: &ContextDir) -> PathBuf {
    agents_dir(cd).join("agents.json")
}

pub fn approvals_file(cd: &ContextDir) -> PathBuf {
    agents_dir(cd).join("approvals.json")
}

pub fn policy_file(cd: &ContextDir) -> PathBuf {
    agents_dir(cd).join("remediation_policy.json")
}

/// paasdeck's own lock around the read-modify-write of these documents (si's `agents/locks/`
/// holds only agents' run locks).
fn doc_lock(cd: &ContextDir) -> Result<fsio::StateLock> {
    fsio::StateLock::acquire(&cd.locks_dir().join("agents.lock"))
}

/// One agent (`agents.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Agent {
    pub name: String,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    #[serde(default)]
    pub last_run_at: String,
    #[serde(default)]
    pub last_run_id: String,
    #[serde(default)]
    pub last_run_state: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AgentsDoc {
    #[serde(default)]
    pub agents: Vec<Agent>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AgentsDoc {
    pub fn find(&self, name: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.name == name)
    }
}

pub fn load(cd: &ContextDir) -> Result<AgentsDoc> {
    Ok(fsio::read_json(&agents_file(cd))?.unwrap_or_default())
}

fn not_found(cd: &ContextDir, name: &str) -> PaasError {
    PaasError::new(
        ErrorCode::InvalidArgument,
        "agent_lookup",
        format!(
            "context {} has no agent {:?}",
            cd.name(),
            crate::text::sanitize_inline(name)
        ),
    )
    .with_remediation(format!(
        "create it with `paasdeck --context {} agent enable --name NAME`",
        cd.name()
    ))
}

/// The agent, which must exist.
pub fn get(cd: &ContextDir, name: &str) -> Result<Agent> {
    names::validate_agent(name)?;
    load(cd)?
        .find(name)
        .cloned()
        .ok_or_else(|| not_found(cd, name))
}

fn update_agents<R>(cd: &ContextDir, f: impl FnOnce(&mut AgentsDoc) -> Result<R>) -> Result<R> {
    let lock = doc_lock(cd)?;
    fsio::update_doc(&lock, &agents_file(cd), |doc: &mut AgentsDoc| {
        let out = f(doc)?;
        doc.agents.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    })
}

/// `agent enable`: upserts the agent and enables it; `targets`/`profile` replace the stored
/// ones only when given.
pub fn enable(
    cd: &ContextDir,
    name: &str,
    targets: Option<Vec<String>>,
    profile: Option<String>,
) -> Result<Agent> {
    names::validate_agent(name)?;
    update_agents(cd, |doc| {
        let now = clock::now_doc();
        let idx = match doc.agents.iter().position(|a| a.name == name) {
            Some(i) => i,
            None => {
                doc.agents.push(Agent {
                    name: name.to_string(),
                    targets: vec!["all".into()],
                    created_at: now.clone(),
                    ..Default::default()
                });
                doc.agents.len() - 1
            }
        };
        let a = &mut doc.agents[idx];
        a.enabled = true;
        if let Some(t) = targets {
            a.targets = t;
        }
        if let Some(p) = profile {
            a.profile = p;
        }
        a.updated_at = now;
        Ok(a.clone())
    })
}

/// `agent disable`: the agent must exist.
pub fn disable(cd: &ContextDir, name: &str) -> Result<Agent> {
    names::validate_agent(name)?;
    update_agents(cd, |doc| {
        let a = doc
            .agents
            .iter_mut()
            .find(|a| a.name == name)
            .ok_or_else(|| not_found(cd, name))?;
        a.enabled = false;
        a.updated_at = clock::now_doc();
        Ok(a.clone())
    })
}

/// Notes an agent's latest run (`last_run_*`); an agent not in the file is left out.
pub fn note_run(cd: &ContextDir, name: &str, run_id: &str, state: &str) -> Result<()> {
    update_agents(cd, |doc| {
        if let Some(a) = doc.agents.iter_mut().find(|a| a.name == name) {
            a.last_run_at = clock::now_doc();
            a.last_run_id = run_id.to_string();
            a.last_run_state = state.to_string();
        }
        Ok(())
    })
}

/// One operator decision on a run (`approvals.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Decision {
    pub run_id: String,
    #[serde(default)]
    pub agent: String,
    /// `approved` or `denied`.
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub timestamp: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ApprovalsDoc {
    #[serde(default)]
    pub decisions: Vec<Decision>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub fn load_approvals(cd: &ContextDir) -> Result<ApprovalsDoc> {
    Ok(fsio::read_json(&approvals_file(cd))?.unwrap_or_default())
}

/// Records a decision: one per run (a later one replaces it), newest first.
pub fn decide(cd: &ContextDir, d: Decision) -> Result<Decision> {
    let lock = doc_lock(cd)?;
    fsio::update_doc(&lock, &approvals_file(cd), |doc: &mut ApprovalsDoc| {
        doc.decisions.retain(|x| x.run_id != d.run_id);
        doc.decisions.insert(0, d.clone());
        Ok(d)
    })
}

/// What the remediation policy allows for an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyAction {
    AutoAllow,
    ApprovalRequired,
    Deny,
}

impl PolicyAction {
    /// si's words; anything else is read as `approval-required` (never more than si allows).
    pub fn parse(s: &str) -> PolicyAction {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto-allow" | "auto_allow" | "allow" => PolicyAction::AutoAllow,
            "deny" | "denied" => PolicyAction::Deny,
            _ => PolicyAction::ApprovalRequired,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyAction::AutoAllow => "auto-allow",
            PolicyAction::ApprovalRequired => "approval-required",
            PolicyAction::Deny => "deny",
        }
    }
}

/// `remediation_policy.json`: a default action and one per severity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RemediationPolicy {
    #[serde(default = "default_action")]
    pub default_action: String,
    #[serde(default)]
    pub severity_actions: BTreeMap<String, String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn default_action() -> String {
    PolicyAction::ApprovalRequired.as_str().into()
}

impl Default for RemediationPolicy {
    /// si's defaults: info auto-allow, warning and critical approval-required.
    fn default() -> Self {
        let mut m = BTreeMap::new();
        m.insert("info".into(), "auto-allow".into());
        m.insert("warning".into(), "approval-required".into());
        m.insert("critical".into(), "approval-required".into());
        RemediationPolicy {
            default_action: default_action(),
            severity_actions: m,
            extra: Map::new(),
        }
    }
}

impl RemediationPolicy {
    pub fn action_for(&self, severity: Severity) -> PolicyAction {
        let found = self
            .severity_actions
            .iter()
            .find(|(k, _)| Severity::normalise(k) == severity && !k.trim().is_empty());
        PolicyAction::parse(
            found
                .map(|(_, v)| v.as_str())
                .unwrap_or(&self.default_action),
        )
    }
}

/// The policy in force: the file, else si's defaults.
pub fn load_policy(cd: &ContextDir) -> Result<RemediationPolicy> {
    Ok(fsio::read_json(&policy_file(cd))?.unwrap_or_default())
}

#[cfg(test)]
mod tests;
