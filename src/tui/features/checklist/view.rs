//! Drawing the weekly checklist: items down, contexts across, the selected cell's detail and
//! fix below.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Paragraph, Row, Table, Wrap};

use super::ChecklistView;
use crate::ops::checklist::ITEMS;
use crate::text::sanitize_inline;
use crate::tui::core::app::App;
use crate::tui::core::keymap::Cmd;
use crate::tui::ui::popup::centered;

fn mark(ok: bool, required: bool) -> &'static str {
    match (ok, required) {
        (true, _) => "OK",
        (false, true) => "FAIL",
        (false, false) => "INFO",
    }
}

pub fn render(f: &mut Frame, area: Rect, app: &App, v: &ChecklistView) {
    let r = centered(area, 96, 22);
    f.render_widget(Clear, r);
    let title = format!(
        " weekly checklist — {}/{} item · {}/{} context · Enter run the fix · {} again · Esc close ",
        app.keymap.first_key(Cmd::ViewUp),
        app.keymap.first_key(Cmd::ViewDown),
        app.keymap.first_key(Cmd::FocusPrev),
        app.keymap.first_key(Cmd::FocusNext),
        app.keymap.first_key(Cmd::Doctor),
    );
    let block = Block::bordered()
        .border_style(app.theme.border(true))
        .title(Span::styled(
            title,
            Style::default().add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let Some(lists) = &v.lists else {
        f.render_widget(Paragraph::new("reading every context's checklist…"), inner);
        return;
    };
    if lists.is_empty() {
        f.render_widget(Paragraph::new("no contexts"), inner);
        return;
    }
    let [grid, detail] = Layout::vertical([
        Constraint::Length(ITEMS.len() as u16 + 2),
        Constraint::Min(3),
    ])
    .areas(inner);
    let mut header = vec![Cell::from("item")];
    for l in lists {
        let status = if l.ok { "ok" } else { "FAILED" };
        header.push(Cell::from(format!(
            "{} ({status})",
            sanitize_inline(&l.context)
        )));
    }
    let rows: Vec<Row> = ITEMS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut cells = vec![Cell::from(*name)];
            for (c, l) in lists.iter().enumerate() {
                let (text, style) = match l.items.iter().find(|x| x.name == *name) {
                    Some(x) => (
                        mark(x.ok, x.required),
                        app.theme.status(if x.ok {
                            "ok"
                        } else if x.required {
                            "failed"
                        } else {
                            ""
                        }),
                    ),
                    None => ("-", Style::default()),
                };
                let style = if i == v.item && c == v.context {
                    app.theme.selection()
                } else {
                    style
                };
                cells.push(Cell::from(text).style(style));
            }
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![Constraint::Length(30)];
    widths.extend(lists.iter().map(|_| Constraint::Length(22)));
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(Style::default().add_modifier(Modifier::BOLD))),
        grid,
    );
    let mut lines = Vec::new();
    if let Some((list, item)) = v.selected() {
        lines.push(Line::from(format!(
            "{} · {}: {}",
            sanitize_inline(&list.context),
            item.name,
            sanitize_inline(&item.detail)
        )));
        if !item.ok && !item.fix.is_empty() {
            let how = if super::palette_words(app, &item.fix).is_some() {
                "Enter runs it (asks first)"
            } else {
                "run it in a shell"
            };
            lines.push(Line::from(format!(
                "fix ({how}): {}",
                sanitize_inline(&item.fix)
            )));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), detail);
}
