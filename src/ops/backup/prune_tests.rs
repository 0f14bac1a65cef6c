use super::*;
use crate::state::backups::{BackupKind, BackupStatus, VerifyState};

/// A row of `who` started at `t` (RFC 3339).
pub(crate) fn row(who: &str, t: &str, ok: bool) -> BackupRow {
    let at = crate::state::clock::parse(t).unwrap();
    let id = BackupId::new(at, who).unwrap();
    BackupRow {
        path: Some(format!("/srv/backups/{id}.age").into()),
        id,
        context: None,
        kind: if who == "state" {
            BackupKind::State
        } else {
            BackupKind::App
        },
        app: (who != "state").then(|| who.parse().unwrap()),
        target: None,
        release: None,
        started_at: t.to_string(),
        finished_at: t.to_string(),
        status: if ok {
            BackupStatus::Ok
        } else {
            BackupStatus::Failed
        },
        bytes: 1,
        sha256: String::new(),
        plaintext_bytes: 1,
        plaintext_sha256: String::new(),
        recipients: vec![],
        operator: "op@host".into(),
        verified_at: String::new(),
        verify: VerifyState::Never,
        verify_detail: String::new(),
        error_code: String::new(),
        error_message: String::new(),
        extra: Default::default(),
    }
}

/// Daily backups of `who` at 02:00 UTC over the 120 days from 2026-02-01 to 2026-05-31, plus a
/// second one at 14:00 on the last day.
pub(crate) fn catalogue_120_days(who: &str) -> Vec<BackupRow> {
    let first = time::macros::date!(2026 - 02 - 01);
    let mut rows: Vec<BackupRow> = (0..120)
        .map(|i| {
            let d = first + time::Duration::days(i);
            row(who, &format!("{d}T02:00:00Z"), true)
        })
        .collect();
    rows.push(row(who, "2026-05-31T14:00:00Z", true));
    rows
}

/// What 7 daily / 4 weekly / 3 monthly keep of that catalogue, worked out by hand: the newest
/// of each of the last 7 days (31st at 14:00 down to the 25th), of the last 4 ISO weeks (the
/// weeks end on Sundays: 31 May, 24, 17, 10 May) and of the last 3 months (31 May, 30 April,
/// 31 March).
pub(crate) const KEPT_120: &[&str] = &[
    "2026-05-31T14:00:00Z",
    "2026-05-30T02:00:00Z",
    "2026-05-29T02:00:00Z",
    "2026-05-28T02:00:00Z",
    "2026-05-27T02:00:00Z",
    "2026-05-26T02:00:00Z",
    "2026-05-25T02:00:00Z",
    "2026-05-24T02:00:00Z",
    "2026-05-17T02:00:00Z",
    "2026-05-10T02:00:00Z",
    "2026-04-30T02:00:00Z",
    "2026-03-31T02:00:00Z",
];

fn kept_times(doc: &BackupsDoc, p: &PrunePlan, group: &str) -> Vec<String> {
    let mut v: Vec<String> = p
        .keep
        .iter()
        .filter_map(|k| doc.find(k.id.as_str()))
        .filter(|r| r.subject() == group)
        .map(|r| r.started_at.clone())
        .collect();
    v.sort();
    v.reverse();
    v
}

#[test]
fn a_120_day_catalogue_keeps_exactly_the_policys_set_per_group() {
    let mut rows = catalogue_120_days("api");
    rows.extend(catalogue_120_days("state"));
    rows.push(row("api", "2026-01-15T02:00:00Z", false));
    rows.push(row("api", "2026-05-31T03:00:00Z", false));
    let doc = BackupsDoc {
        backups: rows,
        ..Default::default()
    };
    let p = plan(&doc, Policy::default());
    assert_eq!(kept_times(&doc, &p, "state"), KEPT_120);
    let mut api = kept_times(&doc, &p, "api");
    assert!(
        api.contains(&"2026-05-31T03:00:00Z".to_string()),
        "a recent failure stays"
    );
    api.retain(|t| t != "2026-05-31T03:00:00Z");
    assert_eq!(api, KEPT_120);
    assert_eq!(p.keep.len() + p.remove.len(), doc.backups.len());
    assert!(
        p.remove
            .iter()
            .any(|r| r.started_at == "2026-01-15T02:00:00Z" && !r.is_ok()),
        "a failure older than everything kept goes"
    );
    let newest = p
        .keep
        .iter()
        .find(|k| doc.find(k.id.as_str()).unwrap().started_at == "2026-05-31T14:00:00Z")
        .unwrap();
    assert_eq!(newest.reasons, vec!["daily", "weekly", "monthly"]);
}

#[test]
fn flags_override_and_a_pause_never_keeps_less() {
    let doc = BackupsDoc {
        backups: catalogue_120_days("api"),
        ..Default::default()
    };
    let p = plan(&doc, policy(2, 0, 1).unwrap());
    assert_eq!(
        kept_times(&doc, &p, "api"),
        vec!["2026-05-31T14:00:00Z", "2026-05-30T02:00:00Z"]
    );
    // Only old backups (the job stopped in March): the last 7 days that have one are kept.
    let old = BackupsDoc {
        backups: catalogue_120_days("api")
            .into_iter()
            .filter(|r| r.started_at.as_str() < "2026-03-10")
            .collect(),
        ..Default::default()
    };
    let p = plan(&old, Policy::default());
    let kept = kept_times(&old, &p, "api");
    assert_eq!(kept[0], "2026-03-09T02:00:00Z");
    assert_eq!(
        kept.iter().filter(|t| t.as_str() >= "2026-03-03").count(),
        7
    );
    assert!(policy(0, 0, 0).is_err());
}
