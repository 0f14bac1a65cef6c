//! The console's `target bootstrap`: the same verb as headless, the password from the masked
//! form instead of an environment variable.

use crate::error::Result;
use crate::ops::bootstrap::{self, BootstrapSpec, Password};
use crate::ops::secrets::SecretValue;
use crate::verbs::{self, Outcome, Scope};

/// Installs the key and switches the target.
pub(in crate::tui) async fn run(
    scope: &Scope,
    target: &str,
    public_key: &str,
    password: &SecretValue,
) -> Result<Outcome> {
    let spec = BootstrapSpec {
        target: target.to_string(),
        password: Password::Typed(password.clone()),
        public_key: (!public_key.is_empty()).then(|| public_key.into()),
        timeout: bootstrap::DEFAULT_TIMEOUT,
    };
    verbs::targets::bootstrap(scope, &spec).await
}
