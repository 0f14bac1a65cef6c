//! Every byte paasdeck writes to the state root goes through here: directories 0700, files 0600,
//! JSON documents replaced atomically under the context's advisory lock, JSONL rows appended with
//! one `write` on an `O_APPEND` descriptor, and a malformed document reported, never overwritten.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ErrorCode, PaasError, Result};

pub mod temp;

pub const DIR_MODE: u32 = 0o700;
pub const FILE_MODE: u32 = 0o600;

/// How long a writer waits for another writer's lock before giving up with `PAAS_STATE_LOCKED`.
const LOCK_WAIT: Duration = Duration::from_secs(15);

/// Creates `dir` and its missing parents with mode 0700.
pub fn ensure_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| PaasError::io("state_write", dir, &e))
}

/// Makes sure `path` exists as a file only its owner can read and write.
pub fn ensure_private_file(path: &Path) -> Result<()> {
    match fs::metadata(path) {
        Ok(m) if m.permissions().mode() & 0o077 == 0 => Ok(()),
        Ok(_) => fs::set_permissions(path, fs::Permissions::from_mode(FILE_MODE))
            .map_err(|e| PaasError::io("state_write", path, &e)),
        Err(_) => OpenOptions::new()
            .append(true)
            .create(true)
            .mode(FILE_MODE)
            .open(path)
            .map(|_| ())
            .map_err(|e| PaasError::io("state_write", path, &e)),
    }
}

/// Reads a JSON document. `Ok(None)` when the file does not exist; `PAAS_STATE_CORRUPT` with the
/// line, column and field path when it does not parse or a value breaks its rule. The message
/// never quotes file content.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PaasError::io("state_read", path, &e)),
    };
    let text = utf8(path, &bytes)?;
    parse_json(path, text).map(Some)
}

/// The bytes of a state file as text; `PAAS_STATE_CORRUPT` at the first byte that is not UTF-8.
pub fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let before = &bytes[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map(|i| i + 1)
            .unwrap_or(0);
        // Columns count bytes from 1, as serde_json's do.
        let column = at - line_start + 1;
        corrupt(
            path,
            line,
            column,
            &format!("the file is not valid UTF-8 (first bad byte at offset {at})"),
        )
    })
}

/// Parses `text` (the content of `path`) as a document of type `T`. A value that breaks its
/// type's rule is reported with the path of its field (`apps.web.history[0]`).
pub fn parse_json<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        json_error(path, text, e.into_inner(), &field)
    })?;
    de.end().map_err(|e| json_error(path, text, e, "."))?;
    Ok(parsed)
}

fn json_error(path: &Path, text: &str, e: serde_json::Error, field: &str) -> PaasError {
    let mut what = match e.classify() {
        serde_json::error::Category::Eof => return incomplete(path, text),
        serde_json::error::Category::Syntax => syntax_message(&e),
        serde_json::error::Category::Data => scrub_values(&e.to_string()),
        serde_json::error::Category::Io => "the file could not be read".into(),
    };
    if e.classify() == serde_json::error::Category::Data && field != "." && !field.is_empty() {
        what = format!("field {}: {what}", crate::text::sanitize_inline(field));
    }
    corrupt(path, e.line(), e.column(), &what)
}

/// A document that ends before it is complete: an empty file (nothing but whitespace) says so;
/// otherwise the position named is where its last character is, never serde's column 0 of the
/// line after it.
fn incomplete(path: &Path, text: &str) -> PaasError {
    let remediation = repair_hint(path);
    let content = text.trim_end();
    if content.trim_start().is_empty() {
        return PaasError::new(
            ErrorCode::StateCorrupt,
            "state_read",
            format!(
                "state file {} is empty ({} bytes, no JSON document)",
                path.display(),
                text.len()
            ),
        )
        .with_remediation(remediation);
    }
    let line = content.matches('\n').count() + 1;
    let line_start = content.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = content.len() - line_start;
    PaasError::new(
        ErrorCode::StateCorrupt,
        "state_read",
        format!(
            "state file {} is truncated: the document stops at line {line}, column {column} \
             before it is complete ({} bytes)",
            path.display(),
            text.len()
        ),
    )
    .with_remediation(remediation)
}

/// `PAAS_STATE_CORRUPT` for a state file, at a position, with what is wrong (never its content).
pub fn corrupt(path: &Path, line: usize, column: usize, what: &str) -> PaasError {
    PaasError::new(
        ErrorCode::StateCorrupt,
        "state_read",
        format!(
            "state file {} is malformed at line {line}, column {column}: {what}",
            path.display()
        ),
    )
    .with_remediation(repair_hint(path))
}

fn repair_hint(path: &Path) -> String {
    format!(
        "repair or restore {} by hand (paasdeck never overwrites a file it cannot parse)",
        path.display()
    )
}

/// serde_json's syntax messages carry a position suffix we already report separately.
fn syntax_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Data errors can quote the offending value (`invalid type: string "hunter2"`); a state file may
/// hold a secret by mistake, so every quoted value is replaced before the message goes anywhere.
pub fn scrub_values(msg: &str) -> String {
    let msg = match msg.find(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    };
    let mut out = String::with_capacity(msg.len());
    let mut in_quote = false;
    for ch in msg.chars() {
        if ch == '"' {
            if in_quote {
                out.push_str("<value>\"");
            } else {
                out.push('"');
            }
            in_quote = !in_quote;
        } else if !in_quote {
            out.push(ch);
        }
    }
    out
}

/// Serialises `value` as pretty JSON (2-space indent, trailing newline) and atomically replaces
/// `path` with it: temp file in the same directory, fsync, rename, fsync of the directory.
/// Callers that read-modify-write hold the context lock around the whole sequence.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| {
        PaasError::new(
            ErrorCode::UnknownFailure,
            "state_write",
            format!("could not serialise {}: {e}", path.display()),
        )
    })?;
    bytes.push(b'\n');
    write_bytes_atomic(path, &bytes)
}

/// Atomically replaces `path` with `bytes` (mode 0600).
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = write_temp(dir, bytes, path)?;
    tmp.persist(path)
        .map_err(|e| PaasError::io("state_write", path, &e.error))?;
    sync_dir(dir);
    Ok(())
}

/// A complete, fsynced 0600 temp file in `dir` holding `bytes`, on its way to becoming `dest`
/// (named in errors). Dropping it removes it, so no error path leaves it behind.
pub fn write_temp(dir: &Path, bytes: &[u8], dest: &Path) -> Result<tempfile::NamedTempFile> {
    ensure_dir(dir)?;
    let io_err = |e: io::Error| PaasError::io("state_write", dest, &e);
    let mut tmp = temp::create_in(dir).map_err(io_err)?;
    tmp.write_all(bytes).map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;
    Ok(tmp)
}

/// Makes a rename or link in `dir` durable; failure here does not undo the change.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Whether a regular file exists at `path`, an output the operator named (`--output F`). Anything
/// else there (a FIFO, a device node, a socket, a directory, or a symlink to one) is refused as a
/// usage error: replacing it with a regular file is never what was meant.
pub fn existing_output(path: &Path, stage: &str) -> Result<bool> {
    use std::os::unix::fs::FileTypeExt;
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(PaasError::io(stage, path, &e)),
    };
    let t = meta.file_type();
    if t.is_file() {
        return Ok(true);
    }
    let kind = if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    let via = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => " (through a symlink)",
        _ => "",
    };
    Err(PaasError::usage(
        stage,
        format!(
            "{} is {kind}{via}, not a regular file; refusing to write to or replace it",
            path.display()
        ),
    )
    .with_remediation(
        "give --output the path of a regular file (or of one that does not exist yet)",
    ))
}

/// Appends one JSON row to a JSONL file with a single `write` on an `O_APPEND` descriptor, so
/// concurrent writers never interleave inside a line.
pub fn append_jsonl(path: &Path, row: &serde_json::Value) -> Result<()> {
    let mut line = serde_json::to_vec(row).map_err(|e| {
        PaasError::new(
            ErrorCode::UnknownFailure,
            "event_append",
            format!("could not serialise an event row: {e}"),
        )
    })?;
    line.push(b'\n');
    append_line(path, &line)
}

/// Appends raw bytes (one complete line) with a single write. When the file does not end with a
/// newline (a writer died mid-row), the write starts with one, so only the torn row is lost (and
/// skipped on read) instead of the torn row swallowing this one.
pub fn append_line(path: &Path, line: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        ensure_dir(dir)?;
    }
    let io_err = |e: io::Error| PaasError::io("event_append", path, &e);
    let mut f = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(io_err)?;
    let torn = ends_without_newline(&f).map_err(io_err)?;
    let bytes: std::borrow::Cow<'_, [u8]> = if torn {
        let mut fresh = Vec::with_capacity(line.len() + 1);
        fresh.push(b'\n');
        fresh.extend_from_slice(line);
        fresh.into()
    } else {
        line.into()
    };
    let n = f.write(&bytes).map_err(io_err)?;
    if n != bytes.len() {
        return Err(PaasError::new(
            ErrorCode::StateIo,
            "event_append",
            format!(
                "short write to {} ({n} of {} bytes); the disk may be full",
                path.display(),
                bytes.len()
            ),
        ));
    }
    Ok(())
}

/// Whether a non-empty file's last byte is not a newline.
fn ends_without_newline(f: &File) -> io::Result<bool> {
    use std::os::unix::fs::FileExt;
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    f.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] != b'\n')
}

/// An exclusive advisory lock (flock) held for the lifetime of the value.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    path: PathBuf,
}

impl StateLock {
    /// Waits for the lock file at `path` (created 0600), up to a bounded time.
    pub fn acquire(path: &Path) -> Result<StateLock> {
        if let Some(dir) = path.parent() {
            ensure_dir(dir)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(FILE_MODE)
            .open(path)
            .map_err(|e| PaasError::io("state_lock", path, &e))?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(StateLock {
                        file,
                        path: path.to_path_buf(),
                    });
                }
                Err(fs::TryLockError::WouldBlock) => {
                    if started.elapsed() > LOCK_WAIT {
                        return Err(PaasError::new(
                            ErrorCode::StateLocked,
                            "state_lock",
                            format!(
                                "another paasdeck process has held {} for more than {}s",
                                path.display(),
                                LOCK_WAIT.as_secs()
                            ),
                        )
                        .with_remediation(
                            "wait for the other command to finish, or find it with `fuser` on the lock file",
                        ));
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(PaasError::io("state_lock", path, &e));
                }
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Writes a state document: serialised, secret-like keys redacted (SPEC §8: at write time),
/// then atomically replaced.
pub fn write_doc<T: Serialize>(path: &Path, doc: &T) -> Result<()> {
    let mut value = serde_json::to_value(doc).map_err(|e| {
        PaasError::new(
            ErrorCode::UnknownFailure,
            "state_write",
            format!("could not serialise {}: {e}", path.display()),
        )
    })?;
    crate::policy::redact::redact(&mut value);
    write_json_atomic(path, &value)
}

/// Read-modify-write of one document under the lock at `lock_path`: a missing file starts from
/// `T::default()`, a malformed one fails before anything is written.
pub fn update_doc<T, R>(
    lock: &StateLock,
    path: &Path,
    f: impl FnOnce(&mut T) -> Result<R>,
) -> Result<R>
where
    T: Serialize + DeserializeOwned + Default,
{
    debug_assert!(lock.path().exists());
    let mut doc: T = read_json(path)?.unwrap_or_default();
    let out = f(&mut doc)?;
    write_doc(path, &doc)?;
    Ok(out)
}

#[cfg(test)]
mod tests;
