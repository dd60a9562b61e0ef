//! Normalizers: turn the records of security sources into [`Event`]s.
//!
//! The crate is pure: it receives bytes, returns events and diagnostics, and
//! never does I/O. A malformed record is reported alone with its index and the
//! reason; its neighbours are still normalized. Nothing here panics on input.
//!
//! Reading order: [`framing`] splits a payload (an HTTP body, a file) into
//! records; [`Registry`] finds the [`Normalizer`] for a dataset or sniffs it;
//! [`normalize_payload`] drives both and collects an [`Output`].

pub mod community_id;
mod driver;
pub mod error;
pub mod formats;
pub mod framing;
pub mod json;
mod normalizer;
mod registry;

pub use driver::{normalize_payload, normalize_records, Limits, Output, Rejected};
pub use error::NormalizeError;
pub use normalizer::{Normalizer, RecordOutput, StreamState};
pub use registry::Registry;
pub use vigie_event::{ecs, Event, Fields, Timestamp, Value};
