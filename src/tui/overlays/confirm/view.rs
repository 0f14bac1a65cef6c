//! The confirmation dialog: the operation's plan (wrapped to the dialog, scrolled), in the
//! context's colours, then the answer: a typed name, or No/Yes buttons; a deploy's health
//! timeout can be edited in it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::policy::guard::ConfirmLevel;
use crate::tui::core::app::{App, Confirm};
use crate::tui::core::theme::tone_color;
use crate::tui::ui::popup::centered;

/// The confirmation dialog's width on a screen `screen_width` wide.
fn confirm_width(screen_width: u16) -> u16 {
    screen_width.saturating_sub(6).clamp(60, 140)
}

/// The dialog's lines as drawn on a screen `screen_width` wide: a line longer than the dialog
/// wraps (its continuation indented), so no part of a plan is ever cut off.
pub fn confirm_lines(lines: &[String], screen_width: u16) -> Vec<(usize, String)> {
    let outer = confirm_width(screen_width).min(screen_width.saturating_sub(2));
    let inner = outer.saturating_sub(2).max(10) as usize;
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        for (j, part) in wrap(l, inner).into_iter().enumerate() {
            out.push((i, if j == 0 { part } else { format!("  {part}") }));
        }
    }
    out
}

/// Breaks `line` into pieces of at most `width` columns, at spaces where it can (the first
/// piece `width` wide, the rest two narrower, for their indent).
fn wrap(line: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let mut out = Vec::new();
    let mut rest: Vec<char> = line.chars().collect();
    let mut room = width;
    loop {
        let mut used = 0;
        let mut end = 0;
        while end < rest.len() {
            let w = rest[end].width().unwrap_or(0);
            if used + w > room {
                break;
            }
            used += w;
            end += 1;
        }
        if end >= rest.len() {
            out.push(rest.iter().collect());
            return out;
        }
        // Break at the last space in the piece, unless that leaves it nearly empty.
        let cut = match rest[..end].iter().rposition(|c| *c == ' ') {
            Some(s) if s > room / 3 => s,
            _ => end.max(1),
        };
        out.push(
            rest[..cut]
                .iter()
                .collect::<String>()
                .trim_end()
                .to_string(),
        );
        let skip = usize::from(rest.get(cut) == Some(&' '));
        rest.drain(..cut + skip);
        room = width.saturating_sub(2).max(1);
    }
}

pub fn render(f: &mut Frame, area: Rect, app: &App, c: &Confirm) {
    let is_deploy = matches!(&c.op, crate::tui::core::op::Op::Apply(p) if p.0.kind == crate::ops::deploy::Kind::Deploy);
    let extra = if c.level == ConfirmLevel::TypeName {
        6
    } else {
        3
    };
    let wrapped = confirm_lines(&c.lines, area.width);
    let r = centered(
        area,
        confirm_width(area.width),
        wrapped.len() as u16 + extra + 4,
    );
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(app.theme.border(true))
        .title(title(app, c));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let mut lines: Vec<Line> = wrapped
        .into_iter()
        .map(|(i, l)| {
            if i == 0 {
                Line::from(Span::styled(
                    l,
                    Style::default().add_modifier(Modifier::BOLD),
                ))
            } else {
                Line::from(l)
            }
        })
        .collect();
    lines.push(Line::from(""));
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Min(1), Constraint::Length(extra)])
        .split(inner);
    let shown = rows[0].height as usize;
    let hidden = lines.len().saturating_sub(c.scroll as usize + shown);
    f.render_widget(Paragraph::new(lines).scroll((c.scroll, 0)), rows[0]);
    if hidden > 0 || c.scroll > 0 {
        scroll_tag(f, app, r, hidden);
    }
    match c.level {
        ConfirmLevel::TypeName => typed_name(f, app, c, rows[1], is_deploy),
        _ => buttons(f, app, c, rows[1], is_deploy),
    }
}

/// "Confirm in CONTEXT", the context's name in its colours (reversed without colour).
fn title(app: &App, c: &Confirm) -> Line<'static> {
    let tone = app
        .contexts
        .iter()
        .find(|x| x.name == c.context)
        .map(|x| tone_color(x.policy.tone));
    let ctx_style = match (app.theme.color, tone) {
        (true, Some(t)) => Style::default()
            .bg(t)
            .fg(ratatui::style::Color::Black)
            .add_modifier(Modifier::BOLD),
        _ => Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
    };
    Line::from(vec![
        Span::styled(
            " Confirm in ",
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!(" {} ", c.context.to_uppercase()), ctx_style),
        Span::raw(" "),
    ])
}

/// How many lines of the plan are out of sight, on the dialog's bottom border.
fn scroll_tag(f: &mut Frame, app: &App, r: Rect, hidden: usize) {
    let tag = format!(" ↑/↓ scroll · {hidden} more line(s) ");
    let w = tag.chars().count() as u16;
    if r.width > w + 2 {
        f.render_widget(
            Paragraph::new(tag).style(app.theme.fg(app.theme.warning)),
            Rect {
                x: r.x + r.width - w - 1,
                y: r.y + r.height - 1,
                width: w,
                height: 1,
            },
        );
    }
}

/// The answer of a type-the-name dialog: what to type, the field, the health timeout or the
/// error.
fn typed_name(f: &mut Frame, app: &App, c: &Confirm, area: Rect, is_deploy: bool) {
    let parts = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Length(3),
            Constraint::Length(1),
        ])
        .split(area);
    f.render_widget(
        Paragraph::new(format!(
            "Type the context name ({}) and press Enter to confirm · Esc cancels{}",
            c.context,
            if is_deploy {
                " · Ctrl-t health timeout"
            } else {
                ""
            }
        )),
        parts[0],
    );
    let mut t = c.input.clone();
    t.set_block(Block::bordered().border_style(app.theme.border(true)));
    f.render_widget(&t, parts[1]);
    if let Some(h) = &c.health {
        f.render_widget(
            Paragraph::new(format!(
                "health timeout: {}▏ (Enter set · Esc keep)",
                h.lines().join("")
            )),
            parts[2],
        );
    } else if let Some(e) = &c.error {
        f.render_widget(
            Paragraph::new(e.clone()).style(app.theme.fg(app.theme.failed)),
            parts[2],
        );
    }
}

/// The answer of a yes/no dialog: the buttons (No focused at first), the keys, the health
/// timeout or the error.
fn buttons(f: &mut Frame, app: &App, c: &Confirm, area: Rect, is_deploy: bool) {
    let sel = app.theme.selection().add_modifier(Modifier::BOLD);
    let (no, yes) = if c.yes_focused {
        (Style::default(), sel)
    } else {
        (sel, Style::default())
    };
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled("[ No ]", no),
                Span::raw("  "),
                Span::styled("[ Yes ]", yes),
            ]),
            Line::from(Span::styled(
                format!(
                    "y confirm · n/Esc cancel · ←/→ choose · Enter activates the chosen button (No by default){}",
                    if is_deploy { " · t health timeout" } else { "" }
                ),
                app.theme.fg(app.theme.dim),
            )),
            match (&c.health, &c.error) {
                (Some(h), _) => Line::from(format!(
                    "health timeout: {}▏ (Enter set · Esc keep)",
                    h.lines().join("")
                )),
                (None, Some(e)) => Line::from(Span::styled(
                    e.clone(),
                    app.theme.fg(app.theme.failed),
                )),
                (None, None) => Line::from(""),
            },
        ]),
        area,
    );
}
