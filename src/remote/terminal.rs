//! Interactive commands: a program that gets the operator's own terminal (stdin, stdout and
//! stderr inherited) and runs in the foreground until it exits. Over SSH it is the system `ssh`
//! with `-t`, through the target's multiplexed master and with the same options as every other
//! connection; locally it is `sh -c`. Nothing it prints passes through paasdeck: the operator
//! reads and types directly.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::{ErrorCode, PaasError, Result};

/// What runs with the operator's terminal, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalCommand {
    pub program: OsString,
    pub args: Vec<OsString>,
    /// Directories put first on PATH (a local target's simulated engine).
    pub path_first: Option<PathBuf>,
    /// `user@host:port`, or `local`.
    pub host: String,
}

impl TerminalCommand {
    /// The command line for people (what `ps` shows).
    pub fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|w| crate::remote::quote::quote(&w.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs it in the foreground with the inherited terminal; the exit code it ends with
    /// (128 + the signal's number when a signal ended it, as shells report it).
    pub async fn run(&self) -> Result<i32> {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(&self.args)
            .stdin(std::process::Stdio::inherit())
            .stdout(std::process::Stdio::inherit())
            .stderr(std::process::Stdio::inherit());
        if let Some(dir) = &self.path_first {
            let mut path = OsString::from(dir);
            if let Some(rest) = std::env::var_os("PATH") {
                path.push(":");
                path.push(rest);
            }
            cmd.env("PATH", path);
        }
        let status = cmd.status().await.map_err(|e| {
            PaasError::new(
                ErrorCode::RemoteCommandFailed,
                "shell",
                format!(
                    "could not start {}: {e}",
                    crate::text::sanitize_inline(&self.program.to_string_lossy())
                ),
            )
            .with_target(&self.host)
        })?;
        use std::os::unix::process::ExitStatusExt;
        Ok(status
            .code()
            .or_else(|| status.signal().map(|s| 128 + s))
            .unwrap_or(1))
    }
}

/// The refusal of a connection that cannot carry an interactive command.
pub fn unsupported(label: &str) -> PaasError {
    PaasError::new(
        ErrorCode::RemoteCommandFailed,
        "shell",
        format!("the connection to {label} cannot carry an interactive shell"),
    )
    .with_target(label)
}

/// `ssh -t` through an open master: `-S` names its control socket and `ControlMaster=no`
/// keeps this one from becoming a master of its own. The options are those every connection
/// uses, so should the master go away meanwhile, ssh connects with the same known_hosts, key
/// and checks rather than the operator's defaults.
#[derive(Debug, Clone)]
pub struct SshTerminal {
    pub control_socket: PathBuf,
    /// [`super::ssh::master::connection_options`], known host keys only.
    pub options: Vec<String>,
    pub user: String,
    pub host: String,
    pub port: u16,
}

impl SshTerminal {
    /// The argv of `ssh -t` running `script` (the login shell when `None`).
    pub fn command(&self, script: Option<&str>) -> TerminalCommand {
        let mut args: Vec<OsString> = vec![
            "-o".into(),
            "ControlMaster=no".into(),
            "-S".into(),
            self.control_socket.clone().into(),
        ];
        args.extend(self.options.iter().map(OsString::from));
        args.push("-t".into());
        // The destination after `--`: never read as an option, whatever it holds.
        args.push("--".into());
        args.push(self.host.clone().into());
        if let Some(s) = script {
            args.push(s.into());
        }
        TerminalCommand {
            program: "ssh".into(),
            args,
            path_first: None,
            host: format!("{}@{}:{}", self.user, self.host, self.port),
        }
    }
}

/// `sh -c script` on this machine (the login shell, `$SHELL -l` else `sh -l`, when `None`).
pub fn local(script: Option<&str>, path_first: Option<PathBuf>) -> TerminalCommand {
    let args: Vec<OsString> = match script {
        Some(s) => vec!["-c".into(), s.into()],
        None => vec!["-c".into(), "exec \"${SHELL:-/bin/sh}\" -l".into()],
    };
    TerminalCommand {
        program: "sh".into(),
        args,
        path_first,
        host: "local".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ssh() -> SshTerminal {
        let ep = super::super::ssh::Endpoint {
            host: "10.0.0.5".into(),
            port: 2222,
            user: "deploy".into(),
            identity: Some("/keys/id".into()),
        };
        let opts = super::super::ssh::SshOptions {
            known_hosts: "/state/known_hosts".into(),
            connect_timeout: std::time::Duration::from_secs(5),
            config_file: None,
            control_dir: "/run/user/1".into(),
            default_identity: None,
        };
        SshTerminal {
            control_socket: "/run/user/1/.ssh-connection-x/master".into(),
            options: super::super::ssh::master::connection_options(
                &ep,
                &opts,
                std::time::Duration::from_secs(5),
                super::super::ssh::master::HostKeys::KnownOnly,
            ),
            user: ep.user.clone(),
            host: ep.host.clone(),
            port: ep.port,
        }
    }

    #[test]
    fn ssh_gets_a_terminal_through_the_master_with_the_pools_options() {
        let c = ssh().command(Some("echo hi"));
        let args: Vec<String> = c
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let at = |w: &str| args.iter().position(|a| a == w).unwrap();
        assert_eq!(c.program, "ssh");
        assert_eq!(args[at("-S") + 1], "/run/user/1/.ssh-connection-x/master");
        assert_eq!(args[at("-i") + 1], "/keys/id");
        assert_eq!(args[at("-p") + 1], "2222");
        assert_eq!(args[at("-l") + 1], "deploy");
        assert!(args.contains(&"-t".to_string()));
        assert!(args.contains(&"UserKnownHostsFile=/state/known_hosts".to_string()));
        assert!(args.contains(&"StrictHostKeyChecking=yes".to_string()));
        assert!(args.contains(&"ControlMaster=no".to_string()));
        // The host comes after `--`, and the script last.
        assert_eq!(&args[at("--") + 1..], ["10.0.0.5", "echo hi"]);
        assert_eq!(c.host, "deploy@10.0.0.5:2222");
        // No script: the login shell.
        assert_eq!(ssh().command(None).args.last().unwrap(), "10.0.0.5");
    }

    #[tokio::test]
    async fn a_local_command_returns_its_exit_code() {
        let code = local(Some("exit 7"), None).run().await.unwrap();
        assert_eq!(code, 7);
        let code = local(Some("kill -TERM $$"), None).run().await.unwrap();
        assert_eq!(code, 128 + 15);
    }
}
