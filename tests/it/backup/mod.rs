//! Backups end to end through the real binary (SPEC §12): state backups on temporary roots,
//! app backups over real loopback sshds whose fake `docker` emits a dump of the size a test
//! chooses and records the sha256 of what a restore received; the si paas overview's flows and
//! `app reset` over the same sites (`overview.rs`).

mod site;

mod app;
mod catalogue;
mod console;
mod integrity;
mod overview;
mod state;
mod state_crash;
