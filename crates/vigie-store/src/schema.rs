//! The table schema (format version 2) and the conversion of events into
//! Arrow record batches.
//!
//! Core ECS fields are columns, so filters and aggregations on them read a
//! few compressed, dictionary-encoded columns; the source record is kept
//! verbatim in `original`, so nothing an analyst might ask for is lost.
//! Every normalized field is in `fields` (a JSON object with flat dotted
//! keys) for events in memory and in version 1 files; version 2 files keep
//! only what normalizing `original` again does not give (`fields_extra`,
//! `fields_text`, see [`crate::derive`]), and `fields` is null there.

use std::sync::{Arc, LazyLock};

use arrow::array::{
    ArrayRef, Int64Builder, RecordBatch, StringBuilder, TimestampNanosecondBuilder, UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde_json::Value;
use vigie_event::Event;

/// The on-disk format version written in every file's metadata.
pub const FORMAT_VERSION: u32 = 2;
/// Parquet key-value metadata key holding [`FORMAT_VERSION`].
pub const FORMAT_VERSION_KEY: &str = "vigie.format_version";

/// `@timestamp`: when the event happened.
pub const TIMESTAMP: &str = "@timestamp";
/// `_id`: the event's unique id, `(log sequence number << 16) | position`:
/// the write-ahead-log record that carried the event and its place in it.
/// With `@timestamp`, it orders results stably (pagination cursors).
pub const SEQ: &str = "_id";
/// Bits of `_id` holding the event's position in its log record.
pub const ID_SHIFT: u32 = 16;
/// The most events one log record (one `_id` prefix) may carry.
pub const MAX_EVENTS_PER_RECORD: usize = 1 << ID_SHIFT;

/// The write-ahead-log sequence number of an `_id`.
pub fn seq_of_id(id: u64) -> u64 {
    id >> ID_SHIFT
}
/// `fields`: every normalized field, as a JSON object with dotted keys
/// (null in rows stored split, see [`crate::derive`]).
pub const FIELDS: &str = "fields";
/// `fields_extra` (version 2): the fields derivation does not give.
pub const FIELDS_EXTRA: &str = "fields_extra";
/// `fields_text` (version 2): texts of derived values `original` lacks.
pub const FIELDS_TEXT: &str = "fields_text";
/// Columns a version 1 file does not have (read as nulls).
pub const V2_COLUMNS: &[&str] = &[FIELDS_EXTRA, FIELDS_TEXT];
/// Storage columns that SQL's `events` table does not show: it shows
/// `fields` rebuilt instead.
pub const HIDDEN_COLUMNS: &[&str] = &[FIELDS_EXTRA, FIELDS_TEXT];
/// `original`: the source record, verbatim.
pub const ORIGINAL: &str = "original";

/// ECS fields stored as text columns (when the value is a scalar).
pub const TEXT_COLUMNS: &[&str] = &[
    "event.dataset",
    "event.kind",
    "event.action",
    "event.outcome",
    "event.provider",
    "event.module",
    "message",
    "log.level",
    "source.ip",
    "destination.ip",
    "network.transport",
    "network.community_id",
    "user.name",
    "host.name",
    "process.name",
    "cloud.provider",
    "cloud.account.id",
    "cloud.region",
    "url.original",
    "rule.name",
];

/// ECS fields stored as integer columns.
pub const INT_COLUMNS: &[&str] = &["source.port", "destination.port", "event.severity"];

/// The table schema of format version 2.
pub fn schema() -> SchemaRef {
    static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
        let mut fields = vec![
            Field::new(
                TIMESTAMP,
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                false,
            ),
            Field::new(SEQ, DataType::UInt64, false),
        ];
        for name in TEXT_COLUMNS {
            fields.push(Field::new(*name, DataType::Utf8, *name != "event.dataset"));
        }
        for name in INT_COLUMNS {
            fields.push(Field::new(*name, DataType::Int64, true));
        }
        fields.push(Field::new(FIELDS, DataType::Utf8, true));
        fields.push(Field::new(ORIGINAL, DataType::Utf8, true));
        for name in V2_COLUMNS {
            fields.push(Field::new(*name, DataType::Utf8, true));
        }
        Arc::new(Schema::new(fields))
    });
    SCHEMA.clone()
}

/// Row `i` of a text column, or `None` when null.
pub fn text_at(column: &arrow::array::StringArray, i: usize) -> Option<&str> {
    arrow::array::Array::is_valid(column, i).then(|| column.value(i))
}

/// A batch read from a file of any version, in the current schema: the
/// columns a version 1 file lacks are nulls.
pub fn to_current(batch: &RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
    let current = schema();
    let columns = current
        .fields()
        .iter()
        .map(|f| {
            batch
                .column_by_name(f.name())
                .cloned()
                .unwrap_or_else(|| arrow::array::new_null_array(f.data_type(), batch.num_rows()))
        })
        .collect();
    RecordBatch::try_new(current, columns)
}

/// Whether `name` is a column of its own (else it lives only in `fields`).
pub fn column_type(name: &str) -> Option<ColumnKind> {
    if name == TIMESTAMP {
        Some(ColumnKind::Timestamp)
    } else if TEXT_COLUMNS.contains(&name) {
        Some(ColumnKind::Text)
    } else if INT_COLUMNS.contains(&name) {
        Some(ColumnKind::Int)
    } else {
        None
    }
}

/// The kind of a dedicated column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Timestamp,
    Text,
    Int,
}

/// The JSON text of an event's normalized fields (flat, dotted keys).
pub fn fields_json(event: &Event) -> String {
    let mut map = serde_json::Map::with_capacity(event.fields.len());
    for (k, v) in event.fields.iter() {
        map.insert(k.to_owned(), v.clone());
    }
    Value::Object(map).to_string()
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scalar_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Converts the events of log record `seq` (at most
/// [`MAX_EVENTS_PER_RECORD`]) into one record batch of [`schema`].
pub fn to_batch(events: &[Event], seq: u64) -> RecordBatch {
    let n = events.len();
    let mut ts = TimestampNanosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut seqs = UInt64Builder::with_capacity(n);
    let mut texts: Vec<StringBuilder> = TEXT_COLUMNS
        .iter()
        .map(|_| StringBuilder::with_capacity(n, n * 8))
        .collect();
    let mut ints: Vec<Int64Builder> = INT_COLUMNS
        .iter()
        .map(|_| Int64Builder::with_capacity(n))
        .collect();
    let mut fields = StringBuilder::with_capacity(n, n * 512);
    let mut originals = StringBuilder::with_capacity(n, n * 512);
    for (i, ev) in events.iter().enumerate() {
        ts.append_value(ev.timestamp.as_nanos());
        seqs.append_value((seq << ID_SHIFT) | (i as u64 & (MAX_EVENTS_PER_RECORD as u64 - 1)));
        for (name, b) in TEXT_COLUMNS.iter().zip(texts.iter_mut()) {
            let v = ev.fields.get(name).and_then(scalar_text);
            match (v, *name == "event.dataset") {
                (Some(v), _) => b.append_value(v),
                (None, true) => b.append_value(""),
                (None, false) => b.append_null(),
            }
        }
        for (name, b) in INT_COLUMNS.iter().zip(ints.iter_mut()) {
            b.append_option(ev.fields.get(name).and_then(scalar_int));
        }
        fields.append_value(fields_json(ev));
        if ev.original.is_empty() {
            originals.append_null();
        } else {
            originals.append_value(&ev.original);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![Arc::new(ts.finish()), Arc::new(seqs.finish())];
    columns.extend(texts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.extend(ints.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(fields.finish()));
    columns.push(Arc::new(originals.finish()));
    for _ in V2_COLUMNS {
        columns.push(arrow::array::new_null_array(&DataType::Utf8, n));
    }
    // The columns are built to the schema above, so this cannot fail; an
    // empty batch keeps the code path total all the same.
    RecordBatch::try_new(schema(), columns).unwrap_or_else(|_| RecordBatch::new_empty(schema()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{Int64Type, TimestampNanosecondType, UInt64Type};
    use vigie_event::Timestamp;

    fn event() -> Event {
        let mut ev = Event::new(
            "aws.cloudtrail",
            Timestamp::from_nanos(1_700_000_000_000_000_000),
            "{\"a\":1}",
        );
        ev.fields.set("event.action", "ConsoleLogin");
        ev.fields.set("source.ip", "10.0.0.1");
        ev.fields.set("source.port", 443);
        ev.fields
            .set("event.category", serde_json::json!(["authentication"]));
        ev
    }

    #[test]
    fn columns_carry_core_fields_and_fields_keeps_everything() {
        let batch = to_batch(&[event()], 7);
        let s = batch.schema();
        let col = |name: &str| batch.column(s.index_of(name).unwrap()).clone();
        assert_eq!(
            col(TIMESTAMP)
                .as_primitive::<TimestampNanosecondType>()
                .value(0),
            1_700_000_000_000_000_000
        );
        assert_eq!(
            col(SEQ).as_primitive::<UInt64Type>().value(0),
            7 << ID_SHIFT
        );
        assert_eq!(seq_of_id(col(SEQ).as_primitive::<UInt64Type>().value(0)), 7);
        assert_eq!(
            col("event.action").as_string::<i32>().value(0),
            "ConsoleLogin"
        );
        assert_eq!(col("source.port").as_primitive::<Int64Type>().value(0), 443);
        assert!(col("user.name").is_null(0));
        let fields: Value = serde_json::from_str(col(FIELDS).as_string::<i32>().value(0)).unwrap();
        assert_eq!(
            fields["event.category"],
            serde_json::json!(["authentication"])
        );
        assert_eq!(fields["event.dataset"], "aws.cloudtrail");
        assert_eq!(col(ORIGINAL).as_string::<i32>().value(0), "{\"a\":1}");
    }

    #[test]
    fn non_scalar_core_field_is_null_in_its_column_but_kept_in_fields() {
        let mut ev = event();
        ev.fields.set("user.name", serde_json::json!(["a", "b"]));
        let batch = to_batch(&[ev], 1);
        let idx = batch.schema().index_of("user.name").unwrap();
        assert!(batch.column(idx).is_null(0));
    }
}
