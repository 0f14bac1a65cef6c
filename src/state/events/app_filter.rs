//! Which event rows belong to one app (`events list|tail --app A`): deploy rows of A, audit and
//! alert rows naming A in their `app` field, and rows naming one of A's incidents (an alert raised
//! for it, its acknowledgement or resolution) by `incident_id`.

use std::collections::HashSet;

use serde_json::Value;

use super::EventRecord;
use crate::state::incidents;
use crate::state::paths::ContextDir;

/// The app an event must belong to, with the ids of its incidents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppFilter {
    pub app: String,
    pub incident_ids: HashSet<String>,
}

impl AppFilter {
    /// The filter for `app` in `cd`: its incidents are those whose folded failure named it. An
    /// unreadable incident queue only narrows the filter to rows naming the app themselves.
    pub fn load(cd: &ContextDir, app: &str) -> AppFilter {
        let incident_ids = incidents::load(cd)
            .map(|q| {
                q.entries
                    .iter()
                    .filter(|e| e.incident.metadata.get("app").map(String::as_str) == Some(app))
                    .map(|e| e.incident.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        AppFilter {
            app: app.to_string(),
            incident_ids,
        }
    }

    pub fn matches(&self, r: &EventRecord) -> bool {
        let field = |k: &str| match r.fields.get(k) {
            Some(Value::String(s)) => Some(s.trim()),
            _ => None,
        };
        field("app") == Some(self.app.as_str())
            || field(incidents::INCIDENT_ID_FIELD).is_some_and(|id| self.incident_ids.contains(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(fields: Value) -> EventRecord {
        let Value::Object(fields) = fields else {
            unreachable!()
        };
        EventRecord {
            timestamp: String::new(),
            source: "audit".into(),
            command: "c".into(),
            status: String::new(),
            severity: String::new(),
            target: String::new(),
            message: String::new(),
            context: String::new(),
            fields,
        }
    }

    #[test]
    fn matches_the_app_field_and_the_apps_incidents_only() {
        let f = AppFilter {
            app: "api".into(),
            incident_ids: HashSet::from(["inc-1".to_string()]),
        };
        assert!(f.matches(&rec(json!({"app": "api"}))));
        assert!(f.matches(&rec(json!({"incident_id": "inc-1"}))));
        assert!(!f.matches(&rec(json!({"app": "web"}))));
        assert!(!f.matches(&rec(json!({"app": "api-2"}))));
        assert!(!f.matches(&rec(json!({"incident_id": "inc-2"}))));
        assert!(!f.matches(&rec(json!({}))));
    }
}
