//! The fault suite: replays of the hostile-input and fault-injection findings (damaged state,
//! crashes at the wrong moment, hostile remote output, damaged known_hosts, torn tails, hostile
//! labels), each asserting the fixed behaviour. One module per area.

mod files;
mod known_hosts;
mod output;
mod ssh;
mod state;
