//! Writing one data file: events of one hour partition, sorted by time, cut
//! into row groups of a fixed number of rows, each with a token filter in
//! the `.tokens` file beside it.
//!
//! The token index is written first and the Parquet file last: a data file
//! that exists always has its index (an index without its data file is an
//! orphan, removed at start-up).

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::{
    concat_batches, lexsort_to_indices, take_record_batch, SortColumn, SortOptions,
};
use arrow::datatypes::{TimestampNanosecondType, UInt64Type};
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use vigie_search::{TokenFilterBuilder, TokenIndex};

use crate::catalog::FileMeta;
use crate::schema::{self, FIELDS, FORMAT_VERSION, FORMAT_VERSION_KEY, ORIGINAL, SEQ, TIMESTAMP};
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
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            row_group_rows: 65_536,
            zstd_level: 3,
        }
    }
}

/// Sorts rows by `@timestamp`, then `_seq`.
pub fn sort_by_time(batches: &[RecordBatch]) -> Result<RecordBatch, StoreError> {
    let all =
        concat_batches(&schema::schema(), batches).map_err(|e| StoreError::storage("sort", e))?;
    let s = all.schema();
    let col = |name: &str| s.index_of(name).map(|i| all.column(i).clone());
    let (ts, seq) = match (col(TIMESTAMP), col(SEQ)) {
        (Ok(t), Ok(q)) => (t, q),
        _ => return Err(StoreError::storage("sort", "batch without @timestamp/_seq")),
    };
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
    take_record_batch(&all, &indices).map_err(|e| StoreError::storage("sort", e))
}

fn properties(opts: &WriteOptions, kv: Vec<KeyValue>) -> Result<WriterProperties, StoreError> {
    let level =
        ZstdLevel::try_new(opts.zstd_level).map_err(|e| StoreError::storage("zstd level", e))?;
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(opts.row_group_rows.max(1)))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_key_value_metadata(Some(kv));
    for col in [FIELDS, ORIGINAL, SEQ] {
        b = b.set_column_dictionary_enabled(ColumnPath::from(col), false);
    }
    Ok(b.build())
}

/// Builds the token filter of rows `[start, start+len)`.
fn token_filter(batch: &RecordBatch, start: usize, len: usize) -> vigie_search::TokenFilter {
    let mut builder = TokenFilterBuilder::new();
    let s = batch.schema();
    for name in [FIELDS, ORIGINAL] {
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
    batch: &RecordBatch,
    node: &str,
    replaces: &[String],
    opts: &WriteOptions,
    unique: u64,
) -> Result<FileMeta, StoreError> {
    let rows = batch.num_rows();
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
    if rows == 0 {
        return Err(StoreError::storage("write", "no rows"));
    }
    let min_ts = arrow::compute::min(ts).unwrap_or(0);
    let max_ts = arrow::compute::max(ts).unwrap_or(0);
    let min_seq = schema::seq_of_id(arrow::compute::min(seq).unwrap_or(0));
    let max_seq = schema::seq_of_id(arrow::compute::max(seq).unwrap_or(0));
    let partition = layout::partition_of(vigie_event::Timestamp::from_nanos(min_ts));
    let path = layout::data_path(&partition, node, min_seq, max_seq, unique);

    let group = opts.row_group_rows.max(1);
    let mut index = TokenIndex {
        row_groups: Vec::new(),
    };
    let mut start = 0;
    while start < rows {
        let len = group.min(rows - start);
        index.row_groups.push(token_filter(batch, start, len));
        start += len;
    }
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
        let mut start = 0;
        while start < rows {
            let len = group.min(rows - start);
            writer
                .write(&batch.slice(start, len))
                .map_err(|e| StoreError::storage(&path, e))?;
            writer.flush().map_err(|e| StoreError::storage(&path, e))?;
            start += len;
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
