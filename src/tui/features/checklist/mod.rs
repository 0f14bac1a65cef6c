//! The weekly checklist view (SPEC §16): every context's items side by side, opened from the
//! palette (`checklist`) and from the doctor report (`!` again, which also reads it anew). Moving over the grid shows the
//! selected cell's detail and fix; Enter runs a fix that is one paasdeck command through the
//! guard (switching to its context first), and shows any other fix to be run by hand.

pub mod view;

use crossterm::event::KeyEvent;

use crate::ops::checklist::ContextChecklist;
use crate::tui::core::action::Effect;
use crate::tui::core::app::{App, FlashLevel, Overlay};
use crate::tui::core::keymap::Cmd;
pub use crate::tui::features::oncall::model::ChecklistView;
use crate::tui::overlays::palette::parse::{self as palette, PaletteCmd};

/// Opens the view (reading every context again) at the active context's column.
pub fn open(app: &mut App) -> Vec<Effect> {
    app.overlay = Overlay::Checklist(Box::default());
    vec![Effect::Checklist]
}

/// The checklists arrived: shown when the view is still open.
pub fn done(app: &mut App, lists: Vec<ContextChecklist>) {
    if let Overlay::Checklist(v) = &mut app.overlay {
        let active = app.contexts.get(app.active).map(|c| c.name.clone());
        if v.lists.is_none() {
            v.context = lists
                .iter()
                .position(|l| Some(&l.context) == active.as_ref())
                .unwrap_or(0);
        }
        v.context = v.context.min(lists.len().saturating_sub(1));
        v.lists = Some(lists);
    }
}

/// A fix that is exactly one paasdeck command on this state root: its palette words and
/// context; `None` for anything else (a shell line, several commands).
pub fn palette_words(app: &App, fix: &str) -> Option<(String, String)> {
    let words = shlex::split(fix)?;
    if words.first().map(String::as_str) != Some("paasdeck")
        || words
            .iter()
            .any(|w| matches!(w.as_str(), "&&" | "||" | ";" | "|"))
    {
        return None;
    }
    let mut rest = Vec::new();
    let mut context = String::new();
    let mut it = words.into_iter().skip(1);
    while let Some(w) = it.next() {
        match w.as_str() {
            "--state-root" => {
                let root = it.next()?;
                if std::path::Path::new(&root) != app.root.path() {
                    return None;
                }
            }
            "--context" => context = it.next()?,
            _ => rest.push(w),
        }
    }
    let line = rest
        .iter()
        .map(|w| crate::text::shell_word(w))
        .collect::<Vec<_>>()
        .join(" ");
    Some((context, line))
}

/// Runs the selected failing item's fix, or shows it.
fn run_fix(app: &mut App, v: ChecklistView) -> Vec<Effect> {
    let Some((list, item)) = v.selected() else {
        app.overlay = Overlay::Checklist(Box::new(v));
        return Vec::new();
    };
    if item.ok || item.fix.is_empty() {
        app.overlay = Overlay::Checklist(Box::new(v));
        return Vec::new();
    }
    let (context, fix) = (list.context.clone(), item.fix.clone());
    let Some((named, line)) = palette_words(app, &fix) else {
        app.flash(FlashLevel::Info, format!("run in a shell: {fix}"));
        app.overlay = Overlay::Checklist(Box::new(v));
        return Vec::new();
    };
    let target = if named.is_empty() { context } else { named };
    let mut fx = Vec::new();
    if target != app.active_name() {
        fx = crate::tui::features::context::switch::switch_to(app, &target);
    }
    app.overlay = Overlay::None;
    match palette::parse(&line, app) {
        Ok(PaletteCmd::Op(op)) => {
            fx.extend(crate::tui::overlays::confirm::request::request(app, op))
        }
        Ok(PaletteCmd::Cmd(c)) => fx.extend(crate::tui::update::commands::command(app, c)),
        Ok(_) | Err(_) => app.flash(FlashLevel::Info, format!("run in a shell: {fix}")),
    }
    fx
}

/// A key while the view is open.
pub fn key(app: &mut App, mut v: ChecklistView, k: &KeyEvent) -> Vec<Effect> {
    let items = v
        .lists
        .as_ref()
        .map(|l| l.iter().map(|c| c.items.len()).max().unwrap_or(0))
        .unwrap_or(0);
    let contexts = v.lists.as_ref().map(Vec::len).unwrap_or(0);
    let km = &app.keymap;
    if km.is(Cmd::ViewPick, k) {
        return run_fix(app, v);
    }
    if km.is(Cmd::Doctor, k) {
        return open(app);
    }
    if km.is(Cmd::ViewUp, k) {
        v.item = v.item.saturating_sub(1);
    } else if km.is(Cmd::ViewDown, k) {
        v.item = (v.item + 1).min(items.saturating_sub(1));
    } else if km.is(Cmd::FocusPrev, k) || km.is(Cmd::PrevContext, k) {
        v.context = v.context.saturating_sub(1);
    } else if km.is(Cmd::FocusNext, k) || km.is(Cmd::NextContext, k) {
        v.context = (v.context + 1).min(contexts.saturating_sub(1));
    }
    app.overlay = Overlay::Checklist(Box::new(v));
    Vec::new()
}
