//! The console's forms and palette workflows: a context's and an app's form, bundle scrubbing,
//! a secret's removal and deploy locks, each through the guard.

use super::*;

#[test]
fn the_context_form_offers_every_setting_and_the_new_tab_opens() {
    let mut app = app_with(false, true);
    update(&mut app, key('I'));
    let Overlay::Form(f) = &app.overlay else {
        panic!()
    };
    assert_eq!(f.value("type"), crate::state::context::DEFAULT_TYPE);
    type_text(&mut app, "acme-prod");
    update(&mut app, code(KeyCode::Tab));
    update(&mut app, code(KeyCode::Right)); // production
    update(&mut app, code(KeyCode::Tab));
    update(&mut app, key(' ')); // read-only
    update(&mut app, code(KeyCode::Tab));
    update(&mut app, code(KeyCode::Right)); // red
    update(&mut app, code(KeyCode::Tab));
    let fx = update(&mut app, code(KeyCode::Enter));
    // creating a context is mutating: prod-eu's policy does not apply, the new one's does
    let op = match (&app.overlay, fx.first()) {
        (Overlay::Confirm(c), _) => c.op.clone(),
        (_, Some(Effect::Run { op, .. })) => op.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        op,
        Op::ContextInit {
            name: "acme-prod".into(),
            kind: "production".into(),
            read_only: true,
            color: "red".into(),
            confirm: String::new(),
        }
    );
    let mut views: Vec<ContextView> = app.contexts.clone();
    views.push(view("acme-prod", "production", true));
    update(&mut app, Action::ContextsLoaded(views));
    update(&mut app, Action::SwitchTo("acme-prod".into()));
    assert_eq!(app.active_name(), "acme-prod");
}

#[test]
fn the_app_form_picks_targets_from_the_list() {
    let mut app = app_with(false, true);
    app.active = 3; // oss-demo: registering runs at once
    app.focus = Pane::Apps;
    update(&mut app, key('a'));
    type_text(&mut app, "web");
    update(&mut app, code(KeyCode::Tab));
    type_text(&mut app, "/srv/web/compose.yaml");
    update(&mut app, code(KeyCode::Tab));
    update(&mut app, code(KeyCode::Right)); // edge-b
    update(&mut app, key(' '));
    // health, remote dir, backup and restore commands: Enter on the last field submits.
    for _ in 0..4 {
        update(&mut app, code(KeyCode::Tab));
    }
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Run { op: Op::AddApp(a), .. }
            if a.name == "web" && a.targets == vec!["edge-b".to_string()])),
        "{fx:?}"
    );
}

#[test]
fn the_palette_scrubs_bundle_env_files_through_the_guard() {
    let mut app = app_with(false, true);
    update(&mut app, key(':'));
    type_text(&mut app, "context scrub-bundles --apply");
    update(&mut app, code(KeyCode::Enter));
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {:?}", app.overlay)
    };
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("remove every .env file left in contexts/prod-eu/releases")),
        "{:?}",
        c.lines
    );
    let fx = update(&mut app, key('y'));
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::Run { op: Op::ScrubBundles, context } if context == "prod-eu")
        ),
        "{fx:?}"
    );
    // Without --apply it is a listing: the exact headless command answers.
    let err =
        crate::tui::overlays::palette::parse::parse("context scrub-bundles", &app).unwrap_err();
    assert!(
        err.contains("run it headless") && err.contains("context scrub-bundles"),
        "{err}"
    );
}

#[test]
fn d_in_the_secrets_view_removes_the_selected_value_through_the_guard() {
    use crate::ops::secrets::VarStatus;
    let mut app = app_with(false, true);
    let rows = vec![
        VarStatus {
            name: "DATABASE_URL".into(),
            required: true,
            global: true,
            targets: vec![],
        },
        VarStatus {
            name: "REGION".into(),
            required: true,
            global: false,
            targets: vec!["edge-a".into()],
        },
        VarStatus {
            name: "GREETING".into(),
            required: false,
            global: false,
            targets: vec![],
        },
    ];
    let open = |app: &mut App, selected: usize| {
        app.overlay = Overlay::Secrets {
            app: "api".into(),
            rows: rows.clone(),
            selected,
        };
    };
    // A variable without any value: nothing to remove, said so.
    open(&mut app, 2);
    let fx = update(&mut app, key('D'));
    assert!(fx.is_empty());
    assert!(matches!(app.overlay, Overlay::Secrets { .. }));
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("GREETING has no value")
    );
    // The every-target value, after the production dialog.
    open(&mut app, 0);
    update(&mut app, key('D'));
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no dialog: {:?}", app.overlay)
    };
    assert!(
        c.lines
            .iter()
            .any(|l| l.contains("remove secret DATABASE_URL of app api for every target")),
        "{:?}",
        c.lines
    );
    let fx = update(&mut app, key('y'));
    assert!(fx.iter().any(|e| matches!(e,
        Effect::Run { op: Op::UnsetSecret { name, target: None, .. }, .. } if name == "DATABASE_URL")));
    // A target's own value when there is no every-target one.
    open(&mut app, 1);
    update(&mut app, key('D'));
    let fx = update(&mut app, key('y'));
    assert!(fx.iter().any(|e| matches!(e,
        Effect::Run { op: Op::UnsetSecret { name, target: Some(t), .. }, .. }
        if name == "REGION" && t == "edge-a")));
}

#[test]
fn the_palette_shows_and_releases_deploy_locks() {
    let app = app_with(false, true);
    assert_eq!(
        crate::tui::overlays::palette::parse::parse("deploy lock status", &app).unwrap(),
        crate::tui::overlays::palette::parse::PaletteCmd::Op(Op::LockStatus)
    );
    assert_eq!(
        crate::tui::overlays::palette::parse::parse("deploy lock release --app api --force", &app)
            .unwrap(),
        crate::tui::overlays::palette::parse::PaletteCmd::Op(Op::LockRelease {
            app: "api".into(),
            force: true
        })
    );
    assert_eq!(
        crate::tui::overlays::palette::parse::parse(
            "secret unset --app api --target edge-a --name REGION",
            &app
        )
        .unwrap(),
        crate::tui::overlays::palette::parse::PaletteCmd::Op(Op::UnsetSecret {
            app: "api".into(),
            name: "REGION".into(),
            target: Some("edge-a".into())
        })
    );
}

#[test]
fn the_palette_carries_a_checks_flags_into_the_verbs_input() {
    let mut app = app_with(false, true);
    update(&mut app, key(':'));
    type_text(&mut app, "target check --all --parallel 3 --timeout 7s");
    let fx = update(&mut app, code(KeyCode::Enter));
    let input = fx
        .iter()
        .find_map(|e| match e {
            Effect::Run {
                op: Op::CheckTargets(c),
                ..
            } => Some(c.clone()),
            _ => None,
        })
        .expect("a check ran");
    assert_eq!(input.parallel, 3);
    assert_eq!(input.timeout, std::time::Duration::from_secs(7));
    assert_eq!(input.targets.len(), 2, "{input:?}");
    // a key press checks with the flags' defaults, the same the command line has
    update(&mut app, key(':'));
    type_text(&mut app, "target check --target edge-a");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Run { op: Op::CheckTargets(c), .. }
            if *c == crate::verbs::targets::CheckInput::of(vec!["edge-a".into()])
    )));
}

#[test]
fn the_palette_carries_the_doctors_all_contexts_flag() {
    let mut app = app_with(false, true);
    update(&mut app, key(':'));
    type_text(&mut app, "doctor --all-contexts");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::Run { op: Op::Doctor(d), .. } if d.all_contexts
        )),
        "{fx:?}"
    );
    // without the flag: the active context's doctor, in its own view
    update(&mut app, key(':'));
    type_text(&mut app, "doctor");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::Run { op: Op::Doctor(d), .. } if !d.all_contexts
        )),
        "{fx:?}"
    );
    assert!(matches!(app.overlay, Overlay::Doctor { .. }));
}

#[test]
fn the_palette_refuses_by_name_the_flags_the_console_cannot_honour() {
    let app = app_with(false, true);
    for (line, flag) in [
        ("context init acme --vault-file /tmp/v.env", "--vault-file"),
        ("context init acme --incus-project STAGE", "--incus-project"),
        ("context init acme --type staging --force", "--force"),
        (
            "secret set --app api --name DB_URL --target edge-a",
            "--target",
        ),
        (
            "secret set --app api --name DB_URL --namespace ns",
            "--namespace",
        ),
        (
            "secret unset --app api --name DB_URL --namespace ns",
            "--namespace",
        ),
        ("secret list --app api --target edge-a", "--target"),
        ("secret list --app api --namespace=ns", "--namespace"),
        ("events tail --lines 50", "--lines"),
        ("events tail -n 50", "-n"),
        ("events list --since 1h", "--since"),
        ("events list --limit 5", "--limit"),
        (
            "target bootstrap --target edge-a --password-env PW",
            "--password-env",
        ),
        ("target bootstrap --target edge-a --timeout 2m", "--timeout"),
    ] {
        let err = crate::tui::overlays::palette::parse::parse(line, &app).unwrap_err();
        assert!(
            err.starts_with(&format!("{flag} is not honoured by the console's")),
            "{line}: {err}"
        );
    }
    // the same commands without those flags run in the console
    for line in [
        "context init acme --type staging",
        "secret list --app api",
        "events tail",
        "target bootstrap --target edge-a",
    ] {
        assert!(
            crate::tui::overlays::palette::parse::parse(line, &app).is_ok(),
            "{line}"
        );
    }
}
