//! Deploys and rollbacks in the console: an app's release history, where a rollback is picked.

pub mod effects;
pub mod history;
