//! What the panes share: the block with its title and focus, a table fitted to the width,
//! the empty-pane text, the selection; event details and ages as the panes print them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

use crate::state::clock;
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
pub(in crate::tui) fn fitted_table<'a>(
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
