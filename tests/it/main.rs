//! The integration tests, one binary: each module drives the real `paasdeck` binary (or the
//! library) against temporary state roots, loopback sshds, tmux and the simulators.
//! A test's `unwrap` is its assertion: the crate-wide denial of unwrap, expect and panic is
//! for the product's code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod console_ack;

mod backup;
mod cli;
mod console_doctor;
mod console_first_run;
mod console_oncall;
mod console_paste;
mod console_tmux;
mod context_import;
mod deploy;
mod doctor_levels;
mod faults;
mod follow;
mod oncall;
mod remediation;
mod remote;
mod secrets_deploy;
mod separation;
mod si_root;
mod stage;
mod state_errors;
mod vault;
mod vault_identity;
