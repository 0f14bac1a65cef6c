//! The doctor in the console: warnings apart from blocking failures (banner, `!` report), a
//! warning never refusing a gated action, and another tab's doctor mark cleared by its fix.

use super::*;
use crate::policy::doctor::{DoctorReport, fail, pass};

fn warn_only(ctx: &str) -> DoctorReport {
    DoctorReport::new(
        ctx,
        vec![
            pass(
                "state_permissions",
                "state directories are 0700 and files 0600",
            ),
            fail(
                "latest_backup_verified",
                "state bk-1 failed its last verification",
            )
            .with_fix("paasdeck --context prod-eu backup state"),
        ],
    )
}

fn blocking(ctx: &str) -> DoctorReport {
    DoctorReport::new(
        ctx,
        vec![fail("state_permissions", "config.json is 0644").with_fix("chmod 600 -- config.json")],
    )
}

fn done(app: &mut App, report: DoctorReport) {
    update(
        app,
        Action::DoctorDone {
            context: report.context.clone(),
            report: Box::new(report),
        },
    );
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_warning_shows_apart_from_failures_and_blocks_nothing() {
    let runner = TaskRunner::default();
    let mut app = app_with(false, false);
    done(&mut app, warn_only("prod-eu"));
    assert_eq!(
        app.contexts[0].doctor,
        DoctorState::Warn(vec!["latest_backup_verified".into()])
    );
    let text = screen(&render(&app, &runner, 160, 36));
    assert!(
        text.contains("doctor ok · warn: latest_backup_verified"),
        "{text}"
    );
    app.overlay = Overlay::Doctor {
        context: "prod-eu".into(),
        scroll: 0,
    };
    let text = screen(&render(&app, &runner, 160, 36));
    assert!(text.contains("no check blocks; 1 warning(s)"), "{text}");
    assert!(text.contains("WARN latest_backup_verified"), "{text}");
    assert!(
        text.contains("fix: paasdeck --context prod-eu backup state"),
        "{text}"
    );
    assert!(text.contains("OK   state_permissions"), "{text}");
    app.overlay = Overlay::None;

    // Every doctor-gated op goes exactly as far with a warning as with a passing doctor, and
    // a blocking failure refuses it.
    let gated: Vec<Op> = every_op("prod-eu")
        .into_iter()
        .filter(|op| op.verb().spec().doctor_gated)
        .collect();
    assert!(!gated.is_empty());
    let outcome = |state: DoctorState, op: &Op| {
        let mut app = app_with(false, false);
        app.contexts[0].doctor = state;
        let fx = request(&mut app, op.clone());
        // The message's level and text, not when it was shown.
        let flash = app.flash.as_ref().map(|f| (f.level, f.text.clone()));
        format!("{fx:?} {:?} {flash:?}", app.overlay)
    };
    for op in &gated {
        let ok = outcome(DoctorState::Ok, op);
        let warn = outcome(DoctorState::Warn(vec!["latest_backup_verified".into()]), op);
        assert_eq!(warn, ok, "{op:?}");
        let failed = outcome(DoctorState::Failed(vec!["state_permissions".into()]), op);
        assert_ne!(failed, ok, "{op:?}");
    }
}

#[test]
fn another_tabs_doctor_mark_goes_when_it_passes_again() {
    let mut app = app_with(false, false);
    assert_eq!(app.active_name(), "prod-eu");
    done(&mut app, blocking("dogfood"));
    assert!(app.trouble.contains_key("dogfood"));
    assert_eq!(
        app.contexts[1].doctor,
        DoctorState::Failed(vec!["state_permissions".into()])
    );
    done(&mut app, warn_only("dogfood"));
    assert!(!app.trouble.contains_key("dogfood"), "{:?}", app.trouble);
    // Trouble of another kind (a failed operation) stays until the tab is seen.
    app.trouble
        .insert("dogfood".into(), "deploy failed: unhealthy".into());
    done(&mut app, warn_only("dogfood"));
    assert!(app.trouble.contains_key("dogfood"));
}
