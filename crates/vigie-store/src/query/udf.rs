//! vigie's SQL functions, over the storage columns of a row (`fields`,
//! `fields_extra`, `fields_text`, `original`, `event.dataset`; rows stored
//! split have their fields rebuilt, see [`crate::derive`]):
//! - `vigie_search(fields, fields_extra, fields_text, original, dataset,
//!   'query')`: whether a row matches a search query (the search API uses it
//!   for terms on fields that have no column of their own, and for bare
//!   words); fields are rebuilt only when a field term needs them;
//! - `vigie_field(fields, fields_extra, original, dataset, 'dotted.name')`:
//!   a normalized field's value as text (arrays and objects as JSON);
//! - `vigie_fields(fields, fields_extra, original, dataset)`: every field,
//!   as the JSON object SQL's `events.fields` shows.

use std::cell::OnceCell;
use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, BooleanBuilder, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion::prelude::{ident, SessionContext};
use serde_json::{Map, Value};
use vigie_search::{matches, parse, Document};

use crate::derive;
use crate::schema::{text_at as cell, FIELDS, FIELDS_EXTRA, FIELDS_TEXT, ORIGINAL};

pub(crate) const SEARCH_FN: &str = "vigie_search";
pub(crate) const FIELD_FN: &str = "vigie_field";
pub(crate) const FIELDS_FN: &str = "vigie_fields";
const DATASET: &str = "event.dataset";

/// Registers vigie's functions in a session.
pub(crate) fn register(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::new_from_impl(SearchUdf::new()));
    ctx.register_udf(ScalarUDF::new_from_impl(FieldUdf::new()));
    ctx.register_udf(ScalarUDF::new_from_impl(FieldsUdf::new()));
}

/// `vigie_search(<storage columns>, query)`.
pub(crate) fn search_call(query: String) -> Expr {
    let udf = Arc::new(ScalarUDF::new_from_impl(SearchUdf::new()));
    udf.call(vec![
        ident(FIELDS),
        ident(FIELDS_EXTRA),
        ident(FIELDS_TEXT),
        ident(ORIGINAL),
        ident(DATASET),
        datafusion::prelude::lit(query),
    ])
}

/// `vigie_field(<storage columns>, name)`.
pub(crate) fn field_call(name: &str) -> Expr {
    let udf = Arc::new(ScalarUDF::new_from_impl(FieldUdf::new()));
    udf.call(vec![
        ident(FIELDS),
        ident(FIELDS_EXTRA),
        ident(ORIGINAL),
        ident(DATASET),
        datafusion::prelude::lit(name.to_owned()),
    ])
}

/// `vigie_fields(<storage columns>)`: a row's fields, rebuilt if split.
pub(crate) fn fields_call() -> Expr {
    let udf = Arc::new(ScalarUDF::new_from_impl(FieldsUdf::new()));
    udf.call(vec![
        ident(FIELDS),
        ident(FIELDS_EXTRA),
        ident(ORIGINAL),
        ident(DATASET),
    ])
}

fn utf8_arg(v: &ColumnarValue, n: usize) -> Result<ArrayRef> {
    let arr = v.to_array(n)?;
    Ok(arrow::compute::cast(&arr, &DataType::Utf8)?)
}

fn literal_text(v: &ColumnarValue, what: &str) -> Result<String> {
    match v {
        ColumnarValue::Scalar(ScalarValue::Utf8(Some(s)))
        | ColumnarValue::Scalar(ScalarValue::LargeUtf8(Some(s)))
        | ColumnarValue::Scalar(ScalarValue::Utf8View(Some(s))) => Ok(s.clone()),
        _ => exec_err!("the {what} argument must be a text literal"),
    }
}

/// The storage columns of a row (see the module documentation).
struct StoredRow<'a> {
    fields: Option<&'a str>,
    extra: Option<&'a str>,
    original: Option<&'a str>,
    dataset: &'a str,
}

impl StoredRow<'_> {
    /// Every field of the row.
    fn all_fields(&self) -> Map<String, Value> {
        match (self.fields, self.original) {
            (Some(f), _) => serde_json::from_str(f).unwrap_or_default(),
            (None, Some(original)) => derive::rebuild(
                derive::builtin(),
                self.dataset,
                original,
                self.extra.and_then(|e| serde_json::from_str(e).ok()),
            ),
            (None, None) => self
                .extra
                .and_then(|e| serde_json::from_str(e).ok())
                .unwrap_or_default(),
        }
    }
}

/// The storage columns of a batch, as arrays.
struct StoredColumns {
    fields: ArrayRef,
    extra: ArrayRef,
    original: ArrayRef,
    dataset: ArrayRef,
}

impl StoredColumns {
    fn from_args(args: &[ColumnarValue], n: usize) -> Result<Self> {
        Ok(Self {
            fields: utf8_arg(&args[0], n)?,
            extra: utf8_arg(&args[1], n)?,
            original: utf8_arg(&args[2], n)?,
            dataset: utf8_arg(&args[3], n)?,
        })
    }

    fn row(&self, i: usize) -> StoredRow<'_> {
        StoredRow {
            fields: cell(self.fields.as_string::<i32>(), i),
            extra: cell(self.extra.as_string::<i32>(), i),
            original: cell(self.original.as_string::<i32>(), i),
            dataset: cell(self.dataset.as_string::<i32>(), i).unwrap_or_default(),
        }
    }
}

/// One row as a search document: its fields, built only when a field term
/// needs them, and its texts.
struct RowDoc<'a> {
    row: StoredRow<'a>,
    text: Option<&'a str>,
    parsed: OnceCell<Map<String, Value>>,
}

impl Document for RowDoc<'_> {
    fn field(&self, name: &str) -> Option<&Value> {
        self.parsed.get_or_init(|| self.row.all_fields()).get(name)
    }

    fn texts(&self, f: &mut dyn FnMut(&str)) {
        let r = &self.row;
        for t in [r.fields, r.original, r.extra, self.text]
            .into_iter()
            .flatten()
        {
            f(t);
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SearchUdf {
    signature: Signature,
}

impl SearchUdf {
    fn new() -> Self {
        Self {
            signature: Signature::one_of(
                vec![TypeSignature::Any(3), TypeSignature::Any(6)],
                Volatility::Immutable,
            ),
        }
    }
}

impl ScalarUDFImpl for SearchUdf {
    fn name(&self) -> &str {
        SEARCH_FN
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let a = &args.args;
        // SQL's form, over `events.fields` whole, or the storage form.
        let null = ColumnarValue::Scalar(ScalarValue::Utf8(None));
        let (stored, text, query) = match a.len() {
            3 => (
                [a[0].clone(), null.clone(), a[1].clone(), null.clone()],
                null,
                &a[2],
            ),
            6 => (
                [a[0].clone(), a[1].clone(), a[3].clone(), a[4].clone()],
                a[2].clone(),
                &a[5],
            ),
            _ => return exec_err!("{SEARCH_FN}(fields, original, query) takes three arguments"),
        };
        let query_text = literal_text(query, "query")?;
        let query = match parse(&query_text) {
            Ok(q) => q,
            Err(e) => return exec_err!("{SEARCH_FN}: {e}"),
        };
        let cols = StoredColumns::from_args(&stored, n)?;
        let text = utf8_arg(&text, n)?;
        let text = text.as_string::<i32>();
        let mut out = BooleanBuilder::with_capacity(n);
        for i in 0..n {
            let doc = RowDoc {
                row: cols.row(i),
                text: cell(text, i),
                parsed: OnceCell::new(),
            };
            out.append_value(matches(&query, &doc));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct FieldUdf {
    signature: Signature,
}

impl FieldUdf {
    fn new() -> Self {
        Self {
            signature: Signature::one_of(
                vec![TypeSignature::Any(2), TypeSignature::Any(5)],
                Volatility::Immutable,
            ),
        }
    }
}

/// The text of a field value: strings as they are, other values as JSON.
pub(crate) fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl ScalarUDFImpl for FieldUdf {
    fn name(&self) -> &str {
        FIELD_FN
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let a = &args.args;
        let null = ColumnarValue::Scalar(ScalarValue::Utf8(None));
        // SQL's form, over `events.fields` whole, or the storage form.
        let (stored, key) = match a.len() {
            2 => ([a[0].clone(), null.clone(), null.clone(), null], &a[1]),
            5 => (
                [a[0].clone(), a[1].clone(), a[2].clone(), a[3].clone()],
                &a[4],
            ),
            _ => return exec_err!("{FIELD_FN}(fields, 'name') takes two arguments"),
        };
        let key = literal_text(key, "field name")?;
        let cols = StoredColumns::from_args(&stored, n)?;
        let mut out = StringBuilder::with_capacity(n, n * 16);
        for i in 0..n {
            let row = cols.row(i);
            // A field a pipeline added is in `fields_extra`: no rebuild.
            let extra = row
                .extra
                .filter(|_| row.fields.is_none())
                .and_then(|e| serde_json::from_str::<Map<String, Value>>(e).ok())
                .and_then(|mut m| m.remove(&key));
            let v = match extra {
                Some(v) => value_text(&v),
                None => row.all_fields().get(&key).and_then(value_text),
            };
            out.append_option(v);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct FieldsUdf {
    signature: Signature,
}

impl FieldsUdf {
    fn new() -> Self {
        Self {
            signature: Signature::any(4, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for FieldsUdf {
    fn name(&self) -> &str {
        FIELDS_FN
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        if args.args.len() != 4 {
            return exec_err!(
                "{FIELDS_FN}(fields, fields_extra, original, dataset) takes four arguments"
            );
        }
        let cols = StoredColumns::from_args(&args.args, n)?;
        let mut out = StringBuilder::with_capacity(n, n * 512);
        for i in 0..n {
            let row = cols.row(i);
            match row.fields {
                Some(f) => out.append_value(f),
                None => out.append_value(Value::Object(row.all_fields()).to_string()),
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
