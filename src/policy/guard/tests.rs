//! The guard table and dispatcher, case by case.

use super::*;
use crate::state::context::ContextConfig;
use crate::state::settings::GuardSettings;

fn policy(name: &str, kind: &str, read_only: bool) -> ContextPolicy {
    let cfg = ContextConfig {
        name: name.parse().unwrap(),
        kind: kind.into(),
        read_only,
        ..Default::default()
    };
    ContextPolicy::new(name, Some(&cfg))
}

fn no_doctor() -> Vec<String> {
    Vec::new()
}

#[test]
fn table_is_complete_and_unique() {
    let mut seen = std::collections::HashSet::new();
    for v in Verb::ALL {
        assert!(seen.insert(v.command()), "duplicate {}", v.command());
    }
    assert_eq!(Verb::TargetExec.danger(), Danger::Destructive);
    assert_eq!(Verb::Rollback.danger(), Danger::Destructive);
    assert_eq!(Verb::ContextRemove.danger(), Danger::Destructive);
    assert_eq!(Verb::Deploy.danger(), Danger::Mutating);
    assert_eq!(Verb::TargetCheck.danger(), Danger::Read);
    // SPEC §5: backup state/run M, list/verify R, restore/prune D.
    for (v, d) in [
        (Verb::BackupState, Danger::Mutating),
        (Verb::BackupRun, Danger::Mutating),
        (Verb::BackupList, Danger::Read),
        (Verb::BackupVerify, Danger::Read),
        (Verb::BackupRestore, Danger::Destructive),
        (Verb::BackupPrune, Danger::Destructive),
    ] {
        assert_eq!(v.danger(), d, "{v:?}");
        assert!(v.command().starts_with("backup "));
    }
    // SPEC §6: plan/status R; init/clone/start/stop M; reset/exec/destroy D.
    for (v, d) in [
        (Verb::StagePlan, Danger::Read),
        (Verb::StageStatus, Danger::Read),
        (Verb::StageInit, Danger::Mutating),
        (Verb::StageClone, Danger::Mutating),
        (Verb::StageStart, Danger::Mutating),
        (Verb::StageStop, Danger::Mutating),
        (Verb::StageReset, Danger::Destructive),
        (Verb::StageExec, Danger::Destructive),
        (Verb::StageDestroy, Danger::Destructive),
        (Verb::StageConfigure, Danger::Mutating),
        (Verb::StageShow, Danger::Read),
    ] {
        assert_eq!(v.danger(), d, "{v:?}");
        assert!(v.command().starts_with("stage "));
    }
    // SPEC §6, §15.
    for (v, d) in [
        (Verb::Check, Danger::Read),
        (Verb::DeployReconcile, Danger::Read),
        (Verb::AlertSetupTelegram, Danger::Mutating),
        (Verb::AlertSetupWebhook, Danger::Mutating),
        (Verb::AlertPolicyShow, Danger::Read),
        (Verb::AlertPolicySet, Danger::Mutating),
        (Verb::AlertTest, Danger::Mutating),
        (Verb::AlertHistory, Danger::Read),
        (Verb::AlertAcknowledge, Danger::Mutating),
        (Verb::IncidentList, Danger::Read),
        (Verb::IncidentShow, Danger::Read),
        (Verb::IncidentResolve, Danger::Mutating),
        (Verb::IncidentAcknowledge, Danger::Mutating),
    ] {
        assert_eq!(v.danger(), d, "{v:?}");
    }
}

#[test]
fn read_only_refuses_every_non_read_verb_in_every_front_end() {
    for kind in [
        "production",
        "internal-dogfood",
        "staging",
        "oss-demo",
        "other",
    ] {
        let ctx = policy("c", kind, true);
        for &v in Verb::ALL {
            for fe in [Frontend::Console, Frontend::Headless { explicit: true }] {
                let got = check(v, &ctx, fe, false, "flag", &mut no_doctor);
                if v.danger() == Danger::Read || v.spec().root_scope || v.spec().operator_scope {
                    assert!(got.is_ok(), "{v:?}");
                } else {
                    let e = got.unwrap_err();
                    assert_eq!(e.code, ErrorCode::ContextGuard, "{v:?}");
                    assert_eq!(e.exit_code(), 2);
                }
            }
            // --write lifts it
            if v.danger() != Danger::Read && !v.spec().doctor_gated {
                check(
                    v,
                    &ctx,
                    Frontend::Headless { explicit: true },
                    true,
                    "flag",
                    &mut no_doctor,
                )
                .unwrap();
            }
        }
    }
}

#[test]
fn headless_mutation_needs_explicit_context() {
    let ctx = policy("oss", "oss-demo", false);
    let e = check(
        Verb::TargetAdd,
        &ctx,
        Frontend::Headless { explicit: false },
        false,
        "from current_context",
        &mut no_doctor,
    )
    .unwrap_err();
    assert!(e.message.contains("\"oss\""), "{}", e.message);
    assert_eq!(e.exit_code(), 2);
    assert_eq!(
        check(
            Verb::TargetList,
            &ctx,
            Frontend::Headless { explicit: false },
            false,
            "",
            &mut no_doctor
        )
        .unwrap(),
        Decision::Proceed
    );
}

#[test]
fn doctor_gate_only_for_gated_verbs() {
    let ctx = policy("p", "production", false);
    let mut failing = || vec!["state_root_outside_repo".to_string()];
    let e = check(
        Verb::SecretSet,
        &ctx,
        Frontend::Headless { explicit: true },
        false,
        "",
        &mut failing,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::DoctorBlocked);
    assert_eq!(e.exit_code(), 1);
    check(
        Verb::TargetAdd,
        &ctx,
        Frontend::Headless { explicit: true },
        false,
        "",
        &mut failing,
    )
    .unwrap();
}

#[test]
fn a_verb_is_not_blocked_by_the_check_it_fixes() {
    let ctx = policy("p", "production", false);
    let headless = Frontend::Headless { explicit: true };
    let mut only_vault = || vec!["vault_values_encrypted".to_string()];
    check(
        Verb::SecretEncrypt,
        &ctx,
        headless,
        false,
        "",
        &mut only_vault,
    )
    .unwrap();
    for gated in [Verb::SecretSet, Verb::Deploy, Verb::VaultRecipientAdd] {
        let e = check(gated, &ctx, headless, false, "", &mut only_vault).unwrap_err();
        assert_eq!(e.code, ErrorCode::DoctorBlocked, "{gated:?}");
    }
    let mut both = || {
        vec![
            "vault_values_encrypted".to_string(),
            "state_permissions".to_string(),
        ]
    };
    let e = check(Verb::SecretEncrypt, &ctx, headless, false, "", &mut both).unwrap_err();
    assert!(e.message.contains("state_permissions") && !e.message.contains("vault_values"));
}

#[test]
fn keygen_is_the_operators_own_and_needs_no_context() {
    let ro = policy("p", "production", true);
    let e = check(
        Verb::VaultKeygen,
        &ro,
        Frontend::Headless { explicit: false },
        false,
        "",
        &mut no_doctor,
    );
    assert_eq!(e.unwrap(), Decision::Proceed);
    let e = check(
        Verb::VaultRecipientAdd,
        &ro,
        Frontend::Headless { explicit: true },
        false,
        "",
        &mut no_doctor,
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::ContextGuard);
}

#[test]
fn console_confirmation_levels_per_class() {
    let cases = [
        (
            "production",
            Danger::Mutating,
            Decision::Confirm(ConfirmLevel::Yes),
        ),
        (
            "production",
            Danger::Destructive,
            Decision::Confirm(ConfirmLevel::TypeName),
        ),
        (
            "internal-dogfood",
            Danger::Destructive,
            Decision::Confirm(ConfirmLevel::TypeName),
        ),
        (
            "staging",
            Danger::Destructive,
            Decision::Confirm(ConfirmLevel::Yes),
        ),
        ("oss-demo", Danger::Mutating, Decision::Proceed),
        (
            "oss-demo",
            Danger::Destructive,
            Decision::Confirm(ConfirmLevel::Yes),
        ),
        (
            "whatever",
            Danger::Destructive,
            Decision::Confirm(ConfirmLevel::TypeName),
        ),
    ];
    for (kind, danger, want) in cases {
        let ctx = policy("c", kind, false);
        let verb = *Verb::ALL
            .iter()
            .find(|v| v.danger() == danger && !v.spec().doctor_gated)
            .unwrap();
        assert_eq!(
            check(verb, &ctx, Frontend::Console, false, "", &mut no_doctor).unwrap(),
            want,
            "{kind} {danger:?}"
        );
    }
}

#[test]
fn paasdeck_json_and_config_json_the_stricter_wins() {
    let cfg = |read_only: bool, confirm: &str, color: &str| ContextConfig {
        name: "p".parse().unwrap(),
        kind: "oss-demo".into(),
        read_only,
        confirm: confirm.into(),
        color: color.into(),
        ..Default::default()
    };
    let g = |read_only: Option<bool>, confirm: Option<&str>, color: Option<&str>| GuardSettings {
        read_only,
        confirm: confirm.map(String::from),
        color: color.map(String::from),
    };
    // si rewrote config.json: only paasdeck.json still says read-only
    let p =
        ContextPolicy::with_settings("p", Some(&cfg(false, "", "")), &g(Some(true), None, None));
    assert!(p.read_only);
    // either one is enough; false never lifts the other's true
    let p =
        ContextPolicy::with_settings("p", Some(&cfg(true, "", "")), &g(Some(false), None, None));
    assert!(p.read_only);
    // the stricter confirmation override, whichever file holds it
    for (a, b, want) in [
        ("none", Some("type-name"), ConfirmLevel::TypeName),
        ("type-name", Some("none"), ConfirmLevel::TypeName),
        ("", Some("yes"), ConfirmLevel::Yes),
        ("yes", None, ConfirmLevel::Yes),
    ] {
        let p = ContextPolicy::with_settings("p", Some(&cfg(false, a, "")), &g(None, b, None));
        assert_eq!(p.confirm_mutating, want, "{a} {b:?}");
        assert_eq!(p.confirm_destructive, want, "{a} {b:?}");
    }
    // colour: paasdeck.json wins, config.json next, the type's last
    let p = ContextPolicy::with_settings(
        "p",
        Some(&cfg(false, "", "red")),
        &g(None, None, Some("cyan")),
    );
    assert_eq!(p.tone, Tone::Cyan);
    let p = ContextPolicy::with_settings("p", Some(&cfg(false, "", "red")), &g(None, None, None));
    assert_eq!(p.tone, Tone::Red);
    let p = ContextPolicy::with_settings("p", Some(&cfg(false, "", "")), &g(None, None, None));
    assert_eq!(p.tone, Tone::Green);
}

#[test]
fn classes_and_overrides() {
    assert_eq!(
        ContextClass::of("customer-42", "oss-demo"),
        ContextClass::Production
    );
    let cfg = ContextConfig {
        name: "d".parse().unwrap(),
        kind: "oss-demo".into(),
        color: "#102030".into(),
        confirm: "type-name".into(),
        ..Default::default()
    };
    let p = ContextPolicy::new("d", Some(&cfg));
    assert_eq!(p.tone, Tone::Rgb(0x10, 0x20, 0x30));
    assert_eq!(p.confirm_mutating, ConfirmLevel::TypeName);
    let bad = ContextConfig {
        confirm: "maybe".into(),
        ..cfg
    };
    assert_eq!(
        ContextPolicy::new("d", Some(&bad)).confirm_mutating,
        ConfirmLevel::TypeName
    );
}

/// SPEC §18: a shell runs whatever is typed in it: destructive and remote, so a read-only
/// context refuses it and the console asks first.
#[test]
fn shells_are_destructive_remote_actions() {
    for v in [Verb::TargetShell, Verb::AppShell, Verb::StageShell] {
        assert_eq!(v.danger(), Danger::Destructive, "{v:?}");
        assert!(v.spec().remote, "{v:?}");
        assert!(v.command().ends_with(" shell"), "{v:?}");
        let ro = policy("prod", "production", true);
        let e = check(v, &ro, Frontend::Console, false, "", &mut no_doctor).unwrap_err();
        assert_eq!(e.code, ErrorCode::ContextGuard, "{v:?}");
        let staging = policy("stg", "staging", false);
        assert!(matches!(
            check(v, &staging, Frontend::Console, false, "", &mut no_doctor),
            Ok(Decision::Confirm(_))
        ));
    }
}
