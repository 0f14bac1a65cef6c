//! Fault replays: state.
