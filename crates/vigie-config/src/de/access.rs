//! The `SeqAccess` and `MapAccess` of [`super::De`]: skip nodes already
//! reported, record positions and unknown keys, and give each child its path.

use std::cell::RefCell;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer};

use super::{locate, Ctx, De, DeError};
use crate::error::ConfigError;
use crate::suggest::unknown_key_message;
use crate::tree::{Entry, Kind, Node};

pub(super) fn child_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

pub(super) struct SeqAccess<'a, 'p> {
    pub(super) items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
    pub(super) path: &'p str,
    pub(super) ctx: &'a RefCell<Ctx>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        for (i, item) in self.items.by_ref() {
            let path = format!("{}[{i}]", self.path);
            let mut ctx = self.ctx.borrow_mut();
            if ctx.skipped.contains(&item.id) {
                continue;
            }
            ctx.positions.insert(path.clone(), item.mark);
            ctx.lists.entry(self.path.to_string()).or_default().push(i);
            drop(ctx);
            let de = De {
                node: item,
                path: path.clone(),
                ctx: self.ctx,
            };
            return seed
                .deserialize(de)
                .map(Some)
                .map_err(|e| locate(item, &path, e));
        }
        Ok(None)
    }
}

pub(super) struct MapAccess<'a, 'p> {
    pub(super) entries: std::slice::Iter<'a, Entry>,
    pub(super) fields: Option<&'static [&'static str]>,
    pub(super) path: &'p str,
    pub(super) ctx: &'a RefCell<Ctx>,
    pub(super) value: Option<(&'a Node, String)>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        for entry in self.entries.by_ref() {
            // Keys that are not strings were reported by the check pass,
            // which also marked their value as skipped.
            let Kind::Scalar(key) = &entry.key.kind else {
                continue;
            };
            let mut ctx = self.ctx.borrow_mut();
            if ctx.skipped.contains(&entry.value.id) {
                continue;
            }
            let path = child_key(self.path, &key.text);
            let at = match entry.value.kind {
                Kind::Null => entry.key.mark,
                _ => entry.value.mark,
            };
            ctx.positions.insert(path.clone(), at);
            if let Some(fields) = self.fields {
                if !fields.contains(&key.text.as_str()) {
                    let message = unknown_key_message("key", &key.text, fields);
                    let e = ConfigError::new(
                        ctx.source.clone(),
                        entry.key.mark.line,
                        entry.key.mark.col,
                        path,
                        message,
                    );
                    ctx.errors.push(e);
                    continue;
                }
                if matches!(entry.value.kind, Kind::Null) {
                    continue;
                }
            }
            drop(ctx);
            self.value = Some((&entry.value, path));
            let key_de: StrDeserializer<'_, DeError> = key.text.as_str().into_deserializer();
            return seed.deserialize(key_de).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((node, path)) = self.value.take() else {
            return Err(DeError::Plain("value requested before its key".into()));
        };
        let de = De {
            node,
            path: path.clone(),
            ctx: self.ctx,
        };
        seed.deserialize(de).map_err(|e| locate(node, &path, e))
    }
}
