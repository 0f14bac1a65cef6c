//! Drawing: a pure function of the console state (and the task logs it points at).

pub mod banner;
pub mod layout;
pub mod log;
pub mod panes;
pub mod popup;

use ratatui::Frame;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::core::app::{App, FlashLevel};
use super::core::pane::Pane;
use super::features;
use super::features::oncall::view as oncall;
use super::features::stage::view as instances;
use super::overlays::view as overlays;
use crate::tasks::TaskRunner;

pub fn draw(f: &mut Frame, app: &App, runner: &TaskRunner) {
    draw_widgets(f, app, runner);
    inert(f.buffer_mut());
}

/// The one sanitiser pass of the console, over the finished frame: ratatui already skips
/// graphemes holding C0 and C1 controls, but bidirectional overrides (and a control combined
/// into a grapheme with printable text) would still reach the terminal from a state file or a
/// remote line. Whatever pane or dialog drew the cell, it carries none of them.
fn inert(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        if let std::borrow::Cow::Owned(clean) = crate::text::strip_hostile(cell.symbol()) {
            cell.set_symbol(if clean.is_empty() { " " } else { &clean });
        }
    }
}

fn draw_widgets(f: &mut Frame, app: &App, runner: &TaskRunner) {
    let area = f.area();
    let l = layout::compute_for(area, app);
    if l.too_small {
        f.render_widget(
            Paragraph::new(format!(
                "terminal too small ({}×{}); paasdeck needs at least {}×{}",
                area.width,
                area.height,
                layout::MIN_WIDTH,
                layout::MIN_HEIGHT
            ))
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    banner::render_banner(f, l.banner, app);
    banner::render_tabs(f, l.tabs, app);
    if app.oncall.view.is_some() {
        // The responder's view takes the panes' place; the task pane stays.
        if let Some(body) = l
            .panes
            .iter()
            .filter(|(p, _)| *p != Pane::Log)
            .map(|(_, r)| *r)
            .reduce(|a, b| a.union(b))
        {
            oncall::render(f, body, app);
        }
        if let Some((_, r)) = l.panes.iter().find(|(p, _)| *p == Pane::Log) {
            log::render(f, *r, app, runner);
        }
        footer(f, l.footer, app);
        overlays::render(f, area, app);
        return;
    }
    for (pane, rect) in &l.panes {
        match pane {
            Pane::Targets => features::targets::view::render_targets(f, *rect, app),
            Pane::Apps => features::apps::view::render_apps(f, *rect, app),
            Pane::Events => features::context::events::render_events(f, *rect, app),
            Pane::Backups => features::backup::view::render_backups(f, *rect, app),
            Pane::Instances => instances::render(f, *rect, app),
            Pane::Log => log::render(f, *rect, app, runner),
        }
    }
    footer(f, l.footer, app);
    overlays::render(f, area, app);
}

fn footer(f: &mut Frame, area: ratatui::layout::Rect, app: &App) {
    let line = match &app.flash {
        Some(flash) => {
            let style = match flash.level {
                FlashLevel::Info => app.theme.fg(app.theme.info),
                FlashLevel::Warn => app.theme.fg(app.theme.warning).add_modifier(Modifier::BOLD),
                FlashLevel::Error => app.theme.fg(app.theme.failed).add_modifier(Modifier::BOLD),
            };
            Line::from(Span::styled(flash.text.clone(), style))
        }
        None => {
            // Whole hints only: the ones that do not fit are left out, never cut.
            let mut spans = Vec::new();
            let mut used = 0usize;
            let hints = if app.oncall.view.is_some() {
                oncall::hints(app)
            } else {
                app.keymap.hints(app.focus)
            };
            for (key, name) in hints {
                let label = format!(" {} ", name.replace('_', " "));
                let w = key.chars().count() + label.chars().count();
                if used + w > area.width as usize {
                    break;
                }
                used += w;
                spans.push(Span::styled(
                    key,
                    app.theme
                        .fg(app.theme.border_focus)
                        .add_modifier(Modifier::BOLD),
                ));
                spans.push(Span::styled(label, Style::default()));
            }
            Line::from(spans)
        }
    };
    f.render_widget(Paragraph::new(line), area);
}
