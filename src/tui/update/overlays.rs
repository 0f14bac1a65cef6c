//! Keys while an overlay is open: help, the quit question, the action menu, confirmation
//! dialogs and the filter bar; forms and the palette have files of their own.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::action::{Effect, Pane};
use super::super::app::{App, FlashLevel, Overlay};
use super::clamp_selections;
use super::request::request;
use crate::policy::guard::ConfirmLevel;

pub(super) fn is_ctrl_c(k: &KeyEvent) -> bool {
    k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL)
}

pub(super) fn overlay_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let overlay = std::mem::replace(&mut app.overlay, Overlay::None);
    match overlay {
        Overlay::None => Vec::new(),
        Overlay::Help { scroll } => {
            match k.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    app.overlay = Overlay::Help { scroll: scroll + 1 }
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    app.overlay = Overlay::Help {
                        scroll: scroll.saturating_sub(1),
                    }
                }
                KeyCode::PageDown => {
                    app.overlay = Overlay::Help {
                        scroll: scroll + 10,
                    }
                }
                KeyCode::PageUp => {
                    app.overlay = Overlay::Help {
                        scroll: scroll.saturating_sub(10),
                    }
                }
                _ => {}
            }
            Vec::new()
        }
        Overlay::QuitConfirm { running } => match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                app.quit = true;
                vec![Effect::CancelAll, Effect::Quit]
            }
            KeyCode::Char('n') | KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => Vec::new(),
            _ if is_ctrl_c(&k) => Vec::new(),
            _ => {
                app.overlay = Overlay::QuitConfirm { running };
                Vec::new()
            }
        },
        Overlay::Menu {
            title,
            items,
            mut selected,
        } => match k.code {
            KeyCode::Esc | KeyCode::Char('q') => Vec::new(),
            _ if is_ctrl_c(&k) => Vec::new(),
            KeyCode::Down | KeyCode::Char('j') => {
                selected = (selected + 1) % items.len().max(1);
                app.overlay = Overlay::Menu {
                    title,
                    items,
                    selected,
                };
                Vec::new()
            }
            KeyCode::Up | KeyCode::Char('k') => {
                let n = items.len().max(1);
                selected = (selected + n - 1) % n;
                app.overlay = Overlay::Menu {
                    title,
                    items,
                    selected,
                };
                Vec::new()
            }
            KeyCode::Enter => match items.get(selected) {
                Some(item) => match &item.disabled {
                    Some(why) => {
                        app.flash(FlashLevel::Warn, format!("{}: {why}", item.label));
                        Vec::new()
                    }
                    None => request(app, item.op.clone()),
                },
                None => Vec::new(),
            },
            _ => {
                app.overlay = Overlay::Menu {
                    title,
                    items,
                    selected,
                };
                Vec::new()
            }
        },
        Overlay::Confirm(mut c) => {
            if k.code == KeyCode::Esc || is_ctrl_c(&k) {
                app.flash(
                    FlashLevel::Info,
                    format!("{} cancelled", c.op.verb().command()),
                );
                return Vec::new();
            }
            let step = match k.code {
                KeyCode::Up => Some(-1),
                KeyCode::PageUp => Some(-10),
                KeyCode::Down => Some(1),
                KeyCode::PageDown => Some(10),
                _ => None,
            };
            if let Some(step) = step {
                let max = c.lines.len().saturating_sub(1) as i32;
                c.scroll = (c.scroll as i32 + step).clamp(0, max) as u16;
                app.overlay = Overlay::Confirm(c);
                return Vec::new();
            }
            let confirmed = match c.level {
                ConfirmLevel::TypeName => {
                    if k.code == KeyCode::Enter {
                        let typed = c.input.lines().join("");
                        if typed == c.context {
                            true
                        } else {
                            c.error = Some(format!(
                                "type the context name exactly ({}) to confirm",
                                c.context
                            ));
                            false
                        }
                    } else {
                        c.input.input(k);
                        c.error = None;
                        false
                    }
                }
                _ => match k.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => true,
                    KeyCode::Char('n') | KeyCode::Char('N') => {
                        app.flash(
                            FlashLevel::Info,
                            format!("{} cancelled", c.op.verb().command()),
                        );
                        return Vec::new();
                    }
                    KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab => {
                        c.yes_focused = !c.yes_focused;
                        false
                    }
                    KeyCode::Enter if c.yes_focused => true,
                    KeyCode::Enter => {
                        app.flash(
                            FlashLevel::Info,
                            format!("{} cancelled", c.op.verb().command()),
                        );
                        return Vec::new();
                    }
                    _ => false,
                },
            };
            if confirmed {
                let active = app.active_name();
                vec![Effect::Run {
                    context: active,
                    op: c.op,
                }]
            } else {
                app.overlay = Overlay::Confirm(c);
                Vec::new()
            }
        }
        Overlay::Form(f) => super::forms::form_key(app, f, k),
        Overlay::Filter { pane, mut input } => match k.code {
            KeyCode::Esc => {
                if pane == Pane::Log {
                    app.log.search = None;
                    app.log.hit = None;
                } else {
                    app.filters[pane.index()].clear();
                    clamp_selections(app);
                }
                Vec::new()
            }
            _ if is_ctrl_c(&k) => Vec::new(),
            KeyCode::Enter => {
                let text = input.lines().join("");
                if pane == Pane::Log {
                    if text.is_empty() {
                        app.log.search = None;
                        app.log.hit = None;
                        return Vec::new();
                    }
                    app.log.search = Some(text);
                    app.log.hit = None;
                    return vec![Effect::SearchLog { forward: true }];
                }
                Vec::new()
            }
            _ => {
                input.input(k);
                if pane != Pane::Log {
                    app.filters[pane.index()] = input.lines().join("");
                    app.selection[pane.index()] = 0;
                }
                app.overlay = Overlay::Filter { pane, input };
                Vec::new()
            }
        },
        Overlay::Palette { input, .. } => super::palette::palette_key(app, input, k),
    }
}
