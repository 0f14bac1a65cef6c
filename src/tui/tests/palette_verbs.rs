//! The palette carries every flag of `deploy`, `rollback`, `logs` and `deploy reconcile` into
//! the verb's input, and refuses by name a flag the console cannot honour.

use super::*;
use crate::tui::overlays::palette::parse::{PaletteCmd, parse};

fn op(line: &str) -> Op {
    let app = app_with(false, true);
    match parse(line, &app) {
        Ok(PaletteCmd::Op(op)) => op,
        other => panic!("{line}: {other:?}"),
    }
}

fn refusal(line: &str) -> String {
    let app = app_with(false, true);
    match parse(line, &app) {
        Err(e) => e,
        other => panic!("{line} was not refused: {other:?}"),
    }
}

#[test]
fn the_palette_carries_every_deploy_flag_into_the_plan_input() {
    let Op::Deploy(d) = op(
        "deploy --app api --compose-file other.yaml --max-parallel 2 --strategy rolling --rollback-on-failure false --health-timeout 90s --namespace blue",
    ) else {
        panic!()
    };
    assert_eq!(d.compose_file, Some(std::path::PathBuf::from("other.yaml")));
    assert!(!d.rollback_on_failure);
    assert_eq!(d.common.max_parallel, 2);
    assert_eq!(d.common.health_timeout, std::time::Duration::from_secs(90));
    assert_eq!(d.common.namespace, "blue");
    // a key press plans with the flags' defaults, the same the command line has
    assert_eq!(op("deploy --app api"), Op::deploy("api"));
    let Op::Rollback(r) =
        op("rollback --app api --to-release rel-20261123T100000-000000001 --targets edge-a")
    else {
        panic!()
    };
    assert_eq!(
        r.to_release.as_deref(),
        Some("rel-20261123T100000-000000001")
    );
    assert_eq!(r.common.targets, vec!["edge-a".to_string()]);
}

#[test]
fn the_palette_carries_the_logs_and_reconcile_flags() {
    let Op::Logs(l) = op("logs --app api --target edge-a --service web --tail 50 --since 1h")
    else {
        panic!()
    };
    assert_eq!(
        (l.tail, l.since.as_deref(), l.follow, l.service.as_deref()),
        (50, Some("1h"), false, Some("web"))
    );
    let Op::Logs(l) = op("logs --app api -f") else {
        panic!()
    };
    assert!(l.follow);
    let Op::Reconcile(r) =
        op("deploy reconcile --app api --targets edge-a --timeout 5s --remote-dir /srv/r")
    else {
        panic!()
    };
    assert_eq!(r.targets, vec!["edge-a".to_string()]);
    assert_eq!(r.timeout, std::time::Duration::from_secs(5));
    assert_eq!(r.remote_dir.as_deref(), Some("/srv/r"));
}

#[test]
fn the_palette_refuses_by_name_a_flag_the_console_cannot_honour() {
    let e = refusal("deploy lock status --app api");
    assert!(e.contains("--app"), "{e}");
    let e = refusal("backup run --app api --timeout 1h");
    assert!(e.contains("--timeout"), "{e}");
    let e = refusal("backup restore --from bk-1 --timeout=1h --force");
    assert!(e.contains("--timeout"), "{e}");
}

#[test]
fn the_palette_carries_a_resolve_note_and_an_alert_message() {
    let Op::IncidentResolve { note, .. } =
        op("incident resolve 20261124T120000.000000000Z-0123456789abcdef --note fixed-the-disk")
    else {
        panic!()
    };
    assert_eq!(note, "fixed-the-disk");
    let Op::AlertTest { severity, message } = op("alert test --severity critical --message hi")
    else {
        panic!()
    };
    assert_eq!((severity.as_str(), message.as_str()), ("critical", "hi"));
}

#[test]
fn the_palette_carries_the_alert_views_limit_and_refuses_the_other_narrowing_flags_by_name() {
    let history = |limit| {
        Op::AlertHistory(crate::verbs::oncall::HistoryInput {
            limit,
            severity: None,
        })
    };
    // The view shows 50 alerts unless the palette names `--limit` (the CLI's default is 20).
    assert_eq!(op("alert history"), history(50));
    assert_eq!(op("alert history --limit 5"), history(5));
    assert_eq!(op("alert history --limit 20"), history(20));
    for (line, flag) in [
        ("alert history --severity critical", "--severity"),
        ("incident list --status open", "--status"),
        ("incident list --all-contexts", "--all-contexts"),
    ] {
        let e = refusal(line);
        assert!(e.contains(flag), "{line}: {e}");
    }
    let app = app_with(false, true);
    assert_eq!(
        parse("incident list", &app),
        Ok(PaletteCmd::Cmd(crate::tui::core::keymap::Cmd::Incidents))
    );
}
