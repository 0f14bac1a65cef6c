//! Form fields: free text, masked (a secret is never shown), a choice, a pick list, a switch.

use crate::tui::core::app::{Field, FieldKind, new_input};

pub(in crate::tui) fn field(label: &'static str, hint: &'static str, value: &str) -> Field {
    let mut input = new_input(hint);
    input.insert_str(value);
    Field {
        label,
        hint,
        kind: FieldKind::Text,
        input,
    }
}

pub(in crate::tui) fn masked(label: &'static str, hint: &'static str) -> Field {
    let mut input = new_input(hint);
    input.set_mask_char('•');
    Field {
        kind: FieldKind::Masked,
        input,
        ..field(label, hint, "")
    }
}

pub(in crate::tui) fn choice(
    label: &'static str,
    hint: &'static str,
    options: Vec<String>,
    value: &str,
) -> Field {
    let index = options.iter().position(|o| o == value).unwrap_or(0);
    Field {
        kind: FieldKind::Choice { options, index },
        ..field(label, hint, "")
    }
}

pub(in crate::tui) fn pick(
    label: &'static str,
    hint: &'static str,
    options: Vec<String>,
    on: &[String],
) -> Field {
    let options = options
        .into_iter()
        .map(|o| {
            let ticked = on.iter().any(|x| x.eq_ignore_ascii_case(&o));
            (o, ticked)
        })
        .collect();
    Field {
        kind: FieldKind::Pick { options, cursor: 0 },
        ..field(label, hint, "")
    }
}

pub(in crate::tui) fn toggle(label: &'static str, hint: &'static str, on: bool) -> Field {
    Field {
        kind: FieldKind::Toggle(on),
        ..field(label, hint, "")
    }
}
