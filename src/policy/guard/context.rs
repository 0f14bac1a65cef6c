//! What the guard knows about a context: its class (from type and name), banner tone,
//! confirmation levels and read-only flag, read from `config.json` and `paasdeck.json`.

use super::Danger;
use crate::error::Result;
use crate::state::context::ContextConfig;
use crate::state::paths::ContextDir;
use crate::state::settings::{self, GuardSettings};

/// A colour, kept free of any terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Red,
    Magenta,
    Yellow,
    Green,
    Blue,
    Cyan,
    Gray,
    White,
    Rgb(u8, u8, u8),
}

impl Tone {
    pub fn parse(s: &str) -> Option<Tone> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "red" => Tone::Red,
            "magenta" | "purple" => Tone::Magenta,
            "yellow" => Tone::Yellow,
            "green" => Tone::Green,
            "blue" => Tone::Blue,
            "cyan" => Tone::Cyan,
            "gray" | "grey" => Tone::Gray,
            "white" => Tone::White,
            hex if hex.starts_with('#') && hex.len() == 7 => {
                let p = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
                Tone::Rgb(p(1)?, p(3)?, p(5)?)
            }
            _ => return None,
        })
    }

    pub fn name(self) -> String {
        match self {
            Tone::Red => "red".into(),
            Tone::Magenta => "magenta".into(),
            Tone::Yellow => "yellow".into(),
            Tone::Green => "green".into(),
            Tone::Blue => "blue".into(),
            Tone::Cyan => "cyan".into(),
            Tone::Gray => "gray".into(),
            Tone::White => "white".into(),
            Tone::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        }
    }
}

/// What an operator must do before an action runs in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConfirmLevel {
    None,
    Yes,
    TypeName,
}

impl ConfirmLevel {
    pub fn parse(s: &str) -> Option<ConfirmLevel> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(ConfirmLevel::None),
            "yes" => Some(ConfirmLevel::Yes),
            "type-name" => Some(ConfirmLevel::TypeName),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmLevel::None => "none",
            ConfirmLevel::Yes => "yes",
            ConfirmLevel::TypeName => "type-name",
        }
    }
}

/// The SPEC §4 families a context type falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextClass {
    Production,
    InternalDogfood,
    Staging,
    OssDemo,
    Other,
}

impl ContextClass {
    pub fn of(name: &str, kind: &str) -> ContextClass {
        let kind = kind.trim().to_ascii_lowercase();
        // An existing context may be named in capitals (`Customer-ACME`): still a customer.
        let customer_name = name
            .get(..9)
            .is_some_and(|p| p.eq_ignore_ascii_case("customer-"));
        if kind == "production" || kind == "customer" || customer_name {
            ContextClass::Production
        } else {
            match kind.as_str() {
                "internal-dogfood" => ContextClass::InternalDogfood,
                "staging" => ContextClass::Staging,
                "oss-demo" => ContextClass::OssDemo,
                _ => ContextClass::Other,
            }
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            ContextClass::Production => Tone::Red,
            ContextClass::InternalDogfood => Tone::Magenta,
            ContextClass::Staging => Tone::Yellow,
            ContextClass::OssDemo => Tone::Green,
            ContextClass::Other => Tone::Blue,
        }
    }

    /// Default confirmation for (mutating, destructive).
    pub fn confirm(self) -> (ConfirmLevel, ConfirmLevel) {
        use ConfirmLevel::*;
        match self {
            ContextClass::Production | ContextClass::InternalDogfood | ContextClass::Other => {
                (Yes, TypeName)
            }
            ContextClass::Staging => (Yes, Yes),
            ContextClass::OssDemo => (None, Yes),
        }
    }
}

/// Everything the guard needs to know about a context.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextPolicy {
    pub name: String,
    pub kind: String,
    pub class: ContextClass,
    pub read_only: bool,
    pub tone: Tone,
    pub confirm_mutating: ConfirmLevel,
    pub confirm_destructive: ConfirmLevel,
}

impl ContextPolicy {
    /// Built from a config; a context without one is treated as the default type. A `confirm`
    /// override replaces both levels; an unreadable override falls back to the strictest level.
    pub fn new(name: &str, cfg: Option<&ContextConfig>) -> ContextPolicy {
        ContextPolicy::with_settings(name, cfg, &GuardSettings::default())
    }

    /// Built from `config.json` and `paasdeck.json` together (SPEC §3): `si paas` drops the
    /// guard keys when it rewrites `config.json`, so `paasdeck.json` holds them too, and the
    /// stricter of the two wins: read-only if either says so, the stricter confirmation
    /// override; the colour of `paasdeck.json` wins.
    pub fn with_settings(
        name: &str,
        cfg: Option<&ContextConfig>,
        settings: &GuardSettings,
    ) -> ContextPolicy {
        let kind = cfg
            .map(ContextConfig::kind)
            .unwrap_or_else(|| crate::state::context::DEFAULT_TYPE.to_string());
        let class = ContextClass::of(name, &kind);
        let (mut m, mut d) = class.confirm();
        let overrides = [
            cfg.map(|c| c.confirm.trim()).filter(|c| !c.is_empty()),
            settings.confirm.as_deref(),
        ];
        let level = overrides
            .into_iter()
            .flatten()
            .map(|c| ConfirmLevel::parse(c).unwrap_or(ConfirmLevel::TypeName))
            .max();
        if let Some(level) = level {
            m = level;
            d = level;
        }
        let tone = settings
            .color
            .as_deref()
            .and_then(Tone::parse)
            .or_else(|| cfg.and_then(|c| Tone::parse(&c.color)))
            .unwrap_or_else(|| class.tone());
        ContextPolicy {
            name: name.to_string(),
            kind,
            class,
            read_only: cfg.is_some_and(|c| c.read_only) || settings.read_only == Some(true),
            tone,
            confirm_mutating: m,
            confirm_destructive: d,
        }
    }

    /// The policy of an existing (or missing) context, read from both of its files.
    pub fn load(cd: &ContextDir) -> Result<ContextPolicy> {
        let cfg = if cd.exists() {
            crate::state::context::load(cd)?
        } else {
            None
        };
        let guard = if cd.exists() {
            settings::load(cd)?.guard()?
        } else {
            GuardSettings::default()
        };
        Ok(ContextPolicy::with_settings(
            cd.name(),
            cfg.as_ref(),
            &guard,
        ))
    }

    pub fn confirm_for(&self, danger: Danger) -> ConfirmLevel {
        match danger {
            Danger::Read => ConfirmLevel::None,
            Danger::Mutating => self.confirm_mutating,
            Danger::Destructive => self.confirm_destructive,
        }
    }
}
