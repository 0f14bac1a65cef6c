//! Fault replays: output.
