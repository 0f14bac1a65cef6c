//! Opening a state root written by `si paas` and operating it as si would: the fixtures under
//! tests/fixtures/si are what si's own structs write (keys, order, modes); each module replays
//! one part of the move from si to paasdeck.

mod addons;
mod bluegreen;
mod bootstrap;
mod doctor;
mod ecies_deploy;
mod ecies_fixture;
mod ecies_vault;
mod fixtures;
mod state_files;
mod takeover;
