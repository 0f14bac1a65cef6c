//! Atomic writes, appends and outputs.

use super::*;

#[test]
fn data_errors_never_quote_values() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        port: u16,
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.json");
    let err = parse_json::<T>(&p, r#"{"port": "hunter2"}"#).unwrap_err();
    assert_eq!(err.code, ErrorCode::StateCorrupt);
    assert!(!err.message.contains("hunter2"), "{}", err.message);
    assert!(err.message.contains("line 1, column"), "{}", err.message);
}

#[test]
fn truncated_document_names_line_and_column() {
    let p = Path::new("/x/targets.json");
    let err = parse_json::<serde_json::Value>(p, "{\n  \"targets\": [\n").unwrap_err();
    assert!(err.message.contains("/x/targets.json"));
    // Where the document stops (its last character), not serde's column 0 of the line after.
    assert!(err.message.contains("is truncated"), "{}", err.message);
    assert!(err.message.contains("line 2, column 14"), "{}", err.message);
    assert!(!err.message.contains("column 0"), "{}", err.message);
}

#[test]
fn an_empty_or_blank_document_is_called_empty() {
    let p = Path::new("/x/targets.json");
    for text in ["", " \n\n"] {
        let err = parse_json::<serde_json::Value>(p, text).unwrap_err();
        assert_eq!(err.code, ErrorCode::StateCorrupt);
        assert!(err.message.contains("/x/targets.json"), "{}", err.message);
        assert!(err.message.contains("is empty"), "{}", err.message);
        assert!(!err.message.contains("column"), "{}", err.message);
    }
}

#[test]
fn append_after_a_torn_tail_starts_a_fresh_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("events/audit.jsonl");
    append_jsonl(&p, &serde_json::json!({"n": 1})).unwrap();
    // A writer died mid-row: the file ends without a newline.
    let mut f = OpenOptions::new().append(true).open(&p).unwrap();
    f.write_all(b"{\"n\": 2, \"tor").unwrap();
    append_jsonl(&p, &serde_json::json!({"n": 3})).unwrap();
    append_jsonl(&p, &serde_json::json!({"n": 4})).unwrap();
    let text = fs::read_to_string(&p).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        vec![r#"{"n":1}"#, r#"{"n": 2, "tor"#, r#"{"n":3}"#, r#"{"n":4}"#]
    );
    assert!(text.ends_with('\n'));
}

#[test]
fn concurrent_appends_after_a_torn_tail_keep_every_row_whole() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.jsonl");
    fs::write(&p, b"{\"torn\": tr").unwrap();
    let writers = 8;
    let rows = 200;
    std::thread::scope(|s| {
        for w in 0..writers {
            let p = &p;
            s.spawn(move || {
                for i in 0..rows {
                    let pad = "x".repeat((w * 37 + i) % 300);
                    append_jsonl(p, &serde_json::json!({"w": w, "i": i, "pad": pad})).unwrap();
                }
            });
        }
    });
    let text = fs::read_to_string(&p).unwrap();
    let mut parsed = 0;
    let mut broken = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(_) => parsed += 1,
            Err(_) => broken.push(line.to_string()),
        }
    }
    assert_eq!(parsed, writers * rows, "every appended row is whole");
    assert_eq!(broken, vec![r#"{"torn": tr"#.to_string()]);
}

#[test]
fn a_failed_atomic_write_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    // Renaming a file over a non-empty directory fails after the temp file is written.
    let target = dir.path().join("doc.json");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("inside"), "x").unwrap();
    let err = write_json_atomic(&target, &serde_json::json!({"a": 1})).unwrap_err();
    assert_eq!(err.code, ErrorCode::StateIo);
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["doc.json"]);
}

#[test]
fn outputs_must_be_regular_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.json");
    assert!(!existing_output(&file, "t").unwrap());
    fs::write(&file, "x").unwrap();
    assert!(existing_output(&file, "t").unwrap());
    let err = existing_output(dir.path(), "t").unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.message.contains("a directory"), "{}", err.message);
    let link = dir.path().join("l");
    std::os::unix::fs::symlink(dir.path(), &link).unwrap();
    let err = existing_output(&link, "t").unwrap_err();
    assert!(err.message.contains("through a symlink"), "{}", err.message);
}

#[test]
fn non_utf8_names_the_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.json");
    std::fs::write(&p, b"{\n \"\xc3\xa9\xff\": 1}\n").unwrap();
    let err = read_json::<serde_json::Value>(&p).unwrap_err();
    assert_eq!(err.code, ErrorCode::StateCorrupt);
    assert!(err.message.contains("line 2, column 5"), "{}", err.message);
    assert!(err.message.contains("offset 6"), "{}", err.message);
}

#[test]
fn atomic_write_sets_0600_and_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sub/doc.json");
    write_json_atomic(&p, &serde_json::json!({"a": 1})).unwrap();
    write_json_atomic(&p, &serde_json::json!({"a": 2})).unwrap();
    let meta = fs::metadata(&p).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(
        fs::metadata(p.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), "{\n  \"a\": 2\n}\n");
    // no temp files left behind
    assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
}
