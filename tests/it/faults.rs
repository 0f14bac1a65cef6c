//! The fault suite: replays of the hostile-input and fault-injection findings (damaged state,
//! crashes at the wrong moment, hostile remote output, damaged known_hosts, torn tails, hostile
//! labels), each asserting the fixed behaviour. One module per area.

#[path = "faults/files.rs"]
mod files;
#[path = "faults/known_hosts.rs"]
mod known_hosts;
#[path = "faults/output.rs"]
mod output;
#[path = "faults/ssh.rs"]
mod ssh;
#[path = "faults/state.rs"]
mod state;
