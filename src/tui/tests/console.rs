//! Reducer tests for the console workflows: contexts, drill-ins, forms, keys.

use super::*;

#[test]
fn a_reload_and_the_follower_never_show_a_row_twice() {
    let mut app = app_with(false, true);
    let fresh = event(
        "2026-11-24T12:00:01.123456789Z",
        "critical",
        "failed",
        "deploy",
        "deploy",
        "edge-a",
        "health check failed",
    );
    let mut snap = snapshot();
    snap.events.insert(0, fresh.clone());
    update(
        &mut app,
        Action::Loaded {
            context: "prod-eu".into(),
            snapshot: Box::new(snap),
        },
    );
    update(
        &mut app,
        Action::EventsAppended {
            context: "prod-eu".into(),
            rows: vec![fresh.clone()],
        },
    );
    let n = app
        .visible_events()
        .iter()
        .filter(|e| ***e == fresh)
        .count();
    assert_eq!(n, 1);
    assert_eq!(app.visible_events().len(), 4);
}

#[test]
fn without_a_context_only_context_init_runs() {
    let mut app = app_with(false, true);
    app.contexts.clear();
    update(&mut app, key('a'));
    assert!(matches!(app.overlay, Overlay::None), "no form opens");
    assert!(app.flash.as_ref().unwrap().text.contains("no context yet"));
    for op in every_op("") {
        let init = matches!(op, Op::ContextInit { .. });
        let fx = request(&mut app, op.clone());
        if init {
            assert!(
                runs(&fx) || matches!(app.overlay, Overlay::Confirm(_)),
                "{op:?}"
            );
        } else {
            assert!(fx.is_empty(), "{op:?} went ahead without a context: {fx:?}");
            assert!(!matches!(app.overlay, Overlay::Confirm(_)), "{op:?}");
        }
        app.overlay = Overlay::None;
    }
}
