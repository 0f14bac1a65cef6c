//! The interactive shells (SPEC §18): a target's login shell over `ssh -t`, an app's service
//! through `docker compose exec` in its release's directory and project, a staging
//! component through `incus exec --project P COMPONENT -t` on the incus host. Each is planned
//! here from the state (what runs where, for the confirmation and the audit row), then opened
//! through the target's pooled connection as a [`TerminalCommand`] the front end runs with the
//! operator's terminal.

use crate::error::{PaasError, Result};
use crate::ops::deploy::bundle;
use crate::ops::deploy::compose::sections;
use crate::ops::logs::ComposeAt;
use crate::remote::pool::Pool;
use crate::remote::quote::quote_all;
use crate::remote::terminal::TerminalCommand;
use crate::state::ids::{AppName, ServiceName};
use crate::state::paths::ContextDir;
use crate::state::targets::Target;
use crate::state::{names, targets};

/// The shell started in a container or an instance: bash as a login shell where the image has
/// it, else sh (`exec` of a missing program would end a non-interactive sh, hence the test).
pub const LOGIN_SHELL: [&str; 3] = [
    "sh",
    "-c",
    "command -v bash >/dev/null 2>&1 && exec bash -l; exec sh -l",
];

/// A shell, planned: where it runs and exactly what runs there.
#[derive(Debug, Clone, PartialEq)]
pub struct ShellPlan {
    /// `target shell`, `app shell` or `stage shell`.
    pub command: &'static str,
    pub target: Target,
    /// The remote command; `None`: the target user's login shell.
    pub script: Option<String>,
    /// What the shell is in, for people: `target web`, `app api, service web, release …`.
    pub what: String,
    /// Recorded in the audit row and shown in the result (never anything typed).
    pub fields: Vec<(&'static str, String)>,
}

/// `target shell --target T`: the login shell of the target's user.
pub fn target(cd: &ContextDir, name: &str) -> Result<ShellPlan> {
    names::validate_target(name)?;
    let t = targets::load(cd)?
        .find(name)
        .cloned()
        .ok_or_else(|| targets::not_found(name))?;
    Ok(ShellPlan {
        command: "target shell",
        what: format!("target {}", t.name),
        fields: vec![("target", t.name.to_string())],
        target: t,
        script: None,
    })
}

/// `app shell --app A [--service S] [--target T]`: `docker compose exec SERVICE` with a
/// terminal, in the app's current release directory with its project and compose files, on
/// `target` (else the app's first). Without `--service`: the one service of the release's
/// own `compose.yaml` (add-ons aside); several are refused, naming them.
pub fn app(
    cd: &ContextDir,
    app: &str,
    service: Option<&str>,
    target: Option<&str>,
) -> Result<ShellPlan> {
    let app = AppName::parse(app)?;
    let at = ComposeAt::current(cd, &app, target)?;
    let service = match service {
        Some(s) => ServiceName::parse(s)?.to_string(),
        None => default_service(cd, &at)?,
    };
    let mut args = vec!["exec".to_string(), service.clone()];
    args.extend(LOGIN_SHELL.iter().map(|w| w.to_string()));
    Ok(ShellPlan {
        command: "app shell",
        what: format!(
            "app {app}, service {service}, release {} on target {}",
            at.release, at.target.name
        ),
        fields: vec![
            ("app", app.to_string()),
            ("service", service),
            ("release", at.release.to_string()),
            ("target", at.target.name.to_string()),
        ],
        script: Some(at.command(&args)),
        target: at.target,
    })
}

/// The service `app shell` opens when none is named.
fn default_service(cd: &ContextDir, at: &ComposeAt) -> Result<String> {
    let refuse = |why: String| {
        PaasError::usage("flag_validation", why).with_remediation(format!(
            "name one with --service (`paasdeck --context {} app shell --app {} --service S`)",
            cd.name(),
            at.app
        ))
    };
    let b = bundle::load(cd, &at.app, &at.release).map_err(|_| {
        refuse(format!(
            "release {} of app {} has no local bundle to read its services from",
            at.release, at.app
        ))
    })?;
    let own: Vec<String> = sections(&b.compose, bundle::COMPOSE_NAME)?
        .keys("services")
        .cloned()
        .collect();
    if let [one] = own.as_slice() {
        return Ok(one.clone());
    }
    let mut all = own;
    for t in &b.addon_texts {
        all.extend(sections(t, "add-on")?.keys("services").cloned());
    }
    Err(refuse(format!(
        "app {} has several services ({}): which one?",
        at.app,
        all.join(", ")
    )))
}

/// `stage shell COMPONENT`: `incus exec --project P COMPONENT -t -- <login shell>` on the
/// stage's incus host; the project is named on the command, never switched to.
pub fn stage(cd: &ContextDir, component: &str) -> Result<ShellPlan> {
    let st = crate::ops::stage::load(cd)?;
    let name = crate::ops::stage::select(&st.cfg, &[component.to_string()])?
        .into_iter()
        .next()
        .ok_or_else(|| {
            PaasError::usage("flag_validation", format!("no component {component:?}"))
        })?;
    let mut argv = vec![
        st.cfg.incus.as_str().to_string(),
        "exec".into(),
        "--project".into(),
        st.cfg.project.as_str().to_string(),
        name.as_str().to_string(),
        "-t".into(),
        "--".into(),
    ];
    argv.extend(LOGIN_SHELL.iter().map(|w| w.to_string()));
    Ok(ShellPlan {
        command: "stage shell",
        what: format!(
            "component {name} of incus project {} on {}",
            st.cfg.project, st.cfg.host_target
        ),
        fields: vec![
            ("component", name.to_string()),
            ("project", st.cfg.project.to_string()),
            ("host_target", st.cfg.host_target.to_string()),
        ],
        script: Some(quote_all(&argv)),
        target: st.host,
    })
}

/// Opens the plan's connection (the pooled master, which a shell shares with every other
/// command to that target) and returns what to run with the operator's terminal.
pub async fn open(pool: &Pool, context: &str, plan: &ShellPlan) -> Result<TerminalCommand> {
    let t = pool
        .get(context, &plan.target)
        .await
        .map_err(|e| e.with_target(&plan.target.name))?;
    t.terminal(plan.script.clone()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_login_shell_prefers_bash_and_falls_back_to_sh() {
        let q = quote_all(LOGIN_SHELL.map(String::from));
        assert_eq!(
            q,
            "'sh' '-c' 'command -v bash >/dev/null 2>&1 && exec bash -l; exec sh -l'"
        );
    }
}
