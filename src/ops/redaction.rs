//! Which secret values a task's remote output is cleaned of before it is shown, stored or
//! logged: the values a deploy or rollback streams into the target's `.env`, an app's values on
//! a target for its logs, every value of the context's vault for `target exec`.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::error::Result;
use crate::policy::redact::ValueRedactor;
use crate::remote::{BoxFuture, ByteRequest, ExecRequest, LineSink, Transport};
use crate::state::context;
use crate::state::paths::ContextDir;
use crate::state::vault::identity::Lazy;
use crate::state::vault::{Vault, key_segment};

/// The context's own vault.
pub fn load_vault(cd: &ContextDir) -> Result<Vault> {
    Vault::load(&context::vault_path(cd))
}

/// The values of these keys, decrypted in memory with the operator's identity. A value that
/// cannot be decrypted here (no identity, another recipient's) is left out and logged: the
/// command still runs, and this operator could not have streamed that value anywhere.
fn values_of(cd: &ContextDir, vault: &Vault, keys: Vec<String>) -> Vec<String> {
    let mut ids = Lazy::new(cd.root_path());
    let mut out = Vec::new();
    for k in keys {
        match vault.reveal(&k, &mut ids) {
            Ok(Some(v)) => out.push(v),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(key = %k, "not redacting a value that cannot be decrypted: {}", e.code)
            }
        }
    }
    out
}

/// Every value of the context's vault: what `target exec` output is cleaned of, since an
/// ad-hoc command can print any file on the target.
pub fn every_value(cd: &ContextDir, vault: &Vault) -> ValueRedactor {
    ValueRedactor::new(values_of(cd, vault, vault.keys()))
}

/// The values an app can hold on a target, in any namespace: its values for that target and
/// its values for every target (`TARGET_GLOBAL`). A container that prints its environment in
/// its logs prints these and nothing else of the vault.
pub fn app_values(cd: &ContextDir, vault: &Vault, app: &str, target: &str) -> ValueRedactor {
    let (ctx, app, target) = (
        key_segment(cd.name()),
        key_segment(app),
        key_segment(target),
    );
    let keys: Vec<String> = vault
        .keys()
        .into_iter()
        .filter(|k| {
                // PAAS__CTX_<CTX>__NS_<NS>__APP_<APP>__TARGET_<T>__VAR_<NAME>
                let parts: Vec<&str> = k.split("__").collect();
                parts.len() == 6
                    && parts[0] == "PAAS"
                    && parts[1].strip_prefix("CTX_") == Some(ctx.as_str())
                    && parts[2].starts_with("NS_")
                    && parts[3].strip_prefix("APP_") == Some(app.as_str())
                    && matches!(parts[4].strip_prefix("TARGET_"), Some(t) if t == target || t == "GLOBAL")
                    && parts[5].starts_with("VAR_")
        })
        .collect();
    ValueRedactor::new(values_of(cd, vault, keys))
}

/// A transport whose every output line passes a redactor before any sink sees it, so a task
/// built on it cannot show, store or log a known value by forgetting to clean a line.
pub struct Redacting {
    inner: Arc<dyn Transport>,
    redactor: ValueRedactor,
}

impl Redacting {
    pub fn wrap(inner: Arc<dyn Transport>, redactor: ValueRedactor) -> Arc<dyn Transport> {
        if redactor.is_empty() {
            return inner;
        }
        Arc::new(Redacting { inner, redactor })
    }
}

impl Transport for Redacting {
    fn label(&self) -> &str {
        self.inner.label()
    }

    fn exec(
        &self,
        req: ExecRequest,
        sink: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>> {
        let sink = self.redactor.wrap(sink);
        self.inner.exec(req, sink, cancel)
    }

    /// Only stderr is cleaned: stdout is the byte stream itself (a dump), which is never shown.
    fn exec_bytes(
        &self,
        req: ByteRequest,
        stderr: LineSink,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<i32>> {
        let stderr = self.redactor.wrap(stderr);
        self.inner.exec_bytes(req, stderr, cancel)
    }

    fn alive(&self) -> BoxFuture<'_, bool> {
        self.inner.alive()
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        self.inner.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::redact::REDACTED;

    #[test]
    fn app_values_are_the_apps_own_for_that_target() {
        let t = tempfile::tempdir().unwrap();
        let cd = crate::state::StateRoot::at(t.path())
            .context("shop")
            .unwrap();
        let path = context::vault_path(&cd);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            "PAAS__CTX_SHOP__NS_DEFAULT__APP_API__TARGET_EDGE_A__VAR_TOKEN='edge-a-token'\n\
             PAAS__CTX_SHOP__NS_DEFAULT__APP_API__TARGET_GLOBAL__VAR_DB='global-db-url'\n\
             PAAS__CTX_SHOP__NS_BLUE__APP_API__TARGET_EDGE_A__VAR_X='blue-ns-value'\n\
             PAAS__CTX_SHOP__NS_DEFAULT__APP_API__TARGET_EDGE_B__VAR_TOKEN='edge-b-token'\n\
             PAAS__CTX_SHOP__NS_DEFAULT__APP_WEB__TARGET_GLOBAL__VAR_K='web-app-value'\n\
             OTHER_KEY='unscoped-value'\n",
        )
        .unwrap();
        let vault = load_vault(&cd).unwrap();
        let r = app_values(&cd, &vault, "api", "edge-a");
        let line =
            "edge-a-token global-db-url blue-ns-value edge-b-token web-app-value unscoped-value";
        assert_eq!(
            r.redact(line),
            format!("{REDACTED} {REDACTED} {REDACTED} edge-b-token web-app-value unscoped-value")
        );
        let all = every_value(&cd, &vault).redact(line).into_owned();
        assert_eq!(all.matches(REDACTED).count(), 6, "{all}");
    }
}
