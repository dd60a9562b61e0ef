//! [`Event`]: one normalized event with its original record.

use serde_json::{Map, Value};

use crate::{ecs, Fields, Timestamp};

/// One normalized event.
///
/// `original` is the record exactly as it arrived (for JSON sources, the text
/// of that record's object; for line formats, the line). Normalization never
/// edits it, so an analyst can always go back to what the source said.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `@timestamp`: when the event happened, per the source.
    pub timestamp: Timestamp,
    /// ECS fields, including `event.dataset`.
    pub fields: Fields,
    /// The source record, verbatim.
    pub original: String,
}

impl Event {
    pub fn new(dataset: &str, timestamp: Timestamp, original: impl Into<String>) -> Self {
        let mut fields = Fields::with_capacity(24);
        fields.set(ecs::EVENT_DATASET, dataset);
        Self {
            timestamp,
            fields,
            original: original.into(),
        }
    }

    /// The `event.dataset` field.
    pub fn dataset(&self) -> &str {
        self.fields.get_str(ecs::EVENT_DATASET).unwrap_or("")
    }

    /// The event as one nested JSON document: `@timestamp`, the ECS fields,
    /// and the verbatim record under `event.original`.
    pub fn to_json(&self) -> Value {
        let mut doc = Map::new();
        doc.insert(
            ecs::TIMESTAMP.to_owned(),
            Value::String(self.timestamp.to_rfc3339()),
        );
        for (k, v) in self.fields.to_nested() {
            doc.insert(k, v);
        }
        let event = doc
            .entry("event")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(event) = event {
            event.insert("original".to_owned(), Value::String(self.original.clone()));
        }
        Value::Object(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn to_json_nests_fields_and_keeps_original() {
        let ts = Timestamp::parse_rfc3339("2024-01-02T03:04:05Z").unwrap();
        let mut ev = Event::new("aws.cloudtrail", ts, r#"{"a":1}"#);
        ev.fields.set("event.action", "ConsoleLogin");
        assert_eq!(
            ev.to_json(),
            json!({
                "@timestamp": "2024-01-02T03:04:05.000Z",
                "event": {"dataset": "aws.cloudtrail", "action": "ConsoleLogin", "original": "{\"a\":1}"}
            })
        );
        assert_eq!(ev.dataset(), "aws.cloudtrail");
    }
}
