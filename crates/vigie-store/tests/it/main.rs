//! Integration tests of the event store: the real write path (log, memory,
//! Parquet files) and read path (DataFusion) on a temporary directory.

mod durability;
mod layout;
mod search;
mod split;
mod sql;
mod support;
