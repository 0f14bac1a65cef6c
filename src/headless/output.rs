//! The output contract (SPEC §2): one JSON document on stdout with `--json`, human text
//! otherwise, errors as `error[CODE]: message` / `hint: remediation` on stderr. Every text this
//! module prints passes the terminal sanitiser; JSON stays escaped by serde.

use std::io::Write;

use serde_json::{Map, Value};

pub use crate::verbs::Outcome as Report;
pub use crate::verbs::{error_object, table, to_value};

use crate::error::PaasError;
use crate::text::{sanitize, sanitize_inline};

fn envelope(ok: bool, command: &str, context: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ok".into(), ok.into());
    m.insert("command".into(), command.into());
    m.insert("context".into(), context.into());
    m.insert("mode".into(), "live".into());
    m
}

fn print_json(doc: &Map<String, Value>) {
    let mut out = std::io::stdout().lock();
    let text =
        crate::text::inert_json(serde_json::to_string_pretty(doc).unwrap_or_else(|_| "{}".into()));
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

pub fn print_report(json: bool, command: &str, context: &str, report: &Report) {
    if json {
        let mut doc = envelope(report.ok, command, context);
        if let Some(e) = &report.error {
            doc.insert("error".into(), error_object(e));
        }
        doc.extend(report.body.clone());
        print_json(&doc);
    } else if !report.text.is_empty() {
        let text = sanitize(&report.text);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }
}

pub fn print_error(json: bool, command: &str, context: &str, e: &PaasError) {
    if json {
        let mut doc = envelope(false, command, context);
        doc.insert("error".into(), error_object(e));
        print_json(&doc);
    } else {
        let mut err = std::io::stderr().lock();
        // One line each, so a message cannot forge a `hint:` or another error line.
        let _ = writeln!(err, "error[{}]: {}", e.code, sanitize_inline(&e.message));
        if !e.remediation.is_empty() {
            let _ = writeln!(err, "hint: {}", sanitize_inline(&e.remediation));
        }
    }
}
