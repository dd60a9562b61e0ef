//! The `store` section: where events are kept, how durably, for how long,
//! and the limits of queries.

use crate::{ByteSize, HumanDuration, Secret};

/// `store`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `store.storage`: `local` (files under `server.data_dir/store`) or
    /// `s3://bucket/prefix`.
    pub storage: String,
    /// `store.s3`: connection settings when `storage` is `s3://…`.
    pub s3: StoreS3Config,
    /// `store.wal`: the write-ahead log.
    pub wal: WalConfig,
    /// `store.flush_interval`: longest an event waits in memory before it
    /// is written to a file (it is searchable at once all the same).
    pub flush_interval: HumanDuration,
    /// `store.flush_events`: flush once this many events wait in memory.
    pub flush_events: usize,
    /// `store.row_group_events`: rows per Parquet row group (and per token
    /// filter): smaller finds needles with less reading, larger compresses
    /// better.
    pub row_group_events: usize,
    /// `store.compaction`: merging of small files.
    pub compaction: CompactionConfig,
    /// `store.retention`: when files are deleted.
    pub retention: RetentionConfig,
    /// `store.query`: limits of every query.
    pub query: QueryConfig,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            storage: "local".into(),
            s3: StoreS3Config::default(),
            wal: WalConfig::default(),
            flush_interval: HumanDuration::secs(30),
            flush_events: 250_000,
            row_group_events: 16_384,
            compaction: CompactionConfig::default(),
            retention: RetentionConfig::default(),
            query: QueryConfig::default(),
        }
    }
}

/// `store.s3`.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreS3Config {
    /// S3-compatible endpoint URL (MinIO, moto, Ceph); AWS when absent.
    pub endpoint: Option<String>,
    /// Region; `AWS_REGION` or `us-east-1` when absent.
    pub region: Option<String>,
    /// Access key; the standard AWS environment and instance credentials
    /// are used when absent.
    pub access_key_id: Option<Secret>,
    /// Secret key, with `access_key_id`.
    pub secret_access_key: Option<Secret>,
}

/// When the write-ahead log is fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FsyncPolicy {
    /// Before every acknowledgement (group commit).
    #[default]
    Always,
    /// Every `fsync_interval`: a power loss may lose that window.
    Interval,
    /// Left to the operating system.
    Never,
}

impl FsyncPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Interval => "interval",
            Self::Never => "never",
        }
    }
}

/// `store.wal`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WalConfig {
    /// `always`, `interval` or `never`.
    pub fsync: FsyncPolicy,
    /// With `fsync: interval`: how often.
    pub fsync_interval: HumanDuration,
    /// Size of a log segment before a new one starts.
    pub segment_size: ByteSize,
}

impl Default for WalConfig {
    fn default() -> Self {
        Self {
            fsync: FsyncPolicy::Always,
            fsync_interval: HumanDuration::secs(1),
            segment_size: ByteSize::mib(64),
        }
    }
}

/// `store.compaction`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompactionConfig {
    /// Merge an hour's small files once there are this many (at least 2).
    pub min_files: usize,
    /// A file with fewer events than this is small.
    pub target_events: usize,
}

impl Default for CompactionConfig {
    fn default() -> Self {
        Self {
            min_files: 4,
            target_events: 2_000_000,
        }
    }
}

/// `store.retention`.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Delete files whose newest event is older than this; `0s` keeps
    /// everything.
    pub max_age: HumanDuration,
    /// Delete the oldest files while all files take more than this; `0`
    /// means no limit.
    pub max_size: ByteSize,
}

/// `store.query`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueryConfig {
    /// A query running longer is stopped.
    pub timeout: HumanDuration,
    /// Memory one query may use.
    pub memory_limit: ByteSize,
    /// Rows one SQL answer may hold.
    pub max_rows: usize,
}

impl Default for QueryConfig {
    fn default() -> Self {
        Self {
            timeout: HumanDuration::secs(30),
            memory_limit: ByteSize::mib(512),
            max_rows: 10_000,
        }
    }
}

impl StoreConfig {
    /// `(bucket, prefix)` when `storage` is `s3://…`.
    pub fn s3_location(&self) -> Option<(String, String)> {
        let rest = self.storage.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| (bucket.to_owned(), prefix.trim_matches('/').to_owned()))
    }

    /// The semantic errors of this section, as `(key path, message)`.
    pub(crate) fn problems(&self, out: &mut Vec<(String, String)>) {
        let mut bad = |path: &str, message: String| out.push((format!("store.{path}"), message));
        if self.storage != "local" && self.s3_location().is_none() {
            bad(
                "storage",
                format!(
                    "{:?} is neither `local` nor `s3://bucket/prefix`",
                    self.storage
                ),
            );
        }
        if self.s3.access_key_id.is_some() != self.s3.secret_access_key.is_some() {
            bad(
                "s3",
                "set both access_key_id and secret_access_key, or neither".into(),
            );
        }
        if self.flush_events == 0 {
            bad("flush_events", "must be at least 1".into());
        }
        if self.flush_interval.get().is_zero() {
            bad("flush_interval", "must be longer than 0s".into());
        }
        if !(1024..=1_048_576).contains(&self.row_group_events) {
            bad(
                "row_group_events",
                format!("{} is outside 1024..=1048576", self.row_group_events),
            );
        }
        if self.compaction.min_files < 2 {
            bad("compaction.min_files", "must be at least 2".into());
        }
        if self.wal.segment_size.as_u64() < 1 << 20 {
            bad("wal.segment_size", "must be at least 1MiB".into());
        }
        if self.wal.fsync == FsyncPolicy::Interval && self.wal.fsync_interval.get().is_zero() {
            bad(
                "wal.fsync_interval",
                "must be longer than 0s with fsync: interval".into(),
            );
        }
        if self.query.timeout.get().is_zero() {
            bad("query.timeout", "must be longer than 0s".into());
        }
        if self.query.memory_limit.as_u64() < 1 << 20 {
            bad("query.memory_limit", "must be at least 1MiB".into());
        }
        if self.query.max_rows == 0 {
            bad("query.max_rows", "must be at least 1".into());
        }
    }
}
