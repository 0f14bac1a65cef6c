//! paasdeck: an operator console and headless CLI for a small self-hosted PaaS — Docker Compose
//! apps deployed over SSH onto VPS targets, in strictly separated contexts.
// One reviewed exception: `remote::ssh::master` starts ssh in a session of its own.
#![deny(unsafe_code)]

pub mod cli;
pub mod demo;
pub mod dirs;
pub mod error;
pub mod headless;
pub mod logging;
pub mod ops;
pub mod policy;
pub mod remote;
pub mod state;
pub mod tasks;
pub mod text;
pub mod tui;
pub mod verbs;
