//! vigie's event store.
//!
//! Write path: the pipeline's [`StoreWriter`] appends each batch to a
//! write-ahead log (CRC per record, group commit, fsync policy), then keeps
//! it in memory as Arrow batches; acknowledgements wait for the commit. A
//! maintenance thread flushes memory to time-partitioned Parquet files
//! (zstd) with a token filter per row group beside each file, compacts small
//! files, applies retention by age and size, and lets the log drop what the
//! files hold.
//!
//! Read path: a query takes a [`Snapshot`] (the live files and the
//! in-memory tail), so an acknowledged event is searchable at once, and runs
//! in a sandboxed DataFusion session ([`query`]). The read path never
//! depends on the writer: [`Store::open_reader`] serves another process
//! reading the same storage (a local directory or `s3://bucket/prefix`).
//!
//! Layout and format: see [`layout`] and [`schema`].

mod catalog;
mod codec;
pub mod derive;
mod error;
pub mod layout;
mod maintenance;
mod memtable;
mod options;
pub mod query;
pub mod schema;
mod sink;
mod storage;
mod store;
mod writer;

pub use catalog::{Catalog, FileMeta, LoadReport};
pub use error::{is_disk_full, StoreError};
pub use maintenance::Maintenance;
pub use options::{Fsync, StoreOptions};
pub use query::{
    AggregateRequest, AggregateResult, QueryError, QueryOutput, SearchPage, SearchRequest,
};
pub use sink::StoreWriter;
pub use storage::{Location, S3Location, Storage};
pub use store::{OpenReport, Snapshot, Store, StoreStats};
