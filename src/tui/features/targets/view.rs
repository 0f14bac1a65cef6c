//! The Targets pane: the active context's targets, their auth and last check.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Cell;

use crate::tui::core::app::App;
use crate::tui::core::pane::Pane;
use crate::tui::ui::panes::{age, block, empty, fitted_table, select, widest};

pub fn render_targets(f: &mut Frame, area: Rect, app: &App) {
    let rows = app.visible_targets();
    let b = block(app, Pane::Targets, format!(" ({})", rows.len()));
    if rows.is_empty() {
        let text = if app.ctx().is_none() {
            "No context yet. Press I to create one: a context holds targets, apps and events."
                .to_string()
        } else if app.filters[0].is_empty() {
            "No targets in this context. Press a to add one (Targets pane).".to_string()
        } else {
            "No target matches the filter (Esc clears it).".into()
        };
        return empty(f, area, b, text, app);
    }
    // Control bytes are neutralised once, over the finished frame (ui::draw).
    let clean = |t: &str| t.to_string();
    let body: Vec<(Vec<Cell>, Style)> = rows
        .iter()
        .map(|t| {
            let (check, style) = match &t.check {
                Some(c) if c.ok() => (
                    format!("ok {}", age(app, &c.checked_at)),
                    app.theme.status("ok"),
                ),
                Some(c) => (
                    format!("fail {}", age(app, &c.checked_at)),
                    app.theme.status("failed"),
                ),
                None => ("-".into(), app.theme.fg(app.theme.dim)),
            };
            (
                vec![
                    Cell::from(if t.current { "*" } else { " " }),
                    Cell::from(clean(&t.target.name)),
                    Cell::from(clean(&t.target.address())),
                    Cell::from(auth(&t.target)),
                    Cell::from(clean(&t.target.labels.join(","))),
                    Cell::from(Span::styled(check, style)),
                ],
                Style::default(),
            )
        })
        .collect();
    let widths = [
        1,
        widest(rows.iter().map(|t| t.target.name.as_str()), 4, 24),
        widest(rows.iter().map(|t| t.target.address()), 7, 40),
        widest(rows.iter().map(|t| auth(&t.target)), 4, 15),
        6,
        10,
    ];
    let header = ["", "NAME", "ADDRESS", "AUTH", "LABELS", "CHECK"];
    let mut st = select(app, Pane::Targets, rows.len());
    // The check is the pane's status: it is the last column to go.
    let t = fitted_table(app, area, &header, body, &widths, 4, 6, &[4, 3, 2, 5], b);
    f.render_stateful_widget(t, area, &mut st);
}

/// A target's auth, and for a demo target whose engine is the simulator, that it is simulated.
fn auth(t: &crate::state::targets::Target) -> String {
    if crate::remote::engine::simulated::is_simulated(t) {
        format!("{} simulated", t.auth().as_str())
    } else {
        t.auth().as_str().to_string()
    }
}
