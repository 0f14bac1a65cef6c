//! The `:` palette's keys (what a line means is `tui/palette.rs`).

pub mod update;
