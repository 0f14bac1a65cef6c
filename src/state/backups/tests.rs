use super::*;
use crate::state::StateRoot;

fn row_json(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "kind": "app", "app": "api", "target": "edge-a",
        "release": "rel-20260217T020304-123456789",
        "started_at": "2026-02-17T02:03:04Z", "finished_at": "2026-02-17T02:03:09Z",
        "status": "ok", "bytes": 1200, "sha256": "a".repeat(64),
        "plaintext_bytes": 1000, "plaintext_sha256": "b".repeat(64),
        "recipients": ["sha256:0123456789abcdef"], "operator": "op@host",
        "path": format!("/srv/backups/{id}.age"), "verified_at": "", "verify": "never",
        "verify_detail": "", "note": "kept"
    })
}

#[test]
fn ids_have_one_shape() {
    for good in [
        "bk-20260217T020304-api-1a2b3c",
        "bk-20260217T020304-state-000000",
        "bk-20260217T020304-Billing.API_2-ffffff",
    ] {
        assert!(BackupId::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "bk-20260217T020304-api-1A2B3C",
        "bk-20260217T020304-../x-1a2b3c",
        "bk-20260217T020304--1a2b3c",
        "bk-2026021T020304-api-1a2b3c",
        "bk-20260217T020304-api-1a2b3",
        "../bk-20260217T020304-api-1a2b3c",
        "bk-20260217T020304-a/b-1a2b3c",
        "",
    ] {
        assert!(BackupId::parse(bad).is_err(), "{bad}");
    }
    let t = time::macros::datetime!(2026-02-17 02:03:04 UTC);
    let id = BackupId::new(t, "state").unwrap();
    assert!(id.as_str().starts_with("bk-20260217T020304-state-"), "{id}");
    assert_eq!(id.file_name(), format!("{id}.age"));
}

#[test]
fn rows_round_trip_and_keep_unknown_fields() {
    let v = row_json("bk-20260217T020304-api-1a2b3c");
    let row: BackupRow = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(row.kind, BackupKind::App);
    assert_eq!(row.app.as_deref(), Some("api"));
    assert_eq!(row.extra["note"], "kept");
    let back = serde_json::to_value(&row).unwrap();
    for key in [
        "id",
        "kind",
        "app",
        "target",
        "release",
        "started_at",
        "finished_at",
        "status",
        "bytes",
        "sha256",
        "plaintext_bytes",
        "plaintext_sha256",
        "recipients",
        "operator",
        "path",
        "verified_at",
        "verify",
        "verify_detail",
        "note",
    ] {
        assert_eq!(back[key], v[key], "{key}");
    }
}

#[test]
fn a_bad_value_fails_naming_file_and_field() {
    let t = tempfile::tempdir().unwrap();
    let cd = StateRoot::at(t.path()).context("shop").unwrap();
    std::fs::create_dir_all(cd.dir()).unwrap();
    let cases = [
        ("path", serde_json::json!("/srv/backups/../../etc/passwd")),
        ("path", serde_json::json!("/srv/backups/other.age")),
        ("sha256", serde_json::json!("not-hex")),
        ("started_at", serde_json::json!("yesterday")),
        ("release", serde_json::json!("../../x")),
        ("recipients", serde_json::json!(["age1secretlooking"])),
        ("id", serde_json::json!("bk-1")),
    ];
    for (field, value) in cases {
        let mut row = row_json("bk-20260217T020304-api-1a2b3c");
        row[field] = value;
        std::fs::write(
            cd.backups(),
            serde_json::to_string(&serde_json::json!({"backups": [row]})).unwrap(),
        )
        .unwrap();
        let e = load(&cd).unwrap_err();
        assert_eq!(e.code, ErrorCode::StateCorrupt, "{field}");
        assert!(e.message.contains("backups.json"), "{}", e.message);
        assert!(e.message.contains(field), "{field}: {}", e.message);
    }
}

#[test]
fn the_older_shape_reads_into_the_new_fields() {
    let old = serde_json::json!({"backups": [{
        "id": "bk-20260110T000000-api-0a0b0c", "app": "api", "target": "edge-a",
        "created_at": "2026-01-10T00:00:00Z", "size_bytes": 5000, "verified": true,
        "verified_at": "2026-01-10T01:00:00Z", "location": "s3://bucket/api/1"
    }]});
    let doc: BackupsDoc = serde_json::from_value(old).unwrap();
    let r = &doc.backups[0];
    assert_eq!(r.kind, BackupKind::App);
    assert_eq!(r.started_at, "2026-01-10T00:00:00Z");
    assert_eq!(r.bytes, 5000);
    assert_eq!(r.verify, VerifyState::Ok);
    assert_eq!(r.status, BackupStatus::Ok);
    assert_eq!(r.path, None);
    let back = serde_json::to_value(r).unwrap();
    assert_eq!(back["location"], "s3://bucket/api/1");
    assert_eq!(back["verify"], "ok");
    assert!(back.get("verified").is_none() && back.get("size_bytes").is_none());
}

#[test]
fn record_update_remove_under_the_lock() {
    let t = tempfile::tempdir().unwrap();
    let cd = StateRoot::at(t.path()).context("shop").unwrap();
    std::fs::create_dir_all(cd.dir()).unwrap();
    let a: BackupRow = serde_json::from_value(row_json("bk-20260217T020304-api-1a2b3c")).unwrap();
    let mut b = a.clone();
    b.id = BackupId::parse("bk-20260218T020304-api-2a2b3c").unwrap();
    b.started_at = "2026-02-18T02:03:04Z".into();
    b.path = Some(format!("/srv/backups/{}.age", b.id).into());
    record(&cd, a.clone()).unwrap();
    record(&cd, b.clone()).unwrap();
    let e = record(&cd, a.clone()).unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists, "{}", e.message);
    let doc = load(&cd).unwrap();
    assert_eq!(
        doc.newest_ok(&BackupGroup::App("api".into())).unwrap().id,
        b.id
    );
    let u = update(&cd, &a.id, |r| r.verify = VerifyState::Failed).unwrap();
    assert_eq!(u.verify, VerifyState::Failed);
    let gone = remove(&cd, std::slice::from_ref(&a.id)).unwrap();
    assert_eq!(gone.len(), 1);
    assert_eq!(load(&cd).unwrap().backups.len(), 1);
}
