//! The context banner and the context tabs. The banner spells the context name and type in
//! capitals, so colour is never the only cue; without colour it uses reverse video and
//! markers.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::policy::guard::ContextClass;
use crate::tui::core::app::App;
use crate::tui::core::model::DoctorState;
use crate::tui::core::theme::tone_color;

/// A marker per class, shown beside the name in colour and without.
pub fn marker(class: ContextClass) -> &'static str {
    match class {
        ContextClass::Production => "▲",
        ContextClass::InternalDogfood => "◆",
        ContextClass::Staging => "◇",
        ContextClass::OssDemo => "○",
        ContextClass::Other => "■",
    }
}

/// Black or white text, whichever reads on the context colour.
fn text_on(bg: Color) -> Color {
    match bg {
        Color::Yellow | Color::Green | Color::Cyan | Color::White | Color::Gray => Color::Black,
        Color::Rgb(r, g, b) if (r as u32 * 299 + g as u32 * 587 + b as u32 * 114) / 1000 > 140 => {
            Color::Black
        }
        _ => Color::White,
    }
}

/// The banner's text, as segments.
/// ` incidents open: shop 2 · beta 1 `, when any context has one.
fn incidents_segment(app: &App) -> Option<String> {
    let counts = app.oncall.open_counts();
    (!counts.is_empty()).then(|| {
        format!(
            " incidents open: {} ",
            counts
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect::<Vec<_>>()
                .join(" · ")
        )
    })
}

/// ` approvals pending: shop 1 `, when an agent run waits for a decision in any context.
fn approvals_segment(app: &App) -> Option<String> {
    let counts = app.oncall.pending_counts();
    (!counts.is_empty()).then(|| {
        format!(
            " approvals pending: {} ",
            counts
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect::<Vec<_>>()
                .join(" · ")
        )
    })
}

pub fn banner_text(app: &App) -> Vec<String> {
    if app.oncall.view.is_some() {
        let mut parts = vec![" ◉ ALL CONTEXTS · ON-CALL ".to_string()];
        parts.push(incidents_segment(app).unwrap_or_else(|| " no open incidents ".to_string()));
        parts.extend(approvals_segment(app));
        if let Some(c) = app.ctx() {
            parts.push(format!(
                " actions act in the row's context (now {} {}) ",
                marker(c.policy.class),
                c.name.to_uppercase()
            ));
        }
        parts.push(format!(" tasks {} running ", app.running_everywhere()));
        parts.push(format!(" {} ", app.root.path().display()));
        return parts;
    }
    let Some(c) = app.ctx() else {
        return vec![format!(
            " NO CONTEXTS │ state {} │ press I to create one ",
            app.root.path().display()
        )];
    };
    let mut parts = vec![format!(
        " {} {} · {} ",
        marker(c.policy.class),
        c.name.to_uppercase(),
        c.policy.kind.to_uppercase()
    )];
    if c.policy.read_only {
        parts.push(if app.write {
            " READ-ONLY (lifted by --write) ".into()
        } else {
            " READ-ONLY ".into()
        });
    }
    if let Some(e) = &c.config_error {
        parts.push(format!(" STATE ERROR {}: {} ", e.code, e.message));
    }
    if let Some(err) = c.snapshot.as_ref().and_then(|s| s.errors.first()) {
        parts.push(format!(" STATE ERROR {err} "));
    }
    parts.push(match &c.doctor {
        DoctorState::Pending => " doctor … ".into(),
        DoctorState::Ok => " doctor ok ".into(),
        DoctorState::Warn(w) => format!(" doctor ok · warn: {} ", w.join(", ")),
        DoctorState::Failed(f) => format!(" doctor FAILS: {} ", f.join(", ")),
    });
    if let Some(seg) = incidents_segment(app) {
        parts.push(seg);
    }
    parts.extend(approvals_segment(app));
    let running = app.running_tasks();
    let elsewhere = app.running_everywhere() - running;
    parts.push(if elsewhere > 0 {
        format!(" tasks {running} running (+{elsewhere} in other contexts) ")
    } else {
        format!(" tasks {running} running ")
    });
    if !app.trouble.is_empty() {
        let mut names: Vec<&str> = app.trouble.keys().map(String::as_str).collect();
        names.sort();
        parts.push(format!(" ! trouble in {} ", names.join(", ")));
    }
    if !app.warnings.is_empty() {
        parts.push(format!(
            " ⚠ {} config warning(s), see ? ",
            app.warnings.len()
        ));
    }
    parts.push(format!(" {} ", app.root.path().display()));
    parts
}

pub fn render_banner(f: &mut Frame, area: Rect, app: &App) {
    let parts = banner_text(app);
    let color = app.theme.color;
    let (bg, fg) = match app.ctx() {
        // The on-call view is no one context: a neutral banner.
        Some(_) if color && app.oncall.view.is_some() => (Color::White, Color::Black),
        Some(c) if color => {
            let bg = tone_color(c.policy.tone);
            (bg, text_on(bg))
        }
        _ => (Color::Reset, Color::Reset),
    };
    let base = if color {
        Style::default().bg(bg).fg(fg)
    } else {
        Style::default().add_modifier(Modifier::REVERSED)
    };
    let mut spans = Vec::new();
    if !color {
        spans.push(Span::styled(">>>", base.add_modifier(Modifier::BOLD)));
    }
    // Whole segments only: what does not fit is left out (the root path first), never cut.
    let mut room = area.width as usize;
    if !color {
        room = room.saturating_sub(6);
    }
    for (i, p) in parts.iter().enumerate() {
        let must = i == 0
            || p.contains("READ-ONLY")
            || p.contains("ERROR")
            || p.contains("FAILS")
            || p.contains("incidents open");
        let w = p.chars().count() + usize::from(i > 0);
        let p = if w > room && must && room > 2 {
            // What must be seen is shortened, never left out.
            let keep = room.saturating_sub(2 + usize::from(i > 0));
            format!("{}… ", p.chars().take(keep).collect::<String>())
        } else if w > room && i > 0 {
            continue;
        } else {
            p.clone()
        };
        let w = p.chars().count() + usize::from(i > 0);
        room = room.saturating_sub(w);
        let p = &p;
        let style = if i == 0
            || p.contains("READ-ONLY")
            || p.contains("ERROR")
            || p.contains("FAILS")
            || p.contains("incidents open")
        {
            base.add_modifier(Modifier::BOLD)
        } else {
            base
        };
        if i > 0 {
            spans.push(Span::styled("│", base));
        }
        spans.push(Span::styled(p.clone(), style));
    }
    if !color {
        spans.push(Span::styled("<<<", base.add_modifier(Modifier::BOLD)));
    }
    // Fill the whole row with the context colour.
    f.render_widget(Paragraph::new(Line::from(spans)).style(base), area);
}

pub fn render_tabs(f: &mut Frame, area: Rect, app: &App) {
    let labels = super::layout::tab_labels(app);
    let mut spans = Vec::new();
    for (i, (c, label)) in app.contexts.iter().zip(labels).enumerate() {
        let active = i == app.active && app.oncall.view.is_none();
        let tone = tone_color(c.policy.tone);
        let style = match (app.theme.color, active) {
            (true, true) => Style::default()
                .bg(tone)
                .fg(text_on(tone))
                .add_modifier(Modifier::BOLD),
            (true, false) => Style::default().fg(tone),
            (false, true) => Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            (false, false) => Style::default(),
        };
        let active = active && app.oncall.view.is_none();
        let text = if active {
            label.replacen(' ', marker(c.policy.class), 1)
        } else {
            label
        };
        // Trouble since last viewed: the `!` in the label, and the failure colour.
        let style = if app.trouble.contains_key(&c.name) && !active {
            if app.theme.color {
                style.fg(app.theme.failed).add_modifier(Modifier::BOLD)
            } else {
                style.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
            }
        } else {
            style
        };
        spans.push(Span::styled(text, style));
        spans.push(Span::raw(" "));
    }
    let views = [
        crate::tui::features::oncall::View::All,
        crate::tui::features::oncall::View::Incidents,
    ];
    for (v, label) in views.into_iter().zip(super::layout::oncall_labels(app)) {
        let shown = app.oncall.view == Some(v);
        let style = match (shown, app.theme.color) {
            (true, true) => Style::default()
                .bg(Color::White)
                .fg(Color::Black)
                .add_modifier(Modifier::BOLD),
            (true, false) => Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            (false, _)
                if label.contains("Incidents ") && label.trim_end().ends_with(char::is_numeric) =>
            {
                if app.theme.color {
                    Style::default()
                        .fg(app.theme.failed)
                        .add_modifier(Modifier::BOLD)
                } else {
                    Style::default().add_modifier(Modifier::BOLD)
                }
            }
            (false, _) => Style::default(),
        };
        let text = if shown {
            label.replacen(' ', "◉", 1)
        } else {
            label
        };
        spans.push(Span::styled(text, style));
        spans.push(Span::raw(" "));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
