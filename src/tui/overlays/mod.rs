//! Keys while an overlay is open: which overlay has the key, then the quit question, the
//! action menu and the filter bar; help, the confirmation dialog, forms, the palette and the
//! detail views have files of their own. Every key here is a keymap command of the overlay's scope.

pub mod confirm;
pub mod details;
pub mod forms;
pub mod help;
pub mod menus;
pub mod palette;
pub mod view;

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use self::confirm::request::request;
use super::update::selection::clamp_selections;
use crate::tui::core::action::{Effect, Pane};
use crate::tui::core::app::{App, FlashLevel, MenuItem, Overlay};
use crate::tui::core::keymap::Cmd;

pub(in crate::tui) fn overlay_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let overlay = std::mem::replace(&mut app.overlay, Overlay::None);
    let overlay = match self::details::update::detail_key(app, overlay, k) {
        Some(fx) => return fx,
        None => std::mem::replace(&mut app.overlay, Overlay::None),
    };
    match overlay {
        Overlay::None => Vec::new(),
        Overlay::Help { scroll } => {
            help::key(app, scroll, &k);
            Vec::new()
        }
        Overlay::QuitConfirm { running } => quit_key(app, running, &k),
        Overlay::Menu {
            title,
            items,
            selected,
        } => menu_key(app, title, items, selected, &k),
        Overlay::Confirm(c) => self::confirm::update::key(app, c, k),
        Overlay::Form(f) => self::forms::update::form_key(app, f, k),
        Overlay::Filter { pane, input } => filter_key(app, pane, input, k),
        Overlay::Palette { input, .. } => self::palette::update::palette_key(app, input, k),
        // Owned by details.rs, handled above.
        Overlay::Event { .. }
        | Overlay::History(_)
        | Overlay::Target { .. }
        | Overlay::Info { .. }
        | Overlay::Secrets { .. }
        | Overlay::Incident { .. }
        | Overlay::Doctor { .. } => Vec::new(),
        Overlay::Addons {
            app: name,
            selected,
        } => crate::tui::features::addons::update::key(app, name, selected, k),
        Overlay::Checklist(v) => crate::tui::features::checklist::key(app, *v, &k),
    }
}

/// Quit with tasks running: yes cancels them and quits, no stays; other keys keep asking.
fn quit_key(app: &mut App, running: usize, k: &KeyEvent) -> Vec<Effect> {
    match app.keymap.which(&[Cmd::QuitYes, Cmd::QuitNo], k, false) {
        Some(Cmd::QuitYes) => {
            app.quit = true;
            vec![Effect::CancelAll, Effect::Quit]
        }
        Some(_) => Vec::new(),
        None => {
            app.overlay = Overlay::QuitConfirm { running };
            Vec::new()
        }
    }
}

/// The action menu: move, pick (a disabled item says why), close.
fn menu_key(
    app: &mut App,
    title: String,
    items: Vec<MenuItem>,
    mut selected: usize,
    k: &KeyEvent,
) -> Vec<Effect> {
    let cmds = [Cmd::ViewClose, Cmd::ViewDown, Cmd::ViewUp, Cmd::ViewPick];
    let n = items.len().max(1);
    match app.keymap.which(&cmds, k, false) {
        Some(Cmd::ViewClose) => return Vec::new(),
        Some(Cmd::ViewDown) => selected = (selected + 1) % n,
        Some(Cmd::ViewUp) => selected = (selected + n - 1) % n,
        Some(_) => {
            return match items.get(selected) {
                Some(item) => match &item.disabled {
                    Some(why) => {
                        app.flash(FlashLevel::Warn, format!("{}: {why}", item.label));
                        Vec::new()
                    }
                    None => request(app, item.op.clone()),
                },
                None => Vec::new(),
            };
        }
        None => {}
    }
    app.overlay = Overlay::Menu {
        title,
        items,
        selected,
    };
    Vec::new()
}

/// The filter bar (the search bar in the task log): typing filters as it goes.
fn filter_key(app: &mut App, pane: Pane, mut input: TextArea<'static>, k: KeyEvent) -> Vec<Effect> {
    let cmds = [Cmd::InputCancel, Cmd::InputClose, Cmd::InputSubmit];
    match app.keymap.which(&cmds, &k, true) {
        Some(Cmd::InputCancel) => {
            if pane == Pane::Log {
                app.log.search = None;
                app.log.hit = None;
            } else {
                app.filters[pane.index()].clear();
                clamp_selections(app);
            }
            Vec::new()
        }
        Some(Cmd::InputClose) => Vec::new(),
        Some(_) => {
            let text = input.lines().join("");
            if pane == Pane::Log {
                app.log.hit = None;
                if text.is_empty() {
                    app.log.search = None;
                    return Vec::new();
                }
                app.log.search = Some(text);
                return vec![Effect::SearchLog { forward: true }];
            }
            Vec::new()
        }
        None => {
            input.input(k);
            if pane != Pane::Log {
                app.filters[pane.index()] = input.lines().join("");
                app.selection[pane.index()] = 0;
            }
            app.overlay = Overlay::Filter { pane, input };
            Vec::new()
        }
    }
}
