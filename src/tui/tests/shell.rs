//! Shells in the console's menus: the entry, its key, and the guard's refusal shown.

use super::*;

#[test]
fn menus_offer_a_shell_with_its_key_and_a_read_only_context_disables_it() {
    for (read_only, pane) in [
        (false, Pane::Targets),
        (false, Pane::Apps),
        (true, Pane::Targets),
        (true, Pane::Apps),
    ] {
        let mut app = app_with(read_only, true);
        app.focus = pane;
        update(&mut app, key('m'));
        let Overlay::Menu { items, .. } = &app.overlay else {
            panic!()
        };
        let shell = items
            .iter()
            .find(|i| i.label.starts_with("a shell"))
            .unwrap_or_else(|| panic!("{pane:?}: no shell entry"));
        assert_eq!(shell.key, "s");
        assert!(matches!(shell.op, Op::Shell(_)), "{:?}", shell.op);
        assert_eq!(
            shell
                .disabled
                .as_ref()
                .is_some_and(|d| d.contains("read-only")),
            read_only,
            "{pane:?}: {:?}",
            shell.disabled
        );
    }
}
