//! An agent's proposal in the Incidents view: `a` approves it through the guard's dialog (the
//! dialog shows the remediation and its plan; the remediation's own verb is asked of the guard
//! too, first here with what the console knows, then again when it runs); `d` denies it with a
//! note.

use crate::error::Result;
use crate::policy::doctor;
use crate::policy::guard::{self, ContextPolicy, Frontend, Verb};
use crate::tui::core::action::{Effect, Op};
use crate::tui::core::app::{App, Field, FieldKind, FlashLevel, Form, FormKind, Overlay};
use crate::tui::effects::env::Env;

use super::Proposal;

/// The note of a run approved with a key.
pub const APPROVED_HERE: &str = "approved in the console";

/// Asks for the approval of a proposal: refused at once when its remediation's verb is refused
/// here (a read-only context, a failing block check), else the dialog.
pub fn approve(app: &mut App, p: Proposal) -> Vec<Effect> {
    if let Some(verb) = p.remediation.verb()
        && let Some(c) = app.ctx()
    {
        let failing = match &c.doctor {
            crate::tui::core::model::DoctorState::Failed(f) => f.clone(),
            _ => Vec::new(),
        };
        let refused = guard::check(
            verb,
            &c.policy,
            Frontend::Console,
            app.write,
            "",
            &mut || failing.clone(),
        );
        if let Err(e) = refused {
            app.flash(FlashLevel::Error, format!("refused: {}", e.message));
            return Vec::new();
        }
    }
    let write = app.write;
    crate::tui::overlays::confirm::request::request(
        app,
        Op::AgentApprove {
            run: p.run_id,
            agent: p.agent,
            remediation: p.remediation,
            write,
        },
    )
}

/// Opens the deny form (a note).
pub fn deny_form(app: &mut App, p: Proposal) -> Vec<Effect> {
    app.overlay = Overlay::Form(Box::new(Form {
        kind: FormKind::AgentDeny {
            run: p.run_id,
            agent: p.agent,
        },
        fields: fields(),
        focus: 0,
        error: None,
    }));
    Vec::new()
}

pub fn fields() -> Vec<Field> {
    let hint = "why not (kept in approvals.json)";
    vec![Field {
        label: "note",
        hint,
        kind: FieldKind::Text,
        input: crate::tui::core::app::new_input(hint),
    }]
}

/// The op the submitted deny form asks for.
pub fn deny(run: &str, agent: &str, f: &Form) -> std::result::Result<Op, String> {
    let note = f.value("note");
    if crate::text::has_control(&note) {
        return Err("the note may not hold control characters".into());
    }
    Ok(Op::AgentDeny {
        run: run.to_string(),
        agent: agent.to_string(),
        note: if note.is_empty() {
            "denied in the console".into()
        } else {
            note
        },
    })
}

/// The guard of the remediation's own verb when the approved run executes: the context's
/// policy and a fresh doctor, as for the same command typed in the palette.
pub fn guard(
    env: &Env,
    context: &str,
    write: bool,
) -> impl Fn(Verb) -> Result<()> + Send + Sync + use<> {
    let (root, context) = (env.root.clone(), context.to_string());
    move |verb| {
        let cd = root.context(&context)?;
        let policy = ContextPolicy::load(&cd)?;
        let cwd = std::env::current_dir().ok();
        guard::check(verb, &policy, Frontend::Console, write, "", &mut || {
            doctor::run(&root, &context, cwd.as_deref()).blocking()
        })
        .map(|_| ())
    }
}
