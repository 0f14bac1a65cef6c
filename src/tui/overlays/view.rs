//! Dialogs drawn over the panes: which overlay is drawn where, and the palette, the filter
//! bar, the action menu and the quit question; help, the confirmation dialog, forms and the
//! detail views have files of their own.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState, Paragraph};

use ratatui_textarea::TextArea;

use crate::tui::core::app::{App, MenuItem, Overlay};
use crate::tui::ui::popup::{centered, popup};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => super::help::render(f, area, app, *scroll),
        Overlay::Palette { input, message } => palette(f, area, app, input, message),
        Overlay::Filter { pane, input } => filter(f, area, app, *pane, input),
        Overlay::Menu {
            title,
            items,
            selected,
        } => menu(f, area, app, title, items, *selected),
        Overlay::Confirm(c) => super::confirm::view::render(f, area, app, c),
        Overlay::Form(form) => super::forms::view::render(f, area, app, form),
        Overlay::Event { record, scroll } => {
            super::details::view::event(f, area, app, record, *scroll)
        }
        Overlay::Incident {
            context,
            id,
            scroll,
        } => crate::tui::features::oncall::view::incident(f, area, app, context, id, *scroll),
        Overlay::History(h) => super::details::view::history(f, area, app, h),
        Overlay::Target { name, scroll } => {
            super::details::view::target(f, area, app, name, *scroll)
        }
        Overlay::Info {
            title,
            lines,
            scroll,
        } => super::details::view::info(f, area, app, title, lines, *scroll),
        Overlay::Secrets {
            app: name,
            rows,
            selected,
        } => super::details::view::secrets(f, area, app, name, rows, *selected),
        Overlay::Checklist(v) => crate::tui::features::checklist::view::render(f, area, app, v),
        Overlay::Doctor { context, scroll } => {
            super::details::view::doctor(f, area, app, context, *scroll)
        }
        Overlay::Addons {
            app: name,
            selected,
        } => crate::tui::features::addons::view::render(f, area, app, name, *selected),
        Overlay::QuitConfirm { .. } => quit_question(f, area, app),
    }
}

/// The palette along the bottom, with its message (completions, a refusal) above it.
fn palette(
    f: &mut Frame,
    area: Rect,
    app: &App,
    input: &TextArea<'static>,
    message: &Option<String>,
) {
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

/// The filter bar (the search bar of the task log).
fn filter(
    f: &mut Frame,
    area: Rect,
    app: &App,
    pane: crate::tui::core::pane::Pane,
    input: &TextArea<'static>,
) {
    let what = if pane == crate::tui::core::pane::Pane::Log {
        "search task output"
    } else {
        "filter"
    };
    let title = format!(" / {what}: {} (Enter keep · Esc clear) ", pane.title());
    input_bar(f, area, app, input, title);
}

/// The action menu; a disabled entry is struck through with why.
fn menu(f: &mut Frame, area: Rect, app: &App, title: &str, items: &[MenuItem], selected: usize) {
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
    st.select(Some(selected));
    f.render_stateful_widget(
        List::new(list)
            .block(popup(app, format!(" {title} — Enter run · Esc close ")))
            .highlight_style(app.theme.selection()),
        r,
        &mut st,
    );
}

/// The quit question, with what runs now in which context.
fn quit_question(f: &mut Frame, area: Rect, app: &App) {
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
