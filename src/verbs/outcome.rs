//! The one outcome of a verb.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::PaasError;

/// What a verb produced, for either front end: the headless adapter prints `body` as JSON or
/// `text` as text and exits 0 or 1 from `ok`; the console shows `summary` as the task's result.
#[derive(Debug, Default)]
pub struct Outcome {
    /// `false` for a command that ran and found problems (doctor, a failed check): exit 1.
    pub ok: bool,
    /// Top-level keys of the JSON document after `ok`, `command`, `context`, `mode`.
    pub body: Map<String, Value>,
    /// Human output.
    pub text: String,
    /// Fields recorded in the audit row (redacted on write).
    pub audit: Map<String, Value>,
    /// Why a report with `ok: false` failed, shown as the envelope's `error`.
    pub error: Option<PaasError>,
    /// One line for the console's task list (empty: the first line of `text`).
    pub summary: String,
    /// The headless exit code, when the command passes one on (an interactive shell's);
    /// `None`: 0 or 1 from `ok`.
    pub exit: Option<i32>,
}

impl Outcome {
    pub fn ok() -> Outcome {
        Outcome {
            ok: true,
            ..Default::default()
        }
    }

    pub fn set(mut self, key: &str, value: impl Serialize) -> Outcome {
        self.body.insert(key.to_string(), to_value(value));
        self
    }

    /// Sets a body key and records it in the audit row too.
    pub fn field(mut self, key: &str, value: impl Serialize) -> Outcome {
        let v = to_value(value);
        self.audit.insert(key.to_string(), v.clone());
        self.body.insert(key.to_string(), v);
        self
    }

    pub fn audit_only(mut self, key: &str, value: impl Serialize) -> Outcome {
        self.audit.insert(key.to_string(), to_value(value));
        self
    }

    /// `count` and `data` of a list command.
    pub fn list<T: Serialize>(mut self, rows: &[T]) -> Outcome {
        self.body.insert("count".into(), rows.len().into());
        self.body.insert(
            "data".into(),
            Value::Array(rows.iter().map(to_value).collect()),
        );
        self
    }

    pub fn text(mut self, text: impl Into<String>) -> Outcome {
        self.text = text.into();
        self
    }

    pub fn summary(mut self, line: impl Into<String>) -> Outcome {
        self.summary = line.into();
        self
    }

    /// The one line a console task ends with.
    pub fn headline(&self) -> String {
        if !self.summary.is_empty() {
            return self.summary.clone();
        }
        self.text.lines().next().unwrap_or_default().to_string()
    }

    pub fn failed_with(mut self, e: PaasError) -> Outcome {
        self.ok = false;
        self.error = Some(e);
        self
    }
}

pub fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A failure as the JSON object of the output contract (SPEC §2).
pub fn error_object(e: &PaasError) -> Value {
    serde_json::json!({
        "code": e.code.as_str(),
        "stage": e.stage,
        "target": e.target,
        "message": e.message,
        "remediation": e.remediation,
    })
}
