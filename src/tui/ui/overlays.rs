//! Dialogs drawn over the panes: help, palette, filter, action menu, confirmation, forms and
//! the quit question.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph};

use ratatui_textarea::TextArea;

use crate::policy::guard::ConfirmLevel;
use crate::tui::app::{App, Confirm, Overlay};
use crate::tui::theme::tone_color;

/// A centred rectangle of at most `w`×`h`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(10.min(area.width));
    let h = h.min(area.height.saturating_sub(2)).max(3.min(area.height));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn popup<'a>(app: &App, title: String) -> Block<'a> {
    Block::bordered()
        .border_style(app.theme.border(true))
        .title(Span::styled(
            title,
            Style::default().add_modifier(Modifier::BOLD),
        ))
}

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => help(f, area, app, *scroll),
        Overlay::Palette { input, message } => {
            let title = " : command (Enter run · Tab complete · Esc close) ".to_string();
            let r = input_bar(f, area, app, input, title);
            if let Some(m) = message {
                let mr = Rect {
                    y: r.y.saturating_sub(1),
                    height: 1,
                    ..r
                };
                f.render_widget(Clear, mr);
                f.render_widget(
                    Paragraph::new(m.clone()).style(app.theme.fg(app.theme.warning)),
                    mr,
                );
            }
        }
        Overlay::Filter { pane, input } => {
            let what = if *pane == crate::tui::pane::Pane::Log {
                "search task output"
            } else {
                "filter"
            };
            let title = format!(" / {what}: {} (Enter keep · Esc clear) ", pane.title());
            input_bar(f, area, app, input, title);
        }
        Overlay::Menu {
            title,
            items,
            selected,
        } => {
            let h = items.len() as u16 + 2;
            let r = centered(area, 60, h);
            f.render_widget(Clear, r);
            let list: Vec<ListItem> = items
                .iter()
                .map(|i| {
                    let mut spans = vec![
                        Span::styled(format!("{:>7}  ", i.key), app.theme.fg(app.theme.dim)),
                        Span::raw(i.label.clone()),
                    ];
                    if let Some(why) = &i.disabled {
                        spans = vec![
                            Span::styled(format!("{:>7}  ", i.key), app.theme.fg(app.theme.dim)),
                            Span::styled(
                                format!("{} — disabled: {why}", i.label),
                                app.theme
                                    .fg(app.theme.dim)
                                    .add_modifier(Modifier::CROSSED_OUT),
                            ),
                        ];
                    }
                    ListItem::new(Line::from(spans))
                })
                .collect();
            let mut st = ListState::default();
            st.select(Some(*selected));
            f.render_stateful_widget(
                List::new(list)
                    .block(popup(app, format!(" {title} — Enter run · Esc close ")))
                    .highlight_style(app.theme.selection()),
                r,
                &mut st,
            );
        }
        Overlay::Confirm(c) => confirm(f, area, app, c),
        Overlay::Form(form) => super::forms::render(f, area, app, form),
        Overlay::Event { record, scroll } => super::details::event(f, area, app, record, *scroll),
        Overlay::Incident {
            context,
            id,
            scroll,
        } => super::oncall::incident(f, area, app, context, id, *scroll),
        Overlay::History(h) => super::details::history(f, area, app, h),
        Overlay::Target { name, scroll } => super::details::target(f, area, app, name, *scroll),
        Overlay::Info {
            title,
            lines,
            scroll,
        } => super::details::info(f, area, app, title, lines, *scroll),
        Overlay::Secrets {
            app: name,
            rows,
            selected,
        } => super::details::secrets(f, area, app, name, rows, *selected),
        Overlay::Doctor { context, scroll } => {
            super::details::doctor(f, area, app, context, *scroll)
        }
        Overlay::Addons {
            app: name,
            selected,
        } => super::addons::render(f, area, app, name, *selected),
        Overlay::QuitConfirm { .. } => {
            let r = centered(area, 70, 5);
            f.render_widget(Clear, r);
            // What runs now: tasks may have ended since the question was asked.
            let by_context = app.running_by_context();
            let running: usize = by_context.iter().map(|(_, n)| *n).sum();
            let places: Vec<String> = by_context
                .iter()
                .map(|(c, n)| format!("{n} in {c}"))
                .collect();
            let first = if running == 0 {
                "The tasks that were running have ended.".to_string()
            } else {
                format!("{running} task(s) still running: {}.", places.join(", "))
            };
            f.render_widget(
                Paragraph::new(vec![
                    Line::from(first),
                    Line::from(Span::styled(
                        if running == 0 {
                            "Quit?  y quit · n/Esc stay (default)"
                        } else {
                            "Quit and cancel them?  y quit · n/Esc stay (default)"
                        },
                        Style::default().add_modifier(Modifier::BOLD),
                    )),
                ])
                .block(popup(app, " Quit ".into())),
                r,
            );
        }
    }
}

/// A one-line input box along the bottom of the screen; returns where it went.
fn input_bar(
    f: &mut Frame,
    area: Rect,
    app: &App,
    input: &TextArea<'static>,
    title: String,
) -> Rect {
    let r = Rect {
        y: area.y + area.height.saturating_sub(4),
        height: 3.min(area.height),
        ..area
    };
    f.render_widget(Clear, r);
    let mut t = input.clone();
    t.set_block(popup(app, title));
    f.render_widget(&t, r);
    r
}

fn help(f: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let r = centered(area, 86, area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    let mut lines: Vec<Line> = Vec::new();
    for w in &app.warnings {
        lines.push(Line::from(Span::styled(
            format!("⚠ {w}"),
            app.theme.fg(app.theme.warning),
        )));
    }
    if !app.warnings.is_empty() {
        lines.push(Line::from(""));
    }
    for (group, entries) in app.keymap.help() {
        lines.push(Line::from(Span::styled(
            group.to_uppercase(),
            Style::default().add_modifier(Modifier::BOLD),
        )));
        for (keys, desc) in entries {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {keys:<16}"),
                    app.theme.fg(app.theme.border_focus),
                ),
                Span::raw(desc),
            ]));
        }
        lines.push(Line::from(""));
    }
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let entry = |k: &str, d: &str| {
        Line::from(vec![
            Span::styled(format!("  {k:<16}"), app.theme.fg(app.theme.border_focus)),
            Span::raw(d.to_string()),
        ])
    };
    lines.push(Line::from(Span::styled("MOUSE", bold)));
    lines.push(entry(
        "click",
        "focus a pane and select the row under the pointer",
    ));
    lines.push(entry("click a tab", "switch to that context"));
    lines.push(entry("wheel", "scroll the pane under the pointer"));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("ESC", bold)));
    lines.push(entry(
        "Esc",
        "close a dialog, view or input (a confirmation: cancel); clear the pane's filter",
    ));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("KEYMAP FILE", bold)));
    lines.push(Line::from(format!(
        "  {}",
        app.keymap_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(no config directory found)".into())
    )));
    lines.push(Line::from(Span::styled(
        "  a JSON object of command → keys, e.g. {\"quit\": [\"ctrl-q\"]}; it replaces the keys of the commands it names",
        app.theme.fg(app.theme.dim),
    )));
    f.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(popup(
            app,
            " Help — ↑/↓ scroll · any other key closes ".into(),
        )),
        r,
    );
}

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

fn confirm(f: &mut Frame, area: Rect, app: &App, c: &Confirm) {
    let is_deploy = matches!(&c.op, crate::tui::op::Op::Apply(p) if p.0.kind == crate::ops::deploy::Kind::Deploy);
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
    let title = Line::from(vec![
        Span::styled(
            " Confirm in ",
            Style::default().add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!(" {} ", c.context.to_uppercase()), ctx_style),
        Span::raw(" "),
    ]);
    let block = Block::bordered()
        .border_style(app.theme.border(true))
        .title(title);
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
    match c.level {
        ConfirmLevel::TypeName => {
            let parts = Layout::default()
                .direction(Direction::Vertical)
                .constraints([
                    Constraint::Length(1),
                    Constraint::Length(3),
                    Constraint::Length(1),
                ])
                .split(rows[1]);
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
        _ => {
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
                rows[1],
            );
        }
    }
}
