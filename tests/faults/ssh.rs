//! Fault replays: ssh.
