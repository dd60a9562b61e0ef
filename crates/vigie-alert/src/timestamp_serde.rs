//! Serde for [`Timestamp`] fields as RFC 3339 text (the form of
//! Alertmanager's API): `#[serde(with = "crate::timestamp_serde")]`.

use serde::{Deserialize, Deserializer, Serializer};
use vigie_event::Timestamp;

/// Writes `2024-01-02T03:04:05.000Z`.
pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

/// Reads RFC 3339 text (any offset).
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(d)?;
    Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
}
