//! Fields derived from the original record (file format version 2).
//!
//! Most normalized fields are a pure function of the record they come from:
//! normalizing `original` again gives them back. A version 2 file therefore
//! keeps, per row, only what that re-normalization does *not* give:
//!
//! - `fields_extra`: the fields whose value differs from, or is absent in,
//!   the derived ones (what a pipeline or an input added), as a JSON object;
//! - `fields_text`: the texts of derived values that no value of `original`
//!   holds as consecutive tokens (`event.category` and other computed
//!   values), as a JSON array, so bare words still find them.
//!
//! A row whose fields cannot be rebuilt that way (no normalizer for its
//! dataset, the record expands to several events, a derived field was
//! removed later) keeps its full `fields` column, as in version 1. The
//! rebuild is exact: `rebuild(split(f)) == f` for every row stored split,
//! which the unit tests and the store's integration tests check.
//!
//! Derivation uses vigie's built-in normalizers only (never the
//! configuration's), so a row reads back the same whatever configuration
//! the reading process has.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use serde_json::{Map, Value};
use vigie_normalize::{Normalizer, RecordOutput, Registry, StreamState};
use vigie_search::{
    for_each_event_value, for_each_token, for_each_value_token, text_contains_phrase, token_hash,
};

/// Rebuilds fields from original records: vigie's built-in normalizers.
pub struct Derivation(Registry);

impl fmt::Debug for Derivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Derivation(built-in normalizers)")
    }
}

/// The one derivation every reader and writer uses.
pub fn builtin() -> &'static Derivation {
    static BUILTIN: LazyLock<Derivation> = LazyLock::new(|| Derivation(Registry::default()));
    &BUILTIN
}

impl Derivation {
    /// The fields `original` normalizes to as dataset `dataset` (flat,
    /// dotted names), or `None` when it does not give exactly one event
    /// with `original` as its record.
    pub fn derive(&self, dataset: &str, original: &str) -> Option<Map<String, Value>> {
        let normalizer: &dyn Normalizer = self.0.get(dataset)?;
        let mut events = Vec::with_capacity(1);
        let mut state = StreamState::default();
        let mut out = RecordOutput::new(&mut events);
        normalizer.normalize(original, &mut state, &mut out).ok()?;
        normalizer.finish(&mut state, &mut out);
        let clean = out.item_errors().is_empty();
        if !clean || events.len() != 1 {
            return None;
        }
        let event = events.pop()?;
        if event.original != original {
            return None;
        }
        Some(
            event
                .fields
                .iter()
                .map(|(k, v)| (k.to_owned(), v.clone()))
                .collect(),
        )
    }
}

/// A row's fields, stored split: what derivation does not give.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitFields {
    /// Fields that differ from the derived ones, or that derivation lacks.
    pub extra: Map<String, Value>,
    /// Texts of derived values that `original` does not hold.
    pub texts: Vec<String>,
}

/// Splits `fields` against the fields `original` derives to; `None` when
/// the row must keep its full fields (see the module documentation).
pub fn split(
    derivation: &Derivation,
    dataset: &str,
    original: &str,
    fields: &Map<String, Value>,
) -> Option<SplitFields> {
    if original.is_empty() {
        return None;
    }
    let derived = derivation.derive(dataset, original)?;
    split_against(&derived, original, fields)
}

/// [`split`] against fields already derived.
fn split_against(
    derived: &Map<String, Value>,
    original: &str,
    fields: &Map<String, Value>,
) -> Option<SplitFields> {
    // A derived field the row no longer has cannot be expressed as an
    // overlay: keep the full fields.
    if derived.keys().any(|k| !fields.contains_key(k)) {
        return None;
    }
    let extra: Map<String, Value> = fields
        .iter()
        .filter(|(k, v)| derived.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut tokens: Option<HashSet<u64>> = None;
    let mut texts = Vec::new();
    let mut seen = HashSet::new();
    for (k, v) in derived {
        if extra.contains_key(k) {
            continue;
        }
        for_each_scalar_text(v, &mut |scalar| {
            // A value holding a JSON text is searched as that text's values.
            for_each_event_value(scalar, |text| {
                if seen.contains(text) || held_by(original, text, &mut tokens) {
                    return;
                }
                seen.insert(text.to_owned());
                texts.push(text.to_owned());
            });
        });
    }
    Some(SplitFields { extra, texts })
}

/// Rebuilds a row's fields: the derived ones overlaid with `extra`.
pub fn rebuild(
    derivation: &Derivation,
    dataset: &str,
    original: &str,
    extra: Option<Map<String, Value>>,
) -> Map<String, Value> {
    let mut fields = derivation.derive(dataset, original).unwrap_or_default();
    if let Some(extra) = extra {
        fields.extend(extra);
    }
    fields
}

/// Whether every bare word or phrase that matches `text` (one value, not a
/// JSON text) also matches `original`: `text`'s tokens appear
/// consecutively in one of its values.
///
/// Single tokens are looked up by their stable hash (the token filters'),
/// in a set built once per record.
fn held_by(original: &str, text: &str, tokens: &mut Option<HashSet<u64>>) -> bool {
    let mut phrase = Vec::new();
    for_each_token(text, |t| phrase.push(t));
    match phrase.as_slice() {
        // Nothing a bare term could match.
        [] => true,
        [one] => tokens
            .get_or_insert_with(|| {
                let mut set = HashSet::with_capacity(128);
                for_each_value_token(original, |t| {
                    set.insert(token_hash(t));
                });
                set
            })
            .contains(&token_hash(one)),
        many => {
            let phrase: Vec<String> = many.iter().map(|t| t.to_ascii_lowercase()).collect();
            text_contains_phrase(original, &phrase)
        }
    }
}

/// Calls `f` with the text of every scalar inside `v`, as bare terms see
/// it in a JSON document (strings unescaped, numbers and booleans as
/// written).
fn for_each_scalar_text(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::Null => {}
        Value::String(s) => f(s),
        Value::Bool(b) => f(if *b { "true" } else { "false" }),
        Value::Number(n) => f(&n.to_string()),
        Value::Array(items) => items.iter().for_each(|i| for_each_scalar_text(i, f)),
        Value::Object(map) => map.values().for_each(|i| for_each_scalar_text(i, f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cloudtrail() -> String {
        json!({
            "eventVersion": "1.08",
            "eventTime": "2024-05-01T10:00:00Z",
            "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin",
            "awsRegion": "us-east-1",
            "sourceIPAddress": "203.0.113.9",
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
            "userIdentity": {"type": "IAMUser", "userName": "alice", "accountId": "111122223333"},
            "responseElements": {"ConsoleLogin": "Success"},
            "eventID": "e1", "eventType": "AwsConsoleSignIn", "recipientAccountId": "111122223333"
        })
        .to_string()
    }

    fn normalized(original: &str) -> Map<String, Value> {
        builtin()
            .derive("aws.cloudtrail", original)
            .expect("a CloudTrail record derives")
    }

    #[test]
    fn an_unchanged_row_splits_to_nothing_but_computed_texts_and_rebuilds_exactly() {
        let d = builtin();
        let original = cloudtrail();
        let fields = normalized(&original);
        let split = split(d, "aws.cloudtrail", &original, &fields).expect("splits");
        assert!(split.extra.is_empty(), "{:?}", split.extra);
        // Values copied from the record are not repeated; computed ones are.
        assert!(!split
            .texts
            .iter()
            .any(|t| t == "alice" || t == "203.0.113.9"));
        assert!(
            split.texts.iter().any(|t| t == "aws.cloudtrail"),
            "{:?}",
            split.texts
        );
        let back = rebuild(d, "aws.cloudtrail", &original, Some(split.extra));
        assert_eq!(back, fields);
    }

    #[test]
    fn fields_a_pipeline_added_or_changed_are_kept_as_extra() {
        let d = builtin();
        let original = cloudtrail();
        let mut fields = normalized(&original);
        fields.insert("tags".into(), json!(["prod"]));
        fields.insert("user.name".into(), json!("ALICE"));
        let split = split(d, "aws.cloudtrail", &original, &fields).expect("splits");
        assert_eq!(split.extra.len(), 2);
        assert_eq!(split.extra["tags"], json!(["prod"]));
        assert_eq!(split.extra["user.name"], json!("ALICE"));
        assert_eq!(
            rebuild(d, "aws.cloudtrail", &original, Some(split.extra)),
            fields
        );
    }

    #[test]
    fn rows_that_cannot_be_rebuilt_keep_their_full_fields() {
        let d = builtin();
        let original = cloudtrail();
        let mut fields = normalized(&original);
        fields.remove("user.name");
        assert_eq!(split(d, "aws.cloudtrail", &original, &fields), None);
        assert_eq!(split(d, "no.such.dataset", &original, &fields), None);
        assert_eq!(split(d, "aws.cloudtrail", "", &fields), None);
        assert_eq!(split(d, "aws.cloudtrail", "{not json", &fields), None);
    }

    #[test]
    fn a_json_text_kept_as_a_field_value_adds_only_the_values_the_record_lacks() {
        let original = cloudtrail();
        let mut derived = normalized(&original);
        // A derived copy of the record's own values, as text, adds nothing;
        // a value the record does not hold is kept, without the keys.
        derived.insert(
            "aws.cloudtrail.user_identity.copy".into(),
            json!(r#"{"userName":"alice","extra":"only here"}"#),
        );
        let split = split_against(&derived, &original, &derived).expect("splits");
        assert!(
            split.texts.iter().any(|t| t == "only here"),
            "{:?}",
            split.texts
        );
        assert!(!split
            .texts
            .iter()
            .any(|t| t.contains("alice") || t.contains("userName") || t.contains("extra")));
    }

    #[test]
    fn a_multi_token_value_is_held_only_when_its_tokens_are_consecutive_in_one_value() {
        let original = r#"{"a":"first second","b":"third"}"#;
        let mut tokens = None;
        assert!(held_by(original, "first second", &mut tokens));
        assert!(held_by(original, "SECOND", &mut tokens));
        assert!(!held_by(original, "second third", &mut tokens));
        assert!(!held_by(original, "fourth", &mut tokens));
        assert!(held_by(original, "--", &mut tokens));
    }
}
