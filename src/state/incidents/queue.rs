//! Reading, folding into and rewriting the queue file. A line that cannot be read is counted and
//! kept as it is when the file is rewritten (nothing is lost by a fold), after the entries.

use time::OffsetDateTime;

use super::fold::{Candidate, candidate};
use super::schema::{Entry, IncidentStatus, key_of};
use super::{CAP, RETENTION, WINDOW};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::paths::{ContextDir, EventFile, StateRoot};
use crate::state::{clock, fsio};

/// The queue of one context, newest first.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    pub entries: Vec<Entry>,
    /// Lines that could not be read (torn, malformed, a value that breaks its rule).
    pub skipped: usize,
    pub(super) raw: Vec<String>,
}

impl Queue {
    pub fn find(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.is(id))
    }

    pub fn active(&self) -> usize {
        self.entries.iter().filter(|e| e.status.is_active()).count()
    }
}

fn ts(s: &str) -> Option<i128> {
    clock::sort_key(s)
}

fn sort(entries: &mut [Entry]) {
    entries.sort_by(|a, b| {
        let (ka, kb) = (ts(&a.last_seen), ts(&b.last_seen));
        kb.cmp(&ka).then_with(|| a.key.cmp(&b.key))
    });
}

/// Reads a context's queue; a missing file is an empty queue.
pub fn load(cd: &ContextDir) -> Result<Queue> {
    let path = cd.incidents_file();
    let text = match std::fs::read(&path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Queue::default()),
        Err(e) => return Err(PaasError::io("state_read", &path, &e)),
    };
    let mut q = Queue::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(mut e) if e.incident.context.as_str() == cd.name() => {
                e.normalise();
                q.entries.push(e);
            }
            _ => {
                q.skipped += 1;
                q.raw.push(line.to_string());
            }
        }
    }
    sort(&mut q.entries);
    Ok(q)
}

/// Every context's queue, for `incident list --all-contexts` and the console.
pub fn load_all_contexts(root: &StateRoot) -> Result<Vec<(String, Queue)>> {
    let mut out = Vec::new();
    for name in root.list_contexts()? {
        let cd = root.context(&name)?;
        out.push((name, load(&cd)?));
    }
    Ok(out)
}

pub(super) fn save(cd: &ContextDir, q: &Queue) -> Result<()> {
    let mut text = String::new();
    for e in &q.entries {
        let line = serde_json::to_string(e).map_err(|err| {
            PaasError::new(
                ErrorCode::UnknownFailure,
                "state_write",
                format!("could not serialise an incident: {err}"),
            )
        })?;
        text.push_str(&line);
        text.push('\n');
    }
    for r in &q.raw {
        text.push_str(r);
        text.push('\n');
    }
    fsio::write_bytes_atomic(&cd.incidents_file(), text.as_bytes())
}

/// Read-modify-write of the queue under its lock (its own lock file, so a writer that holds the
/// context's state lock while appending an event can fold it without waiting for itself).
fn update<R>(cd: &ContextDir, f: impl FnOnce(&mut Queue) -> Result<R>) -> Result<R> {
    let _lock = fsio::StateLock::acquire(&cd.locks_dir().join("incidents.lock"))?;
    let mut q = load(cd)?;
    let out = f(&mut q)?;
    sort(&mut q.entries);
    save(cd, &q)?;
    Ok(out)
}

/// What a fold did.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldOutcome {
    pub id: String,
    pub inserted: bool,
    /// A resolved incident that this failure opened again.
    pub reopened: bool,
    pub seen_count: u64,
}

impl FoldOutcome {
    /// Whether the failure starts something the responder has not heard of yet.
    pub fn is_new(&self) -> bool {
        self.inserted || self.reopened
    }
}

/// Drops entries not seen for [`RETENTION`] and keeps the newest [`CAP`].
fn retain(q: &mut Queue, now: OffsetDateTime) {
    let cutoff = (now - RETENTION).unix_timestamp_nanos();
    q.entries.retain(|e| {
        let last = ts(&e.last_seen).or_else(|| ts(&e.incident.triggered_at));
        last.is_none_or(|l| l >= cutoff)
    });
    sort(&mut q.entries);
    q.entries.truncate(CAP);
}

/// Folds a candidate into the queue: the entry of the same key (dedupe key and window), or of
/// the same dedupe key last seen within the window, is seen once more (severity only rises, a
/// resolved incident opens again); otherwise a new incident.
pub fn fold_candidate(cd: &ContextDir, c: &Candidate) -> Result<FoldOutcome> {
    let incoming = c.incident();
    let key = key_of(&incoming);
    let now = clock::now();
    let at = c.triggered_at.unix_timestamp_nanos();
    let window = WINDOW.as_nanos() as i128;
    update(cd, |q| {
        let found = q.entries.iter().position(|e| e.key == key).or_else(|| {
            q.entries.iter().position(|e| {
                e.incident.dedupe_key == incoming.dedupe_key
                    && ts(&e.last_seen).is_some_and(|l| (at - l).abs() <= window)
            })
        });
        let out = match found {
            Some(i) => {
                let e = &mut q.entries[i];
                e.seen_count += 1;
                e.last_seen = clock::rfc3339_nanos(c.triggered_at.max(now));
                let cur = &mut e.incident;
                cur.severity = cur.severity.max(incoming.severity);
                if !incoming.message.is_empty() {
                    cur.message = incoming.message.clone();
                }
                if !incoming.target.is_empty() {
                    cur.target = incoming.target.clone();
                }
                cur.triggered_at = incoming.triggered_at.clone();
                cur.window_end = cur.window_end.clone().max(incoming.window_end.clone());
                cur.metadata.extend(incoming.metadata.clone());
                let reopened = e.status == IncidentStatus::Resolved;
                if reopened {
                    e.set_status(IncidentStatus::Open);
                    e.resolved_at.clear();
                    e.resolved_by.clear();
                }
                FoldOutcome {
                    id: e.incident.id.clone(),
                    inserted: false,
                    reopened,
                    seen_count: e.seen_count,
                }
            }
            None => {
                let at = incoming.triggered_at.clone();
                q.entries.push(Entry {
                    key: key.clone(),
                    incident: incoming.clone(),
                    status: IncidentStatus::Open,
                    first_seen: at.clone(),
                    last_seen: at,
                    seen_count: 1,
                    alert_ids: Vec::new(),
                    acknowledged_at: String::new(),
                    acknowledged_by: String::new(),
                    resolved_at: String::new(),
                    resolved_by: String::new(),
                    note: String::new(),
                    extra: Default::default(),
                });
                FoldOutcome {
                    id: incoming.id.clone(),
                    inserted: true,
                    reopened: false,
                    seen_count: 1,
                }
            }
        };
        retain(q, now);
        Ok(out)
    })
}

/// Folds an event row just written to `file`, when it is a failure; the incident's id.
pub fn fold_row(
    cd: &ContextDir,
    file: EventFile,
    row: &serde_json::Map<String, serde_json::Value>,
) -> Result<Option<FoldOutcome>> {
    match candidate(cd.context_name(), file, row) {
        Some(c) => fold_candidate(cd, &c).map(Some),
        None => Ok(None),
    }
}

fn not_found(cd: &ContextDir, id: &str) -> PaasError {
    PaasError::new(
        ErrorCode::IncidentNotFound,
        "incident_lookup",
        format!(
            "context {} has no incident {:?}",
            cd.name(),
            crate::text::sanitize_inline(id)
        ),
    )
    .with_remediation(format!(
        "list the incidents with `paasdeck --context {} incident list`",
        cd.name()
    ))
}

/// Marks an incident resolved; returns it.
pub fn resolve(cd: &ContextDir, id: &str, operator: &str, note: &str) -> Result<Entry> {
    update(cd, |q| {
        let e = q
            .entries
            .iter_mut()
            .find(|e| e.is(id))
            .ok_or_else(|| not_found(cd, id))?;
        e.set_status(IncidentStatus::Resolved);
        e.resolved_at = clock::now_event();
        e.resolved_by = operator.to_string();
        if !note.is_empty() {
            e.note = note.to_string();
        }
        Ok(e.clone())
    })
}

/// Sets an incident's note (what was tried), leaving its status as it is.
pub fn annotate(cd: &ContextDir, id: &str, note: &str) -> Result<()> {
    update(cd, |q| {
        let e = q
            .entries
            .iter_mut()
            .find(|e| e.is(id))
            .ok_or_else(|| not_found(cd, id))?;
        e.note = note.to_string();
        Ok(())
    })
}

/// Marks an open incident acknowledged (an alert of it was acknowledged); links an alert id to
/// it. `None` when the context has no such incident (it may have been pruned).
pub fn acknowledge(
    cd: &ContextDir,
    id: &str,
    operator: &str,
    alert_id: Option<&str>,
    acknowledge: bool,
) -> Result<Option<Entry>> {
    update(cd, |q| {
        let Some(e) = q.entries.iter_mut().find(|e| e.is(id)) else {
            return Ok(None);
        };
        if let Some(a) = alert_id.filter(|a| !e.alert_ids.iter().any(|x| x == a)) {
            e.alert_ids.push(a.to_string());
        }
        if acknowledge && e.status == IncidentStatus::Open {
            e.set_status(IncidentStatus::Acknowledged);
            e.acknowledged_at = clock::now_event();
            e.acknowledged_by = operator.to_string();
        }
        Ok(Some(e.clone()))
    })
}

/// What acknowledging an incident by its id did.
#[derive(Debug, Clone)]
pub struct IncidentAck {
    pub entry: Entry,
    /// It was acknowledged before (by `entry.acknowledged_by`): nothing changed.
    pub already: bool,
}

/// Acknowledges an incident by its id, alert or not: an open (or suppressed) incident becomes
/// `acknowledged` with the operator, the time and the note. One already acknowledged is left as
/// it is; a resolved one is refused (it is over: a new failure opens it again).
pub fn acknowledge_incident(
    cd: &ContextDir,
    id: &str,
    operator: &str,
    note: &str,
) -> Result<IncidentAck> {
    crate::text::refuse_control("--note", note)?;
    update(cd, |q| {
        let e = q
            .entries
            .iter_mut()
            .find(|e| e.is(id))
            .ok_or_else(|| not_found(cd, id))?;
        match e.status {
            IncidentStatus::Resolved => Err(PaasError::new(
                ErrorCode::InvalidArgument,
                "incident_acknowledge",
                format!(
                    "incident {} of context {} is resolved: there is nothing to acknowledge",
                    e.id(),
                    cd.name()
                ),
            )
            .with_remediation("a new failure of the same kind opens it again")),
            IncidentStatus::Acknowledged => Ok(IncidentAck {
                entry: e.clone(),
                already: true,
            }),
            IncidentStatus::Open | IncidentStatus::Suppressed => {
                e.set_status(IncidentStatus::Acknowledged);
                e.acknowledged_at = clock::now_event();
                e.acknowledged_by = operator.to_string();
                if !note.is_empty() {
                    e.note = note.to_string();
                }
                Ok(IncidentAck {
                    entry: e.clone(),
                    already: false,
                })
            }
        }
    })
}
