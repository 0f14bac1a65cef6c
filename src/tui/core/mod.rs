//! What the whole console shares: the Actions and Effects the loop carries, the console's
//! state (`App`), what it knows of each context (`model`), the key table, the theme and the
//! panes. Plain data and its loaders; nothing here imports the reducer, the views or effects.

pub mod action;
pub mod app;
pub mod keymap;
pub mod model;
pub mod op;
pub mod pane;
pub mod theme;
