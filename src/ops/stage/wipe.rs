//! A wipe empties a directory and keeps it, as the STAGE-GBO guide's `rm -rf DIR/*` does: the
//! service writing there (MinIO, a database) needs the directory with its owner and mode. It
//! runs while the instance is stopped (a clone before its first start, a reset between stop
//! and start), where `incus exec` cannot, so it goes through the incus files API: the
//! directory's entries (hidden ones included) from `incus query`, then `incus file delete
//! --force` on each entry. A directory that is not there is nothing to empty.

use serde_json::Value;

use super::Session;
use crate::error::{ErrorCode, PaasError, Result};
use crate::state::stage::{AbsPath, IncusName};

fn gone(e: &PaasError) -> bool {
    let m = e.message.to_ascii_lowercase();
    m.contains("not found") || m.contains("no such file")
}

/// The entries the files API lists for a directory; anything else (a file's content) means
/// the path is not a directory.
fn entries(component: &str, dir: &AbsPath, answer: &str) -> Result<Vec<String>> {
    let not_dir = || {
        PaasError::new(
            ErrorCode::RemoteCommandFailed,
            "stage_wipe",
            format!(
                "{component}: {} is not a directory; a wipe path names a directory whose contents go",
                dir.as_str()
            ),
        )
        .with_remediation("list directories only in `wipe` and `always_wipe` (`stage configure`)")
    };
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(answer.trim()) else {
        return Err(not_dir());
    };
    let mut out = Vec::new();
    for item in items {
        let Some(name) = item.as_str() else {
            return Err(not_dir());
        };
        // Only a name of one component is an entry; anything else is skipped, never deleted.
        if name.is_empty() || name == "." || name == ".." || name.contains('/') {
            continue;
        }
        out.push(name.to_string());
    }
    Ok(out)
}

/// Empties `dir` in `component`; the directory itself stays.
pub async fn wipe(s: &Session, component: &IncusName, dir: &AbsPath) -> Result<()> {
    let n = component.as_str();
    let answer = match s.query(&s.incus().list_dir(component, dir)).await {
        Ok(a) => a,
        Err(e) if gone(&e) => {
            s.skip(n, "wipe", &format!("{} is not there", dir.as_str()));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let names = entries(n, dir, &answer)?;
    if names.is_empty() {
        s.skip(n, "wipe", &format!("{} is already empty", dir.as_str()));
        return Ok(());
    }
    for name in &names {
        let path = format!("{}/{name}", dir.as_str());
        let (code, err) = s
            .attempt(n, "wipe", &s.incus().file_delete(component, &path))
            .await?;
        if code != 0 {
            if gone(&err) {
                s.accept("already absent");
                continue;
            }
            return Err(err);
        }
    }
    s.note(format!(
        "✓ {n}: {} emptied ({} entr{}), the directory kept",
        dir.as_str(),
        names.len(),
        if names.len() == 1 { "y" } else { "ies" }
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_single_names_and_a_file_is_not_a_directory() {
        let dir = AbsPath::parse("/opt/gbo/data/minio").unwrap();
        assert_eq!(
            entries(
                "drive",
                &dir,
                "[\n  \".minio.sys\",\n  \"bucket\", \"..\", \"a/b\"\n]"
            )
            .unwrap(),
            vec![".minio.sys".to_string(), "bucket".into()]
        );
        assert_eq!(entries("drive", &dir, "[]").unwrap(), Vec::<String>::new());
        let e = entries("drive", &dir, "key=value\n").unwrap_err();
        assert!(
            e.message
                .contains("drive: /opt/gbo/data/minio is not a directory"),
            "{}",
            e.message
        );
    }
}
