//! `stage shell`: a real terminal in a component through the simulator's interactive exec,
//! with the project named on the command and never switched to.

use super::lab::*;
use crate::common::Env;
use crate::common::tmux::{Tmux, console_env};

#[test]
fn stage_shell_is_an_interactive_incus_exec_in_the_staging_project() {
    let lab = Lab::ssh();
    lab.seed(&COMPONENTS);
    lab.configure(&stage_object(&COMPONENTS));
    lab.ok(&["stage", "init"]);
    lab.ok(&["stage", "clone", "--components", "system"]);
    lab.clear_calls();
    let mut vars = console_env(&lab.env);
    vars.push(("PAASDECK_SSH_CONFIG".into(), "/dev/null".into()));
    let shell = format!(
        "cd {} && {} --state-root {} --context stg stage shell system; echo PAASDECK-EXITED $?; sleep 60",
        lab.env.work.display(),
        Env::bin().display(),
        lab.env.root.display()
    );
    let tmux = Tmux::start(vars, 220, 30, &shell);
    tmux.wait_for("the announcement", |s| {
        s.contains("stage shell on") && s.contains("component system") && s.contains("context stg")
    });
    tmux.send("echo in-$INCUS_SIM_INSTANCE-$INCUS_SIM_PROJECT-$((6*7))");
    tmux.send_key("Enter");
    tmux.wait_for("the shell's answer", |s| {
        s.contains("in-system-STAGE-GBO-42")
    });
    tmux.send("exit 5");
    tmux.send_key("Enter");
    let screen = tmux.wait_for("paasdeck to exit", |s| s.contains("PAASDECK-EXITED"));
    assert!(screen.contains("PAASDECK-EXITED 5"), "{screen}");
    let calls = lab.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(
        calls[0][..6],
        ["exec", "--project", "STAGE-GBO", "system", "-t", "--"],
        "{calls:?}"
    );
    assert_every_call_names_a_project(&calls);
    let rows: Vec<_> = lab
        .audit()
        .into_iter()
        .filter(|r| r["command"] == "stage shell")
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["fields"]["component"], "system");
    assert_eq!(rows[0]["fields"]["project"], "STAGE-GBO");
    assert_eq!(rows[0]["fields"]["exit_code"], 5);
}

#[test]
fn stage_shell_refuses_an_unknown_component_and_a_read_only_context() {
    let lab = Lab::ssh();
    lab.configure(&stage_object(&COMPONENTS));
    let (code, doc, _) = lab.run(&["stage", "shell", "nosuch"]);
    assert_ne!(code, 0, "{doc:#}");
    assert!(
        doc["error"]["message"].as_str().unwrap().contains("nosuch"),
        "{doc:#}"
    );
    assert!(lab.calls().is_empty(), "{:?}", lab.calls());
    let p = lab.env.ctx_dir("stg").join("paasdeck.json");
    let mut settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    settings["read_only"] = true.into();
    std::fs::write(&p, settings.to_string()).unwrap();
    let (code, doc, _) = lab.run(&["stage", "shell", "system"]);
    assert_eq!(code, 2, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_CONTEXT_GUARD", "{doc:#}");
    assert!(lab.calls().is_empty(), "{:?}", lab.calls());
}
