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
    let o = lab
        .cmd()
        .args(["--context", "stg", "stage", "shell", "nosuch"])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    let err = crate::common::stderr(&o);
    assert!(err.contains("nosuch"), "{err}");
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

#[test]
fn s_on_an_instances_row_opens_a_shell_in_the_component_and_comes_back() {
    let lab = Lab::ssh();
    lab.seed(&COMPONENTS);
    lab.configure(&stage_object(&COMPONENTS));
    lab.ok(&["stage", "init"]);
    lab.ok(&["stage", "clone", "--components", "system"]);
    lab.env.init("other", "oss-demo");
    lab.clear_calls();
    let mut vars = console_env(&lab.env);
    vars.push(("PAASDECK_SSH_CONFIG".into(), "/dev/null".into()));
    let shell = format!(
        "cd {} && {} --state-root {}; echo PAASDECK-EXITED $?; sleep 60",
        lab.env.work.display(),
        Env::bin().display(),
        lab.env.root.display()
    );
    let tmux = Tmux::start(vars, 160, 45, &shell);
    tmux.wait_for("the console", |s| s.contains("Targets"));
    for ctx in ["other", "stg"] {
        tmux.send(":");
        tmux.send(&format!("ctx {ctx}"));
        tmux.send_key("Enter");
        tmux.wait_for("the tab", |s| {
            crate::common::tmux::first_line(s).contains(&ctx.to_uppercase())
        });
    }
    tmux.wait_for("the Instances pane with system running", |s| {
        s.contains("Instances")
            && s.lines()
                .any(|l| l.contains("system") && l.contains("Running"))
    });
    for _ in 0..4 {
        tmux.send_key("Tab");
    }
    tmux.send("s");
    let dialog = tmux.wait_for("the shell's dialog", |s| {
        s.contains("stage shell") && s.contains("in context stg")
    });
    assert!(dialog.contains("on host gbo-host"), "{dialog}");
    tmux.send("y");
    tmux.wait_for("the shell", |s| s.contains("stage shell on"));
    tmux.send("echo in-$INCUS_SIM_INSTANCE-$INCUS_SIM_PROJECT-$((6*7))");
    tmux.send_key("Enter");
    tmux.wait_for("the component's answer", |s| {
        s.contains("in-system-STAGE-GBO-42")
    });
    tmux.send("exit 6");
    tmux.send_key("Enter");
    tmux.wait_for("the console back, with the exit code", |s| {
        s.contains("STG · STAGING") && s.contains("exited with status 6")
    });
    assert!(tmux.alternate_on());
    let calls = lab.calls();
    let exec: Vec<_> = calls.iter().filter(|c| c[0] == "exec").collect();
    assert_eq!(exec.len(), 1, "{calls:?}");
    assert_eq!(
        exec[0][..6],
        ["exec", "--project", "STAGE-GBO", "system", "-t", "--"]
    );
    assert_every_call_names_a_project(&calls);
}
