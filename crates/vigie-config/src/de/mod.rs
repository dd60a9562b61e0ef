//! A serde `Deserializer` over the marked YAML tree that keeps going.
//!
//! * Unknown keys of a struct are recorded (with a "did you mean" hint) and
//!   skipped, so the derived code never sees them.
//! * A value that fails (a bad leaf, a missing required key) fails with a
//!   [`DeError::Located`] naming the node, its path and position. The loader
//!   records it, marks that node as skipped (its key takes its default, or the
//!   list item is dropped) and deserializes again, until a pass succeeds:
//!   every bad value is reported, each exactly where it is.
//! * Keys whose value is empty (`key:` or `key: ~`) count as absent.
//! * Plain scalars are typed only when a number, a boolean or "any" is asked
//!   for: a string field takes the text as written.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{self, Deserializer, IntoDeserializer, Visitor};

use crate::error::ConfigError;
use crate::suggest::unknown_key_message;
use crate::tree::{is_bool, Entry, Kind, Mark, Node};

use access::{MapAccess, SeqAccess};
use scalar::{looks_float, parse_float, parse_int, unquote_value};

mod access;
mod scalar;

/// State shared by every deserializer of one pass.
pub(crate) struct Ctx {
    pub source: String,
    /// Problems that do not stop deserialization (unknown keys).
    pub errors: Vec<ConfigError>,
    /// Nodes already reported as bad: treated as absent.
    pub skipped: HashSet<usize>,
    /// Position of every key path seen.
    pub positions: HashMap<String, Mark>,
    /// For each list (by path), the file index of each item deserialized in
    /// this pass: skipped items make typed and file indices differ.
    pub lists: HashMap<String, Vec<usize>>,
}

/// A failure. `Plain` comes from serde or a `Deserialize` impl and is given
/// a place by the first enclosing deserializer that sees it.
#[derive(Debug)]
pub(crate) enum DeError {
    Located {
        node: usize,
        mark: Mark,
        path: String,
        message: String,
    },
    Plain(String),
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Located { path, message, .. } => write!(f, "{path}: {message}"),
            Self::Plain(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::Plain(msg.to_string())
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        // Never quote the value: it could be a secret in the wrong place.
        let found = match unexp {
            de::Unexpected::Bool(_) => "a boolean",
            de::Unexpected::Unsigned(_) | de::Unexpected::Signed(_) | de::Unexpected::Float(_) => {
                "a number"
            }
            de::Unexpected::Str(_) | de::Unexpected::Char(_) => "a string",
            de::Unexpected::Unit => "an empty value",
            de::Unexpected::Seq => "a list",
            de::Unexpected::Map => "a mapping",
            _ => "another kind of value",
        };
        Self::Plain(format!("expected {exp}, found {found}"))
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        match unexp {
            de::Unexpected::Unsigned(n) => Self::Plain(format!("{n} is out of range ({exp})")),
            de::Unexpected::Signed(n) => Self::Plain(format!("{n} is out of range ({exp})")),
            _ => Self::Plain(format!("invalid value {unexp}: expected {exp}")),
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::Plain(unknown_key_message("value", variant, expected))
    }

    fn missing_field(field: &'static str) -> Self {
        Self::Plain(format!("missing required key `{field}`"))
    }
}

/// Deserializes one node.
pub(crate) struct De<'a> {
    pub node: &'a Node,
    pub path: String,
    pub ctx: &'a RefCell<Ctx>,
}

/// Gives a place to an error that has none yet. When interpolation changed
/// the node's text, quotes of the value are replaced by the text as written
/// so that no environment value (maybe a secret) reaches the message.
pub(crate) fn locate(node: &Node, path: &str, e: DeError) -> DeError {
    match e {
        DeError::Plain(mut message) => {
            if let Kind::Scalar(s) = &node.kind {
                if let Some(raw) = &s.raw {
                    message = unquote_value(&message, &s.text, raw);
                }
            }
            DeError::Located {
                node: node.id,
                mark: node.mark,
                path: path.to_string(),
                message,
            }
        }
        located => located,
    }
}

impl<'a> De<'a> {
    fn wrap<T>(&self, r: Result<T, DeError>) -> Result<T, DeError> {
        r.map_err(|e| locate(self.node, &self.path, e))
    }

    fn type_error(&self, expected: &str) -> DeError {
        locate(
            self.node,
            &self.path,
            DeError::Plain(format!(
                "expected {expected}, found {}",
                self.node.describe()
            )),
        )
    }

    fn scalar(&self) -> Option<&'a str> {
        match &self.node.kind {
            Kind::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    fn integer<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let Some(text) = self.scalar() else {
            return Err(self.type_error("an integer"));
        };
        let r = match parse_int(text) {
            Some(n) => match (u64::try_from(n), i64::try_from(n)) {
                (Ok(u), _) => visitor.visit_u64(u),
                (_, Ok(i)) => visitor.visit_i64(i),
                _ => Err(DeError::Plain(format!("number \"{text}\" is out of range"))),
            },
            None => Err(DeError::Plain(format!(
                "invalid number \"{text}\": expected an integer"
            ))),
        };
        self.wrap(r)
    }

    fn float<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let Some(text) = self.scalar() else {
            return Err(self.type_error("a number"));
        };
        let r = match parse_float(text) {
            Some(f) => visitor.visit_f64(f),
            None => Err(DeError::Plain(format!(
                "invalid number \"{text}\": expected a number"
            ))),
        };
        self.wrap(r)
    }

    fn seq<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let Kind::Seq(items) = &self.node.kind else {
            return Err(self.type_error("a list"));
        };
        let access = SeqAccess {
            items: items.iter().enumerate(),
            path: &self.path,
            ctx: self.ctx,
        };
        let r = visitor.visit_seq(access);
        self.wrap(r)
    }

    fn map<'de, V: Visitor<'de>>(
        self,
        fields: Option<&'static [&'static str]>,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let entries: &[Entry] = match &self.node.kind {
            Kind::Map(entries) => entries,
            // An empty section (`server:`) is an empty mapping.
            Kind::Null => &[],
            _ => {
                let expected = match fields {
                    Some(f) => format!("a mapping with keys {}", f.join(", ")),
                    None => "a mapping".to_string(),
                };
                return Err(self.type_error(&expected));
            }
        };
        let access = MapAccess {
            entries: entries.iter(),
            fields,
            path: &self.path,
            ctx: self.ctx,
            value: None,
        };
        let r = visitor.visit_map(access);
        self.wrap(r)
    }
}

impl<'de> Deserializer<'de> for De<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            Kind::Null => {
                let r = visitor.visit_unit();
                self.wrap(r)
            }
            Kind::Seq(_) => self.seq(visitor),
            Kind::Map(_) => self.map(None, visitor),
            Kind::Scalar(s) if s.plain => {
                if let Some(b) = is_bool(&s.text) {
                    let r = visitor.visit_bool(b);
                    self.wrap(r)
                } else if parse_int(&s.text).is_some() {
                    self.integer(visitor)
                } else if looks_float(&s.text) {
                    self.float(visitor)
                } else {
                    let r = visitor.visit_str(&s.text);
                    self.wrap(r)
                }
            }
            Kind::Scalar(s) => {
                let r = visitor.visit_str(&s.text);
                self.wrap(r)
            }
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar().and_then(is_bool) {
            Some(b) => {
                let r = visitor.visit_bool(b);
                self.wrap(r)
            }
            None => Err(self.type_error("true or false")),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.integer(v)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.float(v)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.float(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(text) => {
                let r = visitor.visit_str(text);
                self.wrap(r)
            }
            None => Err(self.type_error("a string")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if matches!(self.node.kind, Kind::Null) {
            let r = visitor.visit_none();
            self.wrap(r)
        } else {
            let (node, path) = (self.node, self.path.clone());
            visitor.visit_some(self).map_err(|e| locate(node, &path, e))
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if matches!(self.node.kind, Kind::Null) {
            let r = visitor.visit_unit();
            self.wrap(r)
        } else {
            Err(self.type_error("an empty value"))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let (node, path) = (self.node, self.path.clone());
        visitor
            .visit_newtype_struct(self)
            .map_err(|e| locate(node, &path, e))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.seq(v)
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        self.seq(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.map(None, v)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.map(Some(fields), v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some(text) => {
                let access: StrDeserializer<'_, DeError> = text.into_deserializer();
                let r = visitor.visit_enum(access);
                self.wrap(r)
            }
            None => Err(self.type_error(&format!("one of {}", variants.join(", ")))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = visitor.visit_unit();
        self.wrap(r)
    }
}
