//! vigie's SQL functions:
//! - `vigie_search(fields, original, 'query')`: whether a row matches a
//!   search query (the search API uses it for terms on fields that have no
//!   column of their own, and for bare words);
//! - `vigie_field(fields, 'dotted.name')`: a normalized field's value as
//!   text (arrays and objects as JSON).

use std::cell::OnceCell;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanBuilder, StringArray, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::SessionContext;
use serde_json::{Map, Value};
use vigie_search::{matches, parse, Document};

pub(crate) const SEARCH_FN: &str = "vigie_search";
pub(crate) const FIELD_FN: &str = "vigie_field";

/// Registers vigie's functions in a session.
pub(crate) fn register(ctx: &SessionContext) {
    ctx.register_udf(ScalarUDF::new_from_impl(SearchUdf::new()));
    ctx.register_udf(ScalarUDF::new_from_impl(FieldUdf::new()));
}

pub(crate) fn search_udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(SearchUdf::new()))
}

pub(crate) fn field_udf() -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::new_from_impl(FieldUdf::new()))
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

/// One row as a search document: its fields, parsed only when a field
/// term needs them, and its texts.
struct RowDoc<'a> {
    fields_text: Option<&'a str>,
    original: Option<&'a str>,
    parsed: OnceCell<Map<String, Value>>,
}

impl Document for RowDoc<'_> {
    fn field(&self, name: &str) -> Option<&Value> {
        self.parsed
            .get_or_init(|| {
                self.fields_text
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or_default()
            })
            .get(name)
    }

    fn texts(&self, f: &mut dyn FnMut(&str)) {
        if let Some(t) = self.fields_text {
            f(t);
        }
        if let Some(t) = self.original {
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
            signature: Signature::any(3, Volatility::Immutable),
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
        if args.args.len() != 3 {
            return exec_err!("{SEARCH_FN}(fields, original, query) takes three arguments");
        }
        let query_text = literal_text(&args.args[2], "query")?;
        let query = match parse(&query_text) {
            Ok(q) => q,
            Err(e) => return exec_err!("{SEARCH_FN}: {e}"),
        };
        let fields = utf8_arg(&args.args[0], n)?;
        let original = utf8_arg(&args.args[1], n)?;
        let fields = fields.as_string::<i32>();
        let original = original.as_string::<i32>();
        let mut out = BooleanBuilder::with_capacity(n);
        for i in 0..n {
            let doc = RowDoc {
                fields_text: fields.is_valid(i).then(|| fields.value(i)),
                original: original.is_valid(i).then(|| original.value(i)),
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
            signature: Signature::any(2, Volatility::Immutable),
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
        if args.args.len() != 2 {
            return exec_err!("{FIELD_FN}(fields, 'name') takes two arguments");
        }
        let key = literal_text(&args.args[1], "field name")?;
        let fields = utf8_arg(&args.args[0], n)?;
        let fields: &StringArray = fields.as_string::<i32>();
        let mut out = StringBuilder::with_capacity(n, n * 16);
        for i in 0..n {
            let v = fields
                .is_valid(i)
                .then(|| fields.value(i))
                .and_then(|t| serde_json::from_str::<Map<String, Value>>(t).ok())
                .and_then(|m| m.get(&key).and_then(value_text));
            out.append_option(v);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
