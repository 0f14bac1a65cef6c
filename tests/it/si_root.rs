//! Opening a state root written by `si paas` and operating it as si would: the fixtures under
//! tests/fixtures/si are what si's own structs write (keys, order, modes); each module replays
//! one part of the move from si to paasdeck.

#[path = "si/addons.rs"]
mod addons;
#[path = "si/bootstrap.rs"]
mod bootstrap;
#[path = "si/doctor.rs"]
mod doctor;
#[path = "si/fixtures.rs"]
mod fixtures;
#[path = "si/state_files.rs"]
mod state_files;
#[path = "si/takeover.rs"]
mod takeover;
