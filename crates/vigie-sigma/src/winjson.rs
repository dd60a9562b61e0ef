//! Windows events in evtx JSON read straight into the flat fields Sigma's
//! Windows rules name ([`WindowsView`]), without building the JSON tree.
//!
//! The record is read once: keys are borrowed from it when they have no
//! escapes, only the values that become fields are built, and everything
//! else (`*_attributes` blocks, unknown parts of the record) is skipped.
//! The result is the same list [`WindowsView::new`] makes from a parsed
//! tree (tested against it below), with the channel and event id the
//! router needs.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::view::{flatten_user_data_owned, WindowsView};

/// A Windows event read by [`read`].
#[derive(Debug)]
pub struct WindowsRecord<'a> {
    /// The event's fields as Sigma names them.
    pub view: WindowsView<'a>,
    /// `System/Channel`.
    pub channel: Option<String>,
    /// `System/EventID`.
    pub event_id: Option<u64>,
}

/// Reads `text` as an evtx JSON Windows event (`{"Event":{"System":{…}}}`);
/// `None` when it is not valid JSON or not such an event.
pub fn read(text: &str) -> Option<WindowsRecord<'_>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parts = RootSeed.deserialize(&mut de).ok()??;
    de.end().ok()?;
    let system = parts.system?;
    let channel = system
        .iter()
        .find(|(k, _)| k == "Channel")
        .and_then(|(_, v)| v.as_str())
        .map(str::to_owned);
    let event_id = system
        .iter()
        .find(|(k, _)| k == "EventID")
        .and_then(|(_, v)| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        });
    let mut fields = parts.data;
    fields.extend(parts.user);
    fields.extend(system);
    Some(WindowsRecord {
        view: WindowsView::from_fields(fields),
        channel,
        event_id,
    })
}

type Fields<'a> = Vec<(Cow<'a, str>, Cow<'a, Value>)>;

/// The three parts of the flat list, in [`WindowsView::new`]'s order.
#[derive(Default)]
struct Parts<'a> {
    data: Fields<'a>,
    user: Fields<'a>,
    /// `None` when the event has no `System` object.
    system: Option<Fields<'a>>,
}

/// A map key, borrowed when the text has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The `#text` of an evtx element written with attributes, or the value.
fn text_of_owned(v: Value) -> Value {
    match v {
        Value::Object(mut m) if m.contains_key("#text") => m.remove("#text").unwrap_or(Value::Null),
        other => other,
    }
}

/// Visitor methods for every value that is not an object: skipped, and
/// the visit answers `$none`.
macro_rules! skip_non_objects {
    ($none:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($none)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($none)
        }
    };
}

struct RootSeed;

impl<'de> DeserializeSeed<'de> for RootSeed {
    type Value = Option<Parts<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Parts<'de>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut parts = None;
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    if key.0 == "Event" {
                        parts = map.next_value_seed(EventSeed)?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(parts)
            }
        }
        d.deserialize_map(V)
    }
}

struct EventSeed;

impl<'de> DeserializeSeed<'de> for EventSeed {
    type Value = Option<Parts<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Parts<'de>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut parts = Parts::default();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    match key.0.as_ref() {
                        "EventData" => map.next_value_seed(DataSeed(&mut parts.data))?,
                        "System" => {
                            let mut system = Vec::new();
                            if map.next_value_seed(SystemSeed(&mut system))? {
                                parts.system = Some(system);
                            }
                        }
                        "UserData" => {
                            let user: Value = map.next_value()?;
                            flatten_user_data_owned(user, &mut parts.user, 0);
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Some(parts))
            }
            // `Event` that is not an object: not a Windows event.
            skip_non_objects!(None);
        }
        d.deserialize_any(V)
    }
}

/// `EventData`: its named values, `*_attributes` and nulls left out, names
/// without spaces.
struct DataSeed<'o, 'a>(&'o mut Fields<'a>);

impl<'de> DeserializeSeed<'de> for DataSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        struct V<'o, 'a>(&'o mut Fields<'a>);
        impl<'de> Visitor<'de> for V<'_, 'de> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                    if k.ends_with("_attributes") {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    let v: Value = map.next_value()?;
                    if v.is_null() {
                        continue;
                    }
                    let name = if k.contains(' ') {
                        Cow::Owned(k.replace(' ', ""))
                    } else {
                        k
                    };
                    self.0.push((name, Cow::Owned(text_of_owned(v))));
                }
                Ok(())
            }
            skip_non_objects!(());
        }
        d.deserialize_any(V(self.0))
    }
}

/// `System`: its values, with the provider name and user id lifted out of
/// their attribute blocks. Answers whether `System` was an object.
struct SystemSeed<'o, 'a>(&'o mut Fields<'a>);

impl<'de> DeserializeSeed<'de> for SystemSeed<'_, 'de> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        struct V<'o, 'a>(&'o mut Fields<'a>);
        impl<'de> Visitor<'de> for V<'_, 'de> {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
                while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
                    // Attribute blocks other than the two lifted ones give
                    // no field: skipped without building them.
                    if k.ends_with("_attributes")
                        && k != "Provider_attributes"
                        && k != "Security_attributes"
                    {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    let v: Value = map.next_value()?;
                    if let Some((name, value)) = system_field(k, v) {
                        self.0.push((name, Cow::Owned(value)));
                    }
                }
                Ok(true)
            }
            skip_non_objects!(false);
        }
        d.deserialize_any(V(self.0))
    }
}

/// The field one `System` entry gives, as [`WindowsView::new`] names it.
fn system_field(k: Cow<'_, str>, v: Value) -> Option<(Cow<'_, str>, Value)> {
    let lift = |mut v: Value, block: &str, attr: &str| {
        v.as_object_mut().and_then(|m| match block {
            "" => m.remove(attr),
            _ => m
                .get_mut(block)
                .and_then(Value::as_object_mut)
                .and_then(|a| a.remove(attr)),
        })
    };
    match (k.as_ref(), &v) {
        ("Provider_attributes", Value::Object(_)) => {
            lift(v, "", "Name").map(|n| (Cow::Borrowed("Provider_Name"), n))
        }
        ("Security_attributes", Value::Object(_)) => {
            lift(v, "", "UserID").map(|n| (Cow::Borrowed("UserID"), n))
        }
        ("Provider", Value::Object(p)) if p.contains_key("#attributes") => {
            lift(v, "#attributes", "Name").map(|n| (Cow::Borrowed("Provider_Name"), n))
        }
        ("Security", Value::Object(s)) if s.contains_key("#attributes") => {
            lift(v, "#attributes", "UserID").map(|n| (Cow::Borrowed("UserID"), n))
        }
        (name, _) if name.ends_with("_attributes") => None,
        (_, Value::Null | Value::Object(_)) if v.get("#text").is_none() => None,
        _ => Some((k, text_of_owned(v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::FieldView;

    fn fields(view: &dyn FieldView) -> Vec<(String, Value)> {
        let mut names: Vec<String> = Vec::new();
        if let Some(flat) = view.flat_fields() {
            names = flat.iter().map(|(k, _)| k.to_string()).collect();
        }
        names.sort();
        names.dedup();
        names
            .into_iter()
            .flat_map(|n| {
                let mut out = Vec::new();
                view.get(&n, &mut out);
                let mut vals: Vec<Value> = out.into_iter().cloned().collect();
                vals.sort_by_key(|v| v.to_string());
                vals.into_iter().map(move |v| (n.clone(), v))
            })
            .collect()
    }

    fn same_as_tree(text: &str) {
        let tree: Value = serde_json::from_str(text).unwrap();
        let record = read(text).expect("a Windows event");
        assert_eq!(
            fields(&record.view),
            fields(&WindowsView::new(&tree)),
            "{text}"
        );
    }

    #[test]
    fn streaming_read_gives_the_fields_the_tree_view_gives() {
        same_as_tree(
            r##"{"Event":{"System":{"Provider_attributes":{"Name":"Microsoft-Windows-Sysmon"},
              "EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"pc1",
              "Correlation":null,"Security_attributes":{"UserID":"S-1-5-18"},
              "TimeCreated_attributes":{"SystemTime":"2024"}},
              "EventData":{"Image":"C:\\x.exe","Source Name":"Defender","Data_attributes":{},
              "Data":{"#text":["a","b"]},"Empty":null}}}"##,
        );
        same_as_tree(
            r##"{"Event":{"#attributes":{"xmlns":"x"},"System":{
              "Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},
              "Security":{"#attributes":{"UserID":"S-1-5-18"}},
              "EventID":{"#attributes":{"Qualifiers":0},"#text":4688}},
              "UserData":{"LogFileCleared":{"LogFileCleared_attributes":{"xmlns":"x"},
              "SubjectUserName":"bob","Level":{"#text":"4"}}}}}"##,
        );
        same_as_tree(r##"{"Event":{"System":{"EventID":"7"},"EventData":null}}"##);
    }

    #[test]
    fn channel_and_event_id_come_from_system() {
        let r = read(
            r##"{"Event":{"EventData":{"Channel":"decoy","EventID":9},
                "System":{"Channel":"Security","EventID":{"#text":"4624"}}}}"##,
        )
        .unwrap();
        assert_eq!(r.channel.as_deref(), Some("Security"));
        assert_eq!(r.event_id, Some(4624));
    }

    #[test]
    fn records_that_are_not_windows_events_are_refused() {
        for text in [
            r##"{"Event":{"EventData":{"a":1}}}"##,
            r##"{"Event":"x","System":{}}"##,
            r##"{"Event":{"System":[1,2]}}"##,
            r##"{"eventName":"ConsoleLogin"}"##,
            r##"{"Event":{"System":{}}} trailing"##,
            r##"{"Event":{"System":{"##,
            "not json",
        ] {
            assert!(read(text).is_none(), "{text}");
        }
        assert!(read(r##"{"Event":{"System":{}}}"##).is_some());
    }
}
