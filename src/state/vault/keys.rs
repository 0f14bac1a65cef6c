//! Vault key names, as `si paas` spells them:
//! `PAAS__CTX_<CTX>__NS_<NS>__APP_<APP>__TARGET_<TARGET>__VAR_<NAME>`.

/// Upper-cases a key segment and turns every run of other characters into one `_`.
pub fn key_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_us = false;
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
            last_us = false;
        } else if !last_us {
            out.push('_');
            last_us = true;
        }
    }
    out.trim_matches('_').to_string()
}

/// Where a secret applies.
#[derive(Debug, Clone)]
pub struct SecretScope {
    pub context: String,
    pub namespace: String,
    pub app: String,
    pub target: String,
}

impl SecretScope {
    pub fn prefix(&self) -> String {
        format!(
            "PAAS__CTX_{}__NS_{}__APP_{}__TARGET_{}__",
            key_segment(&self.context),
            key_segment(if self.namespace.is_empty() {
                "default"
            } else {
                &self.namespace
            }),
            key_segment(&self.app),
            key_segment(if self.target.is_empty() {
                "global"
            } else {
                &self.target
            }),
        )
    }

    pub fn key(&self, name: &str) -> String {
        format!("{}VAR_{}", self.prefix(), key_segment(name))
    }
}

/// The segments of a managed key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyParts {
    pub context: String,
    pub namespace: String,
    pub app: String,
    pub target: String,
    pub name: String,
}

/// Splits `PAAS__CTX_<C>__NS_<N>__APP_<A>__TARGET_<T>__VAR_<V>` into its segments.
pub fn parse_key(key: &str) -> Option<KeyParts> {
    let rest = key.strip_prefix("PAAS__CTX_")?;
    let (context, rest) = rest.split_once("__NS_")?;
    let (namespace, rest) = rest.split_once("__APP_")?;
    let (app, rest) = rest.split_once("__TARGET_")?;
    let (target, name) = rest.split_once("__VAR_")?;
    Some(KeyParts {
        context: context.into(),
        namespace: namespace.into(),
        app: app.into(),
        target: target.into(),
        name: name.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_convention_matches_si() {
        let s = SecretScope {
            context: "default".into(),
            namespace: String::new(),
            app: "billing-api".into(),
            target: "edge-a".into(),
        };
        let key = s.key("stripe_api_key");
        assert_eq!(
            key,
            "PAAS__CTX_DEFAULT__NS_DEFAULT__APP_BILLING_API__TARGET_EDGE_A__VAR_STRIPE_API_KEY"
        );
        let parts = parse_key(&key).unwrap();
        assert_eq!(parts.app, "BILLING_API");
        assert_eq!(parts.name, "STRIPE_API_KEY");
        let g = SecretScope {
            target: String::new(),
            namespace: "production".into(),
            ..s
        };
        assert!(g.prefix().contains("__NS_PRODUCTION__"));
        assert!(g.prefix().ends_with("__TARGET_GLOBAL__"));
        assert_eq!(parse_key("OTHER_KEY"), None);
    }
}
