//! The console's first run: creating the first context on an empty root, the vault identity
//! made on the way to the first secret, forms that keep what was typed.

use super::*;

/// The console on an empty state root: no context at all.
fn empty_app() -> App {
    let mut app = app_with(false, true);
    app.contexts.clear();
    app
}

/// Opens the context form with `I`, names the context, picks `kind` and submits.
fn create_context(app: &mut App, name: &str, kind: &str) -> Vec<Effect> {
    update(app, key('I'));
    type_text(app, name);
    update(app, code(KeyCode::Tab));
    let ahead = super::super::update::CONTEXT_TYPES
        .iter()
        .position(|t| *t == kind)
        .unwrap();
    for _ in 0..ahead {
        update(app, code(KeyCode::Right));
    }
    let mut fx = Vec::new();
    for _ in 0..4 {
        fx = update(app, code(KeyCode::Enter));
    }
    fx
}

fn run_context(fx: &[Effect]) -> Option<(&str, &Op)> {
    fx.iter().find_map(|e| match e {
        Effect::Run { context, op } => Some((context.as_str(), op)),
        _ => None,
    })
}

#[test]
fn the_first_context_is_created_in_its_own_name_after_the_confirmation() {
    let mut app = empty_app();
    let fx = create_context(&mut app, "first", "internal-dogfood");
    assert!(fx.is_empty(), "a mutating action asks first: {fx:?}");
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no confirmation: {:?}", app.overlay);
    };
    assert_eq!(c.context, "first");
    assert_eq!(c.level, ConfirmLevel::Yes);
    let fx = update(&mut app, key('y'));
    let (context, op) = run_context(&fx).expect("context init runs");
    assert_eq!(context, "first", "never the empty context of an empty root");
    assert!(matches!(op, Op::ContextInit { name, .. } if name == "first"));
}

#[test]
fn a_context_not_created_yet_is_guarded_as_its_own_type() {
    // oss-demo asks nothing before a mutating action: the new context runs at once.
    let mut app = empty_app();
    let fx = create_context(&mut app, "demo-1", "oss-demo");
    let (context, _) = run_context(&fx).expect("oss-demo: no confirmation");
    assert_eq!(context, "demo-1");
    // A confirm override on the palette is the new context's level too.
    let mut app = empty_app();
    update(&mut app, key(':'));
    type_text(
        &mut app,
        "context init strict --type oss-demo --confirm type-name",
    );
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.is_empty(), "{fx:?}");
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no confirmation: {:?}", app.overlay);
    };
    assert_eq!(
        (c.context.as_str(), c.level),
        ("strict", ConfirmLevel::TypeName)
    );
}

/// The secret form filled in: `DB_URL`, every target, `s3cret`.
fn fill_secret_form(app: &mut App) {
    app.focus = Pane::Apps;
    update(app, key('S'));
    assert!(
        matches!(app.overlay, Overlay::Form(_)),
        "{:?} {:?}",
        app.overlay,
        app.flash
    );
    update(app, code(KeyCode::Tab));
    type_text(app, "DB_URL");
    update(app, code(KeyCode::Tab));
    update(app, code(KeyCode::Tab));
    type_text(app, "s3cret");
}

fn form_values(app: &App) -> (String, String) {
    let Overlay::Form(f) = &app.overlay else {
        panic!("no form: {:?}", app.overlay);
    };
    let value = f
        .field("value")
        .map(crate::tui::core::app::Field::raw)
        .unwrap_or_default();
    (f.value("name"), value)
}

#[test]
fn a_secret_without_a_vault_identity_offers_keygen_then_comes_back_as_typed() {
    let mut app = app_with(false, true);
    app.active = 3; // oss-demo: a mutating action is not asked, the offer still is
    app.identity_missing_at = Some("/home/op/.config/paasdeck/identity.txt".into());
    fill_secret_form(&mut app);
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.is_empty(), "nothing runs before the answer: {fx:?}");
    let Overlay::Confirm(c) = &app.overlay else {
        panic!("no offer: {:?}", app.overlay);
    };
    assert_eq!(c.op, Op::VaultKeygen);
    assert_eq!(c.level, ConfirmLevel::Yes);
    assert!(
        c.lines
            .iter()
            .any(|l| l
                == "no vault identity; create one now at /home/op/.config/paasdeck/identity.txt?"),
        "{:?}",
        c.lines
    );
    let fx = update(&mut app, key('y'));
    assert_eq!(
        run_context(&fx),
        Some(("public-demo", &Op::VaultKeygen)),
        "{fx:?}"
    );
    let lines = vec![
        "created your identity at /home/op/.config/paasdeck/identity.txt".to_string(),
        "recipient: age1example".to_string(),
    ];
    let fx = update(&mut app, Action::Keygen(Ok(lines)));
    assert!(fx.contains(&Effect::ProbeIdentity), "{fx:?}");
    assert_eq!(app.identity_missing_at, None);
    assert_eq!(form_values(&app), ("DB_URL".into(), "s3cret".into()));
    assert!(
        app.flash
            .as_ref()
            .unwrap()
            .text
            .contains("recipient: age1example")
    );
    // and the secret is set from the form that came back
    let fx = update(&mut app, code(KeyCode::Enter));
    let (_, op) = run_context(&fx).expect("secret set runs");
    assert!(
        matches!(op, Op::SetSecret { name, .. } if name == "DB_URL"),
        "{op:?}"
    );
}

#[test]
fn declining_the_keygen_offer_brings_the_secret_form_back() {
    let mut app = app_with(false, true);
    app.identity_missing_at = Some("/home/op/.config/paasdeck/identity.txt".into());
    fill_secret_form(&mut app);
    update(&mut app, code(KeyCode::Enter));
    assert!(matches!(app.overlay, Overlay::Confirm(_)));
    let fx = update(&mut app, key('n'));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(form_values(&app), ("DB_URL".into(), "s3cret".into()));
}

#[test]
fn vault_keygen_from_the_palette_asks_then_shows_what_it_created() {
    let mut app = app_with(false, true);
    app.active = 1; // internal-dogfood: mutating asks yes
    update(&mut app, key(':'));
    type_text(&mut app, "vault keygen");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(matches!(&app.overlay, Overlay::Confirm(c) if c.op == Op::VaultKeygen));
    let fx = update(&mut app, key('y'));
    assert_eq!(run_context(&fx), Some(("dogfood", &Op::VaultKeygen)));
    let lines = vec![
        "created your identity at /home/op/.config/paasdeck/identity.txt".to_string(),
        "recipient: age1example".to_string(),
    ];
    update(&mut app, Action::Keygen(Ok(lines.clone())));
    assert!(
        matches!(&app.overlay, Overlay::Info { lines: shown, .. } if *shown == lines),
        "{:?}",
        app.overlay
    );
}

#[test]
fn a_refused_submit_keeps_what_was_typed() {
    let mut app = app_with(true, true); // read-only contexts refuse every change
    update(&mut app, key('a'));
    type_text(&mut app, "edge-z");
    update(&mut app, code(KeyCode::Tab));
    type_text(&mut app, "203.0.113.9");
    update(&mut app, code(KeyCode::Tab));
    type_text(&mut app, "deploy");
    let mut fx = Vec::new();
    for _ in 0..5 {
        fx = update(&mut app, code(KeyCode::Enter));
    }
    assert!(
        matches!(fx.as_slice(), [Effect::AuditRefusal { .. }]),
        "the guard refused: {fx:?}"
    );
    let Overlay::Form(f) = &app.overlay else {
        panic!("the form was dropped: {:?}", app.overlay);
    };
    assert_eq!(f.value("name"), "edge-z");
    assert_eq!(f.value("host"), "203.0.113.9");
    assert!(
        f.error.as_deref().is_some_and(|e| e.contains("read-only")),
        "{:?}",
        f.error
    );
}

#[test]
fn the_palettes_secret_set_offers_keygen_too_and_keeps_the_value() {
    let mut app = app_with(false, true);
    app.identity_missing_at = Some("/home/op/.config/paasdeck/identity.txt".into());
    update(&mut app, key(':'));
    type_text(&mut app, "secret set --app api --name DB_URL");
    update(&mut app, code(KeyCode::Enter));
    // the form opens past the name, on the target; the value comes last
    update(&mut app, code(KeyCode::Tab));
    type_text(&mut app, "s3cret");
    let fx = update(&mut app, code(KeyCode::Enter));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(
        matches!(&app.overlay, Overlay::Confirm(c) if c.op == Op::VaultKeygen),
        "{:?}",
        app.overlay
    );
    update(&mut app, key('y'));
    update(
        &mut app,
        Action::Keygen(Ok(vec!["created your identity at X".into()])),
    );
    assert_eq!(form_values(&app), ("DB_URL".into(), "s3cret".into()));
}
