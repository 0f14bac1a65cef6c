//! The `:` palette's keys (what a line means is `parse.rs`).

mod operations;
pub mod parse;
mod refusals;
pub mod update;
mod words;
