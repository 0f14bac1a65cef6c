//! What a context file that is empty or cut short says: the file, and "empty" or "truncated"
//! with a real position — never serde's "column 0" of the line after the end.

use crate::common::Env;

fn corrupt_message(env: &Env, content: &[u8]) -> String {
    let path = env.ctx_dir("c").join("targets.json");
    std::fs::write(&path, content).unwrap();
    let (code, doc) = env.json_in("c", &["target", "list"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["error"]["code"], "PAAS_STATE_CORRUPT", "{doc}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        content,
        "the file was changed"
    );
    doc["error"]["message"].as_str().unwrap().to_string()
}

#[test]
fn an_empty_or_truncated_targets_file_is_named_and_said_to_be_empty_or_truncated() {
    let env = Env::new();
    env.init("c", "oss-demo");
    for empty in [&b""[..], b"\n", b"  \n\n"] {
        let msg = corrupt_message(&env, empty);
        assert!(msg.contains("targets.json"), "{msg}");
        assert!(msg.contains("is empty"), "{msg}");
        assert!(!msg.contains("column 0"), "{msg}");
    }
    let msg = corrupt_message(&env, b"{\"targets\": [\n  {\"name\": \"a\",\n");
    assert!(msg.contains("targets.json"), "{msg}");
    assert!(msg.contains("is truncated"), "{msg}");
    assert!(msg.contains("line 2, column 15"), "{msg}");
    assert!(!msg.contains("column 0"), "{msg}");
    let msg = corrupt_message(&env, b"{\"targets\": [");
    assert!(msg.contains("is truncated"), "{msg}");
    assert!(msg.contains("line 1, column 13"), "{msg}");
}
