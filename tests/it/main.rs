//! The integration tests, one binary: each module drives the real `paasdeck` binary (or the
//! library) against temporary state roots, loopback sshds, tmux and the simulators.
//! A test's `unwrap` is its assertion: the crate-wide denial of unwrap, expect and panic is
//! for the product's code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod backup;
mod cli;
mod console;
mod deploy;
mod engine;
mod faults;
mod remote;
mod shell;
mod si;
mod stage;
