//! What a submitted form asks for: the op built from its fields, with the same checks as the
//! command line, or what is wrong (the form stays, with what was typed).

use crate::ops::apps::AppSpec;
use crate::ops::secrets::SecretValue;
use crate::ops::targets::NewTarget;
use crate::remote::fanout::Strategy;
use crate::state::names;
use crate::tui::core::action::Op;
use crate::tui::core::app::{App, Field, Form, FormKind};
use crate::tui::update::selection::all_target_names;

/// Builds the op a submitted form asks for, or says what is wrong.
pub(in crate::tui) fn submit_form(app: &App, f: &Form) -> Result<Op, String> {
    match &f.kind {
        FormKind::EnableAddon(a) => crate::tui::features::addons::form::submit(a, f),
        FormKind::Acknowledge { alert, incident } => {
            crate::tui::features::oncall::ack::submit(alert, incident, f)
        }
        FormKind::AgentDeny { run, agent } => {
            crate::tui::features::oncall::agent::deny(run, agent, f)
        }
        FormKind::Bootstrap(target) => bootstrap(target, f),
        FormKind::AddTarget | FormKind::EditTarget(_) => target(f),
        FormKind::Exec => exec(app, f),
        FormKind::ContextInit => context_init(app, f),
        FormKind::AddApp | FormKind::EditApp(_) => app_spec(f),
        FormKind::SetSecret => secret(f),
    }
}

/// Installing a key with a password: the password is needed, the key path is plain text.
fn bootstrap(target: &str, f: &Form) -> Result<Op, String> {
    let password = f.field("password").map(Field::raw).unwrap_or_default();
    if password.is_empty() {
        return Err("type the target's SSH password".into());
    }
    let public_key = f.value("public key");
    if crate::text::has_control(&public_key) {
        return Err("the public key path may not hold control characters".into());
    }
    Ok(Op::BootstrapTarget {
        target: target.to_string(),
        public_key,
        password: SecretValue::new(password),
    })
}

/// A target added or edited.
fn target(f: &Form) -> Result<Op, String> {
    let port = f.value("port");
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("port {port:?} is not a number from 1 to 65535"))?;
    let name = match &f.kind {
        FormKind::EditTarget(n) => n.clone(),
        _ => f.value("name"),
    };
    let spec = NewTarget {
        name,
        host: f.value("host"),
        user: f.value("user"),
        port,
        auth_method: f.value("auth"),
        identity_file: Some(f.value("identity file"))
            .filter(|s| !s.is_empty())
            .map(Into::into),
        labels: names::split_csv(&f.value("labels")),
        make_default: false,
    };
    names::validate_target(&spec.name).map_err(|e| e.message)?;
    names::validate_host(&spec.host).map_err(|e| e.message)?;
    names::validate_user(&spec.user).map_err(|e| e.message)?;
    if spec.labels.iter().any(|l| crate::text::has_control(l)) {
        return Err("labels may not hold control characters".into());
    }
    Ok(match f.kind {
        FormKind::AddTarget => Op::AddTarget(spec),
        _ => Op::EditTarget(spec),
    })
}

/// A command on targets: every name known in this context (or all), a strategy, parallelism.
fn exec(app: &App, f: &Form) -> Result<Op, String> {
    let wanted = names::split_csv(&f.value("targets"));
    let known = all_target_names(app);
    let targets: Vec<String> = if wanted.iter().any(|w| w.eq_ignore_ascii_case("all")) {
        known
    } else {
        let mut v = Vec::new();
        for w in wanted {
            match known.iter().find(|k| k.eq_ignore_ascii_case(&w)) {
                Some(k) => v.push(k.clone()),
                None => return Err(format!("no target named {w:?} in this context")),
            }
        }
        v
    };
    if targets.is_empty() {
        return Err("name at least one target".into());
    }
    let strategy = Strategy::parse(&f.value("strategy"))
        .ok_or("strategy must be serial, rolling, canary or parallel")?;
    let max_parallel: usize = f
        .value("max parallel")
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or("max parallel must be a positive number")?;
    let command = f.value("command");
    if command.is_empty() {
        return Err("the command is empty".into());
    }
    Ok(Op::Exec(crate::verbs::targets::ExecInput {
        targets,
        command,
        strategy,
        max_parallel,
        continue_on_error: false,
        timeout: crate::cli::DEFAULT_EXEC_TIMEOUT,
    }))
}

/// A new context, whose name is not taken.
fn context_init(app: &App, f: &Form) -> Result<Op, String> {
    let name = f.value("name");
    names::validate_context(&name).map_err(|e| e.message)?;
    let kind = f.value("type").to_ascii_lowercase();
    if app.contexts.iter().any(|c| c.name == name) {
        return Err(format!("context {name} already exists"));
    }
    let or_default = |v: String| if v.starts_with('(') { String::new() } else { v };
    Ok(Op::ContextInit {
        name,
        kind,
        read_only: f.value("read-only") == "true",
        color: or_default(f.value("colour")),
        confirm: or_default(f.value("confirm")),
    })
}

/// An app registered or edited.
fn app_spec(f: &Form) -> Result<Op, String> {
    let name = match &f.kind {
        FormKind::EditApp(n) => n.clone(),
        _ => f.value("name"),
    };
    names::validate_app(&name).map_err(|e| e.message)?;
    let spec = AppSpec {
        name,
        compose_file: f.value("compose file"),
        targets: names::split_csv(&f.value("targets")),
        health_cmd: f.value("health command"),
        remote_dir: f.value("remote dir"),
        backup_cmd: f.value("backup command"),
        restore_cmd: f.value("restore command"),
    };
    if spec.compose_file.is_empty() {
        return Err("give the compose file's path".into());
    }
    Ok(match f.kind {
        FormKind::AddApp => Op::AddApp(spec),
        _ => Op::EditApp(spec),
    })
}

/// A secret's value for every target or one.
fn secret(f: &Form) -> Result<Op, String> {
    let app_name = f.value("app");
    if app_name.is_empty() {
        return Err("register the app first (a in the Apps pane)".into());
    }
    let name = f.value("name");
    names::validate_env_name(&name).map_err(|e| e.message)?;
    let value = f.field("value").map(Field::raw).unwrap_or_default();
    if value.is_empty() {
        return Err("the value is empty".into());
    }
    let scope = f.value("for");
    Ok(Op::SetSecret {
        app: app_name,
        name,
        target: (scope != "every target").then_some(scope),
        value: SecretValue::new(value),
    })
}
