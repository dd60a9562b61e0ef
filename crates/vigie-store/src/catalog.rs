//! The catalog: which data files exist, with what they hold (time range,
//! sequence range, rows, token index), read from their footers.
//!
//! Loading lists the events folder, reads the footer of every file not yet
//! known, and sorts out what it finds: a file it cannot read is moved to
//! `quarantine/` (when this process owns the store) and reported; a file a
//! compacted file replaces is hidden (and deleted by its owner); an index
//! without its data file is removed.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use object_store::path::Path;
// `ParquetObjectReader` is deprecated in favour of hand-written readers;
// it still does exactly what the store needs (ranged GETs through
// object_store), so it is kept until arrow-rs removes it.
#[allow(deprecated)]
use parquet::arrow::async_reader::ParquetObjectReader;
use parquet::arrow::ParquetRecordBatchStreamBuilder;
use vigie_search::TokenIndex;

use crate::schema::{self, FORMAT_VERSION, FORMAT_VERSION_KEY};
use crate::storage::Storage;
use crate::writer::{MAX_SEQ_KEY, MAX_TS_KEY, MIN_SEQ_KEY, MIN_TS_KEY, NODE_KEY, REPLACES_KEY};
use crate::{layout, StoreError};

/// One data file.
#[derive(Debug, Clone)]
pub struct FileMeta {
    pub path: Path,
    /// Bytes of the Parquet file.
    pub data_size: u64,
    /// Bytes of the data file and its index.
    pub size: u64,
    pub rows: u64,
    pub min_ts: i64,
    pub max_ts: i64,
    pub min_seq: u64,
    pub max_seq: u64,
    pub node: String,
    /// Names of the files this one replaces (compaction).
    pub replaces: Vec<String>,
    /// Per-row-group token filters; `None` when the index is missing.
    pub tokens: Option<Arc<TokenIndex>>,
}

impl FileMeta {
    pub fn name(&self) -> &str {
        layout::file_name(&self.path)
    }
}

/// The set of live data files.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    files: BTreeMap<String, Arc<FileMeta>>,
}

/// What a load found besides readable files.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// `(path, reason)` of files moved to quarantine (or skipped, for a
    /// reader that does not own them).
    pub quarantined: Vec<(String, String)>,
    /// Files hidden because a compacted file replaces them.
    pub superseded: Vec<Path>,
    /// Index files without their data file.
    pub orphans: Vec<Path>,
    /// Files written by a newer vigie (left alone).
    pub newer: Vec<String>,
}

impl Catalog {
    /// Live files, oldest first by time.
    pub fn files(&self) -> Vec<Arc<FileMeta>> {
        let mut v: Vec<_> = self.files.values().cloned().collect();
        v.sort_by_key(|f| (f.min_ts, f.min_seq));
        v
    }

    pub fn insert(&mut self, meta: FileMeta) {
        self.files
            .insert(meta.path.as_ref().to_owned(), Arc::new(meta));
    }

    pub fn remove(&mut self, path: &Path) -> Option<Arc<FileMeta>> {
        self.files.remove(path.as_ref())
    }

    pub fn contains(&self, path: &Path) -> bool {
        self.files.contains_key(path.as_ref())
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn total_bytes(&self) -> u64 {
        self.files.values().map(|f| f.size).sum()
    }

    pub fn total_rows(&self) -> u64 {
        self.files.values().map(|f| f.rows).sum()
    }

    /// The highest sequence number in files written by `node`.
    pub fn max_seq_of(&self, node: &str) -> u64 {
        self.files
            .values()
            .filter(|f| f.node == node)
            .map(|f| f.max_seq)
            .max()
            .unwrap_or(0)
    }

    /// Lists the store and returns the up-to-date catalog. Files already in
    /// `self` are not read again. `owner` (this process's node name, when it
    /// owns the store) allows moving bad files to quarantine and deleting
    /// superseded ones.
    pub async fn load(
        &self,
        storage: &Storage,
        owner: Option<&str>,
    ) -> Result<(Catalog, LoadReport), StoreError> {
        let listed = storage.list(&Path::from(layout::EVENTS_DIR)).await?;
        let mut report = LoadReport::default();
        let mut data = Vec::new();
        let mut tokens = HashSet::new();
        for meta in &listed {
            match meta.location.extension() {
                Some(layout::PARQUET_EXT) => data.push(meta.clone()),
                Some(layout::TOKENS_EXT) => {
                    tokens.insert(meta.location.as_ref().to_owned());
                }
                _ => {}
            }
        }
        let data_names: HashSet<String> = data
            .iter()
            .map(|m| layout::tokens_path(&m.location).as_ref().to_owned())
            .collect();
        for t in &tokens {
            if !data_names.contains(t) {
                report.orphans.push(Path::from(t.as_str()));
            }
        }
        let mut next = Catalog::default();
        for meta in data {
            let key = meta.location.as_ref().to_owned();
            if let Some(known) = self.files.get(&key) {
                next.files.insert(key, known.clone());
                continue;
            }
            match read_meta(storage, &meta.location, meta.size).await {
                Ok(Some(mut file)) => {
                    let tpath = layout::tokens_path(&meta.location);
                    if tokens.contains(tpath.as_ref()) {
                        file.tokens = read_tokens(storage, &tpath).await;
                    }
                    file.size += meta.size;
                    next.files.insert(key, Arc::new(file));
                }
                Ok(None) => report.newer.push(key),
                Err(reason) => report.quarantined.push((key, reason)),
            }
        }
        // Hide (and, as owner, delete) files a compacted file replaces.
        let replaced: HashSet<String> = next
            .files
            .values()
            .flat_map(|f| f.replaces.iter().cloned())
            .collect();
        let gone: Vec<String> = next
            .files
            .iter()
            .filter(|(_, f)| replaced.contains(f.name()))
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            if let Some(f) = next.files.remove(&k) {
                report.superseded.push(f.path.clone());
            }
        }
        if let Some(node) = owner {
            for (path, reason) in &report.quarantined {
                let p = Path::from(path.as_str());
                tracing::error!(file = %path, reason = %reason, "corrupt events file moved to quarantine; the other files stay readable");
                storage.rename(&p, &layout::quarantine_path(&p)).await?;
                let t = layout::tokens_path(&p);
                if tokens.contains(t.as_ref()) {
                    storage.rename(&t, &layout::quarantine_path(&t)).await?;
                }
            }
            for p in &report.superseded {
                if layout::node_of(p) == Some(node) {
                    storage.delete(&layout::tokens_path(p)).await?;
                    storage.delete(p).await?;
                }
            }
            for p in &report.orphans {
                if layout::node_of(p) == Some(node) {
                    storage.delete(p).await?;
                }
            }
        }
        Ok((next, report))
    }
}

fn kv<'a>(pairs: &'a [parquet::file::metadata::KeyValue], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|p| p.key == key)
        .and_then(|p| p.value.as_deref())
}

/// Reads a data file's footer. `Ok(None)`: written by a newer format;
/// `Err(reason)`: unreadable.
async fn read_meta(storage: &Storage, path: &Path, size: u64) -> Result<Option<FileMeta>, String> {
    #[allow(deprecated)]
    let reader = ParquetObjectReader::new(storage.rooted(), path.clone()).with_file_size(size);
    let builder = ParquetRecordBatchStreamBuilder::new(reader)
        .await
        .map_err(|e| format!("unreadable Parquet footer: {e}"))?;
    let md = builder.metadata().file_metadata();
    let pairs = md.key_value_metadata().map(Vec::as_slice).unwrap_or(&[]);
    let version: u32 = kv(pairs, FORMAT_VERSION_KEY)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no {FORMAT_VERSION_KEY} in the footer"))?;
    if version > FORMAT_VERSION {
        return Ok(None);
    }
    let expected = schema::schema();
    let actual = builder.schema();
    for field in expected.fields() {
        match actual.field_with_name(field.name()) {
            Ok(f) if f.data_type() == field.data_type() => {}
            // Version 1 files have no split-field columns: read as nulls.
            Err(_) if version < 2 && schema::V2_COLUMNS.contains(&field.name().as_str()) => {}
            _ => {
                return Err(format!(
                    "column {} missing or of another type",
                    field.name()
                ))
            }
        }
    }
    let num = |key: &str| -> Result<i64, String> {
        kv(pairs, key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no {key} in the footer"))
    };
    let unsigned = |key: &str| -> Result<u64, String> {
        kv(pairs, key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("no {key} in the footer"))
    };
    Ok(Some(FileMeta {
        path: path.clone(),
        data_size: size,
        size: 0,
        rows: md.num_rows().max(0) as u64,
        min_ts: num(MIN_TS_KEY)?,
        max_ts: num(MAX_TS_KEY)?,
        min_seq: unsigned(MIN_SEQ_KEY)?,
        max_seq: unsigned(MAX_SEQ_KEY)?,
        node: kv(pairs, NODE_KEY).unwrap_or_default().to_owned(),
        replaces: kv(pairs, REPLACES_KEY)
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        tokens: None,
    }))
}

async fn read_tokens(storage: &Storage, path: &Path) -> Option<Arc<TokenIndex>> {
    let bytes = storage.get(path).await.ok()?;
    match TokenIndex::from_bytes(&bytes) {
        Ok(index) => Some(Arc::new(index)),
        Err(e) => {
            tracing::warn!(file = %path, error = %e, "unreadable token index; the file is searched without it");
            None
        }
    }
}
