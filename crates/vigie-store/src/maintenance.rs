//! Background work of a writing store, on its own thread: flushing the
//! in-memory tail to files, compacting small files, applying retention,
//! deleting replaced files once no query can still be reading them, and
//! re-listing shared object storage.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::TimestampNanosecondType;
use futures_util::TryStreamExt;
use object_store::path::Path;
// `ParquetObjectReader` is deprecated in favour of hand-written readers;
// it still does exactly what the store needs (ranged GETs through
// object_store), so it is kept until arrow-rs removes it.
#[allow(deprecated)]
use parquet::arrow::async_reader::ParquetObjectReader;
use parquet::arrow::ParquetRecordBatchStreamBuilder;

use crate::catalog::FileMeta;
use crate::schema::{self, TIMESTAMP};
use crate::store::{Shared, Store};
use crate::writer::{sort_by_time, write_file, WriteOptions};
use crate::{layout, StoreError};

/// How long a replaced or expired file stays readable for queries that
/// started before it was dropped from the catalog.
const DELETE_GRACE: Duration = Duration::from_secs(30);

/// Most bytes of files one merge reads (it holds their rows in memory).
const MERGE_MAX_BYTES: u64 = 256 << 20;
/// Largest data page of a compacted file's text columns: 8 MiB pages hold
/// about 5,000 CloudTrail records and compress 7% smaller than 1 MiB ones.
const COMPACTED_TEXT_PAGE_BYTES: usize = 8 << 20;
/// How long after its hour ends a partition is left to late events before
/// its flushed files are rewritten compacted.
pub const SETTLE: Duration = Duration::from_secs(600);
const HOUR_NANOS: i64 = 3_600_000_000_000;

/// The running maintenance thread.
pub struct Maintenance {
    handle: Option<std::thread::JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl Maintenance {
    /// Stops the thread after a last flush of everything in memory.
    pub fn stop(mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Maintenance {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Store {
    /// Starts flushing, compaction and retention in the background.
    pub fn start_maintenance(&self) -> Maintenance {
        let store = self.clone();
        let handle = std::thread::Builder::new()
            .name("vigie-store".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        tracing::error!(error = %e, "store maintenance could not start");
                        return;
                    }
                };
                rt.block_on(store.maintenance_loop());
            })
            .ok();
        Maintenance {
            handle,
            shared: self.shared.clone(),
        }
    }

    async fn maintenance_loop(&self) {
        let mut last_compaction = Instant::now();
        let mut last_retention = Instant::now() - Duration::from_secs(3600);
        let mut last_refresh = Instant::now();
        // After a failed flush (a full disk, storage down), wait before the
        // next attempt instead of retrying (and logging) five times a second.
        let mut flush_backoff = Duration::ZERO;
        let mut next_flush = Instant::now();
        loop {
            let stopping = self.shared.stop.load(Ordering::SeqCst);
            if (self.flush_due() && Instant::now() >= next_flush) || stopping {
                match self.flush().await {
                    Ok(()) => flush_backoff = Duration::ZERO,
                    Err(e) => {
                        self.shared.metrics.store.error("flush");
                        flush_backoff = (flush_backoff * 2)
                            .clamp(Duration::from_secs(1), Duration::from_secs(30));
                        next_flush = Instant::now() + flush_backoff;
                        tracing::error!(error = %e, retry_in = ?flush_backoff, "flushing events to files failed; they stay in memory and in the write-ahead log");
                    }
                }
            }
            if stopping {
                return;
            }
            if last_compaction.elapsed() >= Duration::from_secs(10) {
                last_compaction = Instant::now();
                // One merge per round, so flushes are never held up for
                // long behind compaction.
                if let Err(e) = self.compact_up_to(1).await {
                    self.shared.metrics.store.error("compaction");
                    tracing::error!(error = %e, "compaction failed; the small files stay as they are");
                }
            }
            if last_retention.elapsed() >= Duration::from_secs(60) {
                last_retention = Instant::now();
                if let Err(e) = self.apply_retention().await {
                    self.shared.metrics.store.error("retention");
                    tracing::error!(error = %e, "retention failed");
                }
            }
            if !self.shared.storage.is_local()
                && last_refresh.elapsed() >= self.shared.options.refresh_interval
            {
                last_refresh = Instant::now();
                if let Err(e) = self.refresh().await {
                    self.shared.metrics.store.error("refresh");
                    tracing::warn!(error = %e, "re-listing object storage failed");
                }
            }
            self.delete_pending(false).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    fn flush_due(&self) -> bool {
        let st = self.shared.state.read().unwrap_or_else(|e| e.into_inner());
        let o = &self.shared.options;
        !st.mem.frozen.is_empty()
            || st.mem.active.rows >= o.flush_rows
            || st
                .mem
                .active
                .since
                .is_some_and(|t| t.elapsed() >= o.flush_interval)
    }

    /// Writes everything in memory to files (one per hour partition), then
    /// lets the write-ahead log drop what they hold.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let _guard = self.shared.flush_lock.lock().await;
        {
            let mut st = self.shared.state.write().unwrap_or_else(|e| e.into_inner());
            st.mem.freeze();
        }
        loop {
            let table = {
                let st = self.shared.state.read().unwrap_or_else(|e| e.into_inner());
                st.mem.frozen.first().cloned()
            };
            let Some(table) = table else { break };
            let mut written = Vec::new();
            for part in split_by_hour(&table.batches, self.shared.options.row_group_rows)? {
                let opts = WriteOptions {
                    row_group_rows: self.shared.options.row_group_rows,
                    zstd_level: self.shared.options.zstd_level,
                    ..WriteOptions::default()
                };
                written.push(
                    write_file(
                        &self.shared.storage,
                        &part,
                        &self.shared.node,
                        &[],
                        &opts,
                        self.shared.next_unique(),
                    )
                    .await?,
                );
            }
            {
                let mut st = self.shared.state.write().unwrap_or_else(|e| e.into_inner());
                for f in written {
                    st.catalog.insert(f);
                }
                st.mem.release(&table);
            }
            self.shared.save_flushed_seq(table.max_seq)?;
            self.shared.metrics.store.flushes.inc();
            self.shared.mem_drained.1.notify_all();
        }
        self.shared.update_gauges();
        Ok(())
    }

    /// Merges this node's small files, hour partition by hour partition:
    /// a partition with at least `compaction_min_files` small files, or a
    /// settled one (its hour ended [`SETTLE`] ago) that still holds a
    /// flushed file, which is then rewritten alone: compacted files are
    /// the compact ones (stronger zstd, fields stored split).
    pub async fn compact(&self) -> Result<usize, StoreError> {
        self.compact_up_to(usize::MAX).await
    }

    /// [`Self::compact`], stopping after `max_merges` merges.
    pub async fn compact_up_to(&self, max_merges: usize) -> Result<usize, StoreError> {
        let _guard = self.shared.compact_lock.lock().await;
        let settled_before = vigie_event::Timestamp::now()
            .as_nanos()
            .saturating_sub(SETTLE.as_nanos() as i64);
        let o = &self.shared.options;
        let mut by_partition: BTreeMap<String, Vec<Arc<FileMeta>>> = BTreeMap::new();
        for f in self.snapshot().files {
            if f.node == self.shared.node && (f.rows as usize) < o.compaction_target_rows {
                let partition = f
                    .path
                    .as_ref()
                    .rsplit_once('/')
                    .map(|(d, _)| d.to_owned())
                    .unwrap_or_default();
                by_partition.entry(partition).or_default().push(f);
            }
        }
        let mut merged = 0;
        for (_, mut files) in by_partition {
            if merged >= max_merges {
                break;
            }
            let hour_end = files
                .iter()
                .map(|f| layout::hour_start(f.min_ts).saturating_add(HOUR_NANOS))
                .max()
                .unwrap_or(i64::MAX);
            let settled = hour_end <= settled_before && files.iter().any(|f| f.replaces.is_empty());
            if files.len() < o.compaction_min_files.max(2) && !settled {
                continue;
            }
            files.sort_by_key(|f| f.min_seq);
            // Bound the work (and the memory) of one merge: by rows, and by
            // bytes, since rows with long original records weigh more.
            let (mut rows, mut bytes) = (0u64, 0u64);
            files.retain(|f| {
                rows += f.rows;
                bytes += f.size;
                let first = f.rows == rows;
                first || (rows <= o.compaction_target_rows as u64 && bytes <= MERGE_MAX_BYTES)
            });
            if files.len() < 2 && !(settled && files.iter().any(|f| f.replaces.is_empty())) {
                continue;
            }
            self.merge(&files).await?;
            merged += 1;
        }
        self.shared.update_gauges();
        Ok(merged)
    }

    async fn merge(&self, files: &[Arc<FileMeta>]) -> Result<(), StoreError> {
        let mut batches = Vec::new();
        for f in files {
            batches.extend(read_all(&self.shared, &f.path, f.data_size).await?);
        }
        let sorted = sort_by_time(&batches, self.shared.options.row_group_rows)?;
        let names: Vec<String> = files.iter().map(|f| f.name().to_owned()).collect();
        // Compacted files are the ones kept: larger pages and stronger zstd
        // for size, and rows stored split (format version 2).
        let opts = WriteOptions {
            row_group_rows: self.shared.options.row_group_rows,
            zstd_level: self.shared.options.compaction_zstd_level,
            text_page_bytes: COMPACTED_TEXT_PAGE_BYTES,
            split_fields: true,
        };
        let meta = write_file(
            &self.shared.storage,
            &sorted,
            &self.shared.node,
            &names,
            &opts,
            self.shared.next_unique(),
        )
        .await?;
        let replaced = {
            let mut st = self.shared.state.write().unwrap_or_else(|e| e.into_inner());
            // Retention may have dropped an input meanwhile: then the
            // merged file would bring its rows back; it is thrown away.
            if files.iter().all(|f| st.catalog.contains(&f.path)) {
                for f in files {
                    st.catalog.remove(&f.path);
                }
                st.catalog.insert(meta.clone());
                true
            } else {
                false
            }
        };
        if !replaced {
            // No query has seen it: deleted at once, or a restart would
            // read it as replacing its inputs.
            tracing::info!(file = %meta.path, "compaction result discarded: an input was dropped while merging");
            for path in [layout::tokens_path(&meta.path), meta.path.clone()] {
                if let Err(e) = self.shared.storage.delete(&path).await {
                    tracing::warn!(file = %path, error = %e, "could not delete a discarded compaction result");
                }
            }
            return Ok(());
        }
        self.schedule_delete(files.iter().map(|f| f.path.clone()));
        self.shared.metrics.store.compactions.inc();
        Ok(())
    }

    /// Deletes files past the age limit, then the oldest while over the size
    /// limit. Returns how many files were dropped.
    pub async fn apply_retention(&self) -> Result<usize, StoreError> {
        let o = &self.shared.options;
        let mut files = self.snapshot().files;
        files.retain(|f| f.node == self.shared.node);
        files.sort_by_key(|f| f.max_ts);
        let mut drop: Vec<Arc<FileMeta>> = Vec::new();
        if let Some(age) = o.retention_max_age {
            let cutoff = vigie_event::Timestamp::now().as_nanos()
                - age.as_nanos().min(i64::MAX as u128) as i64;
            drop.extend(files.iter().filter(|f| f.max_ts < cutoff).cloned());
        }
        if let Some(max) = o.retention_max_bytes {
            let mut total: u64 = self.stats().file_bytes;
            total -= drop.iter().map(|f| f.size).sum::<u64>().min(total);
            for f in &files {
                if total <= max {
                    break;
                }
                if !drop.iter().any(|d| d.path == f.path) {
                    total -= f.size.min(total);
                    drop.push(f.clone());
                }
            }
        }
        if drop.is_empty() {
            return Ok(0);
        }
        {
            let mut st = self.shared.state.write().unwrap_or_else(|e| e.into_inner());
            for f in &drop {
                st.catalog.remove(&f.path);
            }
        }
        for f in &drop {
            tracing::info!(file = %f.path, newest = %vigie_event::Timestamp::from_nanos(f.max_ts), "retention: file dropped");
        }
        self.shared
            .metrics
            .store
            .retention_deleted_files
            .inc_by(drop.len() as u64);
        self.schedule_delete(drop.iter().map(|f| f.path.clone()));
        self.shared.update_gauges();
        Ok(drop.len())
    }

    fn schedule_delete(&self, paths: impl Iterator<Item = Path>) {
        let at = Instant::now() + DELETE_GRACE;
        let mut pending = self
            .shared
            .pending_deletes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        pending.extend(paths.map(|p| (at, p)));
    }

    /// Deletes files whose grace period is over (all of them if `now`).
    pub async fn delete_pending(&self, now: bool) {
        let due: Vec<Path> = {
            let mut pending = self
                .shared
                .pending_deletes
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let t = Instant::now();
            let (due, keep): (Vec<_>, Vec<_>) =
                pending.drain(..).partition(|(at, _)| now || *at <= t);
            *pending = keep;
            due.into_iter().map(|(_, p)| p).collect()
        };
        for p in due {
            for path in [layout::tokens_path(&p), p.clone()] {
                if let Err(e) = self.shared.storage.delete(&path).await {
                    tracing::warn!(file = %path, error = %e, "could not delete a replaced file");
                }
            }
        }
    }
}

/// Sorts the rows of `batches` by time and cuts them at hour boundaries:
/// one list of batches (of at most `chunk_rows` rows) per hour.
fn split_by_hour(
    batches: &[RecordBatch],
    chunk_rows: usize,
) -> Result<Vec<Vec<RecordBatch>>, StoreError> {
    let mut parts: Vec<Vec<RecordBatch>> = Vec::new();
    let mut current_hour = None;
    for sorted in sort_by_time(batches, chunk_rows)? {
        let s = sorted.schema();
        let idx = s
            .index_of(TIMESTAMP)
            .map_err(|e| StoreError::storage("flush", e))?;
        let ts = sorted.column(idx).as_primitive::<TimestampNanosecondType>();
        let mut start = 0;
        for i in 1..=sorted.num_rows() {
            if i == sorted.num_rows()
                || layout::hour_start(ts.value(i)) != layout::hour_start(ts.value(start))
            {
                let hour = layout::hour_start(ts.value(start));
                let piece = sorted.slice(start, i - start);
                match parts.last_mut() {
                    Some(last) if current_hour == Some(hour) => last.push(piece),
                    _ => parts.push(vec![piece]),
                }
                current_hour = Some(hour);
                start = i;
            }
        }
    }
    Ok(parts)
}

/// Reads every row of a data file.
pub(crate) async fn read_all(
    shared: &Shared,
    path: &Path,
    size: u64,
) -> Result<Vec<RecordBatch>, StoreError> {
    #[allow(deprecated)]
    let reader =
        ParquetObjectReader::new(shared.storage.rooted(), path.clone()).with_file_size(size);
    let stream = ParquetRecordBatchStreamBuilder::new(reader)
        .await
        .map_err(|e| StoreError::storage(path, e))?
        .with_batch_size(65_536)
        .build()
        .map_err(|e| StoreError::storage(path, e))?;
    let batches: Vec<RecordBatch> = stream
        .try_collect()
        .await
        .map_err(|e| StoreError::storage(path, e))?;
    batches
        .iter()
        .map(|b| schema::to_current(b).map_err(|e| StoreError::storage(path, e)))
        .collect()
}
