//! What a palette line becomes, and the helpers both the parser and the command groups use
//! to read its words.

use crate::cli::Command;
use crate::tui::core::action::Op;
use crate::tui::core::app::App;
use crate::tui::core::keymap::Cmd;

#[derive(Debug, Clone, PartialEq)]
pub enum PaletteCmd {
    Op(Op),
    Switch(String),
    Cmd(Cmd),
    /// `secret set`: the value is never typed on a command line, so the masked form opens.
    SecretForm {
        app: String,
        name: String,
    },
    /// `events list [--severity S] …`: the Events pane, filtered.
    EventsFilter(String),
    /// `backup list [--app A]`: the Backups pane, filtered.
    BackupsFilter(String),
    /// `checklist`: the weekly checklist view, every context side by side.
    Checklist,
    /// `incident show ID`: the incident's detail.
    Incident(String),
    /// `target bootstrap --target T [--public-key F]`: the password is typed into a masked
    /// form, never on a command line.
    BootstrapForm {
        target: String,
        public_key: String,
    },
}

pub(super) fn flag_value<'a>(words: &'a [String], flag: &str) -> Option<&'a str> {
    words
        .iter()
        .position(|w| w == flag)
        .and_then(|i| words.get(i + 1))
        .map(String::as_str)
        .or_else(|| {
            words
                .iter()
                .find_map(|w| w.strip_prefix(&format!("{flag}=")))
        })
}

/// Why a command has no console action, with the exact headless command: this state root,
/// this context, the words as typed.
pub(super) fn headless_only(app: &App, words: &[String], cmd: &Command) -> String {
    let mut rest: Vec<&str> = Vec::new();
    let mut skip = false;
    for w in words {
        if skip {
            skip = false;
        } else if w == "--context" {
            skip = true;
        } else if !w.starts_with("--context=") {
            rest.push(w);
        }
    }
    let args = shlex::try_join(rest.iter().copied()).unwrap_or_else(|_| rest.join(" "));
    format!(
        "`{}` has no console action; run it headless: {}",
        cmd.verb().command(),
        crate::ops::cli_command(&app.root, &app.active_name(), &args)
    )
}
