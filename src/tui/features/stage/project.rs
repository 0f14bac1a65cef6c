//! The console's whole-project stage actions — `stage init`, `plan`, `destroy` and
//! `configure --show` — with what their confirmation (or a read's task) says before they run.
//! They run through the stage verb as the headless commands do.

use super::{StageAction, StageOp, StageView};
use crate::ops::stage::host::HostView;
use crate::ops::stage::incus::Incus;
use crate::ops::stage::plan;
use crate::state::stage::StageConfig;

/// The extra lines and the commands of a whole-project action on `cfg`; `instances` are the
/// instances the last reading found (what a destroy deletes).
pub fn describe(
    cfg: &StageConfig,
    action: StageAction,
    instances: &[String],
) -> (Vec<String>, Vec<String>) {
    let i = Incus::new(cfg);
    match action {
        StageAction::Init => {
            let steps = plan::init_steps(cfg, &HostView::default());
            (
                vec!["what exists already is skipped (`stage plan` shows what will run)".into()],
                steps
                    .iter()
                    .filter_map(|s| s.call.as_ref().map(|c| c.display()))
                    .collect(),
            )
        }
        StageAction::Plan => (
            vec![
                "reads the host and lists every command `stage init` and `stage clone` would run; changes nothing"
                    .into(),
            ],
            Vec::new(),
        ),
        StageAction::Show => (
            vec!["the stage object of paasdeck.json, as `stage configure --show` prints it".into()],
            Vec::new(),
        ),
        _ => {
            let mut lines = vec![format!(
                "deletes every instance of {}, its network {} and the project",
                cfg.project, cfg.network.name
            )];
            if instances.is_empty() {
                lines.push("instances at the last reading: none".into());
            } else {
                lines.push(format!(
                    "instances at the last reading: {}",
                    instances.join(", ")
                ));
            }
            let mut cmds: Vec<String> = instances
                .iter()
                .filter_map(|n| crate::state::stage::IncusName::parse(n, 63).ok())
                .map(|n| i.delete(&n).display())
                .collect();
            cmds.push(i.network_delete().display());
            cmds.push(i.project_delete().display());
            (lines, cmds)
        }
    }
}

/// The commands of a whole-project action (its extra lines appended to `lines`); components
/// named with it are refused.
pub fn commands(
    view: &StageView,
    cfg: &StageConfig,
    action: StageAction,
    named: &[String],
    lines: &mut Vec<String>,
) -> Result<Vec<String>, String> {
    if let Some(n) = named.first() {
        let title = StageOp {
            action,
            components: Vec::new(),
            lines: Vec::new(),
        }
        .title();
        return Err(format!("{title} acts on the whole project; leave {n} out"));
    }
    let instances: Vec<String> = view
        .status
        .iter()
        .flat_map(|s| s.rows.iter())
        .filter(|r| r.state != "missing")
        .map(|r| r.name.clone())
        .collect();
    let (more, cmds) = describe(cfg, action, &instances);
    lines.extend(more);
    Ok(cmds)
}
