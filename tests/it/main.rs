//! The integration tests, one binary: each module drives the real `paasdeck` binary (or the
//! library) against temporary state roots, loopback sshds, tmux and the simulators.

mod common;

mod backup;
mod cli;
mod console_doctor;
mod console_oncall;
mod console_tmux;
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
mod vault;
mod vault_identity;
