//! Temp files of atomic writes, named after the process that writes them
//! (`.paasdeck-<pid>-<random>.tmp`), so a crashed writer's leftovers (some are whole vault copies)
//! can be told from a live writer's work in progress, removed, and reported by the doctor.

use std::fs::{self, Metadata};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tempfile::NamedTempFile;

use super::FILE_MODE;

pub const PREFIX: &str = ".paasdeck-";
pub const SUFFIX: &str = ".tmp";

/// A temp file whose name carries no writer pid (written before names did) is a leftover once it
/// is this old: no atomic write takes minutes.
const UNKNOWN_WRITER_GRACE: Duration = Duration::from_secs(10 * 60);

/// Slack for comparing a process's start time (whole seconds of boot time plus clock ticks) with
/// a file's modification time.
const START_SLACK: Duration = Duration::from_secs(2);

/// Creates an empty 0600 temp file in `dir`, named after this process. It is removed when the
/// value is dropped, so an error path never leaves it behind.
pub fn create_in(dir: &Path) -> io::Result<NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-", std::process::id()))
        .suffix(SUFFIX)
        .permissions(fs::Permissions::from_mode(FILE_MODE))
        .tempfile_in(dir)
}

/// Who wrote a temp file, as far as its name tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    Pid(u32),
    /// A paasdeck temp name without a pid.
    Unknown,
}

/// `Some` when `name` is one of paasdeck's temp file names.
pub fn writer_of(name: &str) -> Option<Writer> {
    let middle = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if middle.is_empty() {
        return None;
    }
    Some(
        match middle
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        {
            Some(pid) if pid > 0 => Writer::Pid(pid),
            _ => Writer::Unknown,
        },
    )
}

/// Whether a process with this pid exists on this host (EPERM means it does, as someone else).
pub fn process_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    match rustix::process::Pid::from_raw(raw) {
        Some(p) => !matches!(
            rustix::process::test_kill_process(p),
            Err(rustix::io::Errno::SRCH)
        ),
        None => false,
    }
}

/// When the process with this pid started, from `/proc` (None where that cannot be read).
fn process_started(pid: u32) -> Option<SystemTime> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces; the start
    // time (clock ticks since boot) is field 22 of the line, the 20th after the name.
    let rest = &stat[stat.rfind(')')? + 1..];
    let ticks: u64 = rest.split_whitespace().nth(19)?.parse().ok()?;
    let boot: u64 = fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    let hz = rustix::param::clock_ticks_per_second().max(1);
    Some(
        SystemTime::UNIX_EPOCH
            + Duration::from_secs(boot)
            + Duration::from_millis(ticks.saturating_mul(1000) / hz),
    )
}

/// Whether the process that wrote a temp file last modified at `modified` can still be writing
/// it: the pid exists and did not start after the file was written (a pid reused by a later
/// process is not the writer).
fn writer_running(pid: u32, modified: Option<SystemTime>) -> bool {
    if !process_alive(pid) {
        return false;
    }
    match (process_started(pid), modified) {
        (Some(started), Some(modified)) => started <= modified + START_SLACK,
        _ => true,
    }
}

/// Whether the temp file `name` with metadata `meta` was left behind by a writer that is gone.
pub fn is_leftover(name: &str, meta: &Metadata) -> bool {
    if !meta.is_file() {
        return false;
    }
    let modified = meta.modified().ok();
    match writer_of(name) {
        None => false,
        Some(Writer::Pid(pid)) => !writer_running(pid, modified),
        Some(Writer::Unknown) => modified
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > UNKNOWN_WRITER_GRACE),
    }
}

/// Leftover temp files under `dir` (down to `max_depth` levels, symlinks not followed).
pub fn leftovers(dir: &Path, max_depth: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .max_depth(max_depth)
        .into_iter()
        .flatten()
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let Some(name) = entry.file_name().to_str() else {
            continue;
        };
        if writer_of(name).is_none() {
            continue;
        }
        if let Ok(meta) = entry.metadata()
            && is_leftover(name, &meta)
        {
            out.push(entry.into_path());
        }
    }
    out.sort();
    out
}

/// Removes the leftover temp files under `dir`; returns the ones removed. Safe without a lock:
/// a file is removed only when the process that wrote it is gone.
pub fn sweep(dir: &Path, max_depth: usize) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for p in leftovers(dir, max_depth) {
        match fs::remove_file(&p) {
            Ok(()) => removed.push(p),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %p.display(), "could not remove a leftover temp file: {e}")
            }
        }
    }
    if !removed.is_empty() {
        tracing::info!(count = removed.len(), dir = %dir.display(), "removed temp files of writers that are gone");
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid that no process has: above the kernel's maximum.
    pub const DEAD_PID: u32 = 999_999_999;

    #[test]
    fn names_carry_the_writer_pid() {
        let dir = tempfile::tempdir().unwrap();
        let t = create_in(dir.path()).unwrap();
        let name = t.path().file_name().unwrap().to_str().unwrap().to_string();
        assert_eq!(
            writer_of(&name),
            Some(Writer::Pid(std::process::id())),
            "{name}"
        );
        let mode = fs::metadata(t.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(writer_of(".paasdeck-AbC123.tmp"), Some(Writer::Unknown));
        assert_eq!(writer_of("config.json"), None);
        assert_eq!(writer_of(".paasdeck-.tmp"), None);
    }

    #[test]
    fn sweep_removes_only_files_of_writers_that_are_gone() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("vault");
        fs::create_dir(&sub).unwrap();
        let dead = sub.join(format!("{PREFIX}{DEAD_PID}-abcdef{SUFFIX}"));
        fs::write(&dead, "KEY=value\n").unwrap();
        let live = create_in(&sub).unwrap();
        let fresh_unknown = dir.path().join(".paasdeck-XyZ123.tmp");
        fs::write(&fresh_unknown, "x").unwrap();
        let other = dir.path().join("notes.tmp");
        fs::write(&other, "x").unwrap();
        assert_eq!(leftovers(dir.path(), 4), vec![dead.clone()]);
        assert_eq!(sweep(dir.path(), 4), vec![dead.clone()]);
        assert!(!dead.exists());
        assert!(live.path().exists(), "a live writer's temp file is kept");
        assert!(fresh_unknown.exists() && other.exists());
    }

    #[test]
    fn a_reused_pid_is_not_the_writer() {
        // Our own process started before now; a file modified long before it started cannot be
        // ours even though our pid is alive.
        let dir = tempfile::tempdir().unwrap();
        let p = dir
            .path()
            .join(format!("{PREFIX}{}-abcdef{SUFFIX}", std::process::id()));
        let f = fs::File::create(&p).unwrap();
        let meta = fs::metadata(&p).unwrap();
        assert!(!is_leftover(
            p.file_name().unwrap().to_str().unwrap(),
            &meta
        ));
        if process_started(std::process::id()).is_some() {
            f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000))
                .unwrap();
            let meta = fs::metadata(&p).unwrap();
            assert!(is_leftover(p.file_name().unwrap().to_str().unwrap(), &meta));
        }
    }
}
