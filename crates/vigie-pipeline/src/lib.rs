//! The pipeline stage behind every input.
//!
//! Inputs normalize records into events and hand them to an [`IngestQueue`]:
//! a bounded queue, measured in events. A batch is admitted whole or not at
//! all, so an input can acknowledge exactly what was admitted; when the
//! queue is full the input is told so (HTTP answers 429) instead of memory
//! growing. A [`Pipeline`] drains the queue into a [`Sink`] on its own
//! thread and resolves each batch's [`Ack`] after the sink's group commit
//! (`flush`) that covers it; when every queue handle is dropped it writes what is left,
//! flushes and stops — that is how a graceful shutdown finishes what was
//! acknowledged.

mod ack;
mod admit;
mod queue;
mod sink;
mod spool;

pub use ack::{Ack, AckError};
pub use admit::Admitted;
pub use queue::{queue, IngestQueue, QueueError, QueueReceiver};
pub use sink::{Pipeline, Sink, SinkError, MAX_TAKE};
pub use spool::SpoolSink;
