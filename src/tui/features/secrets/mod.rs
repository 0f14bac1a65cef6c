//! An app's secrets: the variables view's keys and, on the way to a first secret, the vault
//! identity (`vault keygen`).

pub mod keygen;
pub mod update;
