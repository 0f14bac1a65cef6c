//! The apps registry (`apps.json`, a paasdeck addition): what to deploy, where, and how to tell
//! it is healthy.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorCode, PaasError, Result};
use crate::state::deployments::{self, AppHistory, DeploymentsDoc};
use crate::state::ids::{AppName, RemoteDir, TargetName, empty_as_none};
use crate::state::paths::ContextDir;
use crate::state::{clock, fsio};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AppsDoc {
    #[serde(default)]
    pub apps: Vec<App>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One registered app. Its name, target names and remote directory pass the same rules as
/// `app add`'s flags on every read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct App {
    pub name: AppName,
    #[serde(default)]
    pub compose_file: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetName>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub health_cmd: String,
    #[serde(
        default,
        with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub remote_dir: Option<RemoteDir>,
    /// Run on the target in the current release directory; writes the app's dump to stdout.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub backup_cmd: String,
    /// Reads a dump on stdin and restores it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub restore_cmd: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub updated_at: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl App {
    /// An app with only its name and compose file.
    pub fn new(name: AppName, compose_file: String) -> App {
        App {
            name,
            compose_file,
            targets: Vec::new(),
            health_cmd: String::new(),
            remote_dir: None,
            backup_cmd: String::new(),
            restore_cmd: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            extra: Map::new(),
        }
    }
}

impl AppsDoc {
    pub fn find(&self, name: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

pub fn not_found(name: &str) -> PaasError {
    PaasError::new(
        ErrorCode::AppNotFound,
        "app_resolve",
        format!("app {name:?} is not registered in this context"),
    )
    .with_remediation("list apps with `paasdeck app list`, or register one with `app add`")
}

/// An app a context knows: registered in `apps.json`, or known only from its release history
/// in `deployments.json` (an app `si paas` deployed). `app list`, `context show` and the
/// console's Apps pane all list these.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownApp {
    /// The registered name, else the history key.
    pub name: String,
    pub entry: Option<App>,
    pub history: Option<AppHistory>,
}

impl KnownApp {
    pub fn registered(&self) -> bool {
        self.entry.is_some()
    }
}

/// Registered apps in registry order, then apps known only from the history, by key.
pub fn known(reg: &AppsDoc, hist: &DeploymentsDoc) -> Vec<KnownApp> {
    let mut out: Vec<KnownApp> = reg
        .apps
        .iter()
        .map(|a| KnownApp {
            name: a.name.to_string(),
            entry: Some(a.clone()),
            history: hist.app(&a.name).cloned(),
        })
        .collect();
    for (key, h) in &hist.apps {
        if !out
            .iter()
            .any(|k| deployments::app_key(&k.name) == key.as_str())
        {
            out.push(KnownApp {
                name: key.to_string(),
                entry: None,
                history: Some(h.clone()),
            });
        }
    }
    out
}

/// [`known`] from the context's files.
pub fn load_known(cd: &ContextDir) -> Result<Vec<KnownApp>> {
    Ok(known(&load(cd)?, &deployments::load(cd)?))
}

pub fn load(cd: &ContextDir) -> Result<AppsDoc> {
    Ok(fsio::read_json(&cd.apps())?.unwrap_or_default())
}

pub fn add(cd: &ContextDir, mut app: App) -> Result<usize> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.apps(), |doc: &mut AppsDoc| {
        if let Some(existing) = doc.find(&app.name) {
            return Err(PaasError::new(
                ErrorCode::AlreadyExists,
                "app_add",
                format!(
                    "app {:?} is already registered in context {:?}",
                    existing.name,
                    cd.name()
                ),
            )
            .with_remediation("choose another name, or remove the old app first"));
        }
        let now = clock::now_doc();
        app.created_at = now.clone();
        app.updated_at = now;
        doc.apps.push(app);
        Ok(doc.apps.len())
    })
}

/// Replaces a registered app's settings (matched by name), keeping `created_at` and unknown
/// fields.
pub fn replace(cd: &ContextDir, mut app: App) -> Result<()> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.apps(), |doc: &mut AppsDoc| {
        let slot = doc
            .apps
            .iter_mut()
            .find(|a| a.name.eq_ignore_ascii_case(&app.name))
            .ok_or_else(|| not_found(&app.name))?;
        app.name = slot.name.clone();
        app.created_at = slot.created_at.clone();
        app.updated_at = clock::now_doc();
        app.extra = std::mem::take(&mut slot.extra);
        *slot = app;
        Ok(())
    })
}

pub fn remove(cd: &ContextDir, name: &str) -> Result<(AppName, usize)> {
    let lock = cd.lock()?;
    fsio::update_doc(&lock, &cd.apps(), |doc: &mut AppsDoc| {
        let canonical = doc.find(name).ok_or_else(|| not_found(name))?.name.clone();
        doc.apps.retain(|a| a.name != canonical);
        Ok((canonical, doc.apps.len()))
    })
}
