//! An app's si add-ons: name, pack, version, service and the bundle file each becomes, with
//! the keys that enable and disable them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph};

use crate::text::sanitize_inline;
use crate::tui::core::app::App;
use crate::tui::core::keymap::Cmd;
use crate::tui::ui::popup::centered;

pub fn render(f: &mut Frame, area: Rect, app: &App, name: &str, selected: usize) {
    let rows = app
        .snapshot()
        .and_then(|s| s.apps.iter().find(|a| a.name == name))
        .map(|a| a.addons.clone())
        .unwrap_or_default();
    let r = centered(area, 96, rows.len().max(1) as u16 + 5);
    f.render_widget(Clear, r);
    let items: Vec<ListItem> = if rows.is_empty() {
        vec![ListItem::new(Line::from(Span::styled(
            "no add-ons: every release holds compose.yaml alone",
            app.theme.fg(app.theme.dim),
        )))]
    } else {
        rows.iter()
            .map(|a| {
                ListItem::new(Line::from(vec![
                    Span::raw(format!("{:<16} ", sanitize_inline(&a.name))),
                    Span::styled(
                        format!("{:<14} ", format!("{} {}", a.pack, a.version)),
                        app.theme.fg(app.theme.dim),
                    ),
                    Span::raw(format!("{:<28} ", sanitize_inline(&a.service))),
                    Span::styled(a.bundle_file.clone(), app.theme.fg(app.theme.dim)),
                ]))
            })
            .collect()
    };
    let mut st = ListState::default();
    st.select((!rows.is_empty()).then_some(selected.min(rows.len().saturating_sub(1))));
    let title = format!(
        " {} add-ons (si packs, merged into every release) — {} enable · {} disable · Esc close ",
        sanitize_inline(name),
        app.keymap.first_key(Cmd::AddApp),
        app.keymap.first_key(Cmd::RemoveApp),
    );
    let block = Block::bordered()
        .border_style(app.theme.border(true))
        .title(Span::styled(
            title,
            Style::default().add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    if !rows.is_empty() {
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                format!(
                    "{:<16} {:<14} {:<28} {}",
                    "NAME", "PACK", "SERVICE", "BUNDLE FILE"
                ),
                Style::default().add_modifier(Modifier::BOLD),
            ))),
            head,
        );
    }
    f.render_stateful_widget(
        List::new(items).highlight_style(app.theme.selection()),
        body,
        &mut st,
    );
}
