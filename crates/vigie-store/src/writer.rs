//! Writing one data file: events of one hour partition, sorted by time, cut
//! into row groups of a fixed number of rows, each with a token filter in
//! the `.tokens` file beside it.
//!
//! The token index is written first and the Parquet file last: a data file
//! that exists always has its index (an index without its data file is an
//! orphan, removed at start-up).

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch, StringBuilder};
use arrow::compute::{
    concat, interleave_record_batch, lexsort_to_indices, SortColumn, SortOptions,
};
use arrow::datatypes::{TimestampNanosecondType, UInt64Type};
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use vigie_search::{TokenFilterBuilder, TokenIndex};

use crate::catalog::FileMeta;
use crate::derive::{self, Derivation};
use crate::schema::{
    self, FIELDS, FIELDS_EXTRA, FIELDS_TEXT, FORMAT_VERSION, FORMAT_VERSION_KEY, ORIGINAL, SEQ,
    TIMESTAMP,
};
use crate::storage::Storage;
use crate::{layout, StoreError};

/// Metadata keys written in every file's footer.
pub const NODE_KEY: &str = "vigie.node";
pub const MIN_SEQ_KEY: &str = "vigie.min_seq";
pub const MAX_SEQ_KEY: &str = "vigie.max_seq";
/// Names of the files a compacted file replaces (comma separated).
pub const REPLACES_KEY: &str = "vigie.replaces";
pub const MIN_TS_KEY: &str = "vigie.min_ts";
pub const MAX_TS_KEY: &str = "vigie.max_ts";

/// How files are written.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub row_group_rows: usize,
    pub zstd_level: i32,
    /// Largest data page of the text columns (`original`, `fields`): larger
    /// pages compress better, smaller ones let a reader skip more.
    pub text_page_bytes: usize,
    /// When set, rows with full `fields` are stored split (format version
    /// 2, see [`crate::derive`]); flushes leave it unset to keep the ingest
    /// path cheap, compaction sets it.
    pub split_fields: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            row_group_rows: 16_384,
            zstd_level: 3,
            text_page_bytes: 1 << 20,
            split_fields: false,
        }
    }
}

/// Sorts the rows of `batches` by time (then id) into batches of at most
/// `chunk_rows` rows. Only the two key columns are concatenated; the rows
/// are gathered chunk by chunk, so no column ever holds every row: a string
/// column of one Arrow array is limited to 2 GiB of text, which a merge of
/// two million 1 KB records would pass.
pub fn sort_by_time(
    batches: &[RecordBatch],
    chunk_rows: usize,
) -> Result<Vec<RecordBatch>, StoreError> {
    let batches: Vec<&RecordBatch> = batches.iter().filter(|b| b.num_rows() > 0).collect();
    if batches.is_empty() {
        return Ok(Vec::new());
    }
    let key = |name: &str| {
        let parts: Vec<&dyn Array> = batches
            .iter()
            .map(|b| {
                b.column_by_name(name)
                    .map(|c| c.as_ref())
                    .ok_or_else(|| StoreError::storage("sort", "batch without @timestamp/_id"))
            })
            .collect::<Result<_, _>>()?;
        concat(&parts).map_err(|e| StoreError::storage("sort", e))
    };
    let (ts, seq) = (key(TIMESTAMP)?, key(SEQ)?);
    let opts = Some(SortOptions {
        descending: false,
        nulls_first: false,
    });
    let indices = lexsort_to_indices(
        &[
            SortColumn {
                values: ts,
                options: opts,
            },
            SortColumn {
                values: seq,
                options: opts,
            },
        ],
        None,
    )
    .map_err(|e| StoreError::storage("sort", e))?;
    let mut starts = Vec::with_capacity(batches.len());
    let mut total = 0usize;
    for b in &batches {
        starts.push(total);
        total += b.num_rows();
    }
    let mut out = Vec::with_capacity(total.div_ceil(chunk_rows.max(1)));
    for chunk in indices.values().chunks(chunk_rows.max(1)) {
        let pairs: Vec<(usize, usize)> = chunk
            .iter()
            .map(|&g| {
                let g = g as usize;
                let b = starts.partition_point(|&s| s <= g).saturating_sub(1);
                (b, g - starts[b])
            })
            .collect();
        out.push(
            interleave_record_batch(&batches, &pairs)
                .map_err(|e| StoreError::storage("sort", e))?,
        );
    }
    Ok(out)
}

fn properties(opts: &WriteOptions, kv: Vec<KeyValue>) -> Result<WriterProperties, StoreError> {
    let level =
        ZstdLevel::try_new(opts.zstd_level).map_err(|e| StoreError::storage("zstd level", e))?;
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(opts.row_group_rows.max(1)))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_key_value_metadata(Some(kv));
    for col in [FIELDS, ORIGINAL, FIELDS_EXTRA, SEQ] {
        b = b.set_column_dictionary_enabled(ColumnPath::from(col), false);
    }
    for col in [FIELDS, ORIGINAL, FIELDS_EXTRA, FIELDS_TEXT] {
        b = b.set_column_data_page_size_limit(ColumnPath::from(col), opts.text_page_bytes);
    }
    // Sorted times and ids: deltas take a byte or two per row.
    for col in [TIMESTAMP, SEQ] {
        b = b
            .set_column_dictionary_enabled(ColumnPath::from(col), false)
            .set_column_encoding(ColumnPath::from(col), Encoding::DELTA_BINARY_PACKED);
    }
    Ok(b.build())
}

/// Stores the rows of `batch` that carry full `fields` split (format
/// version 2) where derivation allows; other rows are left as they are.
pub fn split_batch(
    batch: &RecordBatch,
    derivation: &Derivation,
) -> Result<RecordBatch, StoreError> {
    let s = batch.schema();
    let index = |name: &str| {
        s.index_of(name)
            .map_err(|_| StoreError::storage("split", format!("batch without {name}")))
    };
    let (fi, oi, ei, ti, di) = (
        index(FIELDS)?,
        index(ORIGINAL)?,
        index(FIELDS_EXTRA)?,
        index(FIELDS_TEXT)?,
        index("event.dataset")?,
    );
    let n = batch.num_rows();
    let fields = batch.column(fi).as_string::<i32>();
    let original = batch.column(oi).as_string::<i32>();
    let extra = batch.column(ei).as_string::<i32>();
    let text = batch.column(ti).as_string::<i32>();
    let dataset = batch.column(di).as_string::<i32>();
    let mut new_fields = StringBuilder::with_capacity(n, 0);
    let mut new_extra = StringBuilder::with_capacity(n, 0);
    let mut new_text = StringBuilder::with_capacity(n, 0);
    let opt = schema::text_at;
    for i in 0..n {
        let split = opt(fields, i).and_then(|f| {
            let map = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(f).ok()?;
            let dataset = opt(dataset, i).unwrap_or_default();
            derive::split(derivation, dataset, opt(original, i)?, &map)
        });
        match split {
            Some(sp) => {
                new_fields.append_null();
                if sp.extra.is_empty() {
                    new_extra.append_null();
                } else {
                    new_extra.append_value(serde_json::Value::Object(sp.extra).to_string());
                }
                if sp.texts.is_empty() {
                    new_text.append_null();
                } else {
                    new_text.append_value(serde_json::Value::from(sp.texts).to_string());
                }
            }
            None => {
                new_fields.append_option(opt(fields, i));
                new_extra.append_option(opt(extra, i));
                new_text.append_option(opt(text, i));
            }
        }
    }
    let mut columns = batch.columns().to_vec();
    columns[fi] = Arc::new(new_fields.finish());
    columns[ei] = Arc::new(new_extra.finish());
    columns[ti] = Arc::new(new_text.finish());
    RecordBatch::try_new(s.clone(), columns).map_err(|e| StoreError::storage("split", e))
}

/// Builds the token filter of rows `[start, start+len)`.
fn token_filter(batch: &RecordBatch, start: usize, len: usize) -> vigie_search::TokenFilter {
    let mut builder = TokenFilterBuilder::new();
    let s = batch.schema();
    // A split row's `fields_extra` and `fields_text` hold every token its
    // full fields have that `original` lacks (see `crate::derive`), so the
    // filter covers the same tokens whichever way the row is stored.
    for name in [FIELDS, ORIGINAL, FIELDS_EXTRA, FIELDS_TEXT] {
        if let Ok(i) = s.index_of(name) {
            let col = batch.column(i).as_string::<i32>();
            for row in start..start + len {
                if col.is_valid(row) {
                    builder.insert_text(col.value(row));
                }
            }
        }
    }
    builder.build()
}

/// Writes `batch` (sorted, one partition) as a new data file and its token
/// index; returns the file's catalog entry.
pub async fn write_file(
    storage: &Storage,
    batches: &[RecordBatch],
    node: &str,
    replaces: &[String],
    opts: &WriteOptions,
    unique: u64,
) -> Result<FileMeta, StoreError> {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if rows == 0 {
        return Err(StoreError::storage("write", "no rows"));
    }
    let split: Vec<RecordBatch>;
    let batches = if opts.split_fields {
        split = batches
            .iter()
            .map(|b| split_batch(b, derive::builtin()))
            .collect::<Result<_, _>>()?;
        &split[..]
    } else {
        batches
    };
    let (mut min_ts, mut max_ts) = (i64::MAX, i64::MIN);
    let (mut min_id, mut max_id) = (u64::MAX, 0u64);
    for batch in batches.iter().filter(|b| b.num_rows() > 0) {
        let s = batch.schema();
        let ts = batch
            .column(
                s.index_of(TIMESTAMP)
                    .map_err(|e| StoreError::storage("write", e))?,
            )
            .as_primitive::<TimestampNanosecondType>();
        let seq = batch
            .column(
                s.index_of(SEQ)
                    .map_err(|e| StoreError::storage("write", e))?,
            )
            .as_primitive::<UInt64Type>();
        min_ts = min_ts.min(arrow::compute::min(ts).unwrap_or(i64::MAX));
        max_ts = max_ts.max(arrow::compute::max(ts).unwrap_or(i64::MIN));
        min_id = min_id.min(arrow::compute::min(seq).unwrap_or(u64::MAX));
        max_id = max_id.max(arrow::compute::max(seq).unwrap_or(0));
    }
    let min_seq = schema::seq_of_id(min_id);
    let max_seq = schema::seq_of_id(max_id);
    let partition = layout::partition_of(vigie_event::Timestamp::from_nanos(min_ts));
    let path = layout::data_path(&partition, node, min_seq, max_seq, unique);

    // One row group per slice of at most `group` rows of each batch; the
    // token index has one filter per row group, in the same order.
    let group = opts.row_group_rows.max(1);
    let mut slices = Vec::new();
    for batch in batches {
        let mut start = 0;
        while start < batch.num_rows() {
            let len = group.min(batch.num_rows() - start);
            slices.push((batch, start, len));
            start += len;
        }
    }
    let index = TokenIndex {
        row_groups: slices
            .iter()
            .map(|(b, start, len)| token_filter(b, *start, *len))
            .collect(),
    };
    let kv = vec![
        KeyValue::new(FORMAT_VERSION_KEY.to_owned(), FORMAT_VERSION.to_string()),
        KeyValue::new(NODE_KEY.to_owned(), node.to_owned()),
        KeyValue::new(MIN_SEQ_KEY.to_owned(), min_seq.to_string()),
        KeyValue::new(MAX_SEQ_KEY.to_owned(), max_seq.to_string()),
        KeyValue::new(REPLACES_KEY.to_owned(), replaces.join(",")),
        KeyValue::new(MIN_TS_KEY.to_owned(), min_ts.to_string()),
        KeyValue::new(MAX_TS_KEY.to_owned(), max_ts.to_string()),
    ];
    let mut buf = Vec::with_capacity(rows * 128);
    {
        let mut writer =
            ArrowWriter::try_new(&mut buf, schema::schema(), Some(properties(opts, kv)?))
                .map_err(|e| StoreError::storage(&path, e))?;
        for (batch, start, len) in &slices {
            writer
                .write(&batch.slice(*start, *len))
                .map_err(|e| StoreError::storage(&path, e))?;
            writer.flush().map_err(|e| StoreError::storage(&path, e))?;
        }
        writer.close().map_err(|e| StoreError::storage(&path, e))?;
    }
    let tokens = index.to_bytes();
    let tokens_len = tokens.len() as u64;
    storage
        .put(&layout::tokens_path(&path), Bytes::from(tokens))
        .await?;
    let size = buf.len() as u64;
    storage.put(&path, Bytes::from(buf)).await?;
    Ok(FileMeta {
        path,
        data_size: size,
        size: size + tokens_len,
        rows: rows as u64,
        min_ts,
        max_ts,
        min_seq,
        max_seq,
        node: node.to_owned(),
        replaces: replaces.to_vec(),
        tokens: Some(Arc::new(index)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_event::{Event, Timestamp};

    fn batch(times: &[i64], first_seq: u64) -> RecordBatch {
        let events: Vec<Event> = times
            .iter()
            .map(|t| {
                Event::new(
                    "json",
                    Timestamp::from_secs(*t).unwrap(),
                    format!("{{\"t\":{t}}}"),
                )
            })
            .collect();
        schema::to_batch(&events, first_seq)
    }

    fn column_i64(b: &RecordBatch) -> Vec<i64> {
        let c = b
            .column_by_name(TIMESTAMP)
            .unwrap()
            .as_primitive::<TimestampNanosecondType>();
        c.values().iter().map(|n| n / 1_000_000_000).collect()
    }

    #[test]
    fn sorting_gathers_rows_in_chunks_in_time_then_id_order_across_batches() {
        let inputs = [
            batch(&[5, 1, 9], 10),
            batch(&[3, 5, 2], 20),
            batch(&[7], 30),
        ];
        let out = sort_by_time(&inputs, 3).unwrap();
        let sizes: Vec<usize> = out.iter().map(RecordBatch::num_rows).collect();
        assert_eq!(
            sizes,
            [3, 3, 1],
            "chunks of at most 3 rows, never one array of all rows"
        );
        let times: Vec<i64> = out.iter().flat_map(column_i64).collect();
        assert_eq!(times, [1, 2, 3, 5, 5, 7, 9]);
        // The two events at t=5 keep id order, and every column follows its row.
        let originals: Vec<String> = out
            .iter()
            .flat_map(|b| {
                let c = b.column_by_name(ORIGINAL).unwrap().as_string::<i32>();
                (0..c.len())
                    .map(|i| c.value(i).to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(originals[0], "{\"t\":1}");
        assert_eq!(originals[6], "{\"t\":9}");
        let seqs: Vec<u64> = out
            .iter()
            .flat_map(|b| {
                b.column_by_name(SEQ)
                    .unwrap()
                    .as_primitive::<UInt64Type>()
                    .values()
                    .to_vec()
            })
            .collect();
        let at5: Vec<u64> = seqs[3..5].iter().map(|s| schema::seq_of_id(*s)).collect();
        assert!(at5[0] < at5[1], "{at5:?}");
        assert!(sort_by_time(&[], 3).unwrap().is_empty());
    }
}
