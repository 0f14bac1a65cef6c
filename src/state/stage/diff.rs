//! What a new `stage` object changes, in words, for `stage configure`.

use serde_json::{Map, Value};

fn compact(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(unset)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn by_name(v: Option<&Value>) -> Vec<(String, Map<String, Value>)> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let m = c.as_object()?;
            Some((m.get("name")?.as_str()?.to_string(), m.clone()))
        })
        .collect()
}

/// One line per change from `old` (the stored value, which may be anything) to `new` (a
/// valid stage object in its file form).
pub fn describe_changes(old: Option<&Value>, new: &Value) -> Vec<String> {
    let empty = Map::new();
    let new_map = new.as_object().unwrap_or(&empty);
    let Some(old_map) = old.and_then(Value::as_object) else {
        return vec![format!(
            "stage object created: project {}, {} component(s)",
            compact(new_map.get("project")),
            new_map
                .get("components")
                .and_then(Value::as_array)
                .map(Vec::len)
                .unwrap_or(0)
        )];
    };
    let mut out = Vec::new();
    let mut keys: Vec<&String> = new_map.keys().collect();
    keys.extend(old_map.keys().filter(|k| !new_map.contains_key(*k)));
    for k in keys.into_iter().filter(|k| *k != "components") {
        let (a, b) = (old_map.get(k), new_map.get(k));
        if a != b {
            out.push(format!("{k}: {} → {}", compact(a), compact(b)));
        }
    }
    let (olds, news) = (
        by_name(old_map.get("components")),
        by_name(new_map.get("components")),
    );
    for (name, c) in &news {
        match olds.iter().find(|(n, _)| n == name) {
            None => out.push(format!(
                "component {name} added ({}, data {})",
                compact(c.get("ip")),
                compact(c.get("data"))
            )),
            Some((_, o)) => {
                let mut fields: Vec<&String> = c.keys().collect();
                fields.extend(o.keys().filter(|k| !c.contains_key(*k)));
                for f in fields {
                    if o.get(f) != c.get(f) {
                        out.push(format!(
                            "component {name}: {f}: {} → {}",
                            compact(o.get(f)),
                            compact(c.get(f))
                        ));
                    }
                }
            }
        }
    }
    for (name, _) in &olds {
        if !news.iter().any(|(n, _)| n == name) {
            out.push(format!("component {name} removed from the stage object"));
        }
    }
    let order =
        |v: &[(String, Map<String, Value>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if out.is_empty() && order(&olds) != order(&news) {
        out.push("components reordered".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_in_words() {
        let old = crate::state::stage::tests_sample();
        let mut new = old.clone();
        new["root_disk"] = json!("20GiB");
        new["components"][0]["ip"] = json!("10.0.3.20");
        new["components"][1] = json!({"name": "search", "ip": "10.0.3.12", "data": "keep"});
        new["incus"] = json!("/usr/local/bin/incus");
        let c = describe_changes(Some(&old), &new);
        assert_eq!(
            c,
            [
                "root_disk: 10GiB → 20GiB",
                "incus: (unset) → /usr/local/bin/incus",
                "component system: ip: 10.0.3.10 → 10.0.3.20",
                "component search added (10.0.3.12, data keep)",
                "component tables removed from the stage object",
            ]
        );
        assert!(describe_changes(Some(&old), &old).is_empty());
        assert_eq!(
            describe_changes(None, &old),
            ["stage object created: project STAGE-GBO, 2 component(s)"]
        );
    }
}
