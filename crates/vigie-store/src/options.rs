//! [`StoreOptions`]: everything the store is told by configuration.

use std::path::PathBuf;
use std::time::Duration;

use crate::storage::Location;

/// When the write-ahead log is fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    /// Before every acknowledgement (group commit): nothing acknowledged is
    /// ever lost, even on power loss.
    Always,
    /// At most this long after a write: a power loss may lose that window
    /// (a crash of vigie alone loses nothing: the OS has the data).
    Interval(Duration),
    /// Never explicitly: the OS decides.
    Never,
}

/// Store settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The data directory: write-ahead log, node id, and (for local
    /// storage) the files.
    pub data_dir: PathBuf,
    /// Where the Parquet files live.
    pub location: Location,
    pub fsync: Fsync,
    /// WAL segment size before rolling.
    pub wal_segment_bytes: u64,
    /// Flush the in-memory tail to a file past this many events…
    pub flush_rows: usize,
    /// …or when its oldest event has waited this long.
    pub flush_interval: Duration,
    /// Rows per Parquet row group (and per token filter).
    pub row_group_rows: usize,
    /// zstd level of flushed files, and of compacted ones.
    pub zstd_level: i32,
    pub compaction_zstd_level: i32,
    /// Compact an hour partition once it holds this many small files.
    pub compaction_min_files: usize,
    /// A file with fewer rows than this is "small".
    pub compaction_target_rows: usize,
    /// Delete files whose newest event is older than this.
    pub retention_max_age: Option<Duration>,
    /// Delete the oldest files while the files take more than this.
    pub retention_max_bytes: Option<u64>,
    /// The ingest path waits (and the queue fills) while more than this
    /// many events wait in memory for a flush.
    pub max_memory_rows: usize,
    /// Query limits.
    pub query_timeout: Duration,
    pub query_memory_bytes: usize,
    pub query_max_rows: usize,
    /// How often a process that shares object storage re-lists it.
    pub refresh_interval: Duration,
}

impl StoreOptions {
    /// Defaults for a data directory, files stored locally under it.
    pub fn local(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Self {
            location: Location::Local(data_dir.join("store")),
            data_dir,
            fsync: Fsync::Always,
            wal_segment_bytes: 64 << 20,
            flush_rows: 250_000,
            flush_interval: Duration::from_secs(30),
            row_group_rows: 16_384,
            zstd_level: 3,
            compaction_zstd_level: 8,
            compaction_min_files: 4,
            compaction_target_rows: 2_000_000,
            retention_max_age: None,
            retention_max_bytes: None,
            max_memory_rows: 1_000_000,
            query_timeout: Duration::from_secs(30),
            query_memory_bytes: 512 << 20,
            query_max_rows: 10_000,
            refresh_interval: Duration::from_secs(5),
        }
    }
}
