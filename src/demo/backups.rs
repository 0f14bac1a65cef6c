//! The demo's backups: real artifacts, encrypted to the operator's identity like every backup,
//! catalogued with real checksums and real verification results, so the Backups pane shows
//! what `backup list` and `backup verify` would say about them.

use std::io::Write;

use time::Duration;

use crate::error::Result;
use crate::ops::backup::stream::{Counter, Sealer};
use crate::ops::backup::{self, Start, state, verify};
use crate::state::backups::{BackupId, BackupKind};
use crate::state::clock;
use crate::state::ids::{AppName, ReleaseId, TargetName};
use crate::state::paths::ContextDir;

/// A plain-SQL dump of a made-up database, `rows` rows long.
fn dump(rows: usize) -> String {
    let mut s = String::from(
        "-- PostgreSQL database dump (paasdeck demo data)\nBEGIN;\nCREATE TABLE orders (id integer PRIMARY KEY, item text, qty integer);\n",
    );
    for i in 0..rows {
        s.push_str(&format!(
            "INSERT INTO orders VALUES ({i}, 'widget-{}', {});\n",
            i % 17,
            i % 5 + 1
        ));
    }
    s.push_str("COMMIT;\n");
    s
}

/// `count` app backups of `api` a day apart (the newest two hours ago) and a state backup;
/// the newest app backup is verified deep. With `tamper`, the oldest artifact has a byte
/// flipped before it is verified, so its row says what a damaged store looks like.
pub fn seed(
    cd: &ContextDir,
    operator: &str,
    target: &TargetName,
    release: Option<ReleaseId>,
    count: usize,
    tamper: bool,
) -> Result<()> {
    let keys = backup::keys(cd)?;
    let store = backup::store_dir(cd)?;
    let app = AppName::parse("api")?;
    let mut ids: Vec<BackupId> = Vec::new();
    for i in 0..count {
        let at = clock::now() - Duration::days((count - 1 - i) as i64) - Duration::hours(2);
        let mut start = Start::new(
            &store,
            BackupKind::App,
            Some(app.clone()),
            operator,
            keys.clone(),
        )?;
        start.id = BackupId::new(at, "api")?;
        start.path = store.join(start.id.file_name());
        start.started_at = clock::rfc3339_nanos(at);
        start.target = Some(target.clone());
        start.release = release.clone();
        let mut sealer = Sealer::new(&start.path, &keys.recipients, Counter::default())?;
        sealer
            .write_all(dump(4000 + 1500 * i).as_bytes())
            .map_err(|e| crate::error::PaasError::io("demo", &start.path, &e))?;
        let row = start.finish(cd, sealer.finish()?)?;
        ids.push(row.id);
    }
    state::backup(cd, operator, Counter::default())?;
    if let Some(newest) = ids.last() {
        verify::verify(cd, newest, true)?;
    }
    if tamper && ids.len() > 1 {
        let oldest = &ids[0];
        let path = store.join(oldest.file_name());
        let mut bytes =
            std::fs::read(&path).map_err(|e| crate::error::PaasError::io("demo", &path, &e))?;
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x20;
        std::fs::write(&path, bytes).map_err(|e| crate::error::PaasError::io("demo", &path, &e))?;
        verify::verify(cd, oldest, false)?;
    }
    Ok(())
}
