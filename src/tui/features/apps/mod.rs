//! The Apps pane: its commands (register, edit, remove, deploy, roll back, logs, variables,
//! add-ons).

pub mod update;
pub mod view;
