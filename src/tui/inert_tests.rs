//! The console draws state files and remote lines through ratatui, which skips any grapheme
//! holding a control character. This renders hostile state files and task output through the
//! real crossterm backend and checks the bytes that would reach the terminal.

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::core::action::Pane;
use super::core::app::{App, FlashLevel, load_contexts, load_snapshot};
use super::core::keymap::Keymap;
use super::core::theme::Theme;
use crate::state::StateRoot;
use crate::tasks::{TaskMeta, TaskRunner};

const HOSTILE: &str = "a\u{1b}]0;X\u{7}\u{1b}[2J\rb\u{9b}31m\u{7f}\u{202e}c\u{1b}P1$qm\u{1b}\\";

/// Writes a context whose targets, events and apps carry hostile text.
fn hostile_root(dir: &std::path::Path) -> StateRoot {
    let root = StateRoot::at(dir);
    let cd = dir.join("contexts/lab");
    std::fs::create_dir_all(cd.join("events")).unwrap();
    std::fs::write(
        cd.join("config.json"),
        r#"{"schema_version":1,"name":"lab","type":"research"}"#,
    )
    .unwrap();
    let targets = serde_json::json!({"current_target": "edge", "targets": [
        {"name": "edge", "host": "127.0.0.1", "port": 22, "user": "deploy",
         "auth_method": "local", "labels": [HOSTILE, "two"]}]});
    std::fs::write(cd.join("targets.json"), targets.to_string()).unwrap();
    let row = serde_json::json!({"timestamp": "2026-11-24T11:00:00Z", "context": "lab",
        "source": "audit", "command": format!("deploy {HOSTILE}"), "status": "failed",
        "severity": "critical", "target": HOSTILE, "message": format!("{HOSTILE}\n{HOSTILE}")});
    std::fs::write(cd.join("events/audit.jsonl"), format!("{row}\n")).unwrap();
    root
}

/// What is left once crossterm's own cursor and colour sequences (`ESC [ … letter`) are
/// removed: any ESC, C0 or C1 control or bidi override here came from the text.
fn foreign_controls(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            let mut seq = String::new();
            for n in chars.by_ref() {
                seq.push(n);
                if n.is_ascii_alphabetic() {
                    break;
                }
            }
            // Clearing the screen is a hostile sequence even in CSI form.
            if seq.ends_with('J') {
                out.push(format!("CSI {seq}"));
            }
            continue;
        }
        let bidi = ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c);
        if (c.is_control() && c != '\n') || bidi {
            out.push(format!("{c:?}"));
        }
    }
    out
}

#[tokio::test]
async fn hostile_state_and_task_lines_reach_the_terminal_inert() {
    let dir = tempfile::tempdir().unwrap();
    let root = hostile_root(dir.path());
    let runner = TaskRunner::default();
    let task = runner.spawn(
        TaskMeta {
            title: format!("exec {HOSTILE}"),
            context: "lab".into(),
            target: Some(HOSTILE.into()),
        },
        |ctx| async move {
            ctx.note(format!("edge|{HOSTILE}"));
            ctx.note("\u{1b}]52;c;cGF5bG9hZA==\u{7}");
            Ok(HOSTILE.to_string())
        },
    );
    runner.wait(task.id).await;

    let mut app = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(true),
        Vec::new(),
    );
    app.size = (140, 40);
    app.contexts = load_contexts(&root).unwrap();
    app.contexts[0].snapshot = Some(load_snapshot(&root.context("lab").unwrap()));
    let snap = app.contexts[0].snapshot.as_ref().unwrap();
    assert!(snap.errors.is_empty(), "{:?}", snap.errors);
    assert_eq!(
        snap.targets[0].target.labels[0], HOSTILE,
        "the labels were read as they are"
    );
    assert!(!snap.events.is_empty());
    app.log.task = Some(task.id);
    app.tasks = super::event_loop::summaries(&runner);
    app.flash(FlashLevel::Error, HOSTILE);

    for focus in [Pane::Targets, Pane::Events] {
        app.focus = focus;
        let mut out = Vec::new();
        {
            let backend = CrosstermBackend::new(&mut out);
            let mut t = Terminal::with_options(
                backend,
                TerminalOptions {
                    viewport: Viewport::Fixed(Rect::new(0, 0, 140, 40)),
                },
            )
            .unwrap();
            t.draw(|f| super::ui::draw(f, &app, &runner)).unwrap();
        }
        let shown = String::from_utf8_lossy(&out);
        assert!(shown.contains("two"), "the targets pane was drawn");
        assert!(
            shown.contains("edge|a]0;X"),
            "the task's log was drawn: {shown:?}"
        );
        let bad = foreign_controls(&out);
        assert!(bad.is_empty(), "{focus:?}: {bad:?}");
    }
}
