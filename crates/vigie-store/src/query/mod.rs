//! Queries over the store: SQL (`POST /api/v1/query`), search
//! (`GET /api/v1/search`) and aggregations (`GET /api/v1/aggregate`), all
//! planned and run by DataFusion over one [`crate::Snapshot`].
//!
//! Every query runs sandboxed: read-only SQL (no DDL, DML or `SET`), an
//! object-store registry that knows only the event store (no `file://`, no
//! URL tables), no spilling to disk, a memory pool of its own and a time
//! limit.

mod aggregate;
mod engine;
mod error;
mod output;
mod search;
mod table;
mod udf;

pub use aggregate::{AggregateRequest, AggregateResult, Bucket, TopValue};
pub use engine::QueryEngine;
pub use error::{Position, QueryError};
pub use output::QueryOutput;
pub use search::{parse_time, SearchHit, SearchPage, SearchRequest};
pub use table::EventsTable;
