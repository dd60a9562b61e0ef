//! The texts of an event's fields, computed once per event: every rule
//! that reads `CommandLine` shares one lookup, one conversion to text and
//! one case folding of it.
//!
//! Texts borrow from the event's values where they can (strings, and the
//! folded form of text that folding leaves unchanged), so a field costs an
//! allocation only when its value is a number or its folded form differs.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use serde_json::Value;
use smallvec::SmallVec;

use crate::names::FastMap;
use crate::value::glob::fold_into;
use crate::view::FieldView;

/// The texts of one field (array elements one by one), as written and
/// case-folded.
#[derive(Debug, Default)]
pub struct Texts<'a> {
    /// As written.
    pub raw: SmallVec<[Cow<'a, str>; 1]>,
    /// Case-folded ([`fold_into`]).
    pub folded: SmallVec<[Cow<'a, str>; 1]>,
}

fn needs_folding(t: &str) -> bool {
    !t.is_ascii() || t.bytes().any(|b| b.is_ascii_uppercase())
}

impl<'a> Texts<'a> {
    fn push(&mut self, t: Cow<'a, str>) {
        let folded = if needs_folding(&t) {
            let mut f = String::with_capacity(t.len());
            fold_into(&t, &mut f);
            Cow::Owned(f)
        } else {
            t.clone()
        };
        self.raw.push(t);
        self.folded.push(folded);
    }

    fn push_value(&mut self, v: &'a Value) {
        match v {
            Value::String(s) => self.push(Cow::Borrowed(s)),
            Value::Number(n) => self.push(Cow::Owned(n.to_string())),
            Value::Bool(b) => self.push(Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Array(items) => items.iter().for_each(|i| self.push_value(i)),
            Value::Object(_) => self.push(Cow::Owned(v.to_string())),
            Value::Null => {}
        }
    }

    /// The (raw, folded) pairs.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.raw
            .iter()
            .map(|c| &**c)
            .zip(self.folded.iter().map(|c| &**c))
    }
}

/// Fields an event's cache has room for before it grows.
const FIELDS_PER_EVENT: usize = 64;

type FieldMap<'a> = FastMap<&'a str, Rc<Texts<'a>>>;

/// A field view with a per-event cache of texts.
pub struct EventView<'a> {
    /// The underlying view (for raw values: numbers, IPs, presence).
    pub view: &'a dyn FieldView,
    fields: RefCell<FieldMap<'a>>,
    keywords: OnceCell<Rc<Texts<'a>>>,
    /// The texts of every absent field.
    empty: Rc<Texts<'a>>,
    /// Values of the field being looked up (reused).
    values: RefCell<Vec<&'a Value>>,
}

impl<'a> EventView<'a> {
    /// Wraps `view`.
    pub fn new(view: &'a dyn FieldView) -> EventView<'a> {
        EventView {
            view,
            fields: RefCell::new(FieldMap::with_capacity_and_hasher(
                FIELDS_PER_EVENT,
                Default::default(),
            )),
            keywords: OnceCell::new(),
            empty: Rc::new(Texts::default()),
            values: RefCell::new(Vec::new()),
        }
    }

    /// The texts of `field` (empty when absent). `field` must outlive the
    /// view: rule field names do.
    pub fn texts(&self, field: &'a str) -> Rc<Texts<'a>> {
        if let Some(t) = self.fields.borrow().get(field) {
            return t.clone();
        }
        let mut fresh = Vec::new();
        let mut held = self.values.try_borrow_mut();
        let values = match held.as_deref_mut() {
            Ok(v) => v,
            Err(_) => &mut fresh,
        };
        values.clear();
        self.view.get(field, values);
        let texts = if values.is_empty() {
            self.empty.clone()
        } else {
            let mut texts = Texts::default();
            for v in values.iter() {
                texts.push_value(v);
            }
            Rc::new(texts)
        };
        self.fields.borrow_mut().insert(field, texts.clone());
        texts
    }

    /// Every text a keyword may match.
    pub fn keyword_texts(&self) -> Rc<Texts<'a>> {
        self.keywords
            .get_or_init(|| {
                let mut texts = Texts::default();
                let mut values = Vec::new();
                if self.view.keyword_values(&mut values) {
                    for v in values {
                        texts.push_value(v);
                    }
                } else {
                    self.view.any_text(&mut |t| {
                        texts.push(Cow::Owned(t.to_owned()));
                        false
                    });
                }
                Rc::new(texts)
            })
            .clone()
    }
}
