//! Keys of the confirmation dialog: its plan scrolls, yes or no (or the focused button)
//! answers, a type-the-name dialog takes the context's name, and a deploy's health timeout can
//! be changed before it runs. Every key is a keymap command of the confirmation scope.

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use crate::ops::deploy::Kind;
use crate::policy::guard::ConfirmLevel;
use crate::tui::core::action::{Effect, Op, Planned};
use crate::tui::core::app::{App, Confirm, FlashLevel, Overlay, new_input};
use crate::tui::core::keymap::Cmd;

const SCROLLS: [Cmd; 4] = [
    Cmd::ConfirmScrollUp,
    Cmd::ConfirmPageUp,
    Cmd::ConfirmScrollDown,
    Cmd::ConfirmPageDown,
];

/// A deploy or rollback was planned: its plan is shown and waits for yes, in the tab it was
/// asked in (one that arrives after a switch is dropped, and said so).
pub(in crate::tui) fn open(
    app: &mut App,
    planned: Planned,
    confirm: Option<ConfirmLevel>,
) -> Vec<Effect> {
    let plan = planned.0.clone();
    if plan.context != app.active_name() {
        app.flash(
            FlashLevel::Warn,
            format!(
                "the {} plan for {} in {} arrived after you switched tabs; ask again there",
                plan.kind.command(),
                plan.app,
                plan.context
            ),
        );
        return Vec::new();
    }
    let op = Op::Apply(planned);
    app.flash = None;
    // Never one keystroke: even where the guard asks nothing, the plan is shown and waits for
    // y.
    let level = confirm.unwrap_or(ConfirmLevel::Yes).max(ConfirmLevel::Yes);
    let lines = plan_lines(&op);
    app.overlay = Overlay::Confirm(Box::new(Confirm::new(
        op,
        plan.context.clone(),
        level,
        lines,
    )));
    Vec::new()
}

/// A key while a confirmation dialog is open.
pub(in crate::tui) fn key(app: &mut App, mut c: Box<Confirm>, k: KeyEvent) -> Vec<Effect> {
    if let Some(input) = c.health.take() {
        health_key(app, &mut c, input, k);
        app.overlay = Overlay::Confirm(c);
        return Vec::new();
    }
    // A typed name takes the keys that type characters.
    let typing = c.level == ConfirmLevel::TypeName;
    let deploy = matches!(&c.op, Op::Apply(p) if p.0.kind == Kind::Deploy);
    if deploy && app.keymap.means(Cmd::ConfirmHealth, &k, typing) {
        let mut input = new_input("e.g. 90s or 3m");
        if let Op::Apply(p) = &c.op {
            input.insert_str(humantime::format_duration(p.0.health.timeout).to_string());
        }
        c.health = Some(input);
        app.overlay = Overlay::Confirm(c);
        return Vec::new();
    }
    if app.keymap.means(Cmd::ConfirmCancel, &k, typing) {
        crate::tui::features::secrets::keygen::cancelled(app, &c.op);
        return Vec::new();
    }
    if let Some(cmd) = app.keymap.which(&SCROLLS, &k, typing) {
        let step = match cmd {
            Cmd::ConfirmScrollUp => -1,
            Cmd::ConfirmPageUp => -10,
            Cmd::ConfirmScrollDown => 1,
            _ => 10,
        };
        // Wrapped as drawn: every piece of a long line can be scrolled to.
        let drawn = crate::tui::overlays::confirm::view::confirm_lines(&c.lines, app.size.0);
        let max = drawn.len().saturating_sub(1) as i32;
        c.scroll = (c.scroll as i32 + step).clamp(0, max) as u16;
        app.overlay = Overlay::Confirm(c);
        return Vec::new();
    }
    let confirmed = match c.level {
        ConfirmLevel::TypeName => typed_name(app, &mut c, k),
        _ => match answer(app, &mut c, &k) {
            Some(yes) => yes,
            None => return Vec::new(),
        },
    };
    if confirmed {
        let active = super::request::run_context(app, &c.op);
        vec![Effect::Run {
            context: active,
            op: c.op,
        }]
    } else {
        app.overlay = Overlay::Confirm(c);
        Vec::new()
    }
}

/// A key in a type-the-name dialog: the name is typed, then confirmed.
fn typed_name(app: &App, c: &mut Confirm, k: KeyEvent) -> bool {
    if !app.keymap.means(Cmd::ConfirmPress, &k, true) {
        c.input.input(k);
        c.error = None;
        return false;
    }
    let typed = c.input.lines().join("");
    if typed == c.context {
        return true;
    }
    c.error = Some(format!(
        "type the context name exactly ({}) to confirm",
        c.context
    ));
    false
}

/// A key in a yes/no dialog: `Some(true)` runs it, `Some(false)` keeps asking, `None`: said
/// no (the dialog is closed).
fn answer(app: &mut App, c: &mut Confirm, k: &KeyEvent) -> Option<bool> {
    let cmds = [
        Cmd::ConfirmYes,
        Cmd::ConfirmNo,
        Cmd::ConfirmSwitch,
        Cmd::ConfirmPress,
    ];
    match app.keymap.which(&cmds, k, false) {
        Some(Cmd::ConfirmYes) => Some(true),
        Some(Cmd::ConfirmSwitch) => {
            c.yes_focused = !c.yes_focused;
            Some(false)
        }
        Some(Cmd::ConfirmPress) if c.yes_focused => Some(true),
        Some(_) => {
            crate::tui::features::secrets::keygen::cancelled(app, &c.op);
            None
        }
        None => Some(false),
    }
}

/// A key while the health timeout is edited: set it (or say why not), leave it, or type.
fn health_key(app: &App, c: &mut Confirm, mut input: TextArea<'static>, k: KeyEvent) {
    match app
        .keymap
        .which(&[Cmd::InputCancel, Cmd::InputSubmit], &k, true)
    {
        Some(Cmd::InputCancel) => {}
        Some(_) => {
            let text = input.lines().join("");
            match set_health_timeout(c, text.trim()) {
                Ok(()) => c.error = None,
                Err(e) => {
                    c.error = Some(e);
                    c.health = Some(input);
                }
            }
        }
        None => {
            input.input(k);
            c.health = Some(input);
        }
    }
}

/// Changes the health timeout of the deploy plan a dialog shows (1 s to 1 h).
fn set_health_timeout(c: &mut Confirm, text: &str) -> Result<(), String> {
    let d = humantime::parse_duration(text)
        .map_err(|e| format!("health timeout {text:?}: {e} (e.g. 90s, 3m)"))?;
    if d < std::time::Duration::from_secs(1) || d > std::time::Duration::from_secs(3600) {
        return Err("the health timeout must be between 1s and 1h".into());
    }
    if let Op::Apply(p) = &c.op {
        let mut plan = (*p.0).clone();
        plan.health.timeout = d;
        c.op = Op::Apply(Planned(std::sync::Arc::new(plan)));
        c.lines = plan_lines(&c.op);
    }
    Ok(())
}

/// The confirmation lines of an op about to run: what, how dangerous, then its plan.
fn plan_lines(op: &Op) -> Vec<String> {
    let verb = op.verb();
    let mut lines = vec![format!("{} · {}", verb.command(), verb.danger().as_str())];
    if let Op::Apply(p) = op {
        lines.extend(p.0.lines());
    }
    lines
}
