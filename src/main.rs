//! The `paasdeck` binary: parse the command line, install error and panic hooks and logging,
//! then hand over to the headless front end or the console.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use paasdeck::cli::{Cli, Command, DemoArgs, Global};
use paasdeck::dirs::AppDirs;
use paasdeck::error::PaasError;
use paasdeck::headless;
use paasdeck::state::StateRoot;

fn wants_json(args: &[String]) -> bool {
    args.iter().any(|a| a == "--json")
}

/// Secret values are never accepted on the command line; say so before clap would echo the
/// offending argument back.
fn refuse_secret_on_argv(args: &[String]) -> Option<PaasError> {
    let in_secret = args.iter().any(|a| a == "secret");
    let has_value = args
        .iter()
        .any(|a| a == "--value" || a.starts_with("--value="));
    (in_secret && has_value).then(|| {
        PaasError::usage(
            "flag_validation",
            "secret values are never taken on the command line (they would land in shell history and the process list)",
        )
        .with_remediation("pipe the value on stdin: `printf %s \"$VALUE\" | paasdeck --context CTX secret set --app A --name N`")
    })
}

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // Run by ssh as its SSH_ASKPASS program during `target bootstrap`: answer the password
    // prompt and nothing else.
    if std::env::var_os(paasdeck::ops::bootstrap::ASKPASS_MODE_ENV).is_some() {
        let prompt = args.get(1).map(String::as_str).unwrap_or("");
        return ExitCode::from(paasdeck::ops::bootstrap::askpass(prompt) as u8);
    }
    let json = wants_json(&args);
    if let Some(e) = refuse_secret_on_argv(&args) {
        headless::output::print_error(json, "secret", "", &e);
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                e.exit();
            }
            // clap echoes the offending argument: it goes through the terminal sanitiser.
            let msg = e.render().to_string();
            if !json {
                eprint!("{}", paasdeck::text::sanitize(&msg));
                return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
            }
            let first = msg
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ")
                .to_string();
            let err = PaasError::usage("flag_validation", first);
            headless::output::print_error(true, "", "", &err);
            return ExitCode::from(2);
        }
    };
    let dirs = AppDirs::discover();
    let _log = paasdeck::logging::init(
        dirs.as_ref().map(|d| d.log_dir.as_path()),
        cli.global.verbose,
    );
    let _ = color_eyre::install();
    match &cli.command {
        Some(Command::Demo(args)) => demo(&cli.global, args, json, started),
        Some(cmd) => ExitCode::from(headless::run(&cli.global, cmd) as u8),
        None => console(&cli.global, None, started),
    }
}

fn fail(json: bool, command: &str, e: &PaasError) -> ExitCode {
    headless::output::print_error(json, command, "", e);
    ExitCode::from(e.exit_code() as u8)
}

fn demo(global: &Global, args: &DemoArgs, json: bool, started: std::time::Instant) -> ExitCode {
    let dir = match &global.state_root {
        Some(p) => paasdeck::state::paths::absolute(p),
        None => match paasdeck::demo::fresh_dir() {
            Ok(d) => d,
            Err(e) => return fail(json, "demo", &e),
        },
    };
    let seeded = match paasdeck::demo::seed_with(&dir, args.engine.engine()) {
        Ok(s) => s,
        Err(e) => return fail(json, "demo", &e),
    };
    let root = seeded.root;
    tracing::info!(
        root = %root.path().display(),
        identity = %seeded.identity.source.describe(),
        identity_created = seeded.identity_created,
        "demo state created"
    );
    if args.seed_only {
        if json {
            println!(
                "{}",
                paasdeck::text::inert_json(
                serde_json::json!({
                    "ok": true, "command": "demo", "context": "oss-demo", "mode": "live",
                    "state_root": root.path().display().to_string(),
                    "identity_source": seeded.identity.source.kind(),
                    "identity_file": seeded.identity.source.path().map(|p| p.display().to_string()),
                    "identity_created": seeded.identity_created,
                    "recipient": seeded.identity.recipient().to_string(),
                })
                    .to_string()
                )
            );
        } else {
            println!(
                "{}",
                paasdeck::text::sanitize_inline(&root.path().display().to_string())
            );
        }
        return ExitCode::SUCCESS;
    }
    console(global, Some(root), started)
}

fn console(global: &Global, root: Option<StateRoot>, started: std::time::Instant) -> ExitCode {
    use std::io::IsTerminal;
    let root = match root {
        Some(r) => r,
        None => match StateRoot::resolve(global.state_root.as_deref()) {
            Ok(r) => r,
            Err(e) => return fail(false, "console", &e),
        },
    };
    let cwd = std::env::current_dir().ok();
    if let Err(e) = paasdeck::state::repo::guard_state_root(root.path(), cwd.as_deref()) {
        return fail(false, "console", &e);
    }
    if !std::io::stdout().is_terminal() {
        let e = PaasError::usage(
            "console",
            "the console needs a terminal; pass a command for headless use (paasdeck --help)",
        );
        return fail(false, "console", &e);
    }
    let color = !global.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let opts = paasdeck::tui::ConsoleOptions {
        started,
        root,
        write: global.write,
        color,
        connect_timeout: global.connect_timeout,
    };
    match paasdeck::tui::run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            paasdeck::tui::restore_terminal();
            let report = color_eyre::eyre::Report::new(e).wrap_err("the console stopped");
            eprintln!("{report:?}");
            ExitCode::FAILURE
        }
    }
}
