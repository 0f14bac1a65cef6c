//! The Instances pane of a staging context: the staging project's instances as `stage status`
//! last saw them (name, state, IPv4, data policy, disk, flags), and when that was.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

use crate::text::{human_bytes, sanitize_inline};
use crate::tui::core::action::Pane;
use crate::tui::core::app::App;
use crate::tui::features::stage::{self, StageView};
use crate::tui::ui::panes::{block, empty, select, table, widest};

fn title_extra(app: &App, v: &StageView, rows: usize) -> String {
    let mut s = match v.config() {
        Some(c) => format!(" {} ({rows})", c.project),
        None => String::new(),
    };
    if v.refreshing {
        s.push_str(" · reading…");
    } else if let Some(t) = v.refreshed_at {
        s.push_str(&format!(" · {} ago", crate::state::clock::age(t, app.now)));
    }
    if let Some(st) = &v.status
        && let Some(free) = st.free_bytes
    {
        s.push_str(&format!(" · free {}", human_bytes(free)));
        if st.low_disk {
            s.push_str(&format!(" BELOW min_host_free {}", st.min_host_free));
        }
    }
    s
}

/// The pane's short words for `stage status` flags.
fn short_flag(flag: &str) -> &str {
    match flag {
        "outside_network" => "off-net",
        "address_mismatch" => "wrong-ip",
        "not_in_config" => "unlisted",
        other => other,
    }
}

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let view = app
        .stages
        .get(&app.active_name())
        .cloned()
        .unwrap_or_default();
    let rows = stage::visible_rows(app);
    let b = block(app, Pane::Instances, title_extra(app, &view, rows.len()));
    if rows.is_empty() {
        let text = match (&view.config, &view.error, &view.status) {
            (Some(Err(e)), _, _) => format!("The stage object cannot be used: {e}"),
            (_, Some(e), _) => format!("stage status failed: {e} (r reads again)"),
            _ if !app.filters[Pane::Instances.index()].is_empty() => {
                "No instance matches the filter (Esc clears it).".into()
            }
            (_, _, Some(s)) if !s.project_exists => format!(
                "Project {} does not exist on the host yet: `stage init`, then c clones.",
                s.project
            ),
            (_, _, None) => "Reading the staging project from its host…".into(),
            _ => "No instances in the staging project yet: c clones them.".into(),
        };
        return empty(f, area, b, sanitize_inline(&text).into_owned(), app);
    }
    let th = &app.theme;
    let body: Vec<Row> = rows
        .iter()
        .map(|r| {
            let state = match r.state.as_str() {
                "Running" => th.status("ok"),
                "missing" => th.status("failed"),
                _ => th.fg(th.warning),
            };
            let flags = if r.flags.is_empty() {
                th.fg(th.dim)
            } else {
                th.status("failed")
            };
            Row::new(vec![
                Cell::from(sanitize_inline(&r.name).into_owned()),
                Cell::from(Span::styled(sanitize_inline(&r.state).into_owned(), state)),
                Cell::from(if r.ipv4.is_empty() {
                    "-".into()
                } else {
                    r.ipv4.join(",")
                }),
                Cell::from(r.data.clone()),
                Cell::from(r.disk_usage.map(human_bytes).unwrap_or_else(|| "-".into())),
                Cell::from(Span::styled(
                    r.flags
                        .iter()
                        .map(|f| short_flag(f))
                        .collect::<Vec<_>>()
                        .join(" "),
                    flags,
                )),
            ])
        })
        .collect();
    let header = Row::new(vec!["NAME", "STATE", "IPV4", "DATA", "DISK", "FLAGS"]);
    let widths = vec![
        Constraint::Length(widest(rows.iter().map(|r| r.name.as_str()), 4, 24)),
        Constraint::Length(7),
        Constraint::Length(widest(rows.iter().map(|r| r.ipv4.join(",")), 4, 31)),
        Constraint::Length(4),
        Constraint::Length(6),
        Constraint::Fill(1),
    ];
    let mut st = select(app, Pane::Instances, rows.len());
    f.render_stateful_widget(table(app, body, header, widths, b), area, &mut st);
}
