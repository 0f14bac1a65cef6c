//! Targets, Apps, Events and Backups: tables of the active context's state only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::state::clock;
use crate::text::human_bytes;
use crate::tui::core::app::App;
use crate::tui::core::pane::Pane;

pub(in crate::tui) fn block<'a>(app: &App, pane: Pane, extra: String) -> Block<'a> {
    let focused = app.focus == pane;
    let filter = match pane {
        Pane::Log => String::new(),
        p => {
            let f = &app.filters[p.index()];
            if f.is_empty() {
                String::new()
            } else {
                format!(" [/{f}]")
            }
        }
    };
    let marker = if focused { "▶ " } else { "" };
    Block::bordered()
        .border_style(app.theme.border(focused))
        .title(Line::from(vec![Span::styled(
            format!(" {marker}{}{extra}{filter} ", pane.title()),
            if focused {
                app.theme.fg(app.theme.title).add_modifier(Modifier::BOLD)
            } else {
                app.theme.fg(app.theme.title)
            },
        )]))
}

/// The width of the widest value (in columns), within bounds.
pub(in crate::tui) fn widest<S: AsRef<str>>(
    values: impl Iterator<Item = S>,
    min: u16,
    max: u16,
) -> u16 {
    values
        .map(|v| unicode_width::UnicodeWidthStr::width(v.as_ref()) as u16)
        .max()
        .unwrap_or(0)
        .clamp(min, max)
}

/// The message of an event, or its most telling fields when it has none.
pub fn event_detail(e: &crate::state::events::EventRecord) -> String {
    if !e.message.is_empty() {
        return e.message.replace('\n', " ");
    }
    [
        "app",
        "release",
        "target_statuses",
        "name",
        "host",
        "targets",
        "remote_command",
    ]
    .iter()
    .filter_map(|k| {
        e.fields
            .get(*k)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(|v| format!("{k}={v}"))
    })
    .collect::<Vec<_>>()
    .join(" ")
}

/// `5m` style age of an RFC 3339 timestamp.
pub fn age(app: &App, ts: &str) -> String {
    clock::parse(ts)
        .map(|t| clock::age(t, app.now))
        .unwrap_or_else(|| "-".into())
}

pub(in crate::tui) fn table<'a>(
    app: &App,
    rows: Vec<Row<'a>>,
    header: Row<'a>,
    widths: Vec<Constraint>,
    b: Block<'a>,
) -> Table<'a> {
    Table::new(rows, widths)
        .header(header.style(app.theme.fg(app.theme.dim).add_modifier(Modifier::BOLD)))
        .block(b)
        .row_highlight_style(app.theme.selection())
        .column_spacing(1)
}

/// The columns that fit in `avail`: the fixed widths plus the flexible column's minimum,
/// with one space between columns. Columns are dropped whole, in `drop_order`, so a word is
/// never cut mid-column (`critic faile`). Once the flexible column itself is gone, a column
/// dropped early comes back when dropping a wider one left room for it (a kept flexible
/// column keeps that room instead).
pub fn fit(
    widths: &[u16],
    flex: usize,
    flex_min: u16,
    drop_order: &[usize],
    avail: u16,
) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..widths.len()).collect();
    let need = |kept: &[usize]| -> u16 {
        let cols: u16 = kept
            .iter()
            .map(|&i| if i == flex { flex_min } else { widths[i] })
            .sum();
        cols + kept.len().saturating_sub(1) as u16
    };
    let mut dropped = Vec::new();
    for &d in drop_order {
        if need(&kept) <= avail {
            break;
        }
        kept.retain(|&i| i != d);
        dropped.push(d);
    }
    let refill = if kept.contains(&flex) {
        0
    } else {
        dropped.len()
    };
    for &d in dropped.iter().rev().skip(1).take(refill) {
        let mut trial = kept.clone();
        trial.push(d);
        trial.sort_unstable();
        if need(&trial) <= avail {
            kept = trial;
        }
    }
    kept
}

/// A table of only the columns that fit.
#[allow(clippy::too_many_arguments)]
fn fitted_table<'a>(
    app: &App,
    area: Rect,
    header: &[&'static str],
    rows: Vec<(Vec<Cell<'a>>, Style)>,
    widths: &[u16],
    flex: usize,
    flex_min: u16,
    drop_order: &[usize],
    b: Block<'a>,
) -> Table<'a> {
    let kept = fit(
        widths,
        flex,
        flex_min,
        drop_order,
        area.width.saturating_sub(2),
    );
    let constraints: Vec<Constraint> = kept
        .iter()
        .map(|&i| {
            if i == flex {
                Constraint::Min(flex_min)
            } else {
                Constraint::Length(widths[i])
            }
        })
        .collect();
    let head = Row::new(kept.iter().map(|&i| header[i]).collect::<Vec<_>>());
    let body: Vec<Row> = rows
        .into_iter()
        .map(|(cells, style)| {
            let mut cells: Vec<Option<Cell>> = cells.into_iter().map(Some).collect();
            Row::new(
                kept.iter()
                    .map(|&i| cells[i].take().unwrap_or_default())
                    .collect::<Vec<_>>(),
            )
            .style(style)
        })
        .collect();
    table(app, body, head, constraints, b)
}

pub(in crate::tui) fn empty(f: &mut Frame, area: Rect, b: Block, text: String, app: &App) {
    f.render_widget(
        Paragraph::new(text)
            .style(app.theme.fg(app.theme.dim))
            .wrap(Wrap { trim: true })
            .block(b),
        area,
    );
}

pub(in crate::tui) fn select(app: &App, pane: Pane, n: usize) -> TableState {
    let mut st = TableState::default();
    if n > 0 {
        st.select(Some(app.selection[pane.index()].min(n - 1)));
    }
    st
}

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
                    Cell::from(t.target.auth().as_str()),
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
        widest(rows.iter().map(|t| t.target.auth().as_str()), 4, 11),
        6,
        10,
    ];
    let header = ["", "NAME", "ADDRESS", "AUTH", "LABELS", "CHECK"];
    let mut st = select(app, Pane::Targets, rows.len());
    // The check is the pane's status: it is the last column to go.
    let t = fitted_table(app, area, &header, body, &widths, 4, 6, &[4, 3, 2, 5], b);
    f.render_stateful_widget(t, area, &mut st);
}

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
        let mut lines = vec![Line::from(Span::styled(
            format!(" history of {} (newest first)", sel.name),
            app.theme.fg(app.theme.dim).add_modifier(Modifier::BOLD),
        ))];
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
