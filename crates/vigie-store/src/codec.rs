//! The payload of a write-ahead-log record: the events of one batch as
//! newline-delimited JSON (`{"t":nanos,"o":original,"f":{fields}}`).
//!
//! Decoding is total: a line that does not decode is reported by number and
//! skipped (the log's CRC makes that an internal error, never an input one).

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use vigie_event::{Event, Fields, Timestamp, Value};

struct FieldsRef<'a>(&'a Fields);

impl Serialize for FieldsRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct EventRef<'a> {
    t: i64,
    o: &'a str,
    f: FieldsRef<'a>,
}

#[derive(Deserialize)]
struct EventOwned {
    t: i64,
    o: String,
    f: OrderedFields,
}

/// Fields in the order they were written (a JSON map would sort them).
struct OrderedFields(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for OrderedFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = OrderedFields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedFields, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(OrderedFields(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Encodes a batch of events.
pub fn encode(events: &[Event]) -> Vec<u8> {
    let mut out = Vec::with_capacity(events.len() * 1024);
    for ev in events {
        let r = EventRef {
            t: ev.timestamp.as_nanos(),
            o: &ev.original,
            f: FieldsRef(&ev.fields),
        };
        // Serializing owned JSON values into a Vec cannot fail.
        if serde_json::to_writer(&mut out, &r).is_ok() {
            out.push(b'\n');
        }
    }
    out
}

/// Decodes a batch; returns the events and the numbers of lines that did
/// not decode.
pub fn decode(payload: &[u8]) -> (Vec<Event>, Vec<usize>) {
    let mut events = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in payload.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<EventOwned>(line) {
            Ok(e) => {
                let mut fields = Fields::with_capacity(e.f.0.len());
                for (k, v) in e.f.0 {
                    fields.set(k, v);
                }
                events.push(Event {
                    timestamp: Timestamp::from_nanos(e.t),
                    fields,
                    original: e.o,
                });
            }
            Err(_) => bad.push(i + 1),
        }
    }
    (events, bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn events_round_trip(
            t in any::<i64>(),
            original in ".{0,40}",
            values in proptest::collection::vec(("[a-z.]{1,12}", ".{0,12}"), 0..6),
        ) {
            let mut ev = Event::new("d", Timestamp::from_nanos(t), original);
            for (k, v) in &values {
                ev.fields.set(k.clone(), v.clone());
            }
            ev.fields.set("n", 5);
            let (back, bad) = decode(&encode(std::slice::from_ref(&ev)));
            prop_assert!(bad.is_empty());
            prop_assert_eq!(back, vec![ev]);
        }
    }

    #[test]
    fn a_line_that_does_not_decode_is_reported_by_number() {
        let ev = Event::new("d", Timestamp::from_nanos(1), "x");
        let mut payload = encode(std::slice::from_ref(&ev));
        payload.extend_from_slice(b"{not json\n");
        payload.extend_from_slice(&encode(std::slice::from_ref(&ev)));
        let (events, bad) = decode(&payload);
        assert_eq!(events, vec![ev.clone(), ev]);
        assert_eq!(bad, vec![2]);
    }
}
