//! Validated names and ids. The command line and every state document produce the same types
//! (serde `try_from`), so a value that would be refused as a flag is refused when read back from
//! a file too, and nothing unvalidated reaches a path join or an argv.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{PaasError, Result};
use crate::state::names;

macro_rules! validated_string {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Checks `value` against the rule; the error is a usage error naming the rule.
            pub fn parse(value: impl Into<String>) -> Result<$name> {
                let value = value.into();
                $check(&value)?;
                Ok($name(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = PaasError;
            fn try_from(value: String) -> Result<$name> {
                $name::parse(value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = PaasError;
            fn try_from(value: &str) -> Result<$name> {
                $name::parse(value)
            }
        }

        impl FromStr for $name {
            type Err = PaasError;
            fn from_str(value: &str) -> Result<$name> {
                $name::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl From<&$name> for String {
            fn from(v: &$name) -> String {
                v.0.clone()
            }
        }

        impl From<$name> for serde_json::Value {
            fn from(v: $name) -> serde_json::Value {
                serde_json::Value::String(v.0)
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }
    };
}

validated_string!(
    /// A context name as it may appear on disk: one safe path component. Whether a name is also
    /// fit for a *new* context is [`ContextName::is_strict`]; the state root decides which of
    /// the two a command needs.
    ContextName,
    names::validate_context_component
);

validated_string!(
    /// A target's name (its id, matched case-insensitively).
    TargetName,
    names::validate_target
);

validated_string!(
    /// An app's name; also the key of its release history.
    AppName,
    names::validate_app
);

validated_string!(
    /// `rel-YYYYMMDDTHHMMSS-NNNNNNNNN`: never a path, never an option.
    ReleaseId,
    names::validate_release
);

validated_string!(
    /// A DNS name or an IP address; never starts with `-`, so ssh cannot read it as an option.
    Host,
    names::validate_host
);

validated_string!(
    /// A remote login name.
    User,
    names::validate_user
);

validated_string!(
    /// An absolute remote directory without `..`.
    RemoteDir,
    names::validate_remote_dir
);

validated_string!(
    /// A compose service name.
    ServiceName,
    names::validate_service
);

validated_string!(
    /// An add-on's name (`compose.addon.<name>.yaml`).
    AddonName,
    names::validate_addon
);

validated_string!(
    /// An image tag.
    ImageTag,
    names::validate_image_tag
);

validated_string!(
    /// A secret's variable name, which becomes an environment variable on the target.
    EnvName,
    names::validate_env_name
);

impl ContextName {
    /// The context every root has: `default`.
    pub fn default_context() -> ContextName {
        ContextName(names::DEFAULT_CONTEXT.to_string())
    }

    /// Whether the name follows the rule for new contexts (lowercase, 1-63 characters, ...).
    pub fn is_strict(&self) -> bool {
        names::validate_context(&self.0).is_ok()
    }
}

impl Default for ContextName {
    fn default() -> ContextName {
        ContextName::default_context()
    }
}

impl TargetName {
    /// The lowercased name (names match case-insensitively), for keys.
    pub fn to_lowercase_name(&self) -> TargetName {
        TargetName(self.0.to_ascii_lowercase())
    }
}

impl AppName {
    /// The key an app's history and bundles are stored under: the `si paas` path sanitiser,
    /// which keeps a valid name as it is except for trailing `-`, `_` or `.`.
    pub fn key(&self) -> AppName {
        AppName(names::sanitize_path_segment(&self.0))
    }
}

impl ReleaseId {
    /// The release id of a moment, with `n` as the nine-digit suffix.
    pub fn at(t: time::OffsetDateTime, n: u32) -> ReleaseId {
        let t = t.to_offset(time::UtcOffset::UTC);
        ReleaseId(format!(
            "rel-{:04}{:02}{:02}T{:02}{:02}{:02}-{:09}",
            t.year().clamp(0, 9999),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            n % 1_000_000_000
        ))
    }
}

/// An SSH port, 1-65535. A document without a `port` key means 22, as in `si paas`; a present
/// value outside the range is refused instead of being quietly replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u16")]
pub struct Port(u16);

impl Port {
    pub const SSH: Port = Port(22);

    pub fn new(port: i64) -> Result<Port> {
        match u16::try_from(port) {
            Ok(p) if p > 0 => Ok(Port(p)),
            _ => Err(PaasError::usage(
                "flag_validation",
                format!("port {port} is outside 1-65535"),
            )
            .with_remediation("give a TCP port between 1 and 65535 (ssh's default is 22)")),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl Default for Port {
    fn default() -> Port {
        Port::SSH
    }
}

impl TryFrom<i64> for Port {
    type Error = PaasError;
    fn try_from(v: i64) -> Result<Port> {
        Port::new(v)
    }
}

impl From<Port> for u16 {
    fn from(p: Port) -> u16 {
        p.0
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// `Option<T>` stored the way `si paas` stores "none": an empty string (or `null`). A present,
/// non-empty value must pass `T`'s rule.
pub mod empty_as_none {
    use std::fmt::Display;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer, T: AsRef<str>>(
        v: &Option<T>,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(v.as_ref().map(AsRef::as_ref).unwrap_or(""))
    }

    pub fn deserialize<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<String>,
        T::Error: Display,
    {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) if s.is_empty() => Ok(None),
            Some(s) => T::try_from(s).map(Some).map_err(D::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_rule_from_argv_and_from_json() {
        assert!(AppName::parse("../x").is_err());
        let e = serde_json::from_str::<AppName>(r#""../x""#).unwrap_err();
        assert!(e.to_string().contains("invalid app name"), "{e}");
        let ok: AppName = serde_json::from_str(r#""web""#).unwrap();
        assert_eq!(ok, "web");
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#""web""#);
        for (json, bad) in [
            (r#""-oProxyCommand=touch /tmp/x""#, true),
            (r#""10.0.0.1""#, false),
            (r#""a b""#, true),
        ] {
            assert_eq!(serde_json::from_str::<Host>(json).is_err(), bad, "{json}");
        }
        assert!(serde_json::from_str::<User>(r#""-l""#).is_err());
        assert!(serde_json::from_str::<RemoteDir>(r#""/opt/../etc""#).is_err());
        assert!(serde_json::from_str::<RemoteDir>(r#""relative""#).is_err());
        assert!(serde_json::from_str::<TargetName>(r#""a;b""#).is_err());
        assert!(serde_json::from_str::<ServiceName>(r#""$(id)""#).is_err());
        assert!(serde_json::from_str::<EnvName>(r#""1X""#).is_err());
    }

    #[test]
    fn release_ids_from_files() {
        let id: ReleaseId = serde_json::from_str(r#""rel-20260217T020304-123456789""#).unwrap();
        assert_eq!(id.as_str(), "rel-20260217T020304-123456789");
        for bad in [
            r#""../../../other/releases/web/rel-20260217T020304-123456789""#,
            r#""rel-1""#,
            r#""""#,
        ] {
            assert!(serde_json::from_str::<ReleaseId>(bad).is_err(), "{bad}");
        }
        let t = time::macros::datetime!(2026-02-17 02:03:04 UTC);
        assert_eq!(
            ReleaseId::at(t, 123_456_789).as_str(),
            "rel-20260217T020304-123456789"
        );
    }

    #[test]
    fn ports() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default)]
            port: Port,
        }
        let p = |j: &str| serde_json::from_str::<T>(j).map(|t| t.port.get());
        assert_eq!(p("{}").unwrap(), 22, "missing means 22");
        assert_eq!(p(r#"{"port": 2222}"#).unwrap(), 2222);
        assert_eq!(p(r#"{"port": 65535}"#).unwrap(), 65535);
        for bad in ["-1", "0", "70000", "\"22\"", "22.5", "null"] {
            assert!(p(&format!(r#"{{"port": {bad}}}"#)).is_err(), "{bad}");
        }
        assert_eq!(
            serde_json::to_string(&Port::new(2222).unwrap()).unwrap(),
            "2222"
        );
    }

    #[test]
    fn empty_strings_are_none() {
        #[derive(Serialize, Deserialize)]
        struct T {
            #[serde(default, with = "empty_as_none")]
            current: Option<ReleaseId>,
        }
        assert!(
            serde_json::from_str::<T>(r#"{"current": ""}"#)
                .unwrap()
                .current
                .is_none()
        );
        assert!(
            serde_json::from_str::<T>(r#"{"current": null}"#)
                .unwrap()
                .current
                .is_none()
        );
        assert!(serde_json::from_str::<T>("{}").unwrap().current.is_none());
        assert!(serde_json::from_str::<T>(r#"{"current": "../x"}"#).is_err());
        let t = T { current: None };
        assert_eq!(serde_json::to_string(&t).unwrap(), r#"{"current":""}"#);
    }

    #[test]
    fn context_names_strict_and_existing() {
        let legacy = ContextName::parse("ACME-Prod").unwrap();
        assert!(!legacy.is_strict());
        assert!(ContextName::parse("oss-demo").unwrap().is_strict());
        for bad in ["", "..", "a/b", "a\nb"] {
            assert!(ContextName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn app_keys() {
        assert_eq!(AppName::parse("web").unwrap().key(), "web");
        assert_eq!(AppName::parse("web-").unwrap().key(), "web");
        assert_eq!(AppName::parse("Billing.API").unwrap().key(), "Billing.API");
    }
}
