//! Help: every key of the keymap by scope, with the user keymap file named; it scrolls, and
//! any other key closes it.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::core::app::{App, Overlay};
use crate::tui::core::keymap::Cmd;
use crate::tui::ui::popup::{centered, popup};

/// Help scrolls; any other key closes it.
pub(in crate::tui) fn key(app: &mut App, scroll: u16, k: &KeyEvent) {
    let scrolls = [
        Cmd::ViewDown,
        Cmd::ViewUp,
        Cmd::ViewPageDown,
        Cmd::ViewPageUp,
    ];
    let scroll = match app.keymap.which(&scrolls, k, false) {
        Some(Cmd::ViewDown) => scroll + 1,
        Some(Cmd::ViewUp) => scroll.saturating_sub(1),
        Some(Cmd::ViewPageDown) => scroll + 10,
        Some(Cmd::ViewPageUp) => scroll.saturating_sub(10),
        _ => return,
    };
    app.overlay = Overlay::Help { scroll };
}

pub(in crate::tui) fn render(f: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let r = centered(area, 86, area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    let mut lines: Vec<Line> = Vec::new();
    for w in &app.warnings {
        lines.push(Line::from(Span::styled(
            format!("⚠ {w}"),
            app.theme.fg(app.theme.warning),
        )));
    }
    if !app.warnings.is_empty() {
        lines.push(Line::from(""));
    }
    for (group, entries) in app.keymap.help() {
        lines.push(Line::from(Span::styled(
            group.to_uppercase(),
            Style::default().add_modifier(Modifier::BOLD),
        )));
        for (keys, desc) in entries {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {keys:<16}"),
                    app.theme.fg(app.theme.border_focus),
                ),
                Span::raw(desc),
            ]));
        }
        lines.push(Line::from(""));
    }
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let entry = |k: &str, d: &str| {
        Line::from(vec![
            Span::styled(format!("  {k:<16}"), app.theme.fg(app.theme.border_focus)),
            Span::raw(d.to_string()),
        ])
    };
    lines.push(Line::from(Span::styled("MOUSE", bold)));
    lines.push(entry(
        "click",
        "focus a pane and select the row under the pointer",
    ));
    lines.push(entry("click a tab", "switch to that context"));
    lines.push(entry("wheel", "scroll the pane under the pointer"));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("ESC", bold)));
    lines.push(entry(
        "Esc",
        "close a dialog, view or input (a confirmation: cancel); clear the pane's filter",
    ));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("KEYMAP FILE", bold)));
    lines.push(Line::from(format!(
        "  {}",
        app.keymap_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(no config directory found)".into())
    )));
    lines.push(Line::from(Span::styled(
        "  a JSON object of command → keys, e.g. {\"quit\": [\"ctrl-q\"]}; it replaces the keys of the commands it names",
        app.theme.fg(app.theme.dim),
    )));
    f.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(popup(
            app,
            " Help — ↑/↓ scroll · any other key closes ".into(),
        )),
        r,
    );
}
