//! Mouse: a click focuses a pane, selects a row or switches tabs; the wheel scrolls.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::super::ui::layout;
use super::navigation::move_selection;
use crate::tui::core::action::{Effect, Pane};
use crate::tui::core::app::{App, Overlay};
use crate::tui::features::context::switch::switch_context;

pub(in crate::tui) fn on_mouse(app: &mut App, m: MouseEvent) -> Vec<Effect> {
    if !matches!(app.overlay, Overlay::None) {
        return Vec::new();
    }
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    let l = layout::compute_for(area, app);
    let pos = Position::new(m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(i) = layout::tab_at(&l, app, pos) {
                let n = app.contexts.len();
                return match i.checked_sub(n) {
                    Some(0) => crate::tui::features::oncall::open(
                        app,
                        crate::tui::features::oncall::View::All,
                    ),
                    Some(_) => crate::tui::features::oncall::open(
                        app,
                        crate::tui::features::oncall::View::Incidents,
                    ),
                    None => switch_context(app, i),
                };
            }
            if app.oncall.view.is_some() {
                return Vec::new();
            }
            if let Some((pane, rect)) = l.panes.iter().find(|(_, r)| r.contains(pos)) {
                app.focus = *pane;
                if *pane != Pane::Log {
                    // Rows start under the border and the header line.
                    let row = pos.y.saturating_sub(rect.y + 2) as usize;
                    let n = app.row_count(*pane);
                    if pos.y >= rect.y + 2 && row < n {
                        app.selection[pane.index()] = row;
                    }
                }
            }
            Vec::new()
        }
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
            if let Some((pane, _)) = l.panes.iter().find(|(_, r)| r.contains(pos)) {
                app.focus = *pane;
                let d = if m.kind == MouseEventKind::ScrollUp {
                    -3
                } else {
                    3
                };
                move_selection(app, d, None);
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}
