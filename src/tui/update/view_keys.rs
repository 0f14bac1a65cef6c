//! The keys every view and list shares: scrolling a detail, moving in a list (keymap commands
//! of the views scope).

use crossterm::event::KeyEvent;

use crate::tui::core::keymap::{Cmd, Keymap};

/// Scroll keys shared by the read-only views; `None` when the key is not one.
pub(in crate::tui) fn scrolled(km: &Keymap, scroll: u16, k: &KeyEvent) -> Option<u16> {
    let cmds = [
        Cmd::ViewDown,
        Cmd::ViewUp,
        Cmd::ViewPageDown,
        Cmd::ViewPageUp,
        Cmd::ViewTop,
    ];
    Some(match km.which(&cmds, k, false)? {
        Cmd::ViewDown => scroll.saturating_add(1),
        Cmd::ViewUp => scroll.saturating_sub(1),
        Cmd::ViewPageDown => scroll.saturating_add(10),
        Cmd::ViewPageUp => scroll.saturating_sub(10),
        _ => 0,
    })
}

/// A move in a list of `n` rows (wrapping), when the key is one.
pub(in crate::tui) fn moved(km: &Keymap, selected: usize, n: usize, k: &KeyEvent) -> Option<usize> {
    let n = n.max(1);
    match km.which(&[Cmd::ViewDown, Cmd::ViewUp], k, false)? {
        Cmd::ViewDown => Some((selected + 1) % n),
        _ => Some((selected + n - 1) % n),
    }
}
