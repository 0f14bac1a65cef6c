//! Fault-injection points for the crash replays in the test suite: `PAASDECK_FAULT_ABORT=<step>`
//! aborts the process at that named step, standing in for a `kill -9` at exactly that moment
//! (a window too short to hit from outside). Unset, a point does nothing.

/// Aborts the process when `PAASDECK_FAULT_ABORT` names `step`.
pub fn point(step: &str) {
    if std::env::var("PAASDECK_FAULT_ABORT").is_ok_and(|v| v == step) {
        std::process::abort();
    }
}
