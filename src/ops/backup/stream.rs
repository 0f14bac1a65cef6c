//! The streaming pipeline: plaintext → sha256 → age encryption → sha256 → a 0600 temp file in
//! the store, renamed to `<id>.age` only once everything is hashed, flushed and synced; and
//! the way back (artifact → age decryption → sha256) for verify and restore. Memory stays flat:
//! chunks pass through bounded channels and age's 64 KiB stream chunks, nothing is collected.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use age::x25519::{Identity, Recipient};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::sync::mpsc;

use crate::error::{ErrorCode, PaasError, Result};
use crate::remote::StdinChunk;
use crate::remote::bytes::CHUNK;
use crate::state::backups::hex;
use crate::state::fsio;

/// Chunks in flight between the remote stream and the sealer (at most 16 × 64 KiB).
pub const CHANNEL_CHUNKS: usize = 16;

/// Counts plaintext bytes as they pass, for progress lines.
pub type Counter = Arc<AtomicU64>;

/// What a finished stream produced, before it is committed.
#[derive(Debug)]
pub struct Sealed {
    tmp: NamedTempFile,
    pub bytes: u64,
    pub sha256: String,
    pub plaintext_bytes: u64,
    pub plaintext_sha256: String,
}

impl Sealed {
    /// Renames the synced temp file to `dest` (never replacing a file) and syncs the directory.
    pub fn commit(self, dest: &Path) -> Result<()> {
        self.tmp
            .persist_noclobber(dest)
            .map_err(|e| PaasError::io("backup_write", dest, &e.error))?;
        if let Some(dir) = dest.parent() {
            fsio::sync_dir(dir);
        }
        Ok(())
    }
}

/// A file writer that hashes and counts what it writes.
struct HashingFile {
    file: NamedTempFile,
    hash: Sha256,
    bytes: u64,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Encrypts what is written to it into a temp file in the store, hashing both sides.
pub struct Sealer {
    inner: age::stream::StreamWriter<HashingFile>,
    hash: Sha256,
    bytes: u64,
    counter: Counter,
    dest: PathBuf,
}

fn write_error(dest: &Path, e: io::Error) -> PaasError {
    PaasError::io("backup_write", dest, &e)
}

impl Sealer {
    /// A sealer writing next to `dest` (which names the artifact in errors).
    pub fn new(dest: &Path, recipients: &[Recipient], counter: Counter) -> Result<Sealer> {
        let dir = dest.parent().unwrap_or(Path::new("."));
        fsio::ensure_dir(dir)?;
        let file = fsio::temp::create_in(dir).map_err(|e| write_error(dest, e))?;
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| {
                    PaasError::new(
                        ErrorCode::VaultIdentity,
                        "backup_encrypt",
                        format!("cannot encrypt to the recipients: {e}"),
                    )
                })?;
        let inner = encryptor
            .wrap_output(HashingFile {
                file,
                hash: Sha256::new(),
                bytes: 0,
            })
            .map_err(|e| write_error(dest, e))?;
        Ok(Sealer {
            inner,
            hash: Sha256::new(),
            bytes: 0,
            counter,
            dest: dest.to_path_buf(),
        })
    }

    /// Ends the age stream, flushes and syncs the file.
    pub fn finish(self) -> Result<Sealed> {
        let dest = self.dest;
        let mut out = self.inner.finish().map_err(|e| write_error(&dest, e))?;
        out.file.flush().map_err(|e| write_error(&dest, e))?;
        out.file
            .as_file()
            .sync_all()
            .map_err(|e| write_error(&dest, e))?;
        Ok(Sealed {
            tmp: out.file,
            bytes: out.bytes,
            sha256: hex(&out.hash.finalize()),
            plaintext_bytes: self.bytes,
            plaintext_sha256: hex(&self.hash.finalize()),
        })
    }
}

impl Write for Sealer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Seals every chunk from `rx` on a blocking thread; the result comes when the sender is gone.
/// A write failure ends the thread early, which closes `rx`, which stops the remote command.
pub fn seal_channel(
    mut sealer: Sealer,
    mut rx: mpsc::Receiver<Vec<u8>>,
) -> tokio::task::JoinHandle<Result<Sealed>> {
    tokio::task::spawn_blocking(move || {
        while let Some(chunk) = rx.blocking_recv() {
            let dest = sealer.dest.clone();
            sealer
                .write_all(&chunk)
                .map_err(|e| write_error(&dest, e))?;
        }
        sealer.finish()
    })
}

fn read_error(path: &Path, e: io::Error) -> PaasError {
    PaasError::io("backup_read", path, &e)
}

/// The sha256 and size of a file, read in chunks.
pub fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut n = 0u64;
    loop {
        let r = f.read(&mut buf)?;
        if r == 0 {
            break;
        }
        h.update(&buf[..r]);
        n += r as u64;
    }
    Ok((n, hex(&h.finalize())))
}

/// Why an artifact could not be opened.
pub fn decrypt_error(path: &Path, e: age::DecryptError) -> PaasError {
    match e {
        age::DecryptError::NoMatchingKeys => PaasError::new(
            ErrorCode::VaultDecryptFailed,
            "backup_decrypt",
            format!(
                "{} is not encrypted to your identity (its recipients are listed in the catalogue row)",
                path.display()
            ),
        )
        .with_remediation(
            "use the identity of one of its recipients (SI_VAULT_IDENTITY_FILE=…), or ask its holder to run the command",
        ),
        other => PaasError::new(
            ErrorCode::BackupVerifyFailed,
            "backup_decrypt",
            format!("{} does not decrypt: {other}", path.display()),
        )
        .with_remediation("the artifact is damaged; use another backup (`paasdeck backup list`)"),
    }
}

/// The decrypted plaintext of an artifact, as a reader.
pub fn open(path: &Path, identity: &Identity) -> Result<impl Read + use<>> {
    let file = File::open(path).map_err(|e| read_error(path, e))?;
    let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(CHUNK, file))
        .map_err(|e| decrypt_error(path, e))?;
    decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| decrypt_error(path, e))
}

/// Reads a plaintext stream to its end, hashing it: (bytes, sha256).
pub fn hash_reader(mut r: impl Read, path: &Path) -> Result<(u64, String)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut n = 0u64;
    loop {
        let got = r.read(&mut buf).map_err(|e| {
            PaasError::new(
                ErrorCode::BackupVerifyFailed,
                "backup_decrypt",
                format!("{} does not decrypt: {e}", path.display()),
            )
        })?;
        if got == 0 {
            return Ok((n, hex(&h.finalize())));
        }
        h.update(&buf[..got]);
        n += got as u64;
    }
}

/// What the plaintext must be: sizes and checksum from the catalogue.
#[derive(Debug, Clone)]
pub struct Expect {
    pub bytes: u64,
    pub sha256: String,
}

/// Decrypts an artifact into `tx` chunk by chunk (on a blocking thread), hashing the plaintext.
/// Sends [`StdinChunk::End`] only when the whole plaintext matches `expect`; on any mismatch or
/// error it stops without it, so the reader never sees a clean end of bad data.
pub fn unseal_into(
    path: PathBuf,
    identity: Identity,
    expect: Expect,
    tx: mpsc::Sender<StdinChunk>,
    counter: Counter,
) -> tokio::task::JoinHandle<Result<()>> {
    tokio::task::spawn_blocking(move || {
        let mut r = open(&path, &identity)?;
        let mut h = Sha256::new();
        let mut n = 0u64;
        loop {
            let mut buf = vec![0u8; CHUNK];
            let got = r.read(&mut buf).map_err(|e| {
                PaasError::new(
                    ErrorCode::BackupVerifyFailed,
                    "backup_decrypt",
                    format!("{} does not decrypt: {e}", path.display()),
                )
            })?;
            if got == 0 {
                break;
            }
            buf.truncate(got);
            h.update(&buf);
            n += got as u64;
            counter.fetch_add(got as u64, Ordering::Relaxed);
            if tx.blocking_send(StdinChunk::Data(buf)).is_err() {
                return Err(PaasError::new(
                    ErrorCode::RemoteCommandFailed,
                    "backup_restore",
                    "the restore command stopped reading its input early",
                ));
            }
        }
        let sha = hex(&h.finalize());
        if n != expect.bytes || sha != expect.sha256 {
            return Err(PaasError::new(
                ErrorCode::BackupVerifyFailed,
                "backup_decrypt",
                format!(
                    "the plaintext of {} is {n} bytes with sha256 {sha}, the catalogue says {} bytes with {}; the restore command was stopped before the end of its input",
                    path.display(),
                    expect.bytes,
                    expect.sha256
                ),
            ));
        }
        let _ = tx.blocking_send(StdinChunk::End);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_round_trips_and_hashes_both_sides() {
        let dir = tempfile::tempdir().unwrap();
        let id = Identity::generate();
        let dest = dir.path().join("bk.age");
        let counter = Counter::default();
        let mut s = Sealer::new(&dest, &[id.to_public()], counter.clone()).unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        for c in data.chunks(7000) {
            s.write_all(c).unwrap();
        }
        let sealed = s.finish().unwrap();
        assert_eq!(sealed.plaintext_bytes, data.len() as u64);
        assert_eq!(sealed.plaintext_sha256, hex(&Sha256::digest(&data)));
        assert_eq!(counter.load(Ordering::Relaxed), data.len() as u64);
        let before: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(before.len(), 1, "only the temp file");
        sealed_commit_and_check(sealed, &dest, &id, &data);
    }

    fn sealed_commit_and_check(sealed: Sealed, dest: &Path, id: &Identity, data: &[u8]) {
        let (bytes, sha) = (sealed.bytes, sealed.sha256.clone());
        sealed.commit(dest).unwrap();
        assert_eq!(hash_file(dest).unwrap(), (bytes, sha));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (n, sha) = hash_reader(open(dest, id).unwrap(), dest).unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(sha, hex(&Sha256::digest(data)));
        let other = Identity::generate();
        let e = open(dest, &other).err().unwrap();
        assert_eq!(e.code, ErrorCode::VaultDecryptFailed);
    }

    #[test]
    fn a_dropped_sealer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let id = Identity::generate();
        let mut s = Sealer::new(
            &dir.path().join("x.age"),
            &[id.to_public()],
            Counter::default(),
        )
        .unwrap();
        s.write_all(b"half a dump").unwrap();
        drop(s);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
