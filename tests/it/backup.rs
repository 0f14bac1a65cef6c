//! Backups end to end through the real binary (SPEC §12): state backups on temporary roots,
//! app backups over real loopback sshds whose fake `docker` emits a dump of the size a test
//! chooses and records the sha256 of what a restore received.

#[path = "backup/site.rs"]
mod site;

#[path = "backup/app.rs"]
mod app;
#[path = "backup/catalogue.rs"]
mod catalogue;
#[path = "backup/console.rs"]
mod console;
#[path = "backup/integrity.rs"]
mod integrity;
#[path = "backup/state.rs"]
mod state;
#[path = "backup/state_crash.rs"]
mod state_crash;
