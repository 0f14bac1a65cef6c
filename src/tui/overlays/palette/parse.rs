//! The `:` command palette: the headless verbs, parsed by the same command tree as the CLI,
//! turned into console operations on the active tab. `ctx NAME` switches tabs; `help` and
//! `quit` work too. Tab completes verbs and context, target and app names.

use clap::Parser;

use crate::cli::{
    AppCmd, Cli, Command, ContextCmd, EventsCmd, RecipientCmd, SecretCmd, TargetCmd, VaultCmd,
};
use crate::state::names;
use crate::tui::core::action::Op;
use crate::tui::core::app::App;
use crate::tui::core::keymap::Cmd;
use crate::verbs::doctor::DoctorInput;
use crate::verbs::shell::ShellInput;
use crate::verbs::targets::{CheckInput, ExecInput};

use super::operations::operation_cmd;
use super::refusals::{has_flag, refusal, uncarried_flag};
pub use super::words::PaletteCmd;
use super::words::flag_value;

const VERBS: &[&str] = &[
    "ctx ",
    "target check --all",
    "target check --target ",
    "target add --name ",
    "target remove ",
    "target use ",
    "target exec --targets ",
    "target bootstrap --target ",
    "target shell --target ",
    "app shell --app ",
    "deploy --app ",
    "rollback --app ",
    "logs --app ",
    "events tail",
    "context init ",
    "context use ",
    "context scrub-bundles --apply",
    "app add --name ",
    "app remove ",
    "app addon enable --app ",
    "app addon disable --app ",
    "secret set --app ",
    "secret list --app ",
    "secret encrypt",
    "secret unset --app ",
    "deploy lock status",
    "deploy lock release --app ",
    "vault status",
    "vault keygen",
    "vault recipient add ",
    "doctor",
    "doctor --all-contexts",
    "events list",
    "backup state",
    "backup run --app ",
    "backup verify ",
    "backup verify --latest",
    "backup restore --from ",
    "backup prune",
    "check",
    "check --all-contexts",
    "check --skip-remote",
    "deploy reconcile --app ",
    "alert test --severity ",
    "alert history",
    "alert acknowledge --id ",
    "alert policy show",
    "alert setup-telegram --chat-id ",
    "alert setup-webhook",
    "incident list",
    "incident show ",
    "incident acknowledge ",
    "incident resolve ",
    "stage status",
    "stage clone",
    "stage start --components ",
    "stage stop --components ",
    "stage reset ",
    "stage shell ",
    "help",
    "quit",
];

/// `context list`, `context scrub-bundles`, …: a subcommand, not a context to switch to.
fn is_context_subcommand(word: &str) -> bool {
    use clap::CommandFactory;
    Cli::command()
        .find_subcommand("context")
        .is_some_and(|c| c.find_subcommand(word).is_some())
}

/// Parses a palette line.
pub fn parse(line: &str, app: &App) -> Result<PaletteCmd, String> {
    let words = shlex::split(line.trim()).ok_or("unbalanced quotes")?;
    if let Some(done) = console_word(&words)? {
        return Ok(done);
    }
    let cmd = clap_command(app, &words)?;
    if let Some(refused) = uncarried_flag(&cmd, &words) {
        return Err(refused);
    }
    let active = app.active_name();
    let known = known_targets(app);
    let op = match cmd {
        Command::Target(TargetCmd::Check(a)) => Op::CheckTargets(CheckInput {
            targets: match &a.target {
                Some(t) => vec![t.clone()],
                None => known,
            },
            reuse_within: Some(crate::verbs::targets::CONSOLE_REUSE),
            ..CheckInput::from_args(&a)
        }),
        Command::Target(TargetCmd::Add(a)) => Op::AddTarget(a.new_target()),
        Command::Target(TargetCmd::Remove { name, .. }) => Op::RemoveTarget { name },
        Command::Target(TargetCmd::Use { name }) => Op::UseTarget { name },
        Command::Target(TargetCmd::Exec(a)) => {
            let wanted = names::split_csv(&a.targets);
            let targets = if wanted.iter().any(|w| w.eq_ignore_ascii_case("all")) {
                known
            } else {
                wanted
            };
            Op::Exec(ExecInput {
                targets,
                ..ExecInput::from_args(&a).map_err(|e| e.message)?
            })
        }
        Command::Context(ContextCmd::Use { name }) => Op::ContextUse {
            name: name.get().unwrap_or(&active).to_string(),
        },
        Command::Context(ContextCmd::Init {
            name,
            kind,
            read_only,
            color,
            confirm,
            ..
        }) => Op::ContextInit {
            name: name.get().ok_or("context init needs a NAME")?.to_string(),
            kind: kind.unwrap_or_else(|| crate::state::context::DEFAULT_TYPE.into()),
            read_only: read_only.unwrap_or(false),
            color: color.unwrap_or_default(),
            confirm: confirm.unwrap_or_default(),
        },
        Command::Events(EventsCmd::Tail { .. }) => Op::EventsTail,
        Command::Events(EventsCmd::List {
            severity,
            status,
            source,
            app: app_name,
            ..
        }) => {
            let f = [severity, status, source, app_name]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            return Ok(PaletteCmd::EventsFilter(f));
        }
        Command::Target(TargetCmd::Shell(a)) => {
            crate::tui::features::shell::op(app, ShellInput::from_target_args(&a))?
        }
        Command::App(AppCmd::Shell(a)) => {
            crate::tui::features::shell::op(app, ShellInput::from_app_args(&a))?
        }
        Command::App(AppCmd::Add(a)) => Op::AddApp(crate::verbs::apps::add_input(&a)),
        Command::App(AppCmd::Remove { app, .. }) => Op::RemoveApp { name: app },
        // The guard's dialog is the confirmation: --yes and --confirm-context are not needed.
        Command::App(AppCmd::Reset(a)) => Op::ResetApp { name: a.app },
        Command::App(AppCmd::Addon(crate::cli::AddonCmd::Enable(a))) => {
            Op::EnableAddon(crate::verbs::addons::enable_input(&a))
        }
        Command::App(AppCmd::Addon(crate::cli::AddonCmd::Disable { app, name })) => {
            Op::DisableAddon { app, name }
        }
        Command::Secret(SecretCmd::Set { scope, name }) => {
            return Ok(PaletteCmd::SecretForm {
                app: scope.app,
                name,
            });
        }
        Command::Secret(SecretCmd::List { app, .. }) => Op::SecretList { app },
        Command::Doctor(d) if d.all_contexts => Op::Doctor(DoctorInput::from_args(&d)),
        Command::Doctor(_) => return Ok(PaletteCmd::Cmd(Cmd::Doctor)),
        Command::Checklist(_) => return Ok(PaletteCmd::Checklist),
        Command::Context(ContextCmd::ScrubBundles { apply: true }) => Op::ScrubBundles,
        Command::Vault(VaultCmd::Status) => Op::VaultStatus,
        Command::Vault(VaultCmd::Keygen) => Op::VaultKeygen,
        Command::Secret(SecretCmd::Unset { scope, name }) => Op::UnsetSecret {
            app: scope.app,
            name,
            target: scope.target,
        },
        Command::Secret(SecretCmd::Encrypt) => Op::SecretEncrypt,
        Command::Vault(VaultCmd::Recipient(RecipientCmd::Add { recipient })) => {
            crate::ops::vault::parse_recipient(&recipient).map_err(|e| e.message)?;
            Op::VaultRecipientAdd { recipient }
        }
        other => return operation_cmd(app, &words, other),
    };
    Ok(PaletteCmd::Op(op))
}

/// The words only the console knows (`ctx NAME`, `help`, `quit`) and the forms a command
/// opens (`target bootstrap`); `None`: a command of the command line.
fn console_word(words: &[String]) -> Result<Option<PaletteCmd>, String> {
    let Some(first) = words.first().map(String::as_str) else {
        return Err("type a command, e.g. target check --all (Tab completes)".into());
    };
    Ok(Some(match first {
        "ctx" | "context" if words.len() == 2 && !is_context_subcommand(&words[1]) => {
            PaletteCmd::Switch(words[1].clone())
        }
        "target" if words.get(1).map(String::as_str) == Some("bootstrap") => {
            for flag in ["--password-env", "--timeout"] {
                if has_flag(words, flag) {
                    return Err(refusal(
                        flag,
                        "target bootstrap",
                        "the password is typed into a masked form; the time limit is the default",
                    ));
                }
            }
            let Some(target) = flag_value(words, "--target") else {
                return Err("target bootstrap needs --target NAME".into());
            };
            PaletteCmd::BootstrapForm {
                target: target.to_string(),
                public_key: flag_value(words, "--public-key")
                    .unwrap_or_default()
                    .to_string(),
            }
        }
        "help" => PaletteCmd::Cmd(Cmd::Help),
        "quit" | "q" => PaletteCmd::Cmd(Cmd::Quit),
        _ => return Ok(None),
    }))
}

/// The words parsed by the command line's own clap tree, in the active tab's context.
fn clap_command(app: &App, words: &[String]) -> Result<Command, String> {
    let active = app.active_name();
    if let Some(c) = flag_value(words, "--context")
        && c != active
    {
        return Err(format!(
            "the palette acts on the active tab ({active}); switch with :ctx {c} first"
        ));
    }
    let mut argv = vec!["paasdeck".to_string()];
    argv.extend(words.iter().cloned());
    let cli = Cli::try_parse_from(&argv).map_err(|e| {
        e.render()
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid command")
            .trim_start_matches("error: ")
            .to_string()
    })?;
    cli.command.ok_or_else(|| "type a command".to_string())
}

/// The names of the active context's targets (what `all` means).
fn known_targets(app: &App) -> Vec<String> {
    app.snapshot()
        .map(|s| {
            s.targets
                .iter()
                .map(|t| t.target.name.to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq)]
pub enum Completion {
    None,
    One(String),
    Many(Vec<String>),
}

/// Completes verbs, then context, target and app names.
pub fn complete(line: &str, app: &App) -> Completion {
    let targets: Vec<String> = app
        .snapshot()
        .map(|s| {
            s.targets
                .iter()
                .map(|t| t.target.name.to_string())
                .collect()
        })
        .unwrap_or_default();
    let apps: Vec<String> = app
        .snapshot()
        .map(|s| s.apps.iter().map(|a| a.name.clone()).collect())
        .unwrap_or_default();
    let contexts: Vec<String> = app.contexts.iter().map(|c| c.name.clone()).collect();
    // Releases of the app named on the line (else the selected app), newest first.
    let words: Vec<&str> = line.split_whitespace().collect();
    let named = words
        .iter()
        .position(|w| *w == "--app")
        .and_then(|i| words.get(i + 1))
        .map(|s| s.to_string())
        .or_else(|| app.selected_app().map(|a| a.name.clone()));
    let releases: Vec<String> = app
        .snapshot()
        .and_then(|s| s.apps.iter().find(|a| Some(&a.name) == named.as_ref()))
        .map(|a| a.history.clone())
        .unwrap_or_default();
    let active = app.active_name();
    // Alert ids of this context, newest first (from its events and the All tab).
    let mut alert_ids: Vec<String> = app
        .snapshot()
        .map(|s| {
            s.events
                .iter()
                .filter_map(crate::tui::features::oncall::alert_of)
                .collect()
        })
        .unwrap_or_default();
    alert_ids.extend(
        app.oncall
            .all
            .iter()
            .filter(|e| e.context == active)
            .filter_map(|e| crate::tui::features::oncall::alert_of(&e.record)),
    );
    alert_ids.dedup();
    let incident_ids: Vec<String> = app
        .oncall
        .incidents
        .get(&active)
        .map(|v| v.iter().map(|e| e.id().to_string()).collect())
        .unwrap_or_default();
    let severities: Vec<String> = ["info", "warning", "critical"].map(String::from).to_vec();
    let name_slots: [(&str, &Vec<String>); 15] = [
        ("--id ", &alert_ids),
        ("incident show ", &incident_ids),
        ("incident acknowledge ", &incident_ids),
        ("incident resolve ", &incident_ids),
        ("--severity ", &severities),
        ("ctx ", &contexts),
        ("context use ", &contexts),
        ("--target ", &targets),
        ("target remove ", &targets),
        ("target use ", &targets),
        ("--targets ", &targets),
        ("--app ", &apps),
        ("--to-release ", &releases),
        ("app remove ", &apps),
        ("--name ", &Vec::new()),
    ];
    for (prefix, names) in name_slots {
        if let Some(i) = line.rfind(prefix) {
            let partial = &line[i + prefix.len()..];
            if partial.contains(' ') {
                continue;
            }
            let head = &line[..i + prefix.len()];
            let options: Vec<String> = names
                .iter()
                .filter(|n| n.starts_with(partial))
                .map(|n| format!("{head}{n}"))
                .collect();
            return match options.len() {
                0 => Completion::None,
                1 => Completion::One(options[0].clone()),
                _ => Completion::Many(options),
            };
        }
    }
    let options: Vec<String> = VERBS
        .iter()
        .filter(|v| v.starts_with(line) && **v != line)
        .map(|v| v.to_string())
        .collect();
    match options.len() {
        0 => Completion::None,
        1 => Completion::One(options[0].clone()),
        _ => Completion::Many(options),
    }
}
