//! Keys while an overlay is open: help, the quit question, the action menu, confirmation
//! dialogs and the filter bar; forms and the palette have files of their own.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::action::{Effect, Op, Pane, Planned};
use super::super::app::{App, Confirm, FlashLevel, Overlay, new_input};
use super::clamp_selections;
use super::request::request;
use crate::ops::deploy::Kind;
use crate::policy::guard::ConfirmLevel;

pub(super) fn is_ctrl_c(k: &KeyEvent) -> bool {
    k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL)
}

pub(super) fn overlay_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let overlay = std::mem::replace(&mut app.overlay, Overlay::None);
    let overlay = match super::details::detail_key(app, overlay, k) {
        Some(fx) => return fx,
        None => std::mem::replace(&mut app.overlay, Overlay::None),
    };
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
            if let Some(mut input) = c.health.take() {
                match k.code {
                    KeyCode::Esc => {}
                    KeyCode::Enter => {
                        let text = input.lines().join("");
                        match set_health_timeout(&mut c, text.trim()) {
                            Ok(()) => c.error = None,
                            Err(e) => {
                                c.error = Some(e);
                                c.health = Some(input);
                            }
                        }
                    }
                    _ => {
                        input.input(k);
                        c.health = Some(input);
                    }
                }
                app.overlay = Overlay::Confirm(c);
                return Vec::new();
            }
            let edits_health = matches!(&c.op, Op::Apply(p) if p.0.kind == Kind::Deploy)
                && ((k.code == KeyCode::Char('t') && k.modifiers.contains(KeyModifiers::CONTROL))
                    || (k.code == KeyCode::Char('t') && c.level != ConfirmLevel::TypeName));
            if edits_health {
                let mut input = new_input("e.g. 90s or 3m");
                if let Op::Apply(p) = &c.op {
                    input.insert_str(humantime::format_duration(p.0.health.timeout).to_string());
                }
                c.health = Some(input);
                app.overlay = Overlay::Confirm(c);
                return Vec::new();
            }
            if k.code == KeyCode::Esc || is_ctrl_c(&k) {
                super::keygen::cancelled(app, &c.op);
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
                // Wrapped as drawn: every piece of a long line can be scrolled to.
                let drawn = crate::tui::ui::overlays::confirm_lines(&c.lines, app.size.0);
                let max = drawn.len().saturating_sub(1) as i32;
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
                        super::keygen::cancelled(app, &c.op);
                        return Vec::new();
                    }
                    KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab => {
                        c.yes_focused = !c.yes_focused;
                        false
                    }
                    KeyCode::Enter if c.yes_focused => true,
                    KeyCode::Enter => {
                        super::keygen::cancelled(app, &c.op);
                        return Vec::new();
                    }
                    _ => false,
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
        } => super::addons::key(app, name, selected, k),
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
        c.lines = super::plan_lines(&c.op);
    }
    Ok(())
}
