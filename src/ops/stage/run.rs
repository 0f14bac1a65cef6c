//! `stage plan`, `init` and `clone`: the planned steps, run one after the other. Plans and runs
//! come from the same step lists, so what `plan` prints is what `init` and `clone` do.

use serde_json::{Map, Value, json};

use super::interfaces;
use super::plan::{self, INTERFACES, Step, StepKind};
use super::{Observe, Session};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::stage::IncusName;
use crate::text::human_bytes;

fn step_json(s: &Step) -> Value {
    json!({
        "component": s.component,
        "step": s.kind.as_str(),
        "command": s.call.as_ref().map(|c| c.display()),
        "argv": s.call.as_ref().map(|c| c.argv.clone()),
        "mutating": s.mutating(),
        "note": s.note,
    })
}

fn show(s: &Session, title: &str, steps: &[Step]) {
    s.note(format!("{title}:"));
    if steps.is_empty() {
        s.note("  (nothing)");
    }
    for st in steps {
        let read = if st.mutating() { "" } else { "(read) " };
        match &st.call {
            None => s.note(format!("  · {}: {}", who(&st.component), st.note)),
            Some(c) if st.note.is_empty() => s.note(format!("  {read}{}", c.display())),
            Some(c) => s.note(format!("  {read}{}   # {}", c.display(), st.note)),
        }
    }
}

fn who(component: &str) -> &str {
    if component.is_empty() {
        "project"
    } else {
        component
    }
}

/// `stage plan`: reads the host and prints every command `init` and `clone` would run now.
pub async fn plan(s: &Session) -> Result<Map<String, Value>> {
    let view = s
        .observe(Observe {
            infra: true,
            source: true,
            df: true,
        })
        .await?;
    let all: Vec<IncusName> = s.cfg.components.iter().map(|c| c.name.clone()).collect();
    let init = plan::init_steps(&s.cfg, &view);
    let clone = plan::clone_steps(&s.cfg, &view, &all)?;
    let estimate = plan::copy_estimate(&s.cfg, &view, &clone);
    let copies = clone.iter().filter(|x| x.kind == StepKind::Copy).count();
    let free = view.free.unwrap_or(0);
    let guard = plan::disk_guard(&s.cfg, free, estimate, copies).err();
    show(s, &format!("stage init ({})", s.cfg.project), &init);
    show(
        s,
        &format!("stage clone ({} ← {})", s.cfg.project, s.cfg.source_project),
        &clone,
    );
    s.note(format!(
        "disk: {} free on {}, copies need up to {}, min_host_free {}",
        human_bytes(free),
        s.cfg.storage_path.as_str(),
        human_bytes(estimate),
        s.cfg.min_host_free.as_str()
    ));
    if let Some(e) = &guard {
        s.note(format!("warning: {}", e.message));
    }
    let mut m = Map::new();
    m.insert("project".into(), s.cfg.project.as_str().into());
    m.insert("init".into(), init.iter().map(step_json).collect());
    m.insert("clone".into(), clone.iter().map(step_json).collect());
    m.insert("free_bytes".into(), free.into());
    m.insert("copy_estimate_bytes".into(), estimate.into());
    m.insert("min_host_free".into(), s.cfg.min_host_free.as_str().into());
    m.insert(
        "disk_guard".into(),
        guard
            .map(|e| Value::String(e.message))
            .unwrap_or(Value::Null),
    );
    Ok(m)
}

/// `stage init`: the project, its network and its default profile; what exists is skipped.
pub async fn init(s: &Session) -> Result<Map<String, Value>> {
    let view = s
        .observe(Observe {
            infra: true,
            ..Default::default()
        })
        .await?;
    let steps = plan::init_steps(&s.cfg, &view);
    for st in &steps {
        execute(s, st).await?;
    }
    let ran = steps.iter().filter(|x| x.kind != StepKind::Skip).count();
    s.note(format!(
        "project {} is ready ({ran} change(s), {} already in place)",
        s.cfg.project,
        steps.len() - ran
    ));
    let mut m = Map::new();
    m.insert("project".into(), s.cfg.project.as_str().into());
    m.insert("changes".into(), ran.into());
    Ok(m)
}

/// `stage clone`: the disk guard first, then every component's steps.
pub async fn clone(s: &Session, which: &[IncusName]) -> Result<Map<String, Value>> {
    let view = s
        .observe(Observe {
            infra: true,
            source: true,
            df: false,
        })
        .await?;
    if !plan::initialised(&s.cfg, &view) {
        return Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "stage_clone",
            format!(
                "project {} is not set up yet (project, network {} and default profile)",
                s.cfg.project, s.cfg.network.name
            ),
        )
        .with_remediation("run `stage init` first (`stage plan` shows what it does)"));
    }
    let steps = plan::clone_steps(&s.cfg, &view, which)?;
    let copies = steps.iter().filter(|x| x.kind == StepKind::Copy).count();
    if copies > 0 {
        let free = s.free_space().await?;
        let estimate = plan::copy_estimate(&s.cfg, &view, &steps);
        s.note(format!(
            "disk: {} free on {}, {copies} copy(ies) need up to {}, min_host_free {}",
            human_bytes(free),
            s.cfg.storage_path.as_str(),
            human_bytes(estimate),
            s.cfg.min_host_free.as_str()
        ));
        plan::disk_guard(&s.cfg, free, estimate, copies)?;
    }
    for st in &steps {
        execute(s, st).await?;
    }
    let cloned: Vec<&str> = steps
        .iter()
        .filter(|x| x.kind == StepKind::MarkDone)
        .map(|x| x.component.as_str())
        .collect();
    s.note(format!(
        "{} component(s) cloned and started{}",
        cloned.len(),
        if cloned.is_empty() {
            String::new()
        } else {
            format!(": {}", cloned.join(", "))
        }
    ));
    let mut m = Map::new();
    m.insert("project".into(), s.cfg.project.as_str().into());
    m.insert("copied".into(), copies.into());
    m.insert("started".into(), cloned.into());
    Ok(m)
}

/// Runs one planned step.
pub async fn execute(s: &Session, st: &Step) -> Result<()> {
    let Some(call) = &st.call else {
        let (what, why) = st.note.split_once(": ").unwrap_or(("", &st.note));
        s.skip(&st.component, what, why);
        return Ok(());
    };
    match st.kind {
        StepKind::Interfaces => rewrite_interfaces(s, &st.component).await,
        StepKind::Wipe => match (&st.path, s.cfg.component(&st.component)) {
            (Some(dir), Some(c)) => super::wipe::wipe(s, &c.name.clone(), dir).await,
            _ => Ok(()),
        },
        StepKind::VerifyAddress => verify_address(s, &st.component).await,
        kind => s.run(&st.component, kind.as_str(), call.clone()).await,
    }
}

async fn rewrite_interfaces(s: &Session, component: &str) -> Result<()> {
    let Some(c) = s.cfg.component(component).cloned() else {
        return Ok(());
    };
    let Some(text) = s
        .read_text(&s.incus().file_pull(&c.name, INTERFACES))
        .await?
    else {
        s.skip(
            component,
            "interfaces",
            &format!("no {INTERFACES} to rewrite"),
        );
        return Ok(());
    };
    match interfaces::rewrite(&text, s.cfg.nic.as_str(), c.ip, &s.cfg.network) {
        None => {
            s.skip(component, "interfaces", "no static address to change");
            Ok(())
        }
        Some(new) => {
            let call = s.incus().file_push(&c.name, INTERFACES, new.into_bytes());
            s.run(component, "interfaces", call).await
        }
    }
}

/// The guard before a start: the instance's NIC carries its staging address.
pub async fn verify_address(s: &Session, component: &str) -> Result<()> {
    let Some(c) = s.cfg.component(component) else {
        return Ok(());
    };
    let list = super::host::parse_instances(&s.query(&s.incus().list()).await?)?;
    let have = list
        .iter()
        .find(|i| i.name == component)
        .and_then(|i| i.configured_address(s.cfg.nic.as_str()));
    if have.as_deref() == Some(c.ip.to_string().as_str()) {
        s.note(format!("✓ {component}: {} carries {}", s.cfg.nic, c.ip));
        return Ok(());
    }
    Err(PaasError::new(
        ErrorCode::ContextGuard,
        "stage_address",
        format!(
            "refusing to start {component}: its NIC {} does not carry the staging address {} (it has {})",
            s.cfg.nic,
            c.ip,
            have.unwrap_or_else(|| "none".into())
        ),
    )
    .with_target(&s.cfg.host_target)
    .with_remediation(format!(
        "a copy must never start with production's address; set it with `incus config device override {component} {} ipv4.address={} --project {}` or run `stage clone` again",
        s.cfg.nic, c.ip, s.cfg.project
    )))
}
