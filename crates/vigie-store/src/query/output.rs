//! [`QueryOutput`]: query results as column names and JSON rows.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Schema, TimeUnit};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::{Number, Value};
use vigie_event::Timestamp;

/// Rows of a query, ready for JSON.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct QueryOutput {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// Whether rows were cut at the row limit.
    pub truncated: bool,
    pub elapsed_ms: f64,
}

impl QueryOutput {
    pub(crate) fn new(schema: &Schema) -> Self {
        Self {
            columns: schema.fields().iter().map(|f| f.name().clone()).collect(),
            ..Self::default()
        }
    }

    /// Appends rows; returns true once `max_rows` is reached (the output is
    /// then marked truncated if rows were left out).
    pub(crate) fn push(&mut self, batch: &RecordBatch, max_rows: usize) -> bool {
        let take = batch
            .num_rows()
            .min(max_rows.saturating_sub(self.rows.len()));
        let columns: Vec<Vec<Value>> = batch
            .columns()
            .iter()
            .map(|c| column_values(c, take))
            .collect();
        for row in 0..take {
            self.rows
                .push(columns.iter().map(|c| c[row].clone()).collect());
        }
        if take < batch.num_rows() {
            self.truncated = true;
        }
        self.rows.len() >= max_rows
    }
}

/// The first `n` values of a column as JSON.
pub(crate) fn column_values(col: &ArrayRef, n: usize) -> Vec<Value> {
    let num = |f: f64| {
        Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    };
    let mut out = Vec::with_capacity(n);
    macro_rules! prim {
        ($t:ty, $conv:expr) => {{
            let a = col.as_primitive::<$t>();
            for i in 0..n {
                out.push(if a.is_null(i) {
                    Value::Null
                } else {
                    $conv(a.value(i))
                });
            }
        }};
    }
    use arrow::datatypes as t;
    match col.data_type() {
        DataType::Utf8 => {
            let a = col.as_string::<i32>();
            for i in 0..n {
                out.push(if a.is_null(i) {
                    Value::Null
                } else {
                    Value::String(a.value(i).to_owned())
                });
            }
        }
        DataType::LargeUtf8 => {
            let a = col.as_string::<i64>();
            for i in 0..n {
                out.push(if a.is_null(i) {
                    Value::Null
                } else {
                    Value::String(a.value(i).to_owned())
                });
            }
        }
        DataType::Utf8View => {
            let a = col.as_string_view();
            for i in 0..n {
                out.push(if a.is_null(i) {
                    Value::Null
                } else {
                    Value::String(a.value(i).to_owned())
                });
            }
        }
        DataType::Boolean => {
            let a = col.as_boolean();
            for i in 0..n {
                out.push(if a.is_null(i) {
                    Value::Null
                } else {
                    Value::Bool(a.value(i))
                });
            }
        }
        DataType::Int64 => prim!(t::Int64Type, |v: i64| Value::from(v)),
        DataType::Int32 => prim!(t::Int32Type, |v: i32| Value::from(v)),
        DataType::UInt64 => prim!(t::UInt64Type, |v: u64| Value::from(v)),
        DataType::UInt32 => prim!(t::UInt32Type, |v: u32| Value::from(v)),
        DataType::Float64 => prim!(t::Float64Type, |v: f64| num(v)),
        DataType::Float32 => prim!(t::Float32Type, |v: f32| num(v as f64)),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            prim!(t::TimestampNanosecondType, |v: i64| Value::String(
                Timestamp::from_nanos(v).to_rfc3339()
            ))
        }
        _ => {
            let fmt = ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default());
            for i in 0..n {
                out.push(match (&fmt, col.is_null(i)) {
                    (_, true) => Value::Null,
                    (Ok(f), false) => Value::String(f.value(i).to_string()),
                    (Err(_), false) => Value::Null,
                });
            }
        }
    }
    out
}
