//! [`Store`]: opening the store (recovering the write-ahead log into memory
//! and the catalog from the files), query snapshots, and the state shared
//! by the writer, the maintenance thread and queries.

use std::path::Path as FsPath;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use vigie_metrics::Metrics;

use crate::catalog::{Catalog, FileMeta};
use crate::memtable::MemState;
use crate::options::{Fsync, StoreOptions};
use crate::query::QueryEngine;
use crate::sink::StoreWriter;
use crate::storage::{Location, Storage};
use crate::{codec, schema, StoreError};

/// Files and memory, as one consistent view.
#[derive(Debug, Default)]
pub struct State {
    pub catalog: Catalog,
    pub mem: MemState,
}

/// What a query reads: the live files and the in-memory tail at one instant.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub files: Vec<Arc<FileMeta>>,
    pub mem: Vec<RecordBatch>,
}

/// State shared by the writer, maintenance and queries.
pub(crate) struct Shared {
    pub storage: Storage,
    pub node: String,
    /// Whether this process writes (owns its node's files).
    pub owner: bool,
    pub options: StoreOptions,
    pub state: RwLock<State>,
    /// Highest log sequence number that is in files.
    pub flushed_seq: AtomicU64,
    /// Signalled when memory drains (back-pressure) or work arrives.
    pub mem_drained: (Mutex<()>, Condvar),
    pub metrics: Arc<Metrics>,
    pub engine: QueryEngine,
    pub stop: AtomicBool,
    pub last_refresh: Mutex<Instant>,
    pub flush_lock: tokio::sync::Mutex<()>,
    /// One compaction at a time: two merging the same files would both
    /// write the merged rows.
    pub compact_lock: tokio::sync::Mutex<()>,
    pub unique: AtomicU64,
    /// Files to delete once queries that may read them are done.
    pub pending_deletes: Mutex<Vec<(Instant, object_store::path::Path)>>,
}

/// A handle on the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) shared: Arc<Shared>,
}

/// What opening found.
#[derive(Debug, Default)]
pub struct OpenReport {
    pub files: usize,
    pub replayed_events: usize,
    pub wal_problems: Vec<String>,
    pub quarantined: Vec<(String, String)>,
}

/// Figures for `/metrics`, `vigie status` and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub files: usize,
    pub file_bytes: u64,
    pub file_events: u64,
    pub memory_events: usize,
}

const STATE_FILE: &str = "store-state.json";
const NODE_FILE: &str = "node-id";

fn read_node_id(dir: &FsPath) -> Result<String, StoreError> {
    let path = dir.join(NODE_FILE);
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => {
            let mut bytes = [0u8; 8];
            getrandom::getrandom(&mut bytes).map_err(|e| StoreError::storage(path.display(), e))?;
            let id = format!("n{:016x}", u64::from_le_bytes(bytes));
            write_atomic(&path, id.as_bytes())?;
            Ok(id)
        }
    }
}

fn read_flushed_seq(dir: &FsPath) -> u64 {
    std::fs::read(dir.join(STATE_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("flushed_seq").and_then(|s| s.as_u64()))
        .unwrap_or(0)
}

/// Writes a small file atomically (temp file, fsync, rename, dir fsync).
pub(crate) fn write_atomic(path: &FsPath, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let run = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    };
    run().map_err(|e| StoreError::io(path.display(), e))
}

impl Shared {
    pub(crate) fn save_flushed_seq(&self, seq: u64) -> Result<(), StoreError> {
        let prev = self.flushed_seq.fetch_max(seq, Ordering::SeqCst);
        if seq > prev {
            let body = serde_json::json!({ "flushed_seq": seq, "node": self.node }).to_string();
            write_atomic(&self.options.data_dir.join(STATE_FILE), body.as_bytes())?;
        }
        Ok(())
    }

    pub(crate) fn update_gauges(&self) {
        let stats = self.stats();
        let m = &self.metrics.store;
        m.files.set(stats.files as i64);
        m.file_bytes.set(stats.file_bytes as i64);
        m.file_events.set(stats.file_events as i64);
        m.memory_events.set(stats.memory_events as i64);
    }

    pub(crate) fn stats(&self) -> StoreStats {
        let st = self.state.read().unwrap_or_else(|e| e.into_inner());
        StoreStats {
            files: st.catalog.len(),
            file_bytes: st.catalog.total_bytes(),
            file_events: st.catalog.total_rows(),
            memory_events: st.mem.rows(),
        }
    }

    pub(crate) fn next_unique(&self) -> u64 {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        t.wrapping_add(self.unique.fetch_add(1, Ordering::Relaxed))
    }
}

impl Store {
    async fn open_shared(
        options: StoreOptions,
        metrics: Arc<Metrics>,
        owner: bool,
    ) -> Result<(Arc<Shared>, OpenReport), StoreError> {
        std::fs::create_dir_all(&options.data_dir)
            .map_err(|e| StoreError::io(options.data_dir.display(), e))?;
        let storage = Storage::open(&options.location)?;
        let node = read_node_id(&options.data_dir)?;
        let (catalog, load) = Catalog::default()
            .load(&storage, owner.then_some(node.as_str()))
            .await?;
        metrics
            .store
            .quarantined_files
            .inc_by(load.quarantined.len() as u64);
        for (file, reason) in &load.quarantined {
            if !owner {
                tracing::error!(file = %file, reason = %reason, "unreadable events file skipped");
            }
        }
        for f in &load.newer {
            tracing::warn!(file = %f, "events file written by a newer vigie; skipped");
        }
        let engine = QueryEngine::new(&storage, &options);
        let report = OpenReport {
            files: catalog.len(),
            quarantined: load.quarantined,
            ..OpenReport::default()
        };
        let flushed = read_flushed_seq(&options.data_dir).max(catalog.max_seq_of(&node));
        let shared = Arc::new(Shared {
            storage,
            node,
            owner,
            state: RwLock::new(State {
                catalog,
                mem: MemState::default(),
            }),
            flushed_seq: AtomicU64::new(flushed),
            mem_drained: (Mutex::new(()), Condvar::new()),
            metrics,
            engine,
            stop: AtomicBool::new(false),
            last_refresh: Mutex::new(Instant::now()),
            flush_lock: tokio::sync::Mutex::new(()),
            compact_lock: tokio::sync::Mutex::new(()),
            unique: AtomicU64::new(0),
            pending_deletes: Mutex::new(Vec::new()),
            options,
        });
        Ok((shared, report))
    }

    /// Opens the store for writing: recovers the write-ahead log into
    /// memory (skipping what files already hold) and returns the writer the
    /// pipeline feeds. Call [`Store::start_maintenance`] to flush, compact
    /// and apply retention in the background.
    pub async fn open(
        options: StoreOptions,
        metrics: Arc<Metrics>,
    ) -> Result<(Store, StoreWriter, OpenReport), StoreError> {
        let (shared, mut report) = Self::open_shared(options, metrics, true).await?;
        let flushed = shared.flushed_seq.load(Ordering::SeqCst);
        let o = &shared.options;
        let wal_options = vigie_wal::WalOptions {
            segment_bytes: o.wal_segment_bytes,
            fsync: match o.fsync {
                Fsync::Always => vigie_wal::FsyncPolicy::Always,
                Fsync::Interval(d) => vigie_wal::FsyncPolicy::Interval(d),
                Fsync::Never => vigie_wal::FsyncPolicy::Never,
            },
        };
        let wal_dir = o.data_dir.join("wal");
        let (wal, recovery) = vigie_wal::Wal::open(&wal_dir, wal_options, flushed)
            .map_err(|e| StoreError::Wal(e.to_string()))?;
        report.wal_problems = recovery.problems.clone();
        for p in &recovery.problems {
            tracing::warn!(problem = %p, "write-ahead log recovery");
        }
        {
            let mut st = shared.state.write().unwrap_or_else(|e| e.into_inner());
            for rec in recovery.records {
                let (events, bad) = codec::decode(&rec.payload);
                if !bad.is_empty() {
                    tracing::error!(seq = rec.seq, lines = ?bad, "write-ahead log record with undecodable events");
                }
                report.replayed_events += events.len();
                if !events.is_empty() {
                    st.mem
                        .active
                        .push(schema::to_batch(&events, rec.seq), rec.seq);
                }
            }
        }
        shared.update_gauges();
        let store = Store {
            shared: shared.clone(),
        };
        Ok((store, StoreWriter::new(shared, wal), report))
    }

    /// Opens the store read-only: another process (or the command line)
    /// reading files a writer keeps. Nothing is moved or deleted.
    pub async fn open_reader(
        options: StoreOptions,
        metrics: Arc<Metrics>,
    ) -> Result<Store, StoreError> {
        let (shared, _) = Self::open_shared(options, metrics, false).await?;
        shared.update_gauges();
        Ok(Store { shared })
    }

    /// A consistent view for one query.
    pub fn snapshot(&self) -> Snapshot {
        let st = self.shared.state.read().unwrap_or_else(|e| e.into_inner());
        Snapshot {
            files: st.catalog.files(),
            mem: st.mem.batches(),
        }
    }

    pub fn stats(&self) -> StoreStats {
        self.shared.stats()
    }

    pub fn storage(&self) -> &Storage {
        &self.shared.storage
    }

    pub fn node(&self) -> &str {
        &self.shared.node
    }

    /// Re-lists shared object storage when the catalog is older than the
    /// refresh interval (a no-op for local storage).
    pub async fn refresh_if_stale(&self) -> Result<(), StoreError> {
        if matches!(self.shared.options.location, Location::Local(_)) && self.shared.owner {
            return Ok(());
        }
        {
            let last = self
                .shared
                .last_refresh
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if last.elapsed()
                < self
                    .shared
                    .options
                    .refresh_interval
                    .min(Duration::from_secs(1))
            {
                return Ok(());
            }
        }
        self.refresh().await
    }

    /// Re-lists the storage: picks up files of other nodes, drops files
    /// that are gone. This node's own files are kept as the writer knows them.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let current = {
            let st = self.shared.state.read().unwrap_or_else(|e| e.into_inner());
            st.catalog.clone()
        };
        let (listed, _) = current.load(&self.shared.storage, None).await?;
        let mut st = self.shared.state.write().unwrap_or_else(|e| e.into_inner());
        let mut next = Catalog::default();
        for f in listed.files() {
            if !(self.shared.owner && f.node == self.shared.node) {
                next.insert((*f).clone());
            }
        }
        if self.shared.owner {
            for f in st.catalog.files() {
                if f.node == self.shared.node {
                    next.insert((*f).clone());
                }
            }
        }
        st.catalog = next;
        drop(st);
        *self
            .shared
            .last_refresh
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.shared.update_gauges();
        Ok(())
    }
}
