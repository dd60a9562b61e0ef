//! Metrics of the event store and its query APIs.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// `op` label of store errors.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StoreOpLabels {
    pub op: &'static str,
}

/// Labels of a query: which API and how it ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueryLabels {
    pub api: &'static str,
    pub outcome: &'static str,
}

/// Store and query metrics.
#[derive(Debug, Default, Clone)]
pub struct StoreMetrics {
    pub wal_bytes: Gauge,
    pub wal_syncs: Counter,
    pub memory_events: Gauge,
    pub files: Gauge,
    pub file_bytes: Gauge,
    pub file_events: Gauge,
    pub flushes: Counter,
    pub compactions: Counter,
    pub retention_deleted_files: Counter,
    pub errors: Family<StoreOpLabels, Counter>,
    pub quarantined_files: Counter,
    pub disk_full_refusals: Counter,
    pub queries: Family<QueryLabels, Counter>,
}

impl StoreMetrics {
    pub(crate) fn register(&self, r: &mut Registry) {
        r.register(
            "store_wal_bytes",
            "Bytes in write-ahead-log segments",
            self.wal_bytes.clone(),
        );
        r.register(
            "store_wal_syncs",
            "fsyncs of the write-ahead log (group commits)",
            self.wal_syncs.clone(),
        );
        r.register(
            "store_memory_events",
            "Acknowledged events held in memory until the next flush",
            self.memory_events.clone(),
        );
        r.register(
            "store_files",
            "Parquet files in the store",
            self.files.clone(),
        );
        r.register(
            "store_file_bytes",
            "Bytes of Parquet files and token indexes in the store",
            self.file_bytes.clone(),
        );
        r.register(
            "store_file_events",
            "Events in the store's files",
            self.file_events.clone(),
        );
        r.register(
            "store_flushes",
            "Flushes of the in-memory tail to files",
            self.flushes.clone(),
        );
        r.register(
            "store_compactions",
            "Compactions of small files into one",
            self.compactions.clone(),
        );
        r.register(
            "store_retention_deleted_files",
            "Files deleted by retention (age or size)",
            self.retention_deleted_files.clone(),
        );
        r.register(
            "store_errors",
            "Store failures, by operation (flush, compaction, retention, refresh, wal)",
            self.errors.clone(),
        );
        r.register(
            "store_quarantined_files",
            "Unreadable files moved to quarantine",
            self.quarantined_files.clone(),
        );
        r.register(
            "store_disk_full_refusals",
            "Ingest batches refused because the disk is full",
            self.disk_full_refusals.clone(),
        );
        r.register("queries", "Queries, by API (sql, search, aggregate) and outcome (ok, invalid, timeout, memory, error)", self.queries.clone());
    }

    /// Counts a store failure.
    pub fn error(&self, op: &'static str) {
        self.errors.get_or_create(&StoreOpLabels { op }).inc();
    }

    /// Counts a query outcome.
    pub fn query(&self, api: &'static str, outcome: &'static str) {
        self.queries
            .get_or_create(&QueryLabels { api, outcome })
            .inc();
    }
}
