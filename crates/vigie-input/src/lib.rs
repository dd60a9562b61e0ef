//! Inputs that run beside the HTTP API, each a [`Source`]: syslog over UDP,
//! TCP and TLS ([`syslog`]), tailed files ([`file`]) and S3 buckets
//! ([`s3`]); plus [`checkpoint`], the crash-safe state files the stateful
//! ones keep under `data_dir/inputs/<name>/`.
//!
//! A source is built in two steps so that `vigie serve` fails at start-up,
//! not later, on a port in use or an unreadable certificate:
//! [`build_sources`] binds and checks everything, then [`run_sources`] runs
//! them until the shutdown token is cancelled. Every source normalizes what
//! it reads with the shared [`Registry`] and admits the events with
//! [`IngestQueue::admit_wait`]: a stream source waits for room (TCP
//! back-pressure) rather than dropping; only UDP, which cannot push back,
//! drops and counts when the queue is full.
//!
//! [`Registry`]: vigie_normalize::Registry
//! [`IngestQueue::admit_wait`]: vigie_pipeline::IngestQueue::admit_wait

pub mod checkpoint;
mod context;
mod error;
pub mod file;
pub mod s3;
pub mod syslog;

pub use context::{build_sources, run_sources, BoxFuture, Source, SourceContext};
pub use error::InputError;
