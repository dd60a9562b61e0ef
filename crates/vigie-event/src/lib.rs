//! The vigie event model.
//!
//! Every event vigie handles is an [`Event`]: the original record kept
//! verbatim, an `@timestamp`, and a flat list of normalized fields named after
//! the Elastic Common Schema (ECS) wherever ECS has a name (see [`ecs`]).
//!
//! This crate does no I/O and never panics on input: parsing functions return
//! `Result`/`Option` and callers decide what to do with bad values.

pub mod ecs;
mod event;
mod fields;
pub mod time;

pub use event::Event;
pub use fields::Fields;
pub use time::Timestamp;

/// Re-exported so that every crate builds field values from the same type.
pub use serde_json::Value;
