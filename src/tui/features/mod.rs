//! The console's capabilities, one folder each: its commands and keys (update), what it draws
//! (view) and, where it has its own, its model. The reducer (`tui/update`) and the frame
//! (`tui/ui`) dispatch to them.

pub mod addons;
pub mod apps;
pub mod backup;
pub mod checklist;
pub mod context;
pub mod deploy;
pub mod oncall;
pub mod secrets;
pub mod shell;
pub mod stage;
pub mod targets;
