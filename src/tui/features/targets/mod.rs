//! The Targets pane: its commands (check, add, edit, remove, use, exec, bootstrap) and a check's
//! results arriving.

pub mod bootstrap;
pub mod update;
pub mod view;
