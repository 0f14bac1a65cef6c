//! Where everything goes for a terminal size. Shared by rendering and mouse handling.

use ratatui::layout::{Constraint, Direction, Layout as RLayout, Position, Rect};

use crate::tui::app::App;
use crate::tui::pane::Pane;

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub too_small: bool,
    pub banner: Rect,
    pub tabs: Rect,
    pub panes: Vec<(Pane, Rect)>,
    pub footer: Rect,
}

pub fn compute(area: Rect, _contexts: usize) -> Layout {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return Layout {
            too_small: true,
            ..Default::default()
        };
    }
    let rows = RLayout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(4),
            Constraint::Length(1),
        ])
        .split(area);
    let body = rows[2];
    let log_height = (body.height * 35 / 100)
        .max(5)
        .min(body.height.saturating_sub(4));
    let body_rows = RLayout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
        .split(Rect {
            height: body.height - log_height,
            ..body
        });
    let log = Rect {
        y: body.y + body.height - log_height,
        height: log_height,
        ..body
    };
    let top = RLayout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
        .split(body_rows[0]);
    let mid = RLayout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(62), Constraint::Percentage(38)])
        .split(body_rows[1]);
    Layout {
        too_small: false,
        banner: rows[0],
        tabs: rows[1],
        panes: vec![
            (Pane::Targets, top[0]),
            (Pane::Apps, top[1]),
            (Pane::Events, mid[0]),
            (Pane::Backups, mid[1]),
            (Pane::Log, log),
        ],
        footer: rows[3],
    }
}

/// Tab labels in order: ` 1 name `.
pub fn tab_labels(app: &App) -> Vec<String> {
    app.contexts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < 9 {
                format!(" {} {} ", i + 1, c.name)
            } else {
                format!(" {} ", c.name)
            }
        })
        .collect()
}

/// The tab under a position.
pub fn tab_at(l: &Layout, app: &App, pos: Position) -> Option<usize> {
    if l.too_small || !l.tabs.contains(pos) {
        return None;
    }
    let mut x = l.tabs.x;
    for (i, label) in tab_labels(app).iter().enumerate() {
        let w = label.chars().count() as u16;
        if pos.x >= x && pos.x < x + w {
            return Some(i);
        }
        x += w + 1;
    }
    None
}
