//! The target side of an app restore. A dump streamed into `restore_cmd` directly would end in
//! a clean end of input whenever paasdeck dies mid-stream (the connection closes its stdin), and
//! the command would load a truncated dump as if it were whole. So the dump is spooled into a
//! private file in the release directory (mode 0600), and `restore_cmd` reads it only after its
//! length and sha256 match the catalogue; the spool is removed however the script ends.

use crate::remote::quote::quote;

/// The exit status of a spool that did not arrive whole (nothing was restored).
pub const INCOMPLETE: i32 = 75;

/// The prefix of spool files in the release directory.
pub const PREFIX: &str = ".paasdeck-restore.";

/// The script that spools `bytes` bytes with `sha256` in the release directory `dir` and then
/// runs `cmd` on them, with the deploy's compose project `project`.
pub fn script(dir: &str, project: &str, cmd: &str, bytes: u64, sha256: &str) -> String {
    format!(
        r#"cd {dir} || exit 1
COMPOSE_PROJECT_NAME={project}; COMPOSE_FILE=compose.yaml; export COMPOSE_PROJECT_NAME COMPOSE_FILE
umask 077
spool=$(mktemp {prefix}XXXXXX) || exit 1
trap 'rm -f "$spool"' EXIT
trap 'exit 1' HUP INT TERM PIPE
cat > "$spool" || exit 1
got=$(wc -c < "$spool" | tr -d ' ')
if command -v sha256sum >/dev/null 2>&1; then sum=$(sha256sum < "$spool"); else sum=$(shasum -a 256 < "$spool"); fi
sum=${{sum%% *}}
if [ "$got" != {bytes} ] || [ "$sum" != {sha} ]; then
  echo "paasdeck: the dump arrived incomplete ($got of {bytes} bytes, or a different sha256); the restore command was not run" >&2
  exit {INCOMPLETE}
fi
{{
{cmd}
}} < "$spool""#,
        dir = quote(dir),
        project = quote(project),
        prefix = quote(PREFIX),
        sha = quote(sha256),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// Runs the script under `sh` with `input` on stdin; (exit code, what `cmd` received).
    fn run(input: &[u8], bytes: u64, sha: &str) -> (i32, Option<Vec<u8>>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let got = dir.path().join("got");
        let cmd = format!("cat > {}", quote(got.to_str().unwrap()));
        let s = script(dir.path().to_str().unwrap(), "shop-api", &cmd, bytes, sha);
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&s)
            .stdin(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let code = child.wait().unwrap().code().unwrap_or(-1);
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(PREFIX))
            .collect();
        (code, std::fs::read(&got).ok(), left)
    }

    fn sha(b: &[u8]) -> String {
        use sha2::Digest;
        crate::state::backups::hex(&sha2::Sha256::digest(b))
    }

    #[test]
    fn a_whole_dump_reaches_the_command_and_the_spool_is_removed() {
        let dump = b"INSERT INTO t VALUES (1);\n".repeat(1000);
        let (code, got, left) = run(&dump, dump.len() as u64, &sha(&dump));
        assert_eq!(code, 0);
        assert_eq!(got.as_deref(), Some(dump.as_slice()));
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn a_cut_or_changed_dump_never_reaches_the_command() {
        let dump = b"INSERT INTO t VALUES (1);\n".repeat(1000);
        let (n, s) = (dump.len() as u64, sha(&dump));
        let (code, got, left) = run(&dump[..dump.len() / 2], n, &s);
        assert_eq!(code, INCOMPLETE);
        assert_eq!(got, None);
        assert!(left.is_empty(), "{left:?}");
        let mut other = dump.clone();
        other[10] ^= 1;
        let (code, got, _) = run(&other, n, &s);
        assert_eq!((code, got), (INCOMPLETE, None));
    }
}
