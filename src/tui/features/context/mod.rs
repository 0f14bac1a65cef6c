//! Contexts: the tab commands, what a switch resets and asks to read, a context's state and its
//! doctor report arriving.

pub mod doctor;
pub mod events;
pub mod snapshots;
pub mod switch;
pub mod update;
