//! The drill-in views: an event's every field, an app's release history, a target's settings
//! with its last check, read-only info, an app's secrets (set or missing, never a value) and
//! the doctor report. Each names its keys from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};

use crate::ops::secrets::VarStatus;
use crate::ops::target_check;
use crate::state::events::EventRecord;
use crate::text::sanitize_inline;
use crate::tui::core::app::{App, History};
use crate::tui::core::keymap::Cmd;
use crate::tui::ui::popup::centered;

fn popup<'a>(app: &App, title: String) -> Block<'a> {
    Block::bordered()
        .border_style(app.theme.border(true))
        .title(Span::styled(
            title,
            Style::default().add_modifier(Modifier::BOLD),
        ))
}

fn big(area: Rect) -> Rect {
    centered(
        area,
        area.width.saturating_sub(8).clamp(40, 140),
        area.height.saturating_sub(4),
    )
}

pub(in crate::tui) fn kv(app: &App, key: &str, value: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{key:<18} "), app.theme.fg(app.theme.dim)),
        Span::raw(sanitize_inline(value).into_owned()),
    ])
}

pub(in crate::tui) fn scrolled_text(
    f: &mut Frame,
    area: Rect,
    app: &App,
    title: String,
    lines: Vec<Line>,
    scroll: u16,
) {
    let r = big(area);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(popup(app, title)),
        r,
    );
}

pub fn event(f: &mut Frame, area: Rect, app: &App, e: &EventRecord, scroll: u16) {
    let mut lines = vec![
        kv(app, "timestamp", &e.timestamp),
        Line::from(vec![
            Span::styled(format!("{:<18} ", "severity"), app.theme.fg(app.theme.dim)),
            Span::styled(e.severity.clone(), app.theme.severity(&e.severity)),
        ]),
        kv(app, "status", &e.status),
        kv(app, "source", &e.source),
        kv(app, "command", &e.command),
        kv(app, "context", &e.context),
        kv(app, "target", &e.target),
        kv(app, "message", &e.message),
    ];
    for (k, v) in &e.fields {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        // A multi-line value (a failed deploy's `output_tail`) keeps its lines, indented.
        let mut rows = text.lines();
        lines.push(kv(app, k, rows.next().unwrap_or("")));
        lines.extend(rows.map(|l| kv(app, "", l)));
    }
    let k = |c: Cmd| app.keymap.first_key(c);
    let title = format!(
        " event {} — {} logs · {} rollback plan · {} acknowledge · {} incident · ↑/↓ scroll · Esc close ",
        e.timestamp,
        k(Cmd::Logs),
        k(Cmd::Rollback),
        k(Cmd::Acknowledge),
        k(Cmd::Incidents)
    );
    scrolled_text(f, area, app, title, lines, scroll);
}

pub fn history(f: &mut Frame, area: Rect, app: &App, h: &History) {
    let r = centered(area, 76, h.releases.len() as u16 + 4);
    f.render_widget(Clear, r);
    let items: Vec<ListItem> = h
        .releases
        .iter()
        .map(|rel| {
            let current = *rel == h.current;
            ListItem::new(Line::from(vec![
                Span::styled(if current { " ● " } else { "   " }, app.theme.status("ok")),
                Span::raw(rel.clone()),
                Span::styled(
                    if current { "  (current)" } else { "" },
                    app.theme.fg(app.theme.dim),
                ),
            ]))
        })
        .collect();
    let mut st = ListState::default();
    st.select(Some(h.selected));
    let addons = app
        .snapshot()
        .and_then(|s| s.apps.iter().find(|a| a.name == h.app))
        .map(|a| a.addons.len())
        .unwrap_or(0);
    let title = format!(
        " {} releases, newest first — Enter/{} roll back · {} add-ons ({addons}) · Esc close ",
        h.app,
        app.keymap.first_key(Cmd::Rollback),
        app.keymap.first_key(Cmd::Addons),
    );
    f.render_stateful_widget(
        List::new(items)
            .block(popup(app, title))
            .highlight_style(app.theme.selection()),
        r,
        &mut st,
    );
}

pub fn target(f: &mut Frame, area: Rect, app: &App, name: &str, scroll: u16) {
    let row = app
        .snapshot()
        .and_then(|s| s.targets.iter().find(|t| t.target.is(name)));
    let mut lines = Vec::new();
    match row {
        Some(t) => {
            let g = &t.target;
            lines.push(kv(app, "name", &g.name));
            lines.push(kv(app, "address", &g.address()));
            lines.push(kv(app, "auth", g.auth().as_str()));
            lines.push(kv(
                app,
                "identity file",
                if g.identity_file.is_empty() {
                    "(ssh defaults / agent)"
                } else {
                    &g.identity_file
                },
            ));
            lines.push(kv(app, "labels", &g.labels.join(",")));
            lines.push(kv(app, "current", if t.current { "yes" } else { "no" }));
            lines.push(kv(app, "created", &g.created_at));
            lines.push(kv(app, "updated", &g.updated_at));
            lines.push(Line::from(""));
            match &t.check {
                Some(c) => {
                    lines.push(kv(app, "last check", &c.checked_at));
                    for l in target_check::describe(c) {
                        lines.push(Line::from(sanitize_inline(&l).into_owned()));
                    }
                }
                None => lines.push(Line::from("never checked")),
            }
        }
        None => lines.push(Line::from(format!("target {name} is gone"))),
    }
    let title = format!(
        " target {name} — {} check · {} edit · Esc close ",
        app.keymap.first_key(Cmd::Check),
        app.keymap.first_key(Cmd::EditTarget)
    );
    scrolled_text(f, area, app, title, lines, scroll);
}

pub fn info(f: &mut Frame, area: Rect, app: &App, title: &str, lines: &[String], scroll: u16) {
    let lines = lines
        .iter()
        .map(|l| Line::from(sanitize_inline(l).into_owned()))
        .collect();
    scrolled_text(
        f,
        area,
        app,
        format!(" {title} — Esc close "),
        lines,
        scroll,
    );
}

pub fn secrets(
    f: &mut Frame,
    area: Rect,
    app: &App,
    name: &str,
    rows: &[VarStatus],
    selected: usize,
) {
    let r = centered(area, 90, rows.len() as u16 + 5);
    f.render_widget(Clear, r);
    let title = format!(
        " variables of {name} — Enter/{} set the selected (masked) · {} remove its value · Esc close ",
        app.keymap.first_key(Cmd::SetSecret),
        app.keymap.first_key(Cmd::RemoveApp)
    );
    if rows.is_empty() {
        f.render_widget(
            Paragraph::new("The compose file interpolates no variables.").block(popup(app, title)),
            r,
        );
        return;
    }
    let items: Vec<ListItem> = rows
        .iter()
        .map(|v| {
            let state = v.state();
            let style = if state == "MISSING" {
                app.theme.status("failed").add_modifier(Modifier::BOLD)
            } else if state.starts_with("set") {
                app.theme.status("ok")
            } else {
                app.theme.fg(app.theme.dim)
            };
            ListItem::new(Line::from(vec![
                Span::raw(format!("{:<32} ", v.name)),
                Span::styled(state, style),
                Span::styled(
                    if v.required { "" } else { "  (has a default)" },
                    app.theme.fg(app.theme.dim),
                ),
            ]))
        })
        .collect();
    let mut st = ListState::default();
    st.select(Some(selected));
    f.render_stateful_widget(
        List::new(items)
            .block(popup(app, title))
            .highlight_style(app.theme.selection()),
        r,
        &mut st,
    );
}

pub fn doctor(f: &mut Frame, area: Rect, app: &App, context: &str, scroll: u16) {
    let mut lines = Vec::new();
    match app.reports.get(context) {
        None => lines.push(Line::from("the doctor is running…")),
        Some(r) => {
            let blocking = r.blocking();
            let summary = match (blocking.len(), r.warnings.len()) {
                (0, 0) => "every check passes".to_string(),
                (0, w) => format!("no check blocks; {w} warning(s) (they never block a deploy)"),
                (b, 0) => format!("{b} check(s) block deploys, rollbacks and secret changes"),
                (b, w) => format!(
                    "{b} check(s) block deploys, rollbacks and secret changes; {w} warning(s)"
                ),
            };
            lines.push(Line::from(Span::styled(
                summary,
                Style::default().add_modifier(Modifier::BOLD),
            )));
            for c in &r.checks {
                let warn = c.level == crate::policy::doctor::Level::Warn;
                let (tag, status) = match (c.ok, warn) {
                    (true, _) => ("OK   ", "ok"),
                    (false, true) => ("WARN ", "warning"),
                    (false, false) => ("FAIL ", "failed"),
                };
                let tag_style = if status == "warning" {
                    app.theme.fg(app.theme.warning)
                } else {
                    app.theme.status(status)
                };
                lines.push(Line::from(""));
                lines.push(Line::from(vec![
                    Span::styled(tag, tag_style),
                    Span::styled(c.name, Style::default().add_modifier(Modifier::BOLD)),
                ]));
                lines.push(Line::from(format!("     {}", sanitize_inline(&c.detail))));
                if !c.ok && !c.fix.is_empty() {
                    lines.push(Line::from(Span::styled(
                        format!("     fix: {}", sanitize_inline(&c.fix)),
                        app.theme.fg(app.theme.warning),
                    )));
                }
            }
        }
    }
    let title = format!(
        " doctor — {context} — ↑/↓ scroll · {} weekly checklist · Esc close ",
        app.keymap.first_key(Cmd::Doctor)
    );
    scrolled_text(f, area, app, title, lines, scroll);
}
