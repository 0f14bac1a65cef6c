//! The keys a vault's values need, each looked up the first time a value needs it and kept for
//! the rest: the operator's age identity for age values, si's keyring key for ECIES values.

use std::path::{Path, PathBuf};

use super::identity::{OperatorIdentity, require};
use super::keyring::{self, SiKey};
use super::si_ecies::PublicKey;
use crate::error::Result;

pub struct Lazy {
    state_root: PathBuf,
    loaded: Option<Result<OperatorIdentity>>,
    si: Option<Result<SiKey>>,
}

impl Lazy {
    pub fn new(state_root: &Path) -> Lazy {
        Lazy {
            state_root: state_root.to_path_buf(),
            loaded: None,
            si: None,
        }
    }

    /// Already known (tests, and callers that needed it anyway).
    pub fn with(id: OperatorIdentity) -> Lazy {
        Lazy {
            state_root: PathBuf::new(),
            loaded: Some(Ok(id)),
            si: None,
        }
    }

    /// The operator's age identity.
    pub fn get(&mut self) -> Result<&OperatorIdentity> {
        let root = &self.state_root;
        self.loaded
            .get_or_insert_with(|| require(root))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// si's keyring key for the vault's public key `want` (any of its keys when the vault
    /// names none).
    pub fn si_key(&mut self, want: Option<&PublicKey>) -> Result<&SiKey> {
        let root = &self.state_root;
        self.si
            .get_or_insert_with(|| keyring::load(want, root))
            .as_ref()
            .map_err(Clone::clone)
    }
}
