//! Alert rows as `si paas` reads them: `fields` is a map of strings (si's `alert history`
//! drops a row whose `fields` holds any other type).

use serde_json::{Map, Value};

/// Turns every value of a row's `fields` into a string (`null` into ""), objects and arrays into
/// their compact JSON; a `fields` that is not an object is wrapped as `{"value": "..."}`.
pub fn stringify_fields(row: &mut Map<String, Value>) {
    let as_string = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let fields = match row.get("fields") {
        None => return,
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(as_string(v))))
            .collect::<Map<String, Value>>(),
        Some(other) => {
            let mut m = Map::new();
            m.insert("value".into(), Value::String(as_string(other)));
            m
        }
    };
    row.insert("fields".into(), Value::Object(fields));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_becomes_a_string() {
        let Value::Object(mut row) = serde_json::json!({"fields": {"attempts": 3, "ok": false,
            "none": null, "targets": ["a", "b"], "app": "web"}})
        else {
            panic!()
        };
        stringify_fields(&mut row);
        let f = row["fields"].as_object().unwrap();
        assert!(f.values().all(Value::is_string), "{row:?}");
        assert_eq!(f["ok"], "false");
        assert_eq!(f["none"], "");
        assert_eq!(f["targets"], r#"["a","b"]"#);
        assert_eq!(f["app"], "web");
        let Value::Object(mut odd) = serde_json::json!({"fields": 7}) else {
            panic!()
        };
        stringify_fields(&mut odd);
        assert_eq!(odd["fields"]["value"], "7");
        let Value::Object(mut none) = serde_json::json!({"command": "x"}) else {
            panic!()
        };
        stringify_fields(&mut none);
        assert!(none.get("fields").is_none());
    }
}
