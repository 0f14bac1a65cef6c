//! The doctor reads the event history from its last verified position (the events checkpoint
//! under the context's private `paasdeck/` directory): a row appended after the checkpoint is
//! still checked, and a file replaced or shrunk since is read again from its first row.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{check, doctor, fix_and_recheck, secret_set};
use crate::common::Env;

const CTX: &str = "c";
const CLEAN: &str = "{\"context\":\"c\",\"source\":\"audit\",\"command\":\"target check\",\"status\":\"succeeded\",\"fields\":{\"target\":\"edge\"}}\n";

fn append(p: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn lines(p: &Path) -> usize {
    std::fs::read_to_string(p).unwrap().lines().count()
}

/// The audit file of a fresh context, with `n` clean rows more, verified by one doctor run.
fn verified_history(env: &Env, n: usize) -> std::path::PathBuf {
    env.init(CTX, "oss-demo");
    let audit = env.ctx_dir(CTX).join("events").join("audit.jsonl");
    append(&audit, &CLEAN.repeat(n));
    let (code, doc) = doctor(env, CTX);
    assert_eq!(code, 0, "{doc:#}");
    audit
}

#[test]
fn a_plaintext_secret_appended_after_the_checkpoint_is_found_and_blocks() {
    let env = Env::new();
    let audit = verified_history(&env, 500);
    let private = env.ctx_dir(CTX).join("paasdeck");
    let saved = private.join("events-checkpoint.json");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&private), 0o700);
    assert_eq!(mode(&saved), 0o600);
    let checkpoint = std::fs::read_to_string(&saved).unwrap();
    let n = lines(&audit);
    append(
        &audit,
        "{\"context\":\"c\",\"source\":\"audit\",\"command\":\"x\",\"fields\":{\"api_token\":\"tok-plain-9f8e\"}}\n",
    );
    let (code, doc) = doctor(&env, CTX);
    assert_eq!(code, 1, "{doc:#}");
    let c = check(&doc, "state_plaintext_secrets");
    assert_eq!(c["ok"], false, "{c:#}");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("audit.jsonl:{} (fields.api_token)", n + 1)),
        "{detail}"
    );
    assert!(!doc.to_string().contains("tok-plain-9f8e"));
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap(),
        checkpoint,
        "the checkpoint never moves past a failing row"
    );
    // Found again by the guard of the next change, and by every doctor until it is fixed.
    let (code, doc) = secret_set(&env, CTX);
    assert_ne!(code, 0, "{doc:#}");
    assert!(
        doc.to_string().contains("state_plaintext_secrets"),
        "{doc:#}"
    );
    fix_and_recheck(&env, CTX, "state_plaintext_secrets", "");
    assert!(
        !std::fs::read_to_string(&audit)
            .unwrap()
            .contains("tok-plain-9f8e")
    );
}

#[test]
fn a_replaced_or_shrunk_event_file_is_read_from_its_first_row() {
    let env = Env::new();
    let audit = verified_history(&env, 500);
    let foreign = "{\"context\":\"other\",\"source\":\"audit\",\"command\":\"deploy\"}\n";
    // Replaced (as an editor or `sed -i` does) by a longer file whose first row is foreign.
    let tmp = audit.with_extension("new");
    std::fs::write(&tmp, format!("{foreign}{}", CLEAN.repeat(600))).unwrap();
    std::fs::rename(&tmp, &audit).unwrap();
    let (code, doc) = doctor(&env, CTX);
    assert_eq!(code, 1, "{doc:#}");
    let c = check(&doc, "events_context_consistency");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains("audit.jsonl:1 names context other"),
        "{detail}"
    );
    fix_and_recheck(&env, CTX, "events_context_consistency", "");
    // Shrunk in place (same file), then a foreign row written at its start.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&audit)
        .unwrap();
    f.set_len(0).unwrap();
    append(&audit, &format!("{foreign}{CLEAN}"));
    let (_, doc) = doctor(&env, CTX);
    let c = check(&doc, "events_context_consistency");
    assert_eq!(c["ok"], false, "{c:#}");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains("audit.jsonl:1 names context other"),
        "{detail}"
    );
}
