//! The flags of the context, secret, events and bootstrap commands that the console cannot
//! honour: refused by name, never dropped.

use crate::cli::{Command, ContextCmd, EventsCmd, SecretCmd};

/// Whether the line gives `flag` (`--flag V`, `--flag=V`, or its short form).
pub(super) fn has_flag(words: &[String], flag: &str) -> bool {
    words
        .iter()
        .any(|w| w == flag || w.starts_with(&format!("{flag}=")))
}

pub(super) fn refusal(flag: &str, command: &str, why: &str) -> String {
    format!("{flag} is not honoured by the console's {command} ({why}); run it headless")
}

/// A flag of these commands the console cannot honour: refused by name, never dropped.
pub(super) fn uncarried_flag(cmd: &Command, words: &[String]) -> Option<String> {
    let given = |flag: &str, set: bool| (set || has_flag(words, flag)).then(|| flag.to_string());
    let (command, why, flag) = match cmd {
        Command::Context(ContextCmd::Init {
            vault_file,
            incus_project,
            force,
            ..
        }) => (
            "context init",
            "it creates a context with its type's vault and no incus project",
            given("--vault-file", vault_file.is_some())
                .or_else(|| given("--incus-project", incus_project.is_some()))
                .or_else(|| given("--force", *force)),
        ),
        Command::Secret(SecretCmd::Set { scope, .. }) => (
            "secret set",
            "its form sets every target's value in the default namespace",
            given("--target", scope.target.is_some())
                .or_else(|| given("--namespace", scope.namespace.is_some())),
        ),
        Command::Secret(SecretCmd::Unset { scope, .. }) => (
            "secret unset",
            "it acts in the default namespace",
            given("--namespace", scope.namespace.is_some()),
        ),
        Command::Secret(SecretCmd::List {
            target, namespace, ..
        }) => (
            "secret list",
            "its view shows which of the app's variables have a value",
            given("--target", target.is_some())
                .or_else(|| given("--namespace", namespace.is_some())),
        ),
        Command::Events(EventsCmd::Tail { .. }) => (
            "events tail",
            "it follows new events from now",
            given("--lines", false).or_else(|| given("-n", false)),
        ),
        Command::Events(EventsCmd::List { since, .. }) => (
            "events list",
            "the Events pane shows the newest events, filtered by severity, status, source or app",
            given("--since", since.is_some()).or_else(|| given("--limit", false)),
        ),
        _ => return None,
    };
    flag.map(|f| refusal(&f, command, why))
}
