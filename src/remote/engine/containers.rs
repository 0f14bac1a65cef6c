//! A compose project's containers as the engine reports them, by the labels both Compose
//! versions set: `docker ps -a --filter label=com.docker.compose.project=P --format
//! '{{json .}}'` for names and states, then `docker inspect` for health and the exact labels
//! (`ps` joins labels with commas, and a label value may hold commas itself).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::remote::quote::quote;

pub const PROJECT_LABEL: &str = "com.docker.compose.project";
pub const SERVICE_LABEL: &str = "com.docker.compose.service";
pub const WORKING_DIR_LABEL: &str = "com.docker.compose.project.working_dir";
const ONEOFF_LABEL: &str = "com.docker.compose.oneoff";

/// Printed between `ps`'s rows and `inspect`'s.
pub const INSPECT_MARK: &str = "--paasdeck-inspect--";

// `.State` whole: a container without a health check has no `.State.Health` key at all,
// which a template naming it fails on.
const INSPECT_FORMAT: &str =
    "{\"ID\":{{json .Id}},\"State\":{{json .State}},\"Labels\":{{json .Config.Labels}}}";

/// One container of a project.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Container {
    pub id: String,
    pub name: String,
    pub service: String,
    /// `running`, `exited`, `created`, `restarting`… (lowercase).
    pub state: String,
    /// `healthy`, `unhealthy`, `starting`, or empty without a health check.
    pub health: String,
    /// The directory Compose ran in (a release directory).
    pub working_dir: Option<String>,
}

/// The shell that prints a project's containers: `ps` rows, the mark, `inspect` rows. Exits
/// non-zero with the engine's own words when the engine cannot be asked.
pub fn script(project: &str) -> String {
    let filter = quote(&format!("label={PROJECT_LABEL}={project}"));
    format!(
        "ps=$(docker ps -a --no-trunc --filter {filter} --format {json}) || exit $?; \
         [ -z \"$ps\" ] || printf '%s\\n' \"$ps\"; echo {mark}; \
         ids=$(printf '%s\\n' \"$ps\" | sed -n 's/.*\"ID\":\"\\([0-9a-f]*\\)\".*/\\1/p'); \
         if [ -n \"$ids\" ]; then docker inspect --format {inspect} $ids; fi",
        json = quote("{{json .}}"),
        mark = INSPECT_MARK,
        inspect = quote(INSPECT_FORMAT),
    )
}

fn labels_of_ps(s: &str) -> BTreeMap<String, String> {
    // `a=b,c=d`; a piece without `=` continues the previous value (a value with a comma).
    let mut out = BTreeMap::new();
    let mut last: Option<String> = None;
    for piece in s.split(',') {
        match piece.split_once('=') {
            Some((k, v)) if !k.is_empty() && !k.contains(' ') => {
                out.insert(k.to_string(), v.to_string());
                last = Some(k.to_string());
            }
            _ => {
                if let Some(k) = &last
                    && let Some(v) = out.get_mut(k)
                {
                    v.push(',');
                    v.push_str(piece);
                }
            }
        }
    }
    out
}

fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

/// Parses the script's output; rows that are not JSON are skipped, and one-off containers
/// (`compose run`) are not part of the project's services.
pub fn parse(lines: &[String]) -> Vec<Container> {
    let mark = lines.iter().position(|l| l == INSPECT_MARK);
    let (ps, inspect) = match mark {
        Some(i) => (&lines[..i], &lines[i + 1..]),
        None => (lines, &[][..]),
    };
    let inspected: Vec<Value> = inspect
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut out = Vec::new();
    for row in ps
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
    {
        let id = text(&row, "ID");
        let found = inspected.iter().find(|i| {
            let full = text(i, "ID");
            !id.is_empty() && (full.starts_with(&id) || id.starts_with(&full))
        });
        let labels: BTreeMap<String, String> = match found.and_then(|i| i.get("Labels")) {
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect(),
            _ => labels_of_ps(&text(&row, "Labels")),
        };
        if labels
            .get(ONEOFF_LABEL)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            continue;
        }
        let clean = |s: &str| crate::text::strip_hostile(s).into_owned();
        out.push(Container {
            id: clean(&id),
            name: clean(&text(&row, "Names")),
            service: clean(labels.get(SERVICE_LABEL).map(String::as_str).unwrap_or("")),
            state: clean(&text(&row, "State").to_ascii_lowercase()),
            health: clean(
                &found
                    .and_then(|i| i.pointer("/State/Health/Status"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase(),
            ),
            working_dir: labels.get(WORKING_DIR_LABEL).map(|d| clean(d)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Debian's docker 20.10 and docker-compose 1.29.2 print (trimmed).
    const PS: &str = r#"{"Command":"\"sh -c 'echo hi'\"","ID":"99149f0252c9aa","Image":"pdk/busybox:1","Labels":"com.docker.compose.project.config_files=compose.yaml,compose.addon.db.yaml,com.docker.compose.project.working_dir=/srv/a/releases/rel-1,com.docker.compose.service=api,com.docker.compose.version=1.29.2,com.docker.compose.oneoff=False,com.docker.compose.project=t1","Names":"t1_api_1","State":"running","Status":"Up 2 seconds (healthy)"}"#;
    const RUN: &str = r#"{"ID":"77","Labels":"com.docker.compose.service=api,com.docker.compose.oneoff=True,com.docker.compose.project=t1","Names":"t1_api_run_1","State":"exited"}"#;

    #[test]
    fn containers_by_their_labels_with_health_from_inspect() {
        let inspect = r#"{"ID":"99149f0252c9aa00","State":{"Status":"running","Health":{"Status":"healthy","FailingStreak":0}},"Labels":{"com.docker.compose.service":"api","com.docker.compose.project.working_dir":"/srv/a/releases/rel-2"}}"#;
        let lines: Vec<String> = [PS, RUN, INSPECT_MARK, inspect]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = parse(&lines);
        assert_eq!(c.len(), 1, "the one-off container is not a service: {c:?}");
        assert_eq!(c[0].service, "api");
        assert_eq!(c[0].state, "running");
        assert_eq!(c[0].health, "healthy");
        assert_eq!(c[0].name, "t1_api_1");
        // inspect's labels are exact
        assert_eq!(c[0].working_dir.as_deref(), Some("/srv/a/releases/rel-2"));
    }

    #[test]
    fn without_inspect_the_ps_labels_serve_and_health_is_unknown() {
        let c = parse(&[PS.to_string()]);
        assert_eq!(c[0].service, "api");
        assert_eq!(c[0].health, "");
        assert_eq!(c[0].working_dir.as_deref(), Some("/srv/a/releases/rel-1"));
        let l = labels_of_ps("com.docker.compose.project.config_files=a.yaml,b.yaml,x=1");
        assert_eq!(
            l["com.docker.compose.project.config_files"],
            "a.yaml,b.yaml"
        );
        assert_eq!(l["x"], "1");
    }

    #[test]
    fn the_script_filters_by_the_project_label() {
        let s = script("shop-api");
        assert!(
            s.contains("docker ps -a --no-trunc --filter 'label=com.docker.compose.project=shop-api' --format '{{json .}}'"),
            "{s}"
        );
        assert!(s.contains("docker inspect --format"), "{s}");
    }
}
