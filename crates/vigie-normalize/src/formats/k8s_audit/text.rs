//! [`Text`]: a JSON string borrowed from the input when it has no escapes.
//!
//! serde's own `Cow<str>` impl always allocates, and `#[serde(borrow)]`
//! only helps a bare `Cow<'a, str>` field, not an `Option` or a `Vec` of
//! them. This newtype borrows wherever the deserializer can lend the
//! string, so the hot formats parse without a `String` per field.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// A JSON string, borrowed when possible.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Text<'a>(pub Cow<'a, str>);

impl Text<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

/// A JSON object of string values, in document order (Kubernetes
/// annotations and labels are `map[string]string`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextMap<'a>(pub Vec<(Text<'a>, Text<'a>)>);

struct TextMapVisitor;

impl<'de> Visitor<'de> for TextMapVisitor {
    type Value = TextMap<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of strings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(4).min(64));
        while let Some((k, v)) = map.next_entry::<Text<'de>, Option<Text<'de>>>()? {
            if let Some(v) = v {
                out.push((k, v));
            }
        }
        Ok(TextMap(out))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for TextMap<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TextMapVisitor)
    }
}

impl TextMap<'_> {
    /// The value of `key`, if present (the last one wins, as in Go).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == key)
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_plain_strings_and_owns_escaped_ones() {
        let t: Text<'_> = serde_json::from_str(r#""abc""#).unwrap();
        assert!(matches!(t.0, Cow::Borrowed("abc")));
        let t: Text<'_> = serde_json::from_str(r#""a\"b""#).unwrap();
        assert!(matches!(t.0, Cow::Owned(ref s) if s == "a\"b"));
        assert!(serde_json::from_str::<Text<'_>>("0").is_err());
    }

    #[test]
    fn text_map_keeps_order_and_drops_nulls() {
        let m: TextMap<'_> = serde_json::from_str(r#"{"b":"1","a":"2","c":null}"#).unwrap();
        assert_eq!(m.0.len(), 2);
        assert_eq!(m.get("a"), Some("2"));
        assert_eq!(m.0[0].0.as_str(), "b");
        assert!(serde_json::from_str::<TextMap<'_>>(r#"{"a":1}"#).is_err());
    }
}
