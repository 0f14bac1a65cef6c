//! The Events pane: the active context's newest events.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Cell;

use crate::state::clock;
use crate::tui::core::app::App;
use crate::tui::core::pane::Pane;
use crate::tui::ui::panes::{block, empty, event_detail, fitted_table, select, widest};

pub fn render_events(f: &mut Frame, area: Rect, app: &App) {
    let rows = app.visible_events();
    let b = block(
        app,
        Pane::Events,
        format!(" ({}, newest first)", rows.len()),
    );
    if rows.is_empty() {
        return empty(
            f,
            area,
            b,
            "No events yet. Every change and every check lands here as it happens.".into(),
            app,
        );
    }
    // Control bytes are neutralised once, over the finished frame (ui::draw).
    let clean = |t: &str| t.to_string();
    let body: Vec<(Vec<Cell>, Style)> = rows
        .iter()
        .map(|e| {
            let time = clock::parse(&e.timestamp)
                .map(|t| {
                    let local = t.to_offset(time::UtcOffset::UTC);
                    format!(
                        "{:02}-{:02} {:02}:{:02}:{:02}",
                        local.month() as u8,
                        local.day(),
                        local.hour(),
                        local.minute(),
                        local.second()
                    )
                })
                .unwrap_or_else(|| e.timestamp.chars().take(14).collect());
            let sev = if e.severity.is_empty() {
                "-".to_string()
            } else {
                e.severity.clone()
            };
            let target = if e.target.is_empty() {
                e.fields
                    .get("target")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            } else {
                e.target.clone()
            };
            (
                vec![
                    Cell::from(time),
                    Cell::from(Span::styled(clean(&sev), app.theme.severity(&sev))),
                    Cell::from(Span::styled(clean(&e.status), app.theme.status(&e.status))),
                    Cell::from(clean(&e.source)),
                    Cell::from(clean(&e.command)),
                    Cell::from(clean(&target)),
                    Cell::from(clean(&event_detail(e))),
                ],
                if e.severity == "critical" {
                    app.theme.severity("critical")
                } else {
                    Style::default()
                },
            )
        })
        .collect();
    let header = [
        "TIME (UTC)",
        "SEV",
        "STATUS",
        "SOURCE",
        "COMMAND",
        "TARGET",
        "MESSAGE",
    ];
    let widths = [
        14,
        8,
        9,
        6,
        widest(rows.iter().map(|e| e.command.as_str()), 7, 20),
        widest(rows.iter().map(|e| e.target.as_str()), 6, 16),
        16,
    ];
    let mut st = select(app, Pane::Events, rows.len());
    let t = fitted_table(app, area, &header, body, &widths, 6, 16, &[3, 5, 0, 2], b);
    f.render_stateful_widget(t, area, &mut st);
}
