//! `stage` end to end against the incus simulator (tests/fixtures/fake-incus) and a fake `df`:
//! over a real loopback sshd, and through a `local` target. The simulator records every incus
//! call's argv, keeps projects, networks, profiles and instances (with their files) as JSON,
//! and fails or ignores calls on demand.

mod clone;
mod console;
mod guards;
mod lab;
mod lifecycle;
mod security;
mod shell;
mod wipes;
