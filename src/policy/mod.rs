//! Pure rules: action danger levels and the guard, redaction, secret detectors, doctor checks.
//! Nothing here prints, prompts or connects anywhere.

pub mod detect;
pub mod doctor;
mod doctor_context;
pub mod guard;
pub mod redact;
pub mod separation;
