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
