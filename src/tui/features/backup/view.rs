//! The Backups pane: the active context's backups catalogue.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Cell;

use crate::text::human_bytes;
use crate::tui::core::app::App;
use crate::tui::core::pane::Pane;
use crate::tui::ui::panes::{age, block, empty, fitted_table, select, widest};

pub fn render_backups(f: &mut Frame, area: Rect, app: &App) {
    let rows = app.visible_backups();
    let b = block(app, Pane::Backups, format!(" ({})", rows.len()));
    if rows.is_empty() {
        let catalogued = app.snapshot().is_some_and(|s| s.backups_catalogue);
        let text = if !app.filters[3].is_empty() {
            "No backup matches the filter (Esc clears it).".to_string()
        } else if catalogued {
            "The backup catalogue of this context is empty.".to_string()
        } else {
            "No backups recorded for this context yet. Backups appear here (id, age, size, verified) once they are catalogued in the context's backups.json.".to_string()
        };
        return empty(f, area, b, text, app);
    }
    let body: Vec<(Vec<Cell>, Style)> = rows
        .iter()
        .map(|bk| {
            // The word says it; the colour only repeats it.
            let label = bk.verified_label();
            let style = match label {
                "ok" => app.theme.status("ok"),
                "never" => app.theme.status("cancelled"),
                _ => app.theme.status("failed"),
            };
            let row_style = if bk.failed {
                app.theme.fg(app.theme.dim)
            } else {
                Style::default()
            };
            (
                vec![
                    Cell::from(bk.short_id().to_string()),
                    Cell::from(bk.kind.clone()),
                    Cell::from(bk.app.clone()),
                    Cell::from(age(app, &bk.created_at)),
                    Cell::from(bk.size_bytes.map(human_bytes).unwrap_or_else(|| "-".into())),
                    Cell::from(Span::styled(label, style)),
                ],
                row_style,
            )
        })
        .collect();
    let header = ["ID", "KIND", "APP", "AGE", "SIZE", "VERIFIED"];
    let widths = [
        widest(rows.iter().map(|b| b.short_id()), 2, 12),
        5,
        widest(rows.iter().map(|b| b.app.as_str()), 3, 16),
        4,
        7,
        13,
    ];
    let mut st = select(app, Pane::Backups, rows.len());
    let t = fitted_table(app, area, &header, body, &widths, 0, 6, &[1, 4, 3], b);
    f.render_stateful_widget(t, area, &mut st);
}
