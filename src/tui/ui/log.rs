//! The task pane: the active context's tasks on the left, the focused task's output on the
//! right. Only the visible slice of a log is read and drawn.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};

use crate::remote::Stream;
use crate::tasks::TaskRunner;
use crate::text::human_duration;
use crate::tui::core::app::App;
use crate::tui::core::pane::Pane;

fn state_icon(state: &str) -> &'static str {
    match state {
        "running" => "⟳",
        "ok" => "✓",
        "failed" => "✗",
        "cancelled" => "⊘",
        _ => "·",
    }
}

pub fn render(f: &mut Frame, area: Rect, app: &App, runner: &TaskRunner) {
    let focused = app.focus == Pane::Log;
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([
            // The task list widens with the terminal.
            Constraint::Length((area.width * 28 / 100).clamp(24.min(area.width / 3), 64)),
            Constraint::Min(10),
        ])
        .split(area);
    let active = app.active_name();
    let tasks: Vec<_> = app.tasks.iter().filter(|t| t.context == active).collect();
    let items: Vec<ListItem> = tasks
        .iter()
        .map(|t| {
            ListItem::new(Line::from(vec![
                Span::styled(
                    format!("{} ", state_icon(t.state)),
                    app.theme.status(t.state),
                ),
                Span::raw(format!("#{} {} ", t.id, t.title)),
                Span::styled(human_duration(t.elapsed), app.theme.fg(app.theme.dim)),
            ]))
        })
        .collect();
    let mut ls = ListState::default();
    ls.select(
        app.log
            .task
            .and_then(|id| tasks.iter().position(|t| t.id == id)),
    );
    let list_block = Block::bordered()
        .border_style(app.theme.border(focused))
        .title(format!(
            " {}Tasks ({}) ",
            if focused { "▶ " } else { "" },
            tasks.len()
        ));
    if tasks.is_empty() {
        f.render_widget(
            Paragraph::new(
                "No tasks yet. c checks a target, d deploys an app, Enter opens the selection, m its actions.",
            )
            .wrap(Wrap { trim: true })
            .style(app.theme.fg(app.theme.dim))
            .block(list_block),
            cols[0],
        );
    } else {
        f.render_stateful_widget(
            List::new(items)
                .block(list_block)
                .highlight_style(app.theme.selection()),
            cols[0],
            &mut ls,
        );
    }
    render_output(f, cols[1], app, runner, focused);
}

fn render_output(f: &mut Frame, area: Rect, app: &App, runner: &TaskRunner, focused: bool) {
    let task = app.log.task.and_then(|id| runner.get(id));
    let Some(task) = task else {
        let b = Block::default()
            .borders(Borders::TOP | Borders::RIGHT | Borders::BOTTOM)
            .border_style(app.theme.border(focused))
            .title(" Output ");
        f.render_widget(b, area);
        return;
    };
    let summary = app.tasks.iter().find(|t| t.id == task.id);
    let state = summary.map(|s| s.state).unwrap_or("running");
    let elapsed = summary.map(|s| s.elapsed).unwrap_or_else(|| task.elapsed());
    let height = area.height.saturating_sub(2) as usize;
    let (lines, dropped, total) = task.with_log(|log| {
        let n = log.len();
        let mut start = if app.log.follow {
            n.saturating_sub(height.saturating_sub(usize::from(log.dropped > 0)))
        } else {
            app.log.scroll.min(n.saturating_sub(1))
        };
        if let Some(hit) = app.log.hit
            && !app.log.follow
        {
            start = hit.saturating_sub(height / 2).min(n.saturating_sub(1));
        }
        // By index: the cost is the visible rows', whatever the log holds.
        let slice: Vec<(usize, Stream, String)> = (start..n.min(start.saturating_add(height)))
            .filter_map(|i| log.get(i).map(|l| (i, l.stream, l.text.clone())))
            .collect();
        (slice, log.dropped, log.total)
    });
    let title = format!(
        " #{} {} — {} {} · follow {} · wrap {}{}{} ",
        task.id,
        task.meta.title,
        state,
        human_duration(elapsed),
        if app.log.follow { "on" } else { "off" },
        if app.log.wrap { "on" } else { "off" },
        if dropped > 0 {
            format!(" · {dropped} dropped")
        } else {
            String::new()
        },
        match &app.log.search {
            Some(s) => format!(" · /{s}"),
            None => String::new(),
        },
    );
    let mut text: Vec<Line> = Vec::new();
    if dropped > 0 && (app.log.follow || app.log.scroll == 0) {
        text.push(Line::from(Span::styled(
            format!("… {dropped} earlier lines dropped ({total} received) …"),
            app.theme
                .fg(app.theme.warning)
                .add_modifier(Modifier::ITALIC),
        )));
    }
    for (i, stream, line) in lines {
        let base = if stream == Stream::Stderr {
            app.theme.fg(app.theme.stderr)
        } else {
            Style::default()
        };
        let is_hit = app.log.hit == Some(i);
        match &app.log.search {
            Some(q) if !q.is_empty() && line.contains(q.as_str()) => {
                let mut spans = Vec::new();
                let mut rest = line.as_str();
                while let Some(p) = rest.find(q.as_str()) {
                    spans.push(Span::styled(rest[..p].to_string(), base));
                    let hl = if app.theme.color {
                        Style::default()
                            .bg(app.theme.search)
                            .fg(ratatui::style::Color::Black)
                    } else {
                        Style::default().add_modifier(Modifier::REVERSED)
                    };
                    spans.push(Span::styled(
                        q.clone(),
                        if is_hit {
                            hl.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
                        } else {
                            hl
                        },
                    ));
                    rest = &rest[p + q.len()..];
                }
                spans.push(Span::styled(rest.to_string(), base));
                text.push(Line::from(spans));
            }
            _ => text.push(Line::from(Span::styled(line, base))),
        }
    }
    let b = Block::default()
        .borders(Borders::TOP | Borders::RIGHT | Borders::BOTTOM)
        .border_style(app.theme.border(focused))
        .title(title);
    if app.log.wrap {
        // Wrapped here, by width, so a followed log shows its newest row at the bottom.
        let width = area.width.saturating_sub(1).max(1) as usize;
        let rows: Vec<Line> = text
            .into_iter()
            .flat_map(|l| split_line(l, width))
            .collect();
        let skip = if app.log.follow {
            rows.len().saturating_sub(height)
        } else {
            0
        };
        text = rows.into_iter().skip(skip).collect();
    }
    f.render_widget(Paragraph::new(text).block(b), area);
}

/// A line cut into rows at most `width` columns wide, keeping each piece's style: at the last
/// space that fits (a word is never split while it fits on a row of its own), else at the width.
fn split_line(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthChar;
    let cells: Vec<(char, ratatui::style::Style, usize)> = line
        .spans
        .iter()
        .flat_map(|s| {
            s.content
                .chars()
                .map(move |c| (c, s.style, c.width().unwrap_or(0)))
        })
        .collect();
    let mut rows = Vec::new();
    let mut start = 0;
    while start < cells.len() {
        let mut end = start;
        let mut used = 0;
        while end < cells.len() && (used + cells[end].2 <= width || end == start) {
            used += cells[end].2;
            end += 1;
        }
        if end < cells.len()
            && let Some(space) = (start + 1..end).rev().find(|&i| cells[i].0 == ' ')
        {
            end = space + 1;
        }
        rows.push(styled_row(&cells[start..end]));
        start = end;
    }
    if rows.is_empty() {
        rows.push(Line::default());
    }
    rows
}

/// Cells joined back into spans, one per run of the same style.
fn styled_row(cells: &[(char, ratatui::style::Style, usize)]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = cells.first().map(|c| c.1).unwrap_or_default();
    for &(c, s, _) in cells {
        if s != style && !text.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut text), style));
        }
        style = s;
        text.push(c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Style};

    fn rows(line: Line<'static>, width: usize) -> Vec<String> {
        split_line(line, width)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn rows_break_between_words_and_cut_only_a_word_wider_than_a_row() {
        let line = Line::from("never share a host:port between contexts");
        assert_eq!(
            rows(line, 12),
            ["never share ", "a host:port ", "between ", "contexts"]
        );
        assert_eq!(
            rows(Line::from("abcdefghij xy"), 4),
            ["abcd", "efgh", "ij ", "xy"]
        );
        assert_eq!(rows(Line::from(""), 10), [""]);
    }

    #[test]
    fn a_wrapped_row_keeps_the_styles_of_its_pieces() {
        let red = Style::default().fg(Color::Red);
        let line = Line::from(vec![
            Span::raw("error: "),
            Span::styled("host down now", red),
        ]);
        let out = split_line(line, 12);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].spans[0].content, "error: ");
        assert_eq!(out[0].spans[1].content, "host ");
        assert_eq!(out[0].spans[1].style, red);
        assert_eq!(out[1].spans[0].content, "down now");
        assert_eq!(out[1].spans[0].style, red);
    }
}
