//! The `:` palette's keys: typing, completion, and running the parsed command (keymap
//! commands of the palette-and-filter scope).

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use crate::tui::core::action::Effect;
use crate::tui::core::app::{App, Overlay, new_input};
use crate::tui::core::keymap::Cmd;
use crate::tui::features::context::switch::switch_to;
use crate::tui::overlays::confirm::request::request;
use crate::tui::overlays::palette::parse::{self as palette, PaletteCmd};
use crate::tui::update::commands::command;

/// A key while the palette is open.
pub(in crate::tui) fn palette_key(
    app: &mut App,
    mut input: TextArea<'static>,
    k: KeyEvent,
) -> Vec<Effect> {
    let cmds = [
        Cmd::InputCancel,
        Cmd::InputClose,
        Cmd::PaletteComplete,
        Cmd::InputSubmit,
    ];
    match app.keymap.which(&cmds, &k, true) {
        Some(Cmd::InputCancel | Cmd::InputClose) => Vec::new(),
        Some(Cmd::PaletteComplete) => {
            let text = input.lines().join("");
            let completed = palette::complete(&text, app);
            match completed {
                palette::Completion::One(t) => {
                    input = new_input("");
                    input.insert_str(t);
                    app.overlay = Overlay::Palette {
                        input,
                        message: None,
                    };
                }
                palette::Completion::Many(options) => {
                    app.overlay = Overlay::Palette {
                        input,
                        message: Some(options.join("  ")),
                    };
                }
                palette::Completion::None => {
                    app.overlay = Overlay::Palette {
                        input,
                        message: Some("no completion".into()),
                    };
                }
            }
            Vec::new()
        }
        Some(_) => {
            let text = input.lines().join("");
            match palette::parse(&text, app) {
                Ok(PaletteCmd::Op(op)) => request(app, op),
                Ok(PaletteCmd::Switch(name)) => switch_to(app, &name),
                Ok(PaletteCmd::Cmd(c)) => command(app, c),
                Ok(PaletteCmd::SecretForm { app: a, name }) => {
                    let mut f = crate::tui::overlays::forms::update::form_with(
                        crate::tui::core::app::FormKind::SetSecret,
                        app,
                        "name",
                        &name,
                    );
                    if let Some(crate::tui::core::app::FieldKind::Choice { options, index }) =
                        f.fields.first_mut().map(|x| &mut x.kind)
                        && let Some(i) = options.iter().position(|o| *o == a)
                    {
                        *index = i;
                    }
                    app.overlay = Overlay::Form(Box::new(f));
                    Vec::new()
                }
                Ok(PaletteCmd::BootstrapForm { target, public_key }) => {
                    crate::tui::features::targets::update::open_bootstrap(
                        app,
                        &target,
                        &public_key,
                    );
                    Vec::new()
                }
                Ok(PaletteCmd::Checklist) => crate::tui::features::checklist::open(app),
                Ok(PaletteCmd::Incident(id)) => {
                    let ctx = app.active_name();
                    crate::tui::features::oncall::show_incident(app, &ctx, &id);
                    Vec::new()
                }
                Ok(PaletteCmd::BackupsFilter(filter)) => {
                    app.focus = crate::tui::core::pane::Pane::Backups;
                    app.filters[3] = filter;
                    app.selection[3] = 0;
                    Vec::new()
                }
                Ok(PaletteCmd::EventsFilter(filter)) => {
                    app.focus = crate::tui::core::pane::Pane::Events;
                    app.filters[2] = filter;
                    app.selection[2] = 0;
                    Vec::new()
                }
                Err(msg) => {
                    app.overlay = Overlay::Palette {
                        input,
                        message: Some(msg),
                    };
                    Vec::new()
                }
            }
        }
        None => {
            input.input(k);
            app.overlay = Overlay::Palette {
                input,
                message: None,
            };
            Vec::new()
        }
    }
}
