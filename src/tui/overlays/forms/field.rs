//! How a form's fields take the focus and print themselves: text a field holds is selected
//! when it takes the focus (typing replaces it), a masked field never prints what was typed.

use crate::tui::core::app::{Field, FieldKind, Form};

impl Form {
    /// Moves the focus to field `i`; text it already holds is selected, so what is typed
    /// replaces it instead of landing after it.
    pub fn focus_on(&mut self, i: usize) {
        if let Some(old) = self.fields.get_mut(self.focus) {
            old.input.cancel_selection();
        }
        self.focus = i.min(self.fields.len().saturating_sub(1));
        if let Some(f) = self.fields.get_mut(self.focus)
            && matches!(f.kind, FieldKind::Text)
            && !f.value().is_empty()
        {
            f.input.select_all();
        }
    }
}

/// A masked field's `{:?}` never shows what was typed (a refused form keeps a password).
impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Field");
        d.field("label", &self.label).field("kind", &self.kind);
        match self.kind {
            FieldKind::Masked => d.field("input", &"<masked>"),
            _ => d.field("input", &self.input.lines()),
        };
        d.finish()
    }
}
