//! Fault replays: output. Hostile operator input is refused; control bytes planted in state
//! files reach no terminal through any text printer; remote tools that print the `.env` (over a
//! real sshd) leave its values in no output, event, audit row or log.

use std::io::Read;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Env, stderr, stdout};

const HOSTILE: &str = "a\u{1b}]0;X\u{7}\u{1b}[2J";

/// What a terminal must never receive from text that paasdeck did not write: C0 controls other
/// than newline and tab, DEL, C1 controls (raw bytes or UTF-8 encoded), bidi overrides.
fn terminal_hostile(bytes: &[u8]) -> Option<String> {
    if let Some(b) = bytes
        .iter()
        .find(|&&b| (b < 0x20 && b != b'\n' && b != b'\t') || b == 0x7f)
    {
        return Some(format!("byte {b:#04x}"));
    }
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .find(|&c| {
            ('\u{80}'..='\u{9f}').contains(&c)
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        })
        .map(|c| format!("char {:?}", c))
}

fn assert_inert(what: &str, o: &Output) {
    for (stream, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        if let Some(bad) = terminal_hostile(bytes) {
            panic!(
                "{what}: {stream} holds {bad}:\n{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}

fn write_state(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn hostile_free_text_is_refused_at_input() {
    let env = Env::new();
    env.init("c", "oss-demo");
    std::fs::write(
        env.work.join("compose.yaml"),
        "services:\n  api:\n    image: x\n",
    )
    .unwrap();
    let before = std::fs::read(env.ctx_dir("c").join("targets.json")).ok();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["target", "add", "--name", "edge", "--host", "h.example"],
            "--labels",
        ),
        (
            vec!["deploy", "lock", "acquire", "--app", "api"],
            "--message",
        ),
        (
            vec![
                "app",
                "add",
                "--name",
                "api",
                "--compose-file",
                "compose.yaml",
            ],
            "--health-cmd",
        ),
        (vec!["target", "exec", "--targets", "all"], "remote command"),
    ];
    for (base, flag) in cases {
        let mut args = vec!["--context", "c"];
        args.extend(base.iter().copied());
        match flag {
            "--labels" => args.extend(["--user", "deploy", "--labels", HOSTILE]),
            "--message" => args.extend(["-m", HOSTILE]),
            "--health-cmd" => args.extend(["--health-cmd", HOSTILE]),
            _ => args.extend(["--", "printf", HOSTILE]),
        }
        let o = env.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("control character"), "{}", stderr(&o));
        assert_inert(flag, &o);
        let mut json = vec!["--json"];
        json.extend(args.iter().copied());
        let o = env.run(&json);
        assert_eq!(o.status.code(), Some(2));
        let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(doc["error"]["code"], "PAAS_INVALID_ARGUMENT");
        assert!(doc["error"]["message"].as_str().unwrap().contains(flag));
        assert_inert(flag, &o);
    }
    // Nothing was stored.
    assert_eq!(
        std::fs::read(env.ctx_dir("c").join("targets.json")).ok(),
        before
    );
    assert!(!env.ctx_dir("c").join("locks/deploy-api.json").exists());
    let apps = std::fs::read_to_string(env.ctx_dir("c").join("apps.json")).unwrap_or_default();
    assert!(!apps.contains("\"api\""), "{apps}");
    // Plain text is still welcome.
    env.ok_in(
        "c",
        &[
            "target",
            "add",
            "--name",
            "edge",
            "--host",
            "h.example",
            "--user",
            "deploy",
            "--labels",
            "eu,edge",
        ],
    );
}

/// Plants control bytes in targets.json, a deploy lock and an event row.
fn hostile_state(env: &Env) {
    env.init("c", "oss-demo");
    let cd = env.ctx_dir("c");
    let targets = serde_json::json!({
        "current_target": "edge",
        "targets": [{"name": "edge", "host": "127.0.0.1", "port": 22, "user": "deploy",
                     "auth_method": "local", "labels": [HOSTILE, "b\rc\u{9b}1m\u{202e}x", "t\tn\nl"]}]
    });
    write_state(&cd.join("targets.json"), &targets.to_string());
    let lock = serde_json::json!({
        "app": "api", "owner": "evil\u{1b}]0;owned\u{7}", "host": "h\r\u{7f}", "pid": 1,
        "message": format!("deploying {HOSTILE}\r\u{9b}2J"), "acquired_at": "2026-01-01T00:00:00Z",
        "heartbeat_at": "2026-01-01T00:00:00Z", "manual": true
    });
    write_state(&cd.join("locks/deploy-api.json"), &lock.to_string());
    let audit = std::fs::read_to_string(cd.join("events/audit.jsonl")).unwrap_or_default();
    let row = serde_json::json!({
        "timestamp": "2026-01-01T00:00:01.000000000Z", "context": "c", "source": "audit",
        "command": format!("target add{HOSTILE}"), "status": "failed", "severity": "critical",
        "operator": "x\u{7}@y", "target": "t\r", "message": format!("one\ntwo{HOSTILE}\r\u{9b}\u{202e}")
    });
    write_state(&cd.join("events/audit.jsonl"), &format!("{audit}{row}\n"));
    std::fs::write(
        env.work.join("compose.yaml"),
        "services:\n  api:\n    image: x\n",
    )
    .unwrap();
    env.ok_in(
        "c",
        &[
            "app",
            "add",
            "--name",
            "api",
            "--compose-file",
            "compose.yaml",
            "--targets",
            "edge",
        ],
    );
}

#[test]
fn control_bytes_in_state_reach_no_text_printer() {
    let env = Env::new();
    hostile_state(&env);
    let runs: Vec<(Vec<&str>, Option<&str>)> = vec![
        (vec!["target", "list"], Some("a\\e]0;X\\x07\\e[2J")),
        (vec!["deploy", "lock", "status"], Some("deploying a\\e]0;X")),
        (vec!["deploy", "lock", "status", "--app", "api"], None),
        (
            vec!["deploy", "--app", "api"],
            Some("note: the deploy lock"),
        ),
        (
            vec!["deploy", "--app", "api", "--apply"],
            Some("PAAS_DEPLOY_LOCKED"),
        ),
        (vec!["events", "list"], Some("one twoa\\e]0;X")),
        (vec!["events", "tail"], Some("target add")),
        (vec!["app", "list"], None),
        (vec!["app", "status", "api"], None),
        (vec!["context", "list"], None),
        (vec!["doctor"], None),
    ];
    for (args, expect) in runs {
        let mut all = vec!["--context", "c"];
        all.extend(args.iter().copied());
        let o = env.run(&all);
        assert_inert(&format!("{args:?}"), &o);
        let text = stdout(&o) + &stderr(&o);
        if let Some(e) = expect {
            assert!(text.contains(e), "{args:?}: {text}");
        }
        let mut json = vec!["--json"];
        json.extend(all.iter().copied());
        let o = env.run(&json);
        assert_inert(&format!("--json {args:?}"), &o);
        serde_json::from_slice::<Value>(&o.stdout)
            .unwrap_or_else(|e| panic!("--json {args:?}: {e}\n{}", stdout(&o)));
    }
    // The lock error names the hostile message escaped, on one line.
    let o = env.run(&["--context", "c", "deploy", "--app", "api", "--apply"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    let line = err
        .lines()
        .find(|l| l.starts_with("error[PAAS_DEPLOY_LOCKED]"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.contains("evil\\e]0;owned\\x07"), "{line}");
    assert!(
        line.contains("deploying a\\e]0;X\\x07\\e[2J\\r\\x9b2J"),
        "{line}"
    );
    // A one-line event stays one line.
    let o = env.run(&["--context", "c", "events", "list"]);
    let listed = stdout(&o);
    let row = listed.lines().find(|l| l.contains("one")).unwrap();
    assert!(
        row.contains("message=one twoa\\e]0;X\\x07\\e[2J\\r\\x9b\\u{202e}"),
        "{row}"
    );
    // Paths in errors and in `info` are printed escaped too.
    let hostile_dir = env.dir.path().join(format!("out{HOSTILE}"));
    let target = hostile_dir.join("export.json");
    let export = [
        "--context",
        "c",
        "context",
        "export",
        "--output",
        target.to_str().unwrap(),
    ];
    let o = env.run(&export);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("outa\\e]0;X\\x07"), "{}", stdout(&o));
    assert_inert("export to a hostile path", &o);
    // Again: the file exists, and the refusal names it.
    let o = env.run(&export);
    assert!(!o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("outa\\e]0;X\\x07"), "{}", stderr(&o));
    assert_inert("export refused at a hostile path", &o);
    let o = env
        .cmd()
        .env("SI_PAAS_STATE_ROOT", &hostile_dir)
        .args(["info"])
        .output()
        .unwrap();
    assert!(stdout(&o).contains("outa\\e]0;X\\x07"), "{}", stdout(&o));
    assert_inert("info under a hostile state root", &o);
    // Follow mode prints through the same sanitiser.
    for json in [false, true] {
        let mut args = vec!["--context", "c", "events", "tail", "--follow"];
        if json {
            args.insert(0, "--json");
        }
        // The tail prints the stored rows oldest first before it follows: once the newest
        // row's line is out, every stored row has been printed.
        let newest = env.ok_in("c", &["events", "list", "--limit", "1"])["data"][0]["command"]
            .as_str()
            .unwrap()
            .to_string();
        let mut child = env
            .cmd()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut out = Vec::new();
        let printed_all = |out: &[u8]| {
            let text = String::from_utf8_lossy(out);
            text.rfind(newest.as_str())
                .is_some_and(|at| text[at..].contains('\n'))
        };
        while !printed_all(&out) {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(chunk) => out.extend(chunk),
                Err(e) => panic!(
                    "events tail --follow printed {:?} then {e}",
                    String::from_utf8_lossy(&out)
                ),
            }
        }
        child.kill().unwrap();
        let _ = child.wait();
        assert!(String::from_utf8_lossy(&out).contains("target add"));
        if let Some(bad) = terminal_hostile(&out) {
            panic!("events tail --follow (json {json}) printed {bad}");
        }
    }
}

#[test]
fn failing_target_check_and_doctor_carry_the_error_object() {
    let env = Env::new();
    env.init("c", "oss-demo");
    let port = crate::common::sshd::free_port().to_string();
    env.ok_in(
        "c",
        &[
            "target",
            "add",
            "--name",
            "gone",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--user",
            "deploy",
        ],
    );
    let (code, doc) = env.json_in(
        "c",
        &["target", "check", "--target", "gone", "--timeout", "5s"],
    );
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["ok"], false);
    let e = &doc["error"];
    assert_eq!(e["code"], "PAAS_SSH_CONNECT_FAILED", "{doc:#}");
    assert_eq!(e["stage"], "tcp");
    assert_eq!(e["target"], "gone");
    assert!(e["message"].as_str().unwrap().contains("1 of 1 target(s)"));
    assert!(e["remediation"].as_str().unwrap().contains("target check"));
    assert_eq!(doc["data"][0]["status"], "failed");
    let o = env.run(&["--context", "c", "target", "check", "--target", "gone"]);
    assert!(
        stderr(&o).contains("error[PAAS_SSH_CONNECT_FAILED]"),
        "{}",
        stderr(&o)
    );

    // A group-readable state file fails the doctor's permission check.
    use std::os::unix::fs::PermissionsExt;
    let targets = env.ctx_dir("c").join("targets.json");
    std::fs::set_permissions(&targets, std::fs::Permissions::from_mode(0o644)).unwrap();
    for args in [
        vec!["--context", "c", "doctor"],
        vec!["doctor", "--all-contexts"],
    ] {
        let (code, doc) = env.json(&args);
        assert_eq!(code, 1, "{doc:#}");
        assert_eq!(doc["error"]["code"], "PAAS_DOCTOR_FAILED", "{doc:#}");
        assert_eq!(doc["error"]["stage"], "doctor");
        assert!(
            doc["error"]["message"]
                .as_str()
                .unwrap()
                .contains("state_permissions")
        );
        assert!(
            doc["error"]["remediation"]
                .as_str()
                .unwrap()
                .contains("doctor")
        );
    }
}

#[path = "output_env.rs"]
mod env_leak;
