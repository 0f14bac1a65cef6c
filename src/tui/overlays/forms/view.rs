//! Forms: text fields, masked fields (a secret is never drawn), choices, pick lists and
//! toggles, with the keys each takes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::tui::core::app::{App, Field, FieldKind, Form, FormKind};
use crate::tui::ui::popup::centered;

fn title(app: &App, form: &Form) -> String {
    let ctx = app.active_name();
    match &form.kind {
        FormKind::AddTarget => format!(" Add a target to {ctx} "),
        FormKind::EditTarget(n) => format!(" Edit target {n} in {ctx} "),
        FormKind::Exec => format!(" Run a command on targets of {ctx} "),
        FormKind::ContextInit => " Create a context ".to_string(),
        FormKind::AddApp => format!(" Register an app in {ctx} "),
        FormKind::EditApp(n) => format!(" Edit app {n} in {ctx} "),
        FormKind::SetSecret => format!(" Set a secret in {ctx} (the value is never shown) "),
        FormKind::EnableAddon(a) => format!(" Enable an si add-on for {a} in {ctx} "),
        FormKind::Bootstrap(t) => format!(" Install your key on {t} in {ctx} "),
        FormKind::Acknowledge {
            alert: Some(id), ..
        } => format!(" Acknowledge alert {id} in {ctx} "),
        FormKind::AgentDeny { run, agent } => {
            format!(" Deny agent {agent}'s run {run} in {ctx}: nothing runs ")
        }
        FormKind::Acknowledge { incident, .. } => format!(
            " Acknowledge incident {} in {ctx} ",
            incident.as_deref().unwrap_or("")
        ),
    }
}

pub fn render(f: &mut Frame, area: Rect, app: &App, form: &Form) {
    // A short terminal (80x24 and a seven-field form) gets one row per field, so no field and
    // not the error line is cut off.
    let compact = form.fields.len() as u16 * 3 + 6 > area.height;
    let field_h = if compact { 1 } else { 3 };
    let h = form.fields.len() as u16 * field_h + 4;
    let r = centered(area, 80, h);
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(app.theme.border(true))
        .title(Span::styled(
            title(app, form),
            Style::default().add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let mut constraints: Vec<Constraint> = form
        .fields
        .iter()
        .map(|_| Constraint::Length(field_h))
        .collect();
    constraints.push(Constraint::Length(1));
    constraints.push(Constraint::Length(1));
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints(constraints)
        .split(inner);
    for (i, field) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        // Colour is never the only cue: the focused field's title is marked and reversed.
        let label = if focused {
            Span::styled(
                format!(" > {} ", field.label),
                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            )
        } else {
            Span::raw(format!("   {} ", field.label))
        };
        let (b, cell) = if compact {
            let parts = Layout::default()
                .direction(Direction::Horizontal)
                .constraints([Constraint::Length(18), Constraint::Min(1)])
                .split(rows[i]);
            f.render_widget(Paragraph::new(Line::from(label)), parts[0]);
            (Block::default(), parts[1])
        } else {
            let b = Block::bordered()
                .border_style(app.theme.border(focused))
                .title(label);
            (b, rows[i])
        };
        field_value(f, app, field, focused, b, cell);
    }
    let n = form.fields.len();
    if let Some(e) = &form.error {
        f.render_widget(
            Paragraph::new(e.clone()).style(app.theme.fg(app.theme.failed)),
            rows[n],
        );
    }
    f.render_widget(
        Paragraph::new(
            "Tab/↓ next field · Enter next/submit · ←/→ choose · Space ticks · Esc cancel",
        )
        .style(app.theme.fg(app.theme.dim)),
        rows[n + 1],
    );
}

/// One field's value in its cell (`b`: its frame with the label).
fn field_value(f: &mut Frame, app: &App, field: &Field, focused: bool, b: Block, cell: Rect) {
    let sel = app.theme.selection();
    match &field.kind {
        FieldKind::Text | FieldKind::Masked => {
            let mut t = field.input.clone();
            t.set_block(b);
            t.set_selection_style(app.theme.selection());
            t.set_placeholder_style(app.theme.fg(app.theme.dim));
            if !focused {
                t.set_cursor_style(Style::default());
            }
            f.render_widget(&t, cell);
        }
        FieldKind::Choice { options, index } => {
            let mut spans = vec![Span::raw("◀ ")];
            for (j, o) in options.iter().enumerate() {
                let style = if j == *index {
                    sel
                } else {
                    app.theme.fg(app.theme.dim)
                };
                spans.push(Span::styled(format!(" {o} "), style));
            }
            spans.push(Span::raw(" ▶"));
            if focused {
                spans.push(Span::styled(
                    format!("   {}", field.hint),
                    app.theme.fg(app.theme.dim),
                ));
            }
            f.render_widget(Paragraph::new(Line::from(spans)).block(b), cell);
        }
        FieldKind::Pick { options, cursor } => {
            let mut spans = Vec::new();
            if options.is_empty() {
                spans.push(Span::styled(
                    "(no targets yet)",
                    app.theme.fg(app.theme.dim),
                ));
            }
            for (j, (o, on)) in options.iter().enumerate() {
                let text = format!("[{}] {o}  ", if *on { "x" } else { " " });
                let style = if focused && j == *cursor {
                    sel
                } else {
                    Style::default()
                };
                spans.push(Span::styled(text, style));
            }
            if focused {
                spans.push(Span::styled(
                    format!(" ←/→ move · Space ticks · {}", field.hint),
                    app.theme.fg(app.theme.dim),
                ));
            }
            f.render_widget(Paragraph::new(Line::from(spans)).block(b), cell);
        }
        FieldKind::Toggle(on) => {
            let text = format!("[{}] {}", if *on { "x" } else { " " }, field.hint);
            let style = if focused { sel } else { Style::default() };
            f.render_widget(Paragraph::new(Span::styled(text, style)).block(b), cell);
        }
    }
}
