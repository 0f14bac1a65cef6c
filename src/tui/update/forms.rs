//! Forms: their fields, their keys, and the op a submitted form asks for.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::action::{Effect, Op};
use super::super::app::{App, Field, Form, FormKind, Overlay, new_input};
use super::keys::all_target_names;
use super::overlays::is_ctrl_c;
use super::request::request;
use crate::ops::targets::NewTarget;
use crate::remote::fanout::Strategy;
use crate::state::names;

fn field(label: &'static str, hint: &'static str, value: &str) -> Field {
    let mut input = new_input(hint);
    input.insert_str(value);
    Field { label, hint, input }
}

pub(super) fn form(kind: FormKind, app: &App) -> Form {
    let fields = match kind {
        FormKind::AddTarget => vec![
            field("name", "edge-a", ""),
            field("host", "203.0.113.10 or a DNS name", ""),
            field("user", "deploy", ""),
            field("port", "22", "22"),
            field("auth", "key or local", "key"),
            field("identity file", "optional: ~/.ssh/id_ed25519", ""),
            field("labels", "optional: a,b", ""),
        ],
        FormKind::Exec => {
            let selected = app
                .selected_target()
                .map(|t| t.target.name.clone())
                .unwrap_or_default();
            vec![
                field("targets", "a,b or all", &selected),
                field("strategy", "serial, rolling, canary or parallel", "serial"),
                field("max parallel", "1", "1"),
                field("command", "uptime", ""),
            ]
        }
        FormKind::ContextInit => vec![
            field("name", "lowercase, e.g. customer-acme", ""),
            field(
                "type",
                "production, customer, internal-dogfood, staging, oss-demo",
                "oss-demo",
            ),
        ],
    };
    Form {
        kind,
        fields,
        focus: 0,
        error: None,
    }
}

/// Builds the op a submitted form asks for, or says what is wrong.
fn submit_form(app: &App, f: &Form) -> Result<Op, String> {
    match f.kind {
        FormKind::AddTarget => {
            let port = f.value("port");
            let port: u16 = port
                .parse()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("port {port:?} is not a number from 1 to 65535"))?;
            let spec = NewTarget {
                name: f.value("name"),
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
            if !matches!(spec.auth_method.as_str(), "key" | "local") {
                return Err("auth must be key or local".into());
            }
            Ok(Op::AddTarget(spec))
        }
        FormKind::Exec => {
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
            Ok(Op::Exec {
                targets,
                command,
                strategy,
                max_parallel,
                continue_on_error: false,
            })
        }
        FormKind::ContextInit => {
            let name = f.value("name");
            names::validate_context(&name).map_err(|e| e.message)?;
            let kind = f.value("type").to_ascii_lowercase();
            names::validate_context(&kind).map_err(|_| format!("invalid type {kind:?}"))?;
            if app.contexts.iter().any(|c| c.name == name) {
                return Err(format!("context {name} already exists"));
            }
            Ok(Op::ContextInit { name, kind })
        }
    }
}

/// A key while a form is open.
pub(super) fn form_key(app: &mut App, mut f: Box<Form>, k: KeyEvent) -> Vec<Effect> {
    if k.code == KeyCode::Esc || is_ctrl_c(&k) {
        return Vec::new();
    }
    let last = f.fields.len().saturating_sub(1);
    match k.code {
        KeyCode::Tab | KeyCode::Down => f.focus = (f.focus + 1).min(last),
        KeyCode::BackTab | KeyCode::Up => f.focus = f.focus.saturating_sub(1),
        KeyCode::Enter if f.focus < last => f.focus += 1,
        KeyCode::Enter => match submit_form(app, &f) {
            Ok(op) => return request(app, op),
            Err(e) => f.error = Some(e),
        },
        _ => {
            if let Some(field) = f.fields.get_mut(f.focus) {
                field.input.input(k);
            }
            f.error = None;
        }
    }
    app.overlay = Overlay::Form(f);
    Vec::new()
}
