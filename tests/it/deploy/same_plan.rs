//! The console and the headless CLI make the same plan and leave the same audit row for the
//! same `deploy` flags: the palette parses the words with the CLI's clap tree, carries every
//! flag into the verb's input, and runs the same planning and applying functions.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::Site;
use crate::common::tmux::{Tmux, console_env};
use crate::common::{Env, sshd};
use paasdeck::state::StateRoot;
use paasdeck::tui::core::app::App;
use paasdeck::tui::core::keymap::Keymap;
use paasdeck::tui::core::theme::Theme;
use paasdeck::tui::overlays::palette::parse::{self as palette, PaletteCmd};
use paasdeck::verbs;

/// Another compose file than the registered one: its bundle has another digest.
const OTHER: &str = "services:\n  api:\n    image: example/api:other\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n      API_TOKEN: ${API_TOKEN}\n";

/// The plan fields that do not depend on the moment of planning (the release id does).
const PLAN_FIELDS: [&str; 14] = [
    "app",
    "compose_sha256",
    "targets",
    "strategy",
    "max_parallel",
    "continue_on_error",
    "fanout_plan",
    "rollback_on_failure",
    "project",
    "remote_dir",
    "env_keys",
    "missing_env",
    "health_cmd",
    "health_timeout",
];

fn other_compose(site: &Site) -> String {
    let path = site.env.work.join("other.yaml");
    std::fs::write(&path, OTHER).unwrap();
    path.display().to_string()
}

/// The console's app on this state root, its `shop` tab active.
fn console_app(root: &Path) -> App {
    let root = StateRoot::at(root);
    let mut app = App::new(
        root.clone(),
        Keymap::defaults(),
        Theme::defaults(false),
        Vec::new(),
    );
    app.contexts = paasdeck::tui::core::model::load_contexts(&root).unwrap();
    app.active = app.contexts.iter().position(|c| c.name == "shop").unwrap();
    app
}

fn audit_rows(env: &Env) -> Vec<Value> {
    std::fs::read_to_string(env.ctx_dir("shop").join("events/audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn deploy_rows(env: &Env, frontend: &str) -> Vec<Value> {
    audit_rows(env)
        .into_iter()
        .filter(|r| r["command"] == "deploy" && r["fields"]["frontend"] == frontend)
        .collect()
}

#[test]
fn the_palette_plans_the_compose_file_it_is_given_as_headless_does() {
    let site = Site::new(1);
    let other = other_compose(&site);
    let (code, headless, _) = site.deploy(&["--compose-file", &other]);
    assert_eq!(code, 0, "{headless:#}");
    let (_, registered, _) = site.deploy(&[]);
    assert_ne!(
        headless["compose_sha256"], registered["compose_sha256"],
        "the given compose file makes another bundle than the registered one"
    );

    // The console: the palette line, the op it makes, the plan its effect makes.
    let app = console_app(&site.env.root);
    let line = format!("deploy --app api --compose-file {other}");
    let Ok(PaletteCmd::Op(op)) = palette::parse(&line, &app) else {
        panic!("{line}: {:?}", palette::parse(&line, &app));
    };
    let input = op.plan_input().unwrap();
    let scope = verbs::Scope {
        root: StateRoot::at(&site.env.root),
        context: "shop".into(),
        operator: "tester".into(),
        front: verbs::Front::Console,
        pool: Arc::new(paasdeck::ops::pool(
            &StateRoot::at(&site.env.root),
            std::time::Duration::from_secs(5),
        )),
        progress: verbs::Progress::quiet(),
    };
    let plan = verbs::deploy::plan(&scope, &input).unwrap();
    let console = plan.json();
    for k in PLAN_FIELDS {
        assert_eq!(console[k], headless[k], "{k}: {console:#}\n{headless:#}");
    }
    // The plan-only run of that input: its audit fields are the headless row's, field by
    // field, but for the front end and the release (each plan makes its own).
    let planned = verbs::deploy::planned(&scope, &plan).unwrap();
    let row = deploy_rows(&site.env, "headless")
        .into_iter()
        .find(|r| r["fields"]["release"] == headless["release"])
        .unwrap();
    let fields = row["fields"].as_object().unwrap();
    assert!(planned.audit.len() >= 4, "{:?}", planned.audit);
    assert_eq!(planned.audit["release"], console["release"]);
    for k in planned.audit.keys().chain(fields.keys()) {
        if k != "release" && k != "frontend" {
            assert_eq!(planned.audit.get(k), fields.get(k), "{k}: {row:#}");
        }
    }
}

#[test]
fn a_console_deploy_through_the_palette_applies_and_audits_as_headless_does() {
    let site = Site::of_type(1, "staging");
    let other = other_compose(&site);
    let (code, plan_only, _) = site.deploy(&["--compose-file", &other]);
    assert_eq!(code, 0, "{plan_only:#}");
    let (code, applied, _) = site.deploy(&["--compose-file", &other, "--apply"]);
    assert_eq!(code, 0, "{applied:#}");
    let headless = deploy_rows(&site.env, "headless").pop().unwrap();
    assert_eq!(headless["fields"]["release"], applied["release"]);

    let env = &site.env;
    let mut vars = console_env(env);
    vars.retain(|(k, _)| k != "PATH");
    vars.push(("USER".into(), "tester".into()));
    vars.push(("PAASDECK_SSH_CONFIG".into(), "/dev/null".into()));
    vars.push((
        "PATH".into(),
        format!(
            "{}:{}",
            site.sshds[0].fakebin.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    ));
    let shell = format!(
        "cd {} && {} --state-root {}; echo PAASDECK-EXITED $?; sleep 60",
        env.work.display(),
        Env::bin().display(),
        env.root.display()
    );
    let tmux = Tmux::start(vars, 160, 46, &shell);
    wait_long(&tmux, "the shop banner and its doctor", |s| {
        s.contains("SHOP") && s.contains("doctor ok")
    });
    tmux.send(":");
    tmux.send(&format!("deploy --app api --compose-file {other}"));
    tmux.send_key("Enter");
    wait_long(&tmux, "the plan to confirm", |s| {
        s.contains("Confirm in") && s.contains("deploy api release")
    });
    tmux.send("y");
    let done = sshd::eventually(std::time::Duration::from_secs(120), || {
        !deploy_rows(env, "console").is_empty()
    });
    assert!(done, "no console deploy row in {:#?}", audit_rows(env));
    let console = deploy_rows(env, "console").pop().unwrap();
    let release = console["fields"]["release"].as_str().unwrap().to_string();
    assert_ne!(Value::from(release.clone()), applied["release"]);
    // The console applied a bundle of the given file: the same digest as headless planned.
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(applied["bundle_dir"].as_str().unwrap())
                .with_file_name(&release)
                .join("release.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(meta["compose_sha256"], plan_only["compose_sha256"]);
    assert_eq!(meta["compose_sha256"], applied["compose_sha256"]);
    // The audit rows, field by field, but for the moment, the duration, the front end and the
    // release (each run plans its own).
    same_but(&headless, &console, &["timestamp", "duration_ms", "fields"]);
    same_but(
        &headless["fields"],
        &console["fields"],
        &["frontend", "release"],
    );
    assert!(
        console["fields"].as_object().unwrap().len() >= 6,
        "{console:#}"
    );
    assert_eq!(console["fields"]["frontend"], "console");
    assert_eq!(headless["fields"]["frontend"], "headless");
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
}

/// Two JSON objects with the same keys and values, but for `except`.
fn same_but(a: &Value, b: &Value, except: &[&str]) {
    let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
    for k in a.keys().chain(b.keys()) {
        if !except.contains(&k.as_str()) {
            assert_eq!(a.get(k), b.get(k), "{k}:\n{a:#?}\n{b:#?}");
        }
    }
}

/// Waits for the screen to show something, with room for a loaded machine.
fn wait_long(tmux: &Tmux, what: &str, cond: impl Fn(&str) -> bool) {
    let start = std::time::Instant::now();
    loop {
        let screen = tmux.capture(false);
        if cond(&screen) {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(120),
            "timed out waiting for {what}; screen:\n{screen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
