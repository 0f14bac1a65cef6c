//! Pasted text (bracketed paste): it goes into the text field being edited — the palette, a
//! filter, a form's focused field — at most [`PASTE_MAX`] bytes of it, the rest dropped with a
//! notice. Anywhere else a paste is ignored: pasted text is never taken as keys, so a clipboard
//! full of letters cannot run commands. A confirmation asks for the context's name typed, not
//! pasted.

use crate::tui::core::action::Pane;
use crate::tui::core::app::{App, FieldKind, FlashLevel, Overlay};

/// The most of one paste a field takes.
pub const PASTE_MAX: usize = 4096;

/// `text` cut to at most `max` bytes at a character boundary; the bytes dropped.
fn bounded(text: &str, max: usize) -> (&str, usize) {
    if text.len() <= max {
        return (text, 0);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], text.len() - end)
}

/// One line for a single-line field: line breaks and tabs become spaces, other control
/// characters go.
fn one_line(text: &str) -> String {
    let text = text.replace("\r\n", " ");
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Lines kept (a masked value may hold several, e.g. a key), other control characters dropped.
fn lines(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' => Some('\n'),
            '\n' | '\t' => Some(c),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

pub(in crate::tui) fn on_paste(app: &mut App, text: &str) -> Vec<crate::tui::core::action::Effect> {
    let (kept, dropped) = bounded(text, PASTE_MAX);
    let input = match &mut app.overlay {
        Overlay::Palette { input, .. } | Overlay::Filter { input, .. } => {
            Some((input, one_line(kept)))
        }
        Overlay::Form(f) => {
            let focus = f.focus;
            f.fields.get_mut(focus).and_then(|field| match field.kind {
                FieldKind::Text => Some((&mut field.input, one_line(kept))),
                FieldKind::Masked => Some((&mut field.input, lines(kept))),
                _ => None,
            })
        }
        _ => None,
    };
    let Some((input, text)) = input else {
        let why = if matches!(app.overlay, Overlay::Confirm(_)) {
            "paste ignored: type the answer"
        } else {
            "paste ignored: no text field is open (pasted text is never taken as keys)"
        };
        app.flash(FlashLevel::Info, why);
        return Vec::new();
    };
    input.insert_str(text);
    if let Overlay::Filter { pane, input } = &app.overlay
        && *pane != Pane::Log
    {
        app.filters[pane.index()] = input.lines().join("");
        app.selection[pane.index()] = 0;
    }
    if dropped > 0 {
        app.flash(
            FlashLevel::Warn,
            format!(
                "pasted text cut to {} KiB: {dropped} bytes dropped",
                PASTE_MAX / 1024
            ),
        );
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_is_cut_at_a_character_boundary() {
        let s = "é".repeat(3000);
        let (kept, dropped) = bounded(&s, PASTE_MAX);
        assert_eq!(kept.len(), PASTE_MAX);
        assert_eq!(dropped, s.len() - PASTE_MAX);
        let s = format!("a{}", "é".repeat(3000));
        let (kept, dropped) = bounded(&s, PASTE_MAX);
        assert_eq!(kept.len(), PASTE_MAX - 1);
        assert_eq!(kept.len() + dropped, s.len());
        assert_eq!(bounded("short", PASTE_MAX), ("short", 0));
    }

    #[test]
    fn single_line_fields_get_one_line_without_control_characters() {
        assert_eq!(one_line("a\r\nb\nc\td\u{1b}[31me"), "a b c d[31me");
        assert_eq!(lines("a\r\nb\rc\u{7}"), "a\nb\nc");
    }
}
