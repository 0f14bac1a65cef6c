//! Acknowledging in the real console: an incident that raised no alert (a failed `target
//! check`) is acknowledged from the Incidents view with `A`, a note typed into the form, and
//! its row in `incidents.jsonl` says so.

use std::time::Duration;

use serde_json::Value;

use crate::common::Env;
use crate::common::sshd::eventually;
use crate::common::tmux::{console, first_line};

fn incident(env: &Env) -> Value {
    let text = std::fs::read_to_string(env.ctx_dir("c").join("events/incidents.jsonl"))
        .unwrap_or_default();
    text.lines()
        .next()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null)
}

#[test]
fn a_in_the_incidents_view_acknowledges_an_incident_without_an_alert_with_a_note() {
    let env = Env::new();
    env.init("c", "oss-demo");
    env.incident_without_alert("c");
    assert_eq!(incident(&env)["status"], "open");

    let tmux = console(&env, env.root.to_str().unwrap(), 160, 40);
    tmux.wait_for("the banner", |s| {
        first_line(s).contains("incidents open: c 1")
    });
    tmux.send("i");
    tmux.wait_for("the Incidents view", |s| s.contains("(1 open of 1)"));
    tmux.send("A");
    tmux.wait_for("the note form", |s| s.contains("Acknowledge incident"));
    tmux.send("checking the firewall");
    tmux.send_key("Enter");
    assert!(
        eventually(Duration::from_secs(30), || incident(&env)["status"]
            == "acknowledged"),
        "{:#}\n{}",
        incident(&env),
        tmux.capture(false)
    );
    let e = incident(&env);
    assert_eq!(e["note"], "checking the firewall", "{e:#}");
    assert!(!e["acknowledged_by"].as_str().unwrap().is_empty(), "{e:#}");
    assert!(!e["acknowledged_at"].as_str().unwrap().is_empty(), "{e:#}");
    tmux.wait_for("the row acknowledged and the task's note", |s| {
        s.lines()
            .any(|l| l.contains("○ c") && l.contains("acknowledged"))
            && s.contains("acknowledged")
            && s.contains("acknowledge incident")
    });
    tmux.send_key("Escape");
    tmux.send("q");
    tmux.wait_for("exit", |s| s.contains("PAASDECK-EXITED 0"));
    let audit = std::fs::read_to_string(env.ctx_dir("c").join("events/audit.jsonl")).unwrap();
    assert!(
        audit
            .lines()
            .any(|l| l.contains("\"incident acknowledge\"") && l.contains("succeeded")),
        "{audit}"
    );
}
