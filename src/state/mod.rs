//! The private state root: paths, context config, targets, apps, deployments, events, vault.
//! Synchronous code with no terminal and no network; every write goes through [`fsio`].

pub mod addons;
pub mod agents;
pub mod alerts;
pub mod apps;
pub mod backups;
pub mod bluegreen;
pub mod clock;
pub mod context;
pub mod deployments;
pub mod events;
pub mod fault;
pub mod foreign;
pub mod fsio;
pub mod ids;
pub mod incidents;
pub mod names;
pub mod paths;
pub mod releases;
pub mod repo;
pub mod restore_journal;
pub mod settings;
pub mod stage;
pub mod targets;
pub mod vault;

pub use paths::{ContextDir, RootSource, StateRoot};
