//! The Apps pane: the active context's apps, their release and health.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph};

use crate::tui::core::app::App;
use crate::tui::core::pane::Pane;
use crate::tui::ui::panes::{age, block, empty, fitted_table, select, widest};

pub fn render_apps(f: &mut Frame, area: Rect, app: &App) {
    let rows = app.visible_apps();
    let b = block(app, Pane::Apps, format!(" ({})", rows.len()));
    if rows.is_empty() {
        let text = if app.filters[1].is_empty() {
            "No apps. Press a to register one (Apps pane): a name, its compose file, its targets."
                .to_string()
        } else {
            "No app matches the filter (Esc clears it).".into()
        };
        return empty(f, area, b, text, app);
    }
    let inner_height = area.height.saturating_sub(2) as usize;
    let list_height = (rows.len() + 1).min(inner_height.saturating_sub(3).max(2));
    let (list_area, hist_area) = if inner_height > list_height + 2 {
        let list = Rect {
            height: list_height as u16 + 2,
            ..area
        };
        let hist = Rect {
            y: area.y + list.height,
            height: area.height - list.height,
            ..area
        };
        (list, Some(hist))
    } else {
        (area, None)
    };
    let body: Vec<(Vec<Cell>, Style)> = rows
        .iter()
        .map(|a| {
            let (last, style) = match &a.last_deploy {
                Some((status, ts)) => (
                    format!("{status} {}", age(app, ts)),
                    app.theme.status(status),
                ),
                None => ("-".into(), app.theme.fg(app.theme.dim)),
            };
            (
                vec![
                    Cell::from(a.name.clone()),
                    Cell::from(if a.current.is_empty() {
                        "-".into()
                    } else {
                        a.current.clone()
                    }),
                    Cell::from(a.history.len().to_string()),
                    Cell::from(Span::styled(last, style)),
                ],
                Style::default(),
            )
        })
        .collect();
    let header = ["APP", "CURRENT", "REL", "LAST DEPLOY"];
    let widths = [
        widest(rows.iter().map(|a| a.name.as_str()), 3, 24),
        widest(rows.iter().map(|a| a.current.as_str()), 7, 32),
        3,
        11,
    ];
    let mut st = select(app, Pane::Apps, rows.len());
    // The last deploy is the pane's status: it is the last column to go (the current release
    // is also in the history below).
    let t = fitted_table(app, list_area, &header, body, &widths, 3, 11, &[2, 1, 3], b);
    f.render_stateful_widget(t, list_area, &mut st);
    if let (Some(h), Some(sel)) = (hist_area, app.selected_app()) {
        let mut lines = Vec::new();
        // si's blue/green app: which slot runs where (logs, backups and the next deploy's
        // takeover use that slot's project).
        for sl in &sel.slots {
            lines.push(Line::from(vec![
                Span::styled(" si blue/green ", app.theme.fg(app.theme.dim)),
                Span::styled(
                    format!("{}: {} slot {}", sl.target, sl.slot, sl.release),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
            ]));
        }
        lines.push(Line::from(Span::styled(
            format!(" history of {} (newest first)", sel.name),
            app.theme.fg(app.theme.dim).add_modifier(Modifier::BOLD),
        )));
        for r in &sel.history {
            let current = *r == sel.current;
            lines.push(Line::from(vec![
                Span::styled(if current { " ● " } else { "   " }, app.theme.status("ok")),
                Span::styled(
                    format!(
                        "{r}{}",
                        // The marker says it; the word is added where it fits whole.
                        if current && h.width as usize >= r.len() + 16 {
                            "  (current)"
                        } else {
                            ""
                        }
                    ),
                    if current {
                        Style::default().add_modifier(Modifier::BOLD)
                    } else {
                        Style::default()
                    },
                ),
            ]));
        }
        let inner = Block::bordered()
            .border_style(app.theme.border(false))
            .borders(
                ratatui::widgets::Borders::LEFT
                    | ratatui::widgets::Borders::RIGHT
                    | ratatui::widgets::Borders::BOTTOM,
            );
        f.render_widget(Paragraph::new(lines).block(inner), h);
    }
}
