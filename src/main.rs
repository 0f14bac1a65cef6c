//! The `paasdeck` binary: parse the command line, install error and panic hooks and logging,
//! then hand over to the headless front end or the console.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use paasdeck::cli::Cli;
use paasdeck::dirs::AppDirs;
use paasdeck::error::PaasError;
use paasdeck::headless;

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
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let json = wants_json(&args);
    if let Some(e) = refuse_secret_on_argv(&args) {
        headless::output::print_error(json, "secret", "", &e);
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) || !json {
                e.exit();
            }
            let msg = e.render().to_string();
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
        Some(cmd) => ExitCode::from(headless::run(&cli.global, cmd) as u8),
        None => {
            eprintln!(
                "paasdeck: the console is not available in this build; run `paasdeck --help` for the headless commands"
            );
            ExitCode::from(2)
        }
    }
}
