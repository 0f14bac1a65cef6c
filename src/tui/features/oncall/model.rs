//! The responder's views as data: the All tab's merged rows, the Incidents view's queues and
//! the selection in each, and the weekly checklist's grid. It depends on no other console module, so the action and app types
//! can hold it without importing the on-call reducer.

use std::collections::BTreeMap;

use crate::state::clock;
use crate::state::events::EventRecord;
use crate::state::incidents::Entry;

/// Rows the All tab keeps.
pub const ALL_KEPT: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    All,
    Incidents,
}

/// One row of the All tab.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextEvent {
    pub context: String,
    pub record: EventRecord,
}

#[derive(Debug, Clone, Default)]
pub struct OnCall {
    /// The view shown instead of the context panes, if any.
    pub view: Option<View>,
    pub selected: [usize; 2],
    /// Every context's events, newest first (once loaded).
    pub all: Vec<ContextEvent>,
    pub all_loaded: bool,
    /// Every context's incident queue, newest first.
    pub incidents: BTreeMap<String, Vec<Entry>>,
    /// Every context's agent runs waiting for approval, oldest first.
    pub proposals: BTreeMap<String, Vec<Proposal>>,
}

/// An agent run waiting for an operator's decision, with what it would do.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub run_id: String,
    pub agent: String,
    pub incident_id: String,
    pub remediation: crate::verbs::agent::Remediation,
}

fn key_of(r: &EventRecord) -> i128 {
    clock::sort_key(&r.timestamp).unwrap_or(i128::MIN)
}

impl OnCall {
    /// Open (or acknowledged) incidents per context, contexts with none left out.
    pub fn open_counts(&self) -> Vec<(String, usize)> {
        self.incidents
            .iter()
            .map(|(c, v)| (c.clone(), v.iter().filter(|e| e.status.is_active()).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Agent runs waiting for approval per context, contexts with none left out.
    pub fn pending_counts(&self) -> Vec<(String, usize)> {
        self.proposals
            .iter()
            .map(|(c, v)| (c.clone(), v.len()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// The proposal waiting for a decision on an incident, if any (the newest).
    pub fn proposal_for(&self, context: &str, incident: &str) -> Option<&Proposal> {
        self.proposals
            .get(context)?
            .iter()
            .rev()
            .find(|p| p.incident_id == incident)
    }

    /// The Incidents view's rows: active ones first, then newest first.
    pub fn incident_rows(&self) -> Vec<(&str, &Entry)> {
        let mut rows: Vec<(&str, &Entry)> = self
            .incidents
            .iter()
            .flat_map(|(c, v)| v.iter().map(move |e| (c.as_str(), e)))
            .collect();
        rows.sort_by_cached_key(|(_, e)| {
            (
                std::cmp::Reverse(e.status.is_active()),
                std::cmp::Reverse(clock::sort_key(&e.last_seen)),
            )
        });
        rows
    }

    pub fn rows(&self, v: View) -> usize {
        match v {
            View::All => self.all.len(),
            View::Incidents => self.incidents.values().map(Vec::len).sum(),
        }
    }

    pub(crate) fn index(v: View) -> usize {
        match v {
            View::All => 0,
            View::Incidents => 1,
        }
    }

    pub fn selection(&self, v: View) -> usize {
        self.selected[Self::index(v)]
    }

    /// Rows appended in a context (oldest first), merged in by time.
    pub fn add(&mut self, context: &str, rows: &[EventRecord]) {
        if !self.all_loaded {
            return;
        }
        for r in rows {
            let row = ContextEvent {
                context: context.to_string(),
                record: with_context(r.clone(), context),
            };
            if self.all.contains(&row) {
                continue;
            }
            let k = key_of(&row.record);
            let at = self
                .all
                .iter()
                .position(|e| key_of(&e.record) <= k)
                .unwrap_or(self.all.len());
            self.all.insert(at, row);
            if self.view == Some(View::All) && self.selected[0] > 0 && at <= self.selected[0] {
                self.selected[0] += 1;
            }
        }
        self.all.truncate(ALL_KEPT);
    }
}

fn with_context(mut r: EventRecord, context: &str) -> EventRecord {
    if r.context.is_empty() {
        r.context = context.to_string();
    }
    r
}

/// The All tab's rows from every context's newest events.
pub fn merge(per_context: Vec<(String, Vec<EventRecord>)>) -> Vec<ContextEvent> {
    let mut all: Vec<ContextEvent> = per_context
        .into_iter()
        .flat_map(|(c, rows)| {
            rows.into_iter().map(move |r| ContextEvent {
                record: with_context(r, &c),
                context: c.clone(),
            })
        })
        .collect();
    all.sort_by_key(|e| std::cmp::Reverse(key_of(&e.record)));
    all.truncate(ALL_KEPT);
    all
}

/// The view's state: the checklists once computed, and the selected item and context.
#[derive(Debug, Clone, Default)]
pub struct ChecklistView {
    pub lists: Option<Vec<crate::ops::checklist::ContextChecklist>>,
    pub item: usize,
    pub context: usize,
}

impl ChecklistView {
    /// The selected context's checklist and item.
    pub fn selected(
        &self,
    ) -> Option<(
        &crate::ops::checklist::ContextChecklist,
        &crate::ops::checklist::Item,
    )> {
        let list = self.lists.as_ref()?.get(self.context)?;
        Some((list, list.items.get(self.item)?))
    }
}
