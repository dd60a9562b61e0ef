//! How a rule sees an event: field values by Sigma name, and the texts a
//! keyword search looks through.
//!
//! Sigma rules use the source's own field names (`CommandLine`, `eventName`,
//! `objectRef.resource`), so fields are looked up in the original record
//! first; the event's ECS fields come second, so that rules written against
//! ECS names (`gcp.audit.method_name`) work too. Windows event logs are
//! flattened the way Sigma expects (`EventData` names without spaces,
//! `Provider_Name`, the unnamed `Data` items).

use std::borrow::Cow;

use serde_json::Value;
use vigie_event::Event;

use crate::names::name_key;

/// Field access for one event.
pub trait FieldView {
    /// Pushes the values of `field` (arrays are pushed whole; null values
    /// are not pushed).
    fn get<'s>(&'s self, field: &str, out: &mut Vec<&'s Value>);

    /// Calls `f` with every text a keyword may match; stops and returns
    /// true as soon as `f` does.
    fn any_text(&self, f: &mut dyn FnMut(&str) -> bool) -> bool;

    /// Pushes the values whose texts are the ones [`FieldView::any_text`]
    /// gives, so that they can be borrowed rather than copied; returns
    /// false (pushing nothing) when the view has no such values.
    fn keyword_values<'s>(&'s self, _out: &mut Vec<&'s Value>) -> bool {
        false
    }

    /// The view's fields as a flat list of (name, value), when it keeps
    /// one ([`WindowsView`]): the index then scans the fields the event
    /// has instead of looking up every field the rules read.
    fn flat_fields(&self) -> Option<&[(Cow<'_, str>, Cow<'_, Value>)]> {
        None
    }

    /// The [`name_key`] of each of [`FieldView::flat_fields`], in order.
    fn flat_keys(&self) -> Option<&[u64]> {
        None
    }
}

fn push_leaves<'v>(value: &'v Value, out: &mut Vec<&'v Value>) {
    match value {
        Value::Object(map) => map.values().for_each(|v| push_leaves(v, out)),
        Value::Array(items) => items.iter().for_each(|v| push_leaves(v, out)),
        Value::Null => {}
        leaf => out.push(leaf),
    }
}

/// Calls `f` with the text of a value as string comparisons see it: numbers
/// and booleans by their JSON text, arrays element by element, objects as
/// compact JSON. Returns whether `f` held for one of them.
pub fn any_text_of(value: &Value, f: &mut dyn FnMut(&str) -> bool) -> bool {
    match value {
        Value::String(s) => f(s),
        Value::Number(n) => f(&n.to_string()),
        Value::Bool(b) => f(if *b { "true" } else { "false" }),
        Value::Array(items) => items.iter().any(|v| any_text_of(v, f)),
        Value::Object(_) => f(&value.to_string()),
        Value::Null => false,
    }
}

fn any_leaf(value: &Value, f: &mut dyn FnMut(&str) -> bool) -> bool {
    match value {
        Value::Object(map) => map.values().any(|v| any_leaf(v, f)),
        Value::Array(items) => items.iter().any(|v| any_leaf(v, f)),
        other => any_text_of(other, f),
    }
}

/// Resolves a dotted Sigma field name inside a JSON value. A key that
/// itself contains dots (`id.orig_h` in Zeek) is tried before splitting;
/// arrays on the way are searched element by element.
pub fn lookup_path<'v>(value: &'v Value, path: &str, out: &mut Vec<&'v Value>) {
    lookup_depth(value, path, out, 0);
}

fn lookup_depth<'v>(value: &'v Value, path: &str, out: &mut Vec<&'v Value>, depth: usize) {
    if depth > 32 {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(v) = map.get(path) {
                if !v.is_null() {
                    out.push(v);
                }
                return;
            }
            for (i, _) in path.match_indices('.') {
                if let Some(child) = map.get(&path[..i]) {
                    lookup_depth(child, &path[i + 1..], out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                lookup_depth(item, path, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Field aliases of a dataset: name -> where to look instead, in order.
type Aliases = &'static [(&'static str, &'static [&'static str])];

/// Looks `field` up with `direct`; when absent, tries its aliases in order
/// and stops at the first that has values.
fn with_aliases<'s>(
    aliases: Aliases,
    field: &str,
    out: &mut Vec<&'s Value>,
    direct: &mut dyn FnMut(&str, &mut Vec<&'s Value>),
) {
    let before = out.len();
    direct(field, out);
    if out.len() > before {
        return;
    }
    if let Some((_, targets)) = aliases.iter().find(|(name, _)| *name == field) {
        for t in *targets {
            direct(t, out);
            if out.len() > before {
                break;
            }
        }
    }
}

/// A JSON record, with the event's ECS fields behind it.
pub struct JsonView<'a> {
    /// The parsed original record.
    pub root: &'a Value,
    /// The normalized event (ECS fields).
    pub event: Option<&'a Event>,
    /// Where the dataset keeps fields of generic Sigma categories
    /// ([`crate::logsource::field_aliases`]).
    pub aliases: Aliases,
}

impl JsonView<'_> {
    fn direct<'s>(&'s self, field: &str, out: &mut Vec<&'s Value>) {
        let before = out.len();
        lookup_path(self.root, field, out);
        if out.len() == before {
            if let Some(v) = self.event.and_then(|e| e.fields.get(field)) {
                if !v.is_null() {
                    out.push(v);
                }
            }
        }
    }
}

impl FieldView for JsonView<'_> {
    fn get<'s>(&'s self, field: &str, out: &mut Vec<&'s Value>) {
        with_aliases(self.aliases, field, out, &mut |f, out| self.direct(f, out));
    }

    fn any_text(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        any_leaf(self.root, f)
    }

    fn keyword_values<'s>(&'s self, out: &mut Vec<&'s Value>) -> bool {
        push_leaves(self.root, out);
        true
    }
}

/// A record that is not JSON (syslog, auditd, raw lines): the ECS fields,
/// `key=value` pairs of the line, and the line itself for keywords.
pub struct LineView<'a> {
    /// The event.
    pub event: &'a Event,
    /// `key=value` pairs found in the line, values as JSON strings.
    pub pairs: Vec<(&'a str, Value)>,
    /// Where the dataset keeps fields of generic Sigma categories.
    pub aliases: Aliases,
}

impl<'a> LineView<'a> {
    /// Builds the view, splitting `key=value` pairs out of the line
    /// (auditd and many appliance logs write them; quotes are removed).
    pub fn new(event: &'a Event) -> LineView<'a> {
        let mut pairs = Vec::new();
        for token in event.original.split_ascii_whitespace() {
            if let Some((k, v)) = token.split_once('=') {
                if !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    let v = v.trim_matches('"');
                    pairs.push((k, Value::String(v.to_owned())));
                }
            }
        }
        LineView {
            event,
            pairs,
            aliases: crate::logsource::field_aliases(event.dataset()),
        }
    }
}

impl LineView<'_> {
    fn direct<'s>(&'s self, field: &str, out: &mut Vec<&'s Value>) {
        let before = out.len();
        out.extend(
            self.pairs
                .iter()
                .filter(|(k, _)| *k == field)
                .map(|(_, v)| v),
        );
        if out.len() == before {
            if let Some(v) = self.event.fields.get(field) {
                if !v.is_null() {
                    out.push(v);
                }
            }
        }
    }
}

impl FieldView for LineView<'_> {
    fn get<'s>(&'s self, field: &str, out: &mut Vec<&'s Value>) {
        with_aliases(self.aliases, field, out, &mut |f, out| self.direct(f, out));
    }

    fn any_text(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        f(&self.event.original)
    }
}

/// A Windows event in evtx JSON (`{"Event":{"System":…,"EventData":…}}`),
/// flattened the way Sigma's Windows rules name fields.
#[derive(Debug)]
pub struct WindowsView<'a> {
    fields: Vec<(Cow<'a, str>, Cow<'a, Value>)>,
    /// The [`name_key`] of each field name.
    keys: Vec<u64>,
}

/// Whether a parsed record is an evtx JSON Windows event.
pub fn is_windows_event(root: &Value) -> bool {
    root.get("Event")
        .and_then(|e| e.get("System"))
        .is_some_and(Value::is_object)
}

/// The `#text` of an evtx element written with attributes, or the value.
fn text_of(v: &Value) -> &Value {
    v.get("#text").unwrap_or(v)
}

impl<'a> WindowsView<'a> {
    /// Flattens `root` (see [`is_windows_event`]).
    /// A view over fields already flattened ([`crate::winjson`]).
    pub fn from_fields(fields: Vec<(Cow<'a, str>, Cow<'a, Value>)>) -> WindowsView<'a> {
        let keys = fields.iter().map(|(k, _)| name_key(k)).collect();
        WindowsView { fields, keys }
    }

    /// Flattens `root` (see [`is_windows_event`]).
    pub fn new(root: &'a Value) -> WindowsView<'a> {
        let mut fields: Vec<(Cow<'a, str>, &'a Value)> = Vec::with_capacity(32);
        let event = root.get("Event").unwrap_or(root);
        if let Some(Value::Object(data)) = event.get("EventData") {
            for (k, v) in data {
                if k.ends_with("_attributes") || v.is_null() {
                    continue;
                }
                let name: Cow<'a, str> = if k.contains(' ') {
                    Cow::Owned(k.replace(' ', ""))
                } else {
                    Cow::Borrowed(k.as_str())
                };
                fields.push((name, text_of(v)));
            }
        }
        if let Some(user) = event.get("UserData") {
            flatten_user_data(user, &mut fields, 0);
        }
        if let Some(Value::Object(system)) = event.get("System") {
            for (k, v) in system {
                match (k.as_str(), v) {
                    ("Provider_attributes", Value::Object(p)) => {
                        if let Some(name) = p.get("Name") {
                            fields.push((Cow::Borrowed("Provider_Name"), name));
                        }
                    }
                    ("Security_attributes", Value::Object(s)) => {
                        if let Some(uid) = s.get("UserID") {
                            fields.push((Cow::Borrowed("UserID"), uid));
                        }
                    }
                    // evtx_dump without --separate-json-attributes.
                    ("Provider", Value::Object(p)) if p.contains_key("#attributes") => {
                        if let Some(name) = p.get("#attributes").and_then(|a| a.get("Name")) {
                            fields.push((Cow::Borrowed("Provider_Name"), name));
                        }
                    }
                    ("Security", Value::Object(s)) if s.contains_key("#attributes") => {
                        if let Some(uid) = s.get("#attributes").and_then(|a| a.get("UserID")) {
                            fields.push((Cow::Borrowed("UserID"), uid));
                        }
                    }
                    (k, _) if k.ends_with("_attributes") => {}
                    (_, Value::Null | Value::Object(_)) if v.get("#text").is_none() => {}
                    (k, v) => fields.push((Cow::Borrowed(k), text_of(v))),
                }
            }
        }
        WindowsView::from_fields(
            fields
                .into_iter()
                .map(|(k, v)| (k, Cow::Borrowed(v)))
                .collect(),
        )
    }
}

/// [`flatten_user_data`] for an owned value: leaves are moved out.
pub(crate) fn flatten_user_data_owned<'a>(
    v: Value,
    out: &mut Vec<(Cow<'a, str>, Cow<'a, Value>)>,
    depth: usize,
) {
    let Value::Object(map) = v else { return };
    if depth > 8 {
        return;
    }
    for (k, child) in map {
        if k.ends_with("_attributes") {
            continue;
        }
        match child {
            Value::Object(_) if child.get("#text").is_none() => {
                flatten_user_data_owned(child, out, depth + 1)
            }
            Value::Null => {}
            Value::Object(mut m) => {
                let text = m.remove("#text").unwrap_or(Value::Null);
                out.push((Cow::Owned(k), Cow::Owned(text)));
            }
            leaf => out.push((Cow::Owned(k), Cow::Owned(leaf))),
        }
    }
}

fn flatten_user_data<'a>(v: &'a Value, out: &mut Vec<(Cow<'a, str>, &'a Value)>, depth: usize) {
    let Value::Object(map) = v else { return };
    if depth > 8 {
        return;
    }
    for (k, child) in map {
        if k.ends_with("_attributes") {
            continue;
        }
        match child {
            Value::Object(_) if child.get("#text").is_none() => {
                flatten_user_data(child, out, depth + 1)
            }
            Value::Null => {}
            leaf => out.push((Cow::Borrowed(k.as_str()), text_of(leaf))),
        }
    }
}

impl FieldView for WindowsView<'_> {
    fn get<'s>(&'s self, field: &str, out: &mut Vec<&'s Value>) {
        // Names equal but for ASCII case share a key: compare keys first.
        let key = name_key(field);
        let before = out.len();
        let mut folded = false;
        for (i, _) in self.keys.iter().enumerate().filter(|(_, k)| **k == key) {
            if let Some((name, value)) = self.fields.get(i) {
                if name == field {
                    out.push(value.as_ref());
                } else if name.eq_ignore_ascii_case(field) {
                    folded = true;
                }
            }
        }
        // No exact name: the names equal but for case.
        if out.len() == before && folded {
            for (i, _) in self.keys.iter().enumerate().filter(|(_, k)| **k == key) {
                if let Some((name, value)) = self.fields.get(i) {
                    if name.eq_ignore_ascii_case(field) {
                        out.push(value.as_ref());
                    }
                }
            }
        }
    }

    fn any_text(&self, f: &mut dyn FnMut(&str) -> bool) -> bool {
        self.fields.iter().any(|(_, v)| any_text_of(v.as_ref(), f))
    }

    fn keyword_values<'s>(&'s self, out: &mut Vec<&'s Value>) -> bool {
        out.extend(self.fields.iter().map(|(_, v)| v.as_ref()));
        true
    }

    fn flat_fields(&self) -> Option<&[(Cow<'_, str>, Cow<'_, Value>)]> {
        Some(&self.fields)
    }

    fn flat_keys(&self) -> Option<&[u64]> {
        Some(&self.keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn get(view: &dyn FieldView, field: &str) -> Vec<Value> {
        let mut out = Vec::new();
        view.get(field, &mut out);
        out.into_iter().cloned().collect()
    }

    #[test]
    fn dotted_names_try_the_whole_key_first_then_descend_through_arrays() {
        let root = json!({"id.orig_h": "10.0.0.1", "a": {"b": [{"c": 1}, {"c": 2}]},
                          "requestParameters": {"x": null}});
        let v = JsonView {
            root: &root,
            event: None,
            aliases: &[],
        };
        assert_eq!(get(&v, "id.orig_h"), vec![json!("10.0.0.1")]);
        assert_eq!(get(&v, "a.b.c"), vec![json!(1), json!(2)]);
        assert!(get(&v, "requestParameters.x").is_empty(), "null is absent");
        assert!(get(&v, "nope").is_empty());
    }

    #[test]
    fn windows_events_flatten_like_sigma_names_them() {
        let root = json!({"Event": {
            "System": {"Provider_attributes": {"Name": "Microsoft-Windows-Sysmon"},
                       "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational",
                       "Computer": "pc1", "Correlation": null,
                       "Security_attributes": {"UserID": "S-1-5-18"}},
            "EventData": {"Image": "C:\\x.exe", "Source Name": "Defender", "Data_attributes": {},
                          "Data": {"#text": ["a", "b"]}}}});
        assert!(is_windows_event(&root));
        let v = WindowsView::new(&root);
        assert_eq!(get(&v, "Image"), vec![json!("C:\\x.exe")]);
        assert_eq!(get(&v, "SourceName"), vec![json!("Defender")]);
        assert_eq!(
            get(&v, "Provider_Name"),
            vec![json!("Microsoft-Windows-Sysmon")]
        );
        assert_eq!(get(&v, "EventID"), vec![json!(1)]);
        assert_eq!(get(&v, "Data"), vec![json!(["a", "b"])]);
        assert_eq!(
            get(&v, "image"),
            vec![json!("C:\\x.exe")],
            "case-insensitive fallback"
        );
        assert!(get(&v, "Correlation").is_empty());
        let plain = json!({"Event": {"System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
            "Security": {"#attributes": {"UserID": "S-1-5-18"}},
            "EventID": {"#attributes": {"Qualifiers": 0}, "#text": 4688}}}});
        let v2 = WindowsView::new(&plain);
        assert_eq!(
            get(&v2, "Provider_Name"),
            vec![json!("Microsoft-Windows-Security-Auditing")]
        );
        assert_eq!(get(&v2, "UserID"), vec![json!("S-1-5-18")]);
        assert_eq!(get(&v2, "EventID"), vec![json!(4688)]);
        let mut seen = Vec::new();
        v.any_text(&mut |t| {
            seen.push(t.to_owned());
            false
        });
        assert!(seen.contains(&"b".to_owned()) && seen.contains(&"pc1".to_owned()));
    }

    #[test]
    fn user_data_leaves_are_fields() {
        let root = json!({"Event": {"System": {"EventID": 1102},
            "UserData": {"LogFileCleared": {"LogFileCleared_attributes": {"xmlns": "x"},
                                            "SubjectUserName": "bob"}}}});
        let v = WindowsView::new(&root);
        assert_eq!(get(&v, "SubjectUserName"), vec![json!("bob")]);
        assert!(get(&v, "xmlns").is_empty());
    }
}
