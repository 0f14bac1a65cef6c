//! The console at 80x24: long plans wrap and scroll, task output wraps, old errors leave.

use super::console::screen;
use super::*;

#[test]
fn every_line_of_a_long_deploy_plan_is_reachable_at_80x24() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, true);
    app.size = (80, 24);
    let planned = fake_plan(Kind::Deploy, "prod-eu");
    update(
        &mut app,
        Action::Planned {
            planned,
            confirm: Some(ConfirmLevel::Yes),
        },
    );
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {:?}", app.overlay);
    };
    // A line's text without its spaces: wrapped pieces join up again.
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let wanted: Vec<String> = c.lines.iter().map(|l| squeeze(l)).collect();
    assert!(
        c.lines.iter().any(|l| l.chars().count() > 76),
        "the plan has a line wider than the dialog: {:?}",
        c.lines
    );
    let mut frames = Vec::new();
    for _ in 0..60 {
        frames.push(dialog_text(&screen(&render(&app, &runner, 80, 24))));
        update(&mut app, code(KeyCode::Down));
    }
    for (w, line) in wanted.iter().zip(&c_lines(&app)) {
        assert!(
            frames.iter().any(|f| squeeze(f).contains(w.as_str())),
            "never shown whole: {line:?}\n{}",
            frames.join("\n---\n")
        );
    }
}

fn c_lines(app: &App) -> Vec<String> {
    match &app.overlay {
        Overlay::Confirm(c) => c.lines.clone(),
        other => panic!("the dialog closed: {other:?}"),
    }
}

/// The text inside the confirmation dialog's borders, row by row.
fn dialog_text(screen: &str) -> String {
    let rows: Vec<Vec<char>> = screen
        .lines()
        .map(|l| l.trim_matches('"').chars().collect())
        .collect();
    let Some((top, left)) = rows.iter().enumerate().find_map(|(y, r)| {
        let s: String = r.iter().collect();
        s.find("┌ Confirm in").map(|b| (y, s[..b].chars().count()))
    }) else {
        panic!("no dialog:\n{screen}");
    };
    let right = rows[top].iter().rposition(|c| *c == '┐').unwrap();
    rows[top + 1..]
        .iter()
        .take_while(|r| r.get(left) != Some(&'└'))
        .map(|r| r[left + 1..right.min(r.len())].iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn task_output_wraps_by_default_and_w_turns_it_off() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let runner = TaskRunner::new(64, 1 << 20);
    let mut app = app_with(false, true);
    app.size = (80, 24);
    let task = rt.block_on(async {
        let t = runner.spawn(
            TaskMeta {
                title: "deploy api".into(),
                context: "prod-eu".into(),
                target: None,
            },
            |ctx| async move {
                for i in 1..=30 {
                    ctx.note(format!("line {i}: {} end-of-{i}", "x".repeat(140)));
                }
                Ok("done".into())
            },
        );
        runner.wait(t.id).await;
        t
    });
    app.log.task = Some(task.id);
    app.focus = Pane::Log;
    let text = screen(&render(&app, &runner, 80, 24));
    assert!(text.contains("wrap on"), "{text}");
    // following: the newest line's end is on screen, not cut off at the pane's edge
    assert!(text.contains("end-of-30"), "{text}");
    update(&mut app, key('w'));
    let text = screen(&render(&app, &runner, 80, 24));
    assert!(text.contains("wrap off"), "{text}");
    assert!(
        !text.contains("end-of-30"),
        "unwrapped lines are cut: {text}"
    );
}

#[test]
fn an_old_error_leaves_the_status_line() {
    use crate::tui::core::app::{FLASH_SHOWN_FOR, FlashLevel};
    let mut app = app_with(false, true);
    app.flash(
        FlashLevel::Error,
        "deploy refused: error[PAAS_DOCTOR_BLOCKED]",
    );
    let shown = app.flash.as_ref().unwrap().shown;
    let step = std::time::Duration::from_millis(1);
    update(&mut app, Action::Tick(shown + FLASH_SHOWN_FOR - step));
    assert!(app.flash.is_some(), "still fresh");
    update(&mut app, Action::Tick(shown + FLASH_SHOWN_FOR));
    assert_eq!(app.flash, None, "an old error is gone");
    // a newer message is judged by its own age
    app.flash(FlashLevel::Info, "newer");
    update(&mut app, Action::Tick(shown + FLASH_SHOWN_FOR));
    assert!(app.flash.is_some());
}
