//! The All tab (every context's events, each row marked and coloured by its context), the
//! Incidents view and an incident's detail.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, TableState};

use crate::state::clock;
use crate::tui::core::app::App;
use crate::tui::core::keymap::Cmd;
use crate::tui::core::theme::tone_color;
use crate::tui::features::oncall::View;
use crate::tui::overlays::details::view::{kv, scrolled_text};
use crate::tui::ui::banner::marker;
use crate::tui::ui::panes::{age, empty, event_detail, fit};

fn context_style(app: &App, name: &str) -> (Style, String) {
    match app.contexts.iter().find(|c| c.name == name) {
        Some(c) => {
            let style = if app.theme.color {
                Style::default().fg(tone_color(c.policy.tone))
            } else {
                Style::default()
            };
            (style, format!("{} {name}", marker(c.policy.class)))
        }
        None => (Style::default(), format!("? {name}")),
    }
}

fn view_block<'a>(app: &App, title: String) -> Block<'a> {
    Block::bordered()
        .border_style(app.theme.border(true))
        .title(Line::from(Span::styled(
            title,
            app.theme.fg(app.theme.title).add_modifier(Modifier::BOLD),
        )))
}

/// The footer's key hints while a view is shown, from the keymap.
pub fn hints(app: &App) -> Vec<(String, &'static str)> {
    let k = |c: Cmd| app.keymap.first_key(c);
    let mut v = vec![
        ("Esc".to_string(), "back"),
        (k(Cmd::Open), "detail"),
        (k(Cmd::Acknowledge), "acknowledge"),
    ];
    if app.oncall.view == Some(View::Incidents) {
        v.push((k(Cmd::Resolve), "resolve"));
        v.push((k(Cmd::AgentApprove), "approve proposal"));
        v.push((k(Cmd::AgentDeny), "deny proposal"));
    } else {
        v.push((k(Cmd::Rollback), "rollback plan"));
        v.push((k(Cmd::Logs), "logs"));
    }
    v.extend([
        (k(Cmd::AllEvents), "all"),
        (k(Cmd::Incidents), "incidents"),
        (k(Cmd::PrevContext), "prev context"),
        (k(Cmd::NextContext), "next context"),
        (k(Cmd::Palette), "palette"),
        (k(Cmd::Help), "help"),
        (k(Cmd::Quit), "quit"),
    ]);
    v
}

fn short_time(ts: &str) -> String {
    clock::parse(ts)
        .map(|t| {
            format!(
                "{:02}-{:02} {:02}:{:02}:{:02}",
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        })
        .unwrap_or_else(|| ts.chars().take(14).collect())
}

fn widths_table<'a>(
    app: &App,
    area: Rect,
    header: &[&'static str],
    rows: Vec<(Vec<Cell<'a>>, Style)>,
    widths: &[u16],
    drop_order: &[usize],
    b: Block<'a>,
) -> ratatui::widgets::Table<'a> {
    let flex = widths.len() - 1;
    let kept = fit(widths, flex, 16, drop_order, area.width.saturating_sub(2));
    let constraints: Vec<ratatui::layout::Constraint> = kept
        .iter()
        .map(|&i| {
            if i == flex {
                ratatui::layout::Constraint::Min(16)
            } else {
                ratatui::layout::Constraint::Length(widths[i])
            }
        })
        .collect();
    let head = ratatui::widgets::Row::new(kept.iter().map(|&i| header[i]).collect::<Vec<_>>());
    let body: Vec<ratatui::widgets::Row> = rows
        .into_iter()
        .map(|(cells, style)| {
            let mut cells: Vec<Option<Cell>> = cells.into_iter().map(Some).collect();
            ratatui::widgets::Row::new(
                kept.iter()
                    .map(|&i| cells[i].take().unwrap_or_default())
                    .collect::<Vec<_>>(),
            )
            .style(style)
        })
        .collect();
    ratatui::widgets::Table::new(body, constraints)
        .header(head.style(app.theme.fg(app.theme.dim).add_modifier(Modifier::BOLD)))
        .block(b)
        .row_highlight_style(app.theme.selection())
        .column_spacing(1)
}

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    match app.oncall.view {
        Some(View::All) => render_all(f, area, app),
        Some(View::Incidents) => render_incidents(f, area, app),
        None => {}
    }
}

pub fn render_all(f: &mut Frame, area: Rect, app: &App) {
    let rows = &app.oncall.all;
    let b = view_block(
        app,
        format!(
            " ▶ All contexts: events ({}, newest first, live) ",
            rows.len()
        ),
    );
    if rows.is_empty() {
        let text = if app.oncall.all_loaded {
            "No events in any context yet."
        } else {
            "Reading every context's events…"
        };
        return empty(f, area, b, text.into(), app);
    }
    let width = rows
        .iter()
        .map(|e| e.context.chars().count() as u16 + 2)
        .max()
        .unwrap_or(8)
        .clamp(8, 24);
    let body: Vec<(Vec<Cell>, Style)> = rows
        .iter()
        .map(|e| {
            let r = &e.record;
            let (style, label) = context_style(app, &e.context);
            let sev = if r.severity.is_empty() {
                "-".to_string()
            } else {
                r.severity.clone()
            };
            (
                vec![
                    Cell::from(Span::styled(label, style.add_modifier(Modifier::BOLD))),
                    Cell::from(short_time(&r.timestamp)),
                    Cell::from(Span::styled(sev.clone(), app.theme.severity(&sev))),
                    Cell::from(Span::styled(r.status.clone(), app.theme.status(&r.status))),
                    Cell::from(r.source.clone()),
                    Cell::from(r.command.clone()),
                    Cell::from(r.target.clone()),
                    Cell::from(event_detail(r)),
                ],
                style,
            )
        })
        .collect();
    let header = [
        "CONTEXT",
        "TIME (UTC)",
        "SEV",
        "STATUS",
        "SOURCE",
        "COMMAND",
        "TARGET",
        "MESSAGE",
    ];
    let widths = [width, 14, 8, 9, 6, 18, 14, 16];
    let mut st = TableState::default();
    st.select(Some(app.oncall.selection(View::All).min(rows.len() - 1)));
    let t = widths_table(app, area, &header, body, &widths, &[4, 6, 1, 3], b);
    f.render_stateful_widget(t, area, &mut st);
}

pub fn render_incidents(f: &mut Frame, area: Rect, app: &App) {
    let rows = app.oncall.incident_rows();
    let open = rows.iter().filter(|(_, e)| e.status.is_active()).count();
    let b = view_block(
        app,
        format!(
            " ▶ Incidents, every context ({open} open of {}) ",
            rows.len()
        ),
    );
    if rows.is_empty() {
        return empty(
            f,
            area,
            b,
            "No incidents. Failures of deploys, rollbacks, checks and commands are folded here as they happen.".into(),
            app,
        );
    }
    let body: Vec<(Vec<Cell>, Style)> = rows
        .iter()
        .map(|(ctx, e)| {
            let (style, label) = context_style(app, ctx);
            let sev = e.incident.severity.as_str();
            let dim = if e.status.is_active() {
                style
            } else {
                app.theme.fg(app.theme.dim)
            };
            (
                vec![
                    Cell::from(Span::styled(label, style.add_modifier(Modifier::BOLD))),
                    Cell::from(e.status.as_str()),
                    Cell::from(Span::styled(sev, app.theme.severity(sev))),
                    Cell::from(e.seen_count.to_string()),
                    Cell::from(age(app, &e.last_seen)),
                    Cell::from(e.incident.category.as_str()),
                    Cell::from(e.incident.target.clone()),
                    Cell::from(match app.oncall.proposal_for(ctx, e.id()) {
                        Some(p) => format!(
                            "agent {} proposes: {} [{} approve · {} deny] — {}",
                            p.agent,
                            p.remediation.describe(),
                            app.keymap.first_key(Cmd::AgentApprove),
                            app.keymap.first_key(Cmd::AgentDeny),
                            e.incident.message
                        ),
                        None => e.incident.message.clone(),
                    }),
                ],
                dim,
            )
        })
        .collect();
    let header = [
        "CONTEXT", "STATUS", "SEV", "SEEN", "LAST", "CATEGORY", "TARGET", "MESSAGE",
    ];
    let width = rows
        .iter()
        .map(|(c, _)| c.chars().count() as u16 + 2)
        .max()
        .unwrap_or(8)
        .clamp(8, 24);
    let widths = [width, 12, 8, 4, 4, 8, 14, 16];
    let mut st = TableState::default();
    st.select(Some(
        app.oncall.selection(View::Incidents).min(rows.len() - 1),
    ));
    let t = widths_table(app, area, &header, body, &widths, &[5, 6, 4, 3], b);
    f.render_stateful_widget(t, area, &mut st);
}

/// Every field of an incident.
pub fn incident(f: &mut Frame, area: Rect, app: &App, context: &str, id: &str, scroll: u16) {
    let mut lines = vec![kv(app, "context", context)];
    match crate::tui::features::oncall::find_incident(app, context, id) {
        Some(e) => {
            let v = serde_json::to_value(e).unwrap_or_default();
            flatten("", &v, &mut |k, val| lines.push(kv(app, k, val)));
        }
        None => lines.push(kv(app, "id", &format!("{id} (no longer in the queue)"))),
    }
    if let Some(p) = app.oncall.proposal_for(context, id) {
        let r = &p.remediation;
        lines.push(kv(
            app,
            "proposal.run",
            &format!("{} (agent {})", p.run_id, p.agent),
        ));
        lines.push(kv(app, "proposal.action", &r.describe()));
        lines.push(kv(app, "proposal.reason", &r.reason));
        lines.push(kv(app, "proposal.command", &r.command));
        for (i, l) in r.plan.iter().enumerate() {
            lines.push(kv(app, &format!("proposal.plan[{i}]"), l));
        }
    }
    let k = |c: Cmd| app.keymap.first_key(c);
    let title = format!(
        " incident {id} — {} acknowledge · {} resolve · ↑/↓ scroll · Esc close ",
        k(Cmd::Acknowledge),
        k(Cmd::Resolve)
    );
    scrolled_text(f, area, app, title, lines, scroll);
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut dyn FnMut(&str, &str)) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::String(s) => out(prefix, s),
        serde_json::Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect();
            out(prefix, &items.join(", "));
        }
        other => out(prefix, &other.to_string()),
    }
}
