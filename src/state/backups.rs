//! The backups catalogue (`backups.json`, a paasdeck addition): what was backed up, when, how
//! big, and whether it was verified.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::state::fsio;
use crate::state::paths::ContextDir;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BackupsDoc {
    #[serde(default)]
    pub backups: Vec<BackupRecord>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BackupRecord {
    pub id: String,
    #[serde(default)]
    pub app: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verified_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub location: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub fn load(cd: &ContextDir) -> Result<BackupsDoc> {
    Ok(fsio::read_json(&cd.backups())?.unwrap_or_default())
}
