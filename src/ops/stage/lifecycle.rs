//! `stage start|stop|reset|exec|destroy`: what they say, on the staging project only. A start
//! (and the start at the end of a reset) is refused while the instance lacks its staging
//! address; a reset stops the instance, empties its wipe directories while it is stopped
//! (keeping them), and starts it again.

use serde_json::{Map, Value};

use super::host::{HostView, Instance};
use super::run::verify_address;
use super::wipe::wipe;
use super::{Observe, Session};
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::stage::{Component, IncusName};

async fn view(s: &Session) -> Result<HostView> {
    let v = s.observe(Observe::default()).await?;
    if !v.project_exists {
        return Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "stage_resolve",
            format!("project {} does not exist on the host yet", s.cfg.project),
        )
        .with_remediation(
            "run `stage init` and `stage clone` first (`stage plan` shows what they do)",
        ));
    }
    Ok(v)
}

fn component<'a>(s: &'a Session, name: &str) -> Result<&'a Component> {
    s.cfg.component(name).ok_or_else(|| {
        PaasError::usage(
            "stage_components",
            format!(
                "{:?} is not a component of the stage",
                crate::text::sanitize_inline(name)
            ),
        )
        .with_remediation(
            "name a component as the stage object lists it (`stage configure --show`)",
        )
    })
}

fn cloned<'a>(s: &Session, v: &'a HostView, c: &Component) -> Result<&'a Instance> {
    v.instance(c.name.as_str()).ok_or_else(|| {
        PaasError::new(
            ErrorCode::InvalidArgument,
            "stage_resolve",
            format!("{} has not been cloned into {} yet", c.name, s.cfg.project),
        )
        .with_remediation(format!("run `stage clone --components {}`", c.name))
    })
}

fn done(key: &str, names: Vec<String>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(key.into(), names.into());
    m
}

pub async fn start(s: &Session, which: &[IncusName]) -> Result<Map<String, Value>> {
    let v = view(s).await?;
    let mut started = Vec::new();
    for name in which {
        let c = component(s, name.as_str())?;
        let inst = cloned(s, &v, c)?;
        if inst.running() {
            s.skip(c.name.as_str(), "start", "already running");
            continue;
        }
        verify_address(s, c.name.as_str()).await?;
        s.run(c.name.as_str(), "start", s.incus().start(&c.name))
            .await?;
        started.push(c.name.to_string());
    }
    Ok(done("started", started))
}

pub async fn stop(s: &Session, which: &[IncusName]) -> Result<Map<String, Value>> {
    let v = view(s).await?;
    let mut stopped = Vec::new();
    for name in which {
        let c = component(s, name.as_str())?;
        match v.instance(c.name.as_str()) {
            None => s.skip(c.name.as_str(), "stop", "not in the project"),
            Some(i) if !i.running() => s.skip(c.name.as_str(), "stop", "already stopped"),
            Some(_) => {
                s.run(c.name.as_str(), "stop", s.incus().stop(&c.name))
                    .await?;
                stopped.push(c.name.to_string());
            }
        }
    }
    Ok(done("stopped", stopped))
}

/// What a reset of `name` will run, for confirmation dialogs: stop, empty each wipe
/// directory (keeping it), start (the address is checked before the start).
pub fn reset_commands(s: &crate::state::stage::StageConfig, c: &Component) -> Vec<String> {
    let i = super::incus::Incus::new(s);
    let mut v = vec![i.stop(&c.name).display()];
    v.extend(
        s.wipe_paths(c)
            .iter()
            .flat_map(|p| i.wipe_display(&c.name, p)),
    );
    v.push(i.start(&c.name).display());
    v
}

pub async fn reset(s: &Session, name: &str) -> Result<Map<String, Value>> {
    let c = component(s, name)?.clone();
    let v = view(s).await?;
    let inst = cloned(s, &v, &c)?;
    let n = c.name.as_str();
    if inst.running() {
        s.run(n, "stop", s.incus().stop(&c.name)).await?;
    } else {
        s.skip(n, "stop", "already stopped");
    }
    let paths = s.cfg.wipe_paths(&c);
    if paths.is_empty() {
        s.skip(n, "wipe", "no wipe paths (data: keep, no always_wipe)");
    }
    for p in &paths {
        wipe(s, &c.name, p).await?;
    }
    verify_address(s, n).await?;
    s.run(n, "start", s.incus().start(&c.name)).await?;
    let mut m = done(
        "wiped",
        paths.iter().map(|p| p.as_str().to_string()).collect(),
    );
    m.insert("component".into(), n.into());
    Ok(m)
}

pub async fn exec(s: &Session, name: &str, command: &[String]) -> Result<Map<String, Value>> {
    let c = component(s, name)?.clone();
    let v = view(s).await?;
    if !cloned(s, &v, &c)?.running() {
        return Err(PaasError::new(
            ErrorCode::InvalidArgument,
            "stage_exec",
            format!(
                "{} is stopped; incus cannot run a command in a stopped instance",
                c.name
            ),
        )
        .with_remediation(format!(
            "start it with `stage start --components {}`",
            c.name
        )));
    }
    let (code, err) = s
        .attempt(c.name.as_str(), "exec", &s.incus().exec(&c.name, command))
        .await?;
    if code != 0 {
        return Err(PaasError {
            code: ErrorCode::RemoteCommandFailed,
            ..err
        });
    }
    let mut m = Map::new();
    m.insert("component".into(), c.name.as_str().into());
    m.insert("exit_code".into(), code.into());
    Ok(m)
}

/// Deletes every instance of the staging project, its network and the project itself.
pub async fn destroy(s: &Session) -> Result<Map<String, Value>> {
    let v = s
        .observe(Observe {
            infra: true,
            ..Default::default()
        })
        .await?;
    if !v.project_exists {
        s.skip(
            "",
            "destroy",
            &format!(
                "project {} does not exist; nothing to destroy",
                s.cfg.project
            ),
        );
        return Ok(done("deleted", Vec::new()));
    }
    let mut deleted = Vec::new();
    for inst in &v.instances {
        let name = inst.incus_name().ok_or_else(|| {
            PaasError::new(
                ErrorCode::RemoteCommandFailed,
                "stage_destroy",
                format!(
                    "project {} holds an instance named {:?}, which paasdeck will not put on a command line",
                    s.cfg.project,
                    crate::text::sanitize_inline(&inst.name)
                ),
            )
            .with_remediation("delete it on the host by hand, then run `stage destroy` again")
        })?;
        s.run(name.as_str(), "delete", s.incus().delete(&name))
            .await?;
        deleted.push(name.to_string());
    }
    if v.network_exists {
        s.run("", "delete_network", s.incus().network_delete())
            .await?;
    } else {
        s.skip(
            "",
            "network",
            &format!("{} does not exist", s.cfg.network.name),
        );
    }
    s.run("", "delete_project", s.incus().project_delete())
        .await?;
    Ok(done("deleted", deleted))
}
