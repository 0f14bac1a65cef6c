//! Forms: which fields each kind has, and their keys (the op a submitted form asks for is
//! `submit.rs`, the field types `fields.rs`). Text fields take typing; a choice moves
//! with ←/→, a pick list ticks with Space, a masked field never shows what is typed.

use crossterm::event::KeyEvent;

use super::fields::{choice, field, masked, pick, toggle};
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, Field, FieldKind, Form, FormKind, Overlay, new_input};
use crate::tui::core::keymap::{Cmd, Keymap};
use crate::tui::overlays::confirm::request::request;
use crate::tui::update::selection::all_target_names;

/// The context types offered by the context form (any other type can be typed headless).
pub const CONTEXT_TYPES: [&str; 5] = [
    crate::state::context::DEFAULT_TYPE,
    "production",
    "customer",
    "staging",
    "oss-demo",
];

fn target_fields(t: Option<&crate::state::targets::Target>) -> Vec<Field> {
    let v = |f: fn(&crate::state::targets::Target) -> String| t.map(f).unwrap_or_default();
    vec![
        field(
            "host",
            "203.0.113.10 or a DNS name",
            &v(|t| t.host.to_string()),
        ),
        field("user", "deploy", &v(|t| t.user.to_string())),
        field(
            "port",
            "22",
            &t.map(|t| t.port().to_string())
                .unwrap_or_else(|| "22".into()),
        ),
        choice(
            "auth",
            "key (SSH) or local (this machine)",
            vec!["key".into(), "local".into()],
            &t.map(|t| t.auth().as_str().to_string())
                .unwrap_or_else(|| "key".into()),
        ),
        field(
            "identity file",
            "optional: ~/.ssh/id_ed25519",
            &v(|t| t.identity_file.clone()),
        ),
        field("labels", "optional: a,b", &v(|t| t.labels.join(","))),
    ]
}

/// A form with one text field filled in (e.g. the variable picked in the secrets view).
pub(in crate::tui) fn form_with(kind: FormKind, app: &App, label: &str, value: &str) -> Form {
    let mut f = form(kind, app);
    if let Some(i) = f.fields.iter().position(|x| x.label == label) {
        let mut input = new_input(f.fields[i].hint);
        input.insert_str(value);
        f.fields[i].input = input;
        f.focus_on(i + 1);
    }
    f
}

pub(in crate::tui) fn form(kind: FormKind, app: &App) -> Form {
    let fields = match &kind {
        FormKind::EnableAddon(_) => crate::tui::features::addons::form::fields(),
        FormKind::Acknowledge { .. } => crate::tui::features::oncall::ack::fields(),
        FormKind::AgentDeny { .. } => crate::tui::features::oncall::agent::fields(),
        FormKind::AddTarget => {
            let mut v = vec![field("name", "edge-a", "")];
            v.extend(target_fields(None));
            v
        }
        FormKind::EditTarget(name) => {
            let t = app
                .snapshot()
                .and_then(|s| s.targets.iter().find(|t| t.target.is(name)))
                .map(|t| &t.target);
            target_fields(t)
        }
        FormKind::Exec => exec_fields(app),
        FormKind::ContextInit => context_fields(),
        FormKind::AddApp | FormKind::EditApp(_) => app_fields(app, &kind),
        FormKind::Bootstrap(_) => vec![
            masked("password", "the target's SSH password, typed, never shown"),
            field(
                "public key",
                "optional: ~/.ssh/id_ed25519.pub, else ~/.ssh/id_rsa.pub",
                "",
            ),
        ],
        FormKind::SetSecret => secret_fields(app),
    };
    let mut f = Form {
        kind,
        fields,
        focus: 0,
        error: None,
    };
    f.focus_on(0);
    f
}

/// The exec form: targets (the selected one filled in), strategy, parallelism, command.
fn exec_fields(app: &App) -> Vec<Field> {
    let selected = app
        .selected_target()
        .map(|t| t.target.name.to_string())
        .unwrap_or_default();
    vec![
        field("targets", "a,b or all", &selected),
        field("strategy", "serial, rolling, canary or parallel", "serial"),
        field("max parallel", "1", "1"),
        field("command", "uptime", ""),
    ]
}

/// The context form: name, type, read-only, colour and confirmation (the type's by default).
fn context_fields() -> Vec<Field> {
    vec![
        field("name", "lowercase, e.g. customer-acme", ""),
        choice(
            "type",
            "sets the colour and how much is asked before acting",
            CONTEXT_TYPES.iter().map(|s| s.to_string()).collect(),
            crate::state::context::DEFAULT_TYPE,
        ),
        toggle("read-only", "refuse every change (Space toggles)", false),
        choice(
            "colour",
            "banner colour (default: the type's)",
            [
                "(type default)",
                "red",
                "magenta",
                "yellow",
                "green",
                "blue",
                "cyan",
                "gray",
                "white",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            "(type default)",
        ),
        choice(
            "confirm",
            "what to ask before acting (default: the type's)",
            ["(type default)", "none", "yes", "type-name"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            "(type default)",
        ),
    ]
}

/// The app form: what is registered for the app filled in (edit), its name first (add).
fn app_fields(app: &App, kind: &FormKind) -> Vec<Field> {
    let targets = all_target_names(app);
    let reg = match kind {
        FormKind::EditApp(n) => app
            .snapshot()
            .and_then(|s| s.apps.iter().find(|a| a.name == *n))
            .and_then(|a| a.entry.clone()),
        _ => None,
    };
    let compose = reg
        .as_ref()
        .map(|r| r.compose_file.clone())
        .unwrap_or_default();
    let ticked: Vec<String> = reg
        .as_ref()
        .map(|r| r.targets.iter().map(|t| t.to_string()).collect())
        .unwrap_or_default();
    let health = reg
        .as_ref()
        .map(|r| r.health_cmd.clone())
        .unwrap_or_default();
    let remote = reg
        .as_ref()
        .and_then(|r| r.remote_dir.as_ref().map(|d| d.to_string()))
        .unwrap_or_default();
    let (backup, restore) = reg
        .as_ref()
        .map(|r| (r.backup_cmd.clone(), r.restore_cmd.clone()))
        .unwrap_or_default();
    let mut v = Vec::new();
    if *kind == FormKind::AddApp {
        v.push(field("name", "web", ""));
    }
    v.extend([
        field("compose file", "path, e.g. ./compose.yaml", &compose),
        pick(
            "targets",
            "none ticked: the current target",
            targets,
            &ticked,
        ),
        field(
            "health command",
            "optional: run in the release dir",
            &health,
        ),
        field(
            "remote dir",
            "optional: default /opt/si/paas/releases",
            &remote,
        ),
        field(
            "backup command",
            "optional: writes a dump to stdout (with restore)",
            &backup,
        ),
        field(
            "restore command",
            "optional: reads a dump on stdin",
            &restore,
        ),
    ]);
    v
}

/// The secret form: the app (the selected one), the variable, every target or one, the value.
fn secret_fields(app: &App) -> Vec<Field> {
    let targets = all_target_names(app);
    let apps: Vec<String> = app
        .snapshot()
        .map(|s| s.apps.iter().map(|a| a.name.clone()).collect())
        .unwrap_or_default();
    let selected = app
        .selected_app()
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let mut scope = vec!["every target".to_string()];
    scope.extend(targets);
    vec![
        choice("app", "the app the secret is for", apps, &selected),
        field("name", "the variable, e.g. DATABASE_URL", ""),
        choice("for", "every target, or one target's own value", scope, ""),
        masked("value", "typed, never shown"),
    ]
}

/// A key on a field that is not free text: true when the field took it.
fn field_key(km: &Keymap, field: &mut Field, k: &KeyEvent) -> bool {
    let cmds = [Cmd::OptionToggle, Cmd::OptionNext, Cmd::OptionPrev];
    match (&mut field.kind, km.which(&cmds, k, false)) {
        (FieldKind::Choice { options, index }, Some(Cmd::OptionNext | Cmd::OptionToggle)) => {
            *index = (*index + 1) % options.len().max(1);
            true
        }
        (FieldKind::Choice { options, index }, Some(_)) => {
            let n = options.len().max(1);
            *index = (*index + n - 1) % n;
            true
        }
        (FieldKind::Pick { options, cursor }, Some(Cmd::OptionNext)) => {
            *cursor = (*cursor + 1).min(options.len().saturating_sub(1));
            true
        }
        (FieldKind::Pick { cursor, .. }, Some(Cmd::OptionPrev)) => {
            *cursor = cursor.saturating_sub(1);
            true
        }
        (FieldKind::Pick { options, cursor }, Some(_)) => {
            if let Some((_, on)) = options.get_mut(*cursor) {
                *on = !*on;
            }
            true
        }
        (FieldKind::Toggle(on), Some(_)) => {
            *on = !*on;
            true
        }
        (FieldKind::Text | FieldKind::Masked, _) => false,
        _ => true,
    }
}

/// A key while a form is open: the form's commands, then the focused field's.
pub(in crate::tui) fn form_key(app: &mut App, mut f: Box<Form>, k: KeyEvent) -> Vec<Effect> {
    // A text field takes the keys that type characters.
    let typing = f
        .fields
        .get(f.focus)
        .is_some_and(|x| matches!(x.kind, FieldKind::Text | FieldKind::Masked));
    let cmds = [
        Cmd::FormCancel,
        Cmd::FormNext,
        Cmd::FormPrev,
        Cmd::FormSubmit,
    ];
    let last = f.fields.len().saturating_sub(1);
    match app.keymap.which(&cmds, &k, typing) {
        Some(Cmd::FormCancel) => return Vec::new(),
        Some(Cmd::FormNext) => f.focus_on((f.focus + 1).min(last)),
        Some(Cmd::FormPrev) => f.focus_on(f.focus.saturating_sub(1)),
        Some(_) if f.focus < last => f.focus_on(f.focus + 1),
        Some(_) => match super::submit::submit_form(app, &f) {
            Ok(op) => return submitted(app, f, op),
            Err(e) => f.error = Some(e),
        },
        None => {
            let focus = f.focus;
            if let Some(field) = f.fields.get_mut(focus)
                && !field_key(&app.keymap, field, &k)
            {
                field.input.input(k);
            }
            f.error = None;
        }
    }
    app.overlay = Overlay::Form(f);
    Vec::new()
}

/// A form whose fields make an op: the guard is asked (a first secret offers `vault keygen`).
fn submitted(app: &mut App, mut f: Box<Form>, op: Op) -> Vec<Effect> {
    if let (Op::SetSecret { .. }, Some(at)) = (&op, app.identity_missing_at.clone()) {
        return crate::tui::features::secrets::keygen::offer(app, f, &at);
    }
    let fx = request(app, op);
    // Refused: the form stays, with what was typed, and says why.
    let goes_ahead = fx
        .iter()
        .any(|e| matches!(e, Effect::Run { .. } | Effect::Plan { .. }));
    if !goes_ahead && matches!(app.overlay, Overlay::None) {
        f.error = app.flash.as_ref().map(|m| m.text.clone());
        app.overlay = Overlay::Form(f);
    }
    // Otherwise the form (and a typed secret with it) is dropped here.
    fx
}
