//! The acknowledge form (`A` on an event, an incident or its detail): an optional note, then the
//! op. An incident that an alert leads to is acknowledged through its newest alert (`alert
//! acknowledge`: the alert row and the incident both say so); one with no alert is acknowledged
//! as an incident (`incident acknowledge`: the incident row's status, operator, time and note).

use crate::tui::core::action::Op;
use crate::tui::core::app::{Field, FieldKind, Form};

/// The note used when none is typed for an alert (its row needs a message).
pub const DEFAULT_NOTE: &str = "acknowledged in the console";

pub fn fields() -> Vec<Field> {
    let hint = "optional: what you are doing about it";
    vec![Field {
        label: "note",
        hint,
        kind: FieldKind::Text,
        input: crate::tui::core::app::new_input(hint),
    }]
}

/// The op the submitted form asks for.
pub fn submit(alert: &Option<String>, incident: &Option<String>, f: &Form) -> Result<Op, String> {
    let note = f.value("note");
    if crate::text::has_control(&note) {
        return Err("the note may not hold control characters".into());
    }
    match (alert, incident) {
        (Some(id), _) => Ok(Op::AlertAcknowledge {
            id: id.clone(),
            note: if note.is_empty() {
                DEFAULT_NOTE.into()
            } else {
                note
            },
        }),
        (None, Some(id)) => Ok(Op::IncidentAcknowledge {
            id: id.clone(),
            note,
        }),
        (None, None) => Err("nothing to acknowledge".into()),
    }
}
