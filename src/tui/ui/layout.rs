//! Where everything goes for a terminal size. Shared by rendering and mouse handling.

use ratatui::layout::{Constraint, Direction, Layout as RLayout, Position, Rect};

use crate::tui::core::app::App;
use crate::tui::core::pane::Pane;

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

/// `instances`: the active tab is a staging context with a stage object, whose Instances
/// pane shares the middle row with Events and Backups.
pub fn compute(area: Rect, instances: bool) -> Layout {
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
    let split = |area: Rect, percentages: &[u16]| {
        RLayout::default()
            .direction(Direction::Horizontal)
            .constraints(percentages.iter().map(|p| Constraint::Percentage(*p)))
            .split(area)
    };
    let panes = if instances {
        // The staging project's instances take the half of the middle row beside the events;
        // Backups moves up beside Apps.
        let top = split(body_rows[0], &[40, 32, 28]);
        let mid = split(body_rows[1], &[48, 52]);
        vec![
            (Pane::Targets, top[0]),
            (Pane::Apps, top[1]),
            (Pane::Backups, top[2]),
            (Pane::Events, mid[0]),
            (Pane::Instances, mid[1]),
        ]
    } else {
        let top = split(body_rows[0], &[50, 50]);
        let mid = split(body_rows[1], &[62, 38]);
        vec![
            (Pane::Targets, top[0]),
            (Pane::Apps, top[1]),
            (Pane::Events, mid[0]),
            (Pane::Backups, mid[1]),
        ]
    };
    let mut panes = panes;
    panes.push((Pane::Log, log));
    Layout {
        too_small: false,
        banner: rows[0],
        tabs: rows[1],
        panes,
        footer: rows[3],
    }
}

/// The layout for the console's current state: the Backups pane takes what its rows need
/// (little when empty), the Events pane (and its message column) the rest.
pub fn compute_for(area: Rect, app: &App) -> Layout {
    let instances = crate::tui::features::stage::shows_instances(app);
    let mut l = compute(area, instances);
    // With the Instances pane, Backups sits in the top row: the split stays as it is.
    if l.too_small || instances {
        return l;
    }
    let (Some(ev), Some(bk)) = (
        l.panes.iter().position(|(p, _)| *p == Pane::Events),
        l.panes.iter().position(|(p, _)| *p == Pane::Backups),
    ) else {
        return l;
    };
    let row = l.panes[ev].1.union(l.panes[bk].1);
    let rows = app.visible_backups();
    let want = if rows.is_empty() {
        34
    } else {
        let id = rows
            .iter()
            .map(|b| b.short_id().chars().count())
            .max()
            .unwrap_or(2) as u16;
        let app_w = rows
            .iter()
            .map(|b| b.app.chars().count())
            .max()
            .unwrap_or(3) as u16;
        id.max(2) + 5 + app_w.max(3) + 4 + 7 + 13 + 5 + 2
    };
    let backups = want.min(row.width * 38 / 100).max(20.min(row.width / 2));
    l.panes[ev].1 = Rect {
        width: row.width - backups,
        ..row
    };
    l.panes[bk].1 = Rect {
        x: row.x + row.width - backups,
        width: backups,
        ..row
    };
    l
}

/// The on-call tabs after the contexts': ` 0 All ` and ` i Incidents N `.
pub fn oncall_labels(app: &App) -> [String; 2] {
    let open: usize = app.oncall.open_counts().iter().map(|(_, n)| n).sum();
    [
        format!(
            " {} All ",
            app.keymap
                .first_key(crate::tui::core::keymap::Cmd::AllEvents)
        ),
        format!(
            " {} Incidents{} ",
            app.keymap
                .first_key(crate::tui::core::keymap::Cmd::Incidents),
            if open > 0 {
                format!(" {open}")
            } else {
                String::new()
            }
        ),
    ]
}

/// Tab labels in order: ` 1 name `, with ` !` on a tab that had trouble since last viewed.
pub fn tab_labels(app: &App) -> Vec<String> {
    app.contexts
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mark = if app.trouble.contains_key(&c.name) {
                " !"
            } else {
                ""
            };
            if i < 9 {
                format!(" {} {}{mark} ", i + 1, c.name)
            } else {
                format!(" {}{mark} ", c.name)
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
    let mut labels = tab_labels(app);
    labels.extend(oncall_labels(app));
    for (i, label) in labels.iter().enumerate() {
        let w = label.chars().count() as u16;
        if pos.x >= x && pos.x < x + w {
            return Some(i);
        }
        x += w + 1;
    }
    None
}
