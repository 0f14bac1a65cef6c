//! The `:` command palette: the headless verbs, parsed by the same command tree as the CLI,
//! turned into console operations on the active tab. `ctx NAME` switches tabs; `help` and
//! `quit` work too. Tab completes verbs and context, target and app names.

use clap::Parser;

use super::core::action::Op;
use super::core::app::App;
use super::core::keymap::Cmd;
use super::features::stage::StageAction;
use crate::cli::{
    AlertCmd, AppCmd, Cli, Command, ContextCmd, DeployArgs, DeploySub, EventsCmd, IncidentCmd,
    LockCmd, RecipientCmd, SecretCmd, StageCmd, TargetCmd, VaultCmd,
};
use crate::state::names;
use crate::verbs::targets::{CheckInput, ExecInput};

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
    /// `incident show ID`: the incident's detail.
    Incident(String),
    /// `target bootstrap --target T [--public-key F]`: the password is typed into a masked
    /// form, never on a command line.
    BootstrapForm {
        target: String,
        public_key: String,
    },
}

const VERBS: &[&str] = &[
    "ctx ",
    "target check --all",
    "target check --target ",
    "target add --name ",
    "target remove ",
    "target use ",
    "target exec --targets ",
    "target bootstrap --target ",
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
    "help",
    "quit",
];

fn flag_value<'a>(words: &'a [String], flag: &str) -> Option<&'a str> {
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
    let Some(first) = words.first().map(String::as_str) else {
        return Err("type a command, e.g. target check --all (Tab completes)".into());
    };
    match first {
        "ctx" | "context" if words.len() == 2 && !is_context_subcommand(&words[1]) => {
            return Ok(PaletteCmd::Switch(words[1].clone()));
        }
        "target" if words.get(1).map(String::as_str) == Some("bootstrap") => {
            let Some(target) = flag_value(&words, "--target") else {
                return Err("target bootstrap needs --target NAME".into());
            };
            return Ok(PaletteCmd::BootstrapForm {
                target: target.to_string(),
                public_key: flag_value(&words, "--public-key")
                    .unwrap_or_default()
                    .to_string(),
            });
        }
        "help" => return Ok(PaletteCmd::Cmd(Cmd::Help)),
        "quit" | "q" => return Ok(PaletteCmd::Cmd(Cmd::Quit)),
        _ => {}
    }
    let active = app.active_name();
    if let Some(c) = flag_value(&words, "--context")
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
    let Some(cmd) = cli.command else {
        return Err("type a command".into());
    };
    let known: Vec<String> = app
        .snapshot()
        .map(|s| {
            s.targets
                .iter()
                .map(|t| t.target.name.to_string())
                .collect()
        })
        .unwrap_or_default();
    let op = match cmd {
        Command::Target(TargetCmd::Check(a)) => Op::CheckTargets(CheckInput {
            targets: match &a.target {
                Some(t) => vec![t.clone()],
                None => known,
            },
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
            ..
        }) => {
            let f = [severity, status, source]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            return Ok(PaletteCmd::EventsFilter(f));
        }
        Command::App(AppCmd::Add(a)) => Op::AddApp(crate::ops::apps::AppSpec {
            name: a.name,
            compose_file: a.compose_file.display().to_string(),
            targets: a
                .targets
                .as_deref()
                .map(names::split_csv)
                .unwrap_or_default(),
            health_cmd: a.health_cmd.unwrap_or_default(),
            remote_dir: a.remote_dir.unwrap_or_default(),
            backup_cmd: a.backup_cmd.unwrap_or_default(),
            restore_cmd: a.restore_cmd.unwrap_or_default(),
        }),
        Command::App(AppCmd::Remove { app, .. }) => Op::RemoveApp { name: app },
        Command::App(AppCmd::Addon(crate::cli::AddonCmd::Enable(a))) => {
            Op::EnableAddon(crate::ops::addon::EnableSpec {
                app: a.app,
                pack: a.pack,
                name: a.name,
                service: a.service,
                version: a.version,
                set: a.set,
            })
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
        Command::Doctor(_) => return Ok(PaletteCmd::Cmd(Cmd::Doctor)),
        Command::Context(ContextCmd::ScrubBundles { apply: true }) => Op::ScrubBundles,
        Command::Vault(VaultCmd::Status) => Op::VaultStatus,
        Command::Vault(VaultCmd::Keygen) => Op::VaultKeygen,
        Command::Secret(SecretCmd::Unset { scope, name }) => Op::UnsetSecret {
            app: scope.app,
            name,
            target: scope.target,
        },
        Command::Deploy(d) if matches!(d.sub, Some(DeploySub::Lock(LockCmd::Status { .. }))) => {
            Op::LockStatus
        }
        Command::Deploy(DeployArgs {
            sub: Some(DeploySub::Lock(LockCmd::Release { app, force })),
            ..
        }) => Op::LockRelease { app, force },
        Command::Secret(SecretCmd::Encrypt) => Op::SecretEncrypt,
        Command::Vault(VaultCmd::Recipient(RecipientCmd::Add { recipient })) => {
            crate::ops::vault::parse_recipient(&recipient).map_err(|e| e.message)?;
            Op::VaultRecipientAdd { recipient }
        }
        Command::Check(c) => Op::Check {
            all_contexts: c.all_contexts,
            skip_remote: c.skip_remote,
        },
        Command::Deploy(d) if matches!(d.sub, Some(DeploySub::Reconcile(_))) => {
            let Some(DeploySub::Reconcile(r)) = d.sub else {
                return Err("deploy reconcile --app APP".into());
            };
            Op::Reconcile { app: r.app }
        }
        Command::Alert(AlertCmd::Test { severity, .. }) => Op::AlertTest { severity },
        Command::Alert(AlertCmd::Acknowledge { id, note }) => Op::AlertAcknowledge { id, note },
        Command::Alert(AlertCmd::History { .. }) => Op::AlertHistory,
        Command::Incident(IncidentCmd::List { .. }) => return Ok(PaletteCmd::Cmd(Cmd::Incidents)),
        Command::Incident(IncidentCmd::Show { id }) => return Ok(PaletteCmd::Incident(id)),
        Command::Incident(IncidentCmd::Resolve { id, .. }) => Op::IncidentResolve { id },
        Command::Incident(IncidentCmd::Acknowledge { id, note }) => Op::IncidentAcknowledge {
            id,
            note: note.unwrap_or_default(),
        },
        Command::Deploy(d) if d.sub.is_none() => Op::Deploy {
            common: d.release.common().map_err(|e| e.message)?,
            rollback_on_failure: d.rollback_on_failure,
        },
        Command::Rollback(r) => Op::Rollback {
            common: r.release.common().map_err(|e| e.message)?,
            to: r.to_release,
        },
        Command::Stage(StageCmd::Status) if super::stage::shows_instances(app) => {
            return Ok(PaletteCmd::Cmd(Cmd::StageRefresh));
        }
        Command::Stage(StageCmd::Clone(c)) if super::stage::shows_instances(app) => {
            Op::Stage(super::stage::op_for(app, StageAction::Clone, &c.names())?)
        }
        Command::Stage(StageCmd::Start(c)) if super::stage::shows_instances(app) => {
            Op::Stage(super::stage::op_for(app, StageAction::Start, &c.names())?)
        }
        Command::Stage(StageCmd::Stop(c)) if super::stage::shows_instances(app) => {
            Op::Stage(super::stage::op_for(app, StageAction::Stop, &c.names())?)
        }
        Command::Stage(StageCmd::Reset { component }) if super::stage::shows_instances(app) => {
            Op::Stage(super::stage::op_for(app, StageAction::Reset, &[component])?)
        }
        Command::Logs(l) => Op::Logs {
            app: l.app,
            target: l.target,
            service: l.service,
        },
        Command::Backup(b) => match backup_op(app, b)? {
            Some(op) => Op::Backup(op),
            None => return Ok(PaletteCmd::BackupsFilter(backup_filter(&words))),
        },
        other => {
            // The exact command: this state root, this context, the words as typed.
            let mut rest: Vec<&str> = Vec::new();
            let mut skip = false;
            for w in &words {
                if skip {
                    skip = false;
                } else if w == "--context" {
                    skip = true;
                } else if !w.starts_with("--context=") {
                    rest.push(w);
                }
            }
            let args = shlex::try_join(rest.iter().copied()).unwrap_or_else(|_| rest.join(" "));
            return Err(format!(
                "`{}` has no console action; run it headless: {}",
                other.verb().command(),
                crate::ops::cli_command(&app.root, &active, &args)
            ));
        }
    };
    Ok(PaletteCmd::Op(op))
}

/// The filter `backup list --app A` / `--kind K` means.
fn backup_filter(words: &[String]) -> String {
    flag_value(words, "--app")
        .or_else(|| flag_value(words, "--kind"))
        .unwrap_or_default()
        .to_string()
}

/// `backup …` typed in the palette; `None` for `backup list` (the pane itself).
fn backup_op(
    app: &App,
    b: crate::cli::BackupCmd,
) -> Result<Option<crate::tui::backup::BackupOp>, String> {
    use crate::cli::BackupCmd;
    use crate::tui::features::backup as bk;
    Ok(Some(match b {
        BackupCmd::State => bk::state_op(),
        BackupCmd::Run(r) => {
            if r.target.is_some() {
                return Err(
                    "the console backs up on the app's first target; run --target headless".into(),
                );
            }
            bk::run_op(app, r.app)
        }
        BackupCmd::List { .. } => return Ok(None),
        BackupCmd::Verify(v) => {
            let id = match v.id {
                Some(id) => id,
                None => app
                    .visible_backups()
                    .into_iter()
                    .filter(|r| !r.failed)
                    .filter(|r| v.kind.is_none_or(|k| r.kind == k.kind().as_str()))
                    .find(|r| {
                        v.app
                            .as_ref()
                            .is_none_or(|a| r.kind == "app" && r.app == *a)
                    })
                    .map(|r| r.id.clone())
                    .ok_or("no finished backup matches --latest")?,
            };
            bk::verify_op(bk::find(app, &id)?, v.deep)
        }
        BackupCmd::Restore(r) => bk::restore_op(app, bk::find(app, &r.from)?, r.target)?,
        BackupCmd::Prune(p) => bk::prune_op(
            crate::ops::backup::prune::policy(p.keep_daily, p.keep_weekly, p.keep_monthly)
                .map_err(|e| e.message)?,
            p.apply,
        ),
    }))
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
                .filter_map(super::oncall::alert_of)
                .collect()
        })
        .unwrap_or_default();
    alert_ids.extend(
        app.oncall
            .all
            .iter()
            .filter(|e| e.context == active)
            .filter_map(|e| super::oncall::alert_of(&e.record)),
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
