//! `app addon contract|enable|list|disable`: the `si paas` pack catalogue (postgres, redis, nats,
//! supabase-walg, databasus) and the compose fragment each pack renders, written the way si
//! writes them so either tool deploys the other's add-ons.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{PaasError, Result};
use crate::ops::deploy::compose;
use crate::state::addons::{self, AddonRecord, MERGE_ADDITIVE};
use crate::state::ids::{AddonName, AppName, ImageTag, ServiceName};
use crate::state::paths::ContextDir;

/// One pack of the catalogue (`app addon contract`).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Pack {
    pub pack: &'static str,
    pub class: &'static str,
    pub description: &'static str,
    pub default_version: &'static str,
    pub default_service: &'static str,
    pub merge_strategy: &'static str,
}

const fn pack(
    pack: &'static str,
    class: &'static str,
    description: &'static str,
    default_version: &'static str,
) -> Pack {
    Pack {
        pack,
        class,
        description,
        default_version,
        default_service: pack,
        merge_strategy: MERGE_ADDITIVE,
    }
}

/// The catalogue, sorted by pack.
pub const PACKS: [Pack; 5] = [
    pack(
        "databasus",
        "backup",
        "Databasus private metadata service (no host web exposure)",
        "latest",
    ),
    pack("nats", "queue", "NATS message queue add-on", "2"),
    pack(
        "postgres",
        "db",
        "PostgreSQL stateful database add-on",
        "16",
    ),
    pack("redis", "cache", "Redis cache add-on", "7"),
    pack(
        "supabase-walg",
        "backup",
        "Supabase WAL-G backup/restore sidecars for object-storage snapshots",
        "latest",
    ),
];

pub fn find_pack(name: &str) -> Result<Pack> {
    let want = name.trim().to_ascii_lowercase();
    PACKS
        .iter()
        .copied()
        .find(|p| p.pack == want)
        .ok_or_else(|| {
            PaasError::usage(
                "flag_validation",
                format!(
                    "unknown add-on pack {:?}",
                    crate::text::sanitize_inline(name)
                ),
            )
            .with_remediation(format!(
                "use one of {} (`paasdeck app addon contract` describes them)",
                PACKS.map(|p| p.pack).join(", ")
            ))
        })
}

/// What `app addon enable` asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnableSpec {
    pub app: String,
    pub pack: String,
    pub name: Option<String>,
    pub service: Option<String>,
    pub version: Option<String>,
    /// `--set k=v,...`
    pub set: Option<String>,
}

/// `--set k=v,...`: keys are variable names, values plain text.
pub fn parse_set(raw: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in crate::state::names::split_csv(raw) {
        let bad = || {
            PaasError::usage(
                "flag_validation",
                format!(
                    "invalid --set entry {:?}",
                    crate::text::sanitize_inline(&item)
                ),
            )
            .with_remediation("pass --set entries as KEY=value pairs, comma-separated")
        };
        let (k, v) = item.split_once('=').ok_or_else(bad)?;
        let (k, v) = (k.trim(), v.trim());
        crate::state::names::validate_env_name(k).map_err(|_| bad())?;
        crate::text::refuse_control("--set", v)?;
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// si's service default: `<pack service>-<name>`, lowercase letters and digits, other runs `-`.
fn default_service(p: &Pack, name: &str) -> String {
    format!("{}-{}", p.default_service, compose_segment(name))
}

fn compose_segment(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "x".into() } else { out }
}

/// Enables an add-on: the record and its rendered fragment. A fragment whose services,
/// volumes, networks, configs or secrets clash with another add-on of the app is refused here
/// (the base compose file is checked at deploy time, as si does).
pub fn enable(cd: &ContextDir, spec: &EnableSpec) -> Result<(AddonRecord, String)> {
    let app = AppName::parse(spec.app.as_str())?;
    let p = find_pack(&spec.pack)?;
    let name = AddonName::parse(spec.name.clone().unwrap_or_else(|| p.pack.to_string()))?;
    let service = ServiceName::parse(
        spec.service
            .clone()
            .unwrap_or_else(|| default_service(&p, &name)),
    )?;
    let version = ImageTag::parse(
        spec.version
            .clone()
            .unwrap_or_else(|| p.default_version.to_string()),
    )?;
    let vars = match &spec.set {
        Some(s) => parse_set(s)?,
        None => BTreeMap::new(),
    };
    let rec = AddonRecord {
        app: Some(app.clone()),
        name,
        pack: p.pack.to_string(),
        class: p.class.to_string(),
        service,
        version,
        merge_strategy: MERGE_ADDITIVE.to_string(),
        fragment_path: String::new(),
        vars,
        updated_at: String::new(),
        extra: Default::default(),
    };
    let fragment = render(&rec);
    let doc = addons::load(cd)?;
    let mut seen = compose::Sections::default();
    for other in doc
        .for_app(&app)
        .iter()
        .filter(|r| !r.name.eq_ignore_ascii_case(&rec.name))
    {
        let text = addons::read_fragment(cd, &app, other)?;
        let s = compose::sections(&text, &other.bundle_file())?;
        seen.merge(&s);
    }
    let mine = compose::sections(&fragment, &rec.bundle_file())?;
    seen.check_additive(&mine, &rec.name, rec.merge_strategy())?;
    let rec = addons::enable(cd, &app, rec, &fragment)?;
    Ok((rec, fragment))
}

/// A YAML double-quoted scalar (as Go's `%q` writes a plain string).
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn var<'a>(r: &'a AddonRecord, key: &str, default: &'a str) -> &'a str {
    r.vars
        .get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .unwrap_or(default)
}

/// The compose fragment of a pack, line for line as si renders it.
pub fn render(r: &AddonRecord) -> String {
    let svc = compose_segment(&r.service);
    let svc = if svc == "x" { "addon".to_string() } else { svc };
    let v = r.version.as_str();
    let mut l: Vec<String> = vec![
        "# generated by `si paas app addon enable`".into(),
        format!("# merge_strategy={}", r.merge_strategy()),
        format!("# pack={}", r.pack),
        format!("# class={}", r.class),
        "services:".into(),
    ];
    let lines = |lines: &[&str]| lines.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    l.extend(match r.pack.as_str() {
        "postgres" => {
            let (db, user) = (var(r, "POSTGRES_DB", "app"), var(r, "POSTGRES_USER", "app"));
            lines(&[
                &format!("  {svc}:"),
                &format!("    image: postgres:{v}"),
                "    restart: unless-stopped",
                "    environment:",
                &format!("      POSTGRES_DB: {}", quoted(db)),
                &format!("      POSTGRES_USER: {}", quoted(user)),
                "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}",
                "    volumes:",
                &format!("      - {svc}-data:/var/lib/postgresql/data"),
                "volumes:",
                &format!("  {svc}-data: {{}}"),
            ])
        }
        "redis" => lines(&[
            &format!("  {svc}:"),
            &format!("    image: redis:{v}"),
            "    restart: unless-stopped",
            "    command: [\"redis-server\", \"--appendonly\", \"yes\"]",
            "    volumes:",
            &format!("      - {svc}-data:/data"),
            "volumes:",
            &format!("  {svc}-data: {{}}"),
        ]),
        "supabase-walg" => walg(r, &svc, v),
        "databasus" => {
            let pg = var(r, "POSTGRES_SERVICE", "postgres");
            lines(&[
                &format!("  {svc}:"),
                &format!("    image: databasus/databasus:{v}"),
                "    restart: unless-stopped",
                "    depends_on:",
                &format!("      - {pg}"),
                "    environment:",
                "      ENV_MODE: ${DATABASUS_ENV_MODE:-production}",
                "      NEXT_TELEMETRY_DISABLED: \"1\"",
                "    expose:",
                "      - \"4005\"",
                "    volumes:",
                &format!("      - {svc}-data:/databasus-data"),
                "volumes:",
                &format!("  {svc}-data: {{}}"),
            ])
        }
        _ => lines(&[
            &format!("  {svc}:"),
            &format!("    image: nats:{v}"),
            "    restart: unless-stopped",
            "    command: [\"-js\"]",
        ]),
    });
    let mut out = l.join("\n");
    out.push('\n');
    out
}

/// The services of the `supabase-walg` pack: the periodic backup and the restore profile, both
/// reading the postgres service's data volume.
fn walg(r: &AddonRecord, svc: &str, v: &str) -> Vec<String> {
    let pg = var(r, "POSTGRES_SERVICE", "postgres");
    let vol = var(r, "PGDATA_VOLUME", "postgres-data");
    let data = var(r, "WALG_PGDATA", "/var/lib/postgresql/data");
    let env = |extra: &[&str]| {
        let mut e: Vec<String> = [
            "    environment:",
            "      WALG_S3_PREFIX: ${WALG_S3_PREFIX}",
            "      AWS_ACCESS_KEY_ID: ${WALG_AWS_ACCESS_KEY_ID}",
            "      AWS_SECRET_ACCESS_KEY: ${WALG_AWS_SECRET_ACCESS_KEY}",
            "      AWS_ENDPOINT: ${WALG_AWS_ENDPOINT}",
            "      AWS_REGION: ${WALG_AWS_REGION:-auto}",
            "      AWS_S3_FORCE_PATH_STYLE: \"true\"",
            "      WALG_COMPRESSION_METHOD: ${WALG_COMPRESSION_METHOD:-zstd}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        e.push(format!("      WALG_PGDATA: {}", quoted(data)));
        e.extend(extra.iter().map(|s| s.to_string()));
        e
    };
    let mut l: Vec<String> = Vec::new();
    let mut push = |lines: &[&str]| l.extend(lines.iter().map(|s| s.to_string()));
    push(&[
        &format!("  {svc}-backup:"),
        &format!("    image: ghcr.io/wal-g/wal-g:{v}"),
        "    restart: unless-stopped",
        "    depends_on:",
        &format!("      - {pg}"),
    ]);
    l.extend(env(&[]));
    let mut push = |lines: &[&str]| l.extend(lines.iter().map(|s| s.to_string()));
    push(&[
        "    command:",
        "      - sh",
        "      - -lc",
        "      - >-",
        "        while true; do",
        "          wal-g backup-push \"${WALG_PGDATA}\";",
        "          wal-g delete retain FULL \"${WALG_RETAIN_FULL:-14}\" --confirm || true;",
        "          sleep \"${WALG_BACKUP_INTERVAL_SECONDS:-21600}\";",
        "        done",
        "    volumes:",
        &format!("      - {vol}:{data}:ro"),
        &format!("  {svc}-restore:"),
        &format!("    image: ghcr.io/wal-g/wal-g:{v}"),
        "    profiles:",
        "      - restore",
        "    depends_on:",
        &format!("      - {pg}"),
    ]);
    l.extend(env(&[
        "      WALG_RESTORE_FROM: ${WALG_RESTORE_FROM:-LATEST}",
        "      WALG_RESTORE_FORCE: ${WALG_RESTORE_FORCE:-false}",
    ]));
    l.extend(
        [
            "    command:",
            "      - sh",
            "      - -lc",
            "      - >-",
            "        restore_from=\"${WALG_RESTORE_FROM}\";",
            "        force_mode=\"${WALG_RESTORE_FORCE}\";",
            "        if [ \"$force_mode\" = \"true\" ]; then",
            "          rm -rf \"${WALG_PGDATA:?}\"/*;",
            "        fi;",
            "        wal-g backup-fetch \"${WALG_PGDATA}\" \"$restore_from\";",
            "        printf \"%s\\n\" \"restore_command = 'wal-g wal-fetch %f %p'\" >> \"${WALG_PGDATA}/postgresql.auto.conf\";",
            "        : > \"${WALG_PGDATA}/recovery.signal\"",
            "    volumes:",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    l.push(format!("      - {vol}:{data}"));
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(pack: &str, name: &str, vars: &[(&str, &str)]) -> AddonRecord {
        let p = find_pack(pack).unwrap();
        AddonRecord {
            app: None,
            name: AddonName::parse(name).unwrap(),
            pack: p.pack.into(),
            class: p.class.into(),
            service: ServiceName::parse(default_service(&p, name)).unwrap(),
            version: ImageTag::parse(p.default_version).unwrap(),
            merge_strategy: MERGE_ADDITIVE.into(),
            fragment_path: String::new(),
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            updated_at: String::new(),
            extra: Default::default(),
        }
    }

    #[test]
    fn postgres_renders_as_si_does() {
        let got = render(&rec("postgres", "db", &[("POSTGRES_DB", "shop")]));
        assert_eq!(
            got,
            "# generated by `si paas app addon enable`\n# merge_strategy=additive_no_override\n# pack=postgres\n# class=db\nservices:\n  postgres-db:\n    image: postgres:16\n    restart: unless-stopped\n    environment:\n      POSTGRES_DB: \"shop\"\n      POSTGRES_USER: \"app\"\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n    volumes:\n      - postgres-db-data:/var/lib/postgresql/data\nvolumes:\n  postgres-db-data: {}\n"
        );
    }

    #[test]
    fn every_pack_renders_valid_compose_with_its_services() {
        for (pack, services) in [
            ("postgres", vec!["postgres-postgres"]),
            ("redis", vec!["redis-redis"]),
            ("nats", vec!["nats-nats"]),
            (
                "supabase-walg",
                vec![
                    "supabase-walg-supabase-walg-backup",
                    "supabase-walg-supabase-walg-restore",
                ],
            ),
            ("databasus", vec!["databasus-databasus"]),
        ] {
            let text = render(&rec(pack, pack, &[]));
            let s = compose::sections(&text, pack).unwrap();
            let mut got: Vec<&String> = s.keys("services").collect();
            got.sort();
            assert_eq!(got, services, "{pack}:\n{text}");
        }
        assert!(find_pack("mysql").is_err());
        assert!(parse_set("A=1,b c=2").is_err());
        assert_eq!(parse_set("A=1, B = x y ").unwrap()["B"], "x y");
    }
}
