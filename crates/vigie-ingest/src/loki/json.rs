//! Loki's JSON push body:
//! `{"streams":[{"stream":{"job":"x"},"values":[["<epoch ns>","line",{"k":"v"}]]}]}`.
//!
//! The timestamp is a decimal string of nanoseconds (a JSON integer is
//! accepted too); the optional third element carries structured metadata.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use super::{labels::is_valid_label_name, Entry, LokiError, Push, Stream};

#[derive(Deserialize)]
struct PushJson {
    #[serde(default)]
    streams: Vec<StreamJson>,
}

#[derive(Deserialize)]
struct StreamJson {
    #[serde(default)]
    stream: StringMap,
    #[serde(default)]
    values: Vec<EntryJson>,
}

/// A JSON object of strings, kept in document order.
#[derive(Default)]
struct StringMap(Vec<(String, String)>);

impl<'de> Deserialize<'de> for StringMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of string values")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<StringMap, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                Ok(StringMap(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<StringMap, E> {
                Ok(StringMap::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// `["<ns>", "line"]` or `["<ns>", "line", {"meta": "data"}]`.
struct EntryJson {
    timestamp: Result<i64, String>,
    line: String,
    metadata: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TsJson {
    Text(String),
    Int(i64),
}

impl<'de> Deserialize<'de> for EntryJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EntryJson;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an entry [\"<epoch ns>\", \"<line>\", {metadata}?]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EntryJson, A::Error> {
                let ts: TsJson = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let line: String = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let metadata: Option<StringMap> = seq.next_element()?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &self));
                }
                let timestamp = match ts {
                    TsJson::Int(n) => Ok(n),
                    TsJson::Text(s) => s
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| format!("timestamp {s:?} is not epoch nanoseconds")),
                };
                Ok(EntryJson {
                    timestamp,
                    line,
                    metadata: metadata.map(|m| m.0).unwrap_or_default(),
                })
            }
        }
        d.deserialize_seq(V)
    }
}

/// Decodes a JSON push body into [`Push`].
pub fn decode_json(body: &[u8]) -> Result<Push, LokiError> {
    let push: PushJson =
        serde_json::from_slice(body).map_err(|e| LokiError::Json(e.to_string()))?;
    let mut streams = Vec::with_capacity(push.streams.len());
    for (si, s) in push.streams.into_iter().enumerate() {
        let labels = match s.stream.0.iter().find(|(k, _)| !is_valid_label_name(k)) {
            Some((bad, _)) => Err(format!("invalid label name `{bad}`")),
            None => Ok(s.stream.0),
        };
        let mut entries = Vec::with_capacity(s.values.len());
        for (ei, e) in s.values.into_iter().enumerate() {
            let timestamp_ns = e.timestamp.map_err(|reason| LokiError::Entry {
                stream: si,
                entry: ei,
                reason,
            })?;
            entries.push(Entry {
                timestamp_ns,
                line: e.line.into_bytes(),
                metadata: e.metadata,
            });
        }
        streams.push(Stream { labels, entries });
    }
    Ok(Push { streams })
}
