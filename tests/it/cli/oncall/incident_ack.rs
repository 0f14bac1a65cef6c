//! `incident acknowledge`: an incident that raised no alert (a failed `target check`) is
//! acknowledged by its id, with the operator, the time and a note on its row and an audit row;
//! acknowledging it again says by whom; a resolved or unknown one is refused.

use serde_json::Value;

use crate::common::Env;

fn audit(env: &Env) -> Vec<Value> {
    super::lab::jsonl(&env.ctx_dir("c").join("events/audit.jsonl"))
}

#[test]
fn an_incident_without_an_alert_is_acknowledged_with_operator_time_and_note() {
    let env = Env::new();
    env.init("c", "oss-demo");
    env.incident_without_alert("c");
    let list = env.ok_in("c", &["incident", "list", "--status", "open"]);
    assert_eq!(list["count"], 1, "{list:#}");
    let id = list["data"][0]["incident"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let doc = env.ok_in(
        "c",
        &[
            "incident",
            "acknowledge",
            &id,
            "--note",
            "looking at the firewall",
        ],
    );
    assert_eq!(doc["status"], "acknowledged", "{doc:#}");
    assert_eq!(doc["already_acknowledged"], false);
    let shown = env.ok_in("c", &["incident", "show", &id]);
    let e = &shown["data"];
    assert_eq!(e["status"], "acknowledged", "{e:#}");
    assert_eq!(e["incident"]["status"], "acknowledged");
    assert_eq!(e["acknowledged_by"], doc["data"]["acknowledged_by"]);
    assert!(!e["acknowledged_at"].as_str().unwrap().is_empty(), "{e:#}");
    assert_eq!(e["note"], "looking at the firewall");
    let rows = audit(&env);
    let row = rows.last().unwrap();
    assert_eq!(row["command"], "incident acknowledge", "{row:#}");
    assert_eq!(row["status"], "succeeded", "{row:#}");
    assert!(!row["operator"].as_str().unwrap().is_empty(), "{row:#}");
    assert_eq!(e["acknowledged_by"], row["operator"], "{e:#}");

    // again: nothing changes, and it says who has it
    let again = env.ok_in("c", &["incident", "acknowledge", &id]);
    assert_eq!(again["already_acknowledged"], true);
    assert_eq!(again["data"]["acknowledged_at"], e["acknowledged_at"]);
    assert_eq!(again["data"]["note"], "looking at the firewall");

    // resolved: refused; unknown: not found
    env.ok_in("c", &["incident", "resolve", &id]);
    let (code, doc) = env.json_in("c", &["incident", "acknowledge", &id]);
    assert_eq!(code, 1, "{doc:#}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is resolved"),
        "{doc:#}"
    );
    let (code, doc) = env.json_in("c", &["incident", "acknowledge", "nope"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["error"]["code"], "PAAS_INCIDENT_NOT_FOUND");
    // mutating: an explicit --context is needed
    let (code, _) = env.json(&["incident", "acknowledge", &id]);
    assert_eq!(code, 2);
}
