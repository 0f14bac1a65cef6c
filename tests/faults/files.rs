//! Fault replays: files.
