//! [`Sink`] and the [`Pipeline`] thread that drains the queue into it.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use vigie_event::Event;

use crate::ack::{AckError, AckSender};
use crate::queue::Item;
use crate::QueueReceiver;

/// Why a sink failed.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The disk is full (ingest answers 507).
    #[error("the disk is full: {0}")]
    DiskFull(String),
    #[error("{0}")]
    Other(String),
}

impl SinkError {
    fn to_ack_error(&self) -> AckError {
        match self {
            Self::DiskFull(m) => AckError::DiskFull(m.clone()),
            other => AckError::Failed(other.to_string()),
        }
    }
}

/// Where the pipeline's events go. Implementations do blocking I/O; they
/// run on the pipeline's own thread, never on the async runtime.
pub trait Sink: Send + 'static {
    fn write(&mut self, events: &[Event]) -> Result<(), SinkError>;
    /// Makes everything written so far durable (or at least handed to the OS).
    fn flush(&mut self) -> Result<(), SinkError>;
}

/// The running pipeline thread.
pub struct Pipeline {
    handle: JoinHandle<u64>,
}

/// Events per sink write (and per group commit), rounded up to the end of
/// the admitted batch being taken.
const BATCH: usize = 4096;

/// At most this many events per sink write, even inside one admitted
/// batch: a sink may rely on it (the store writes one log record per
/// write). Only a batch larger than this can be stored in part when a
/// write fails.
pub const MAX_TAKE: usize = 65_536;

/// How long the pipeline waits for the rest of an admitted batch that is
/// still being queued before writing what it has.
const REST_OF_BATCH_WAIT: Duration = Duration::from_millis(10);

impl Pipeline {
    /// Starts draining `queue` into `sink`. The thread stops once every
    /// [`crate::IngestQueue`] handle is dropped and the queue is empty.
    pub fn start(queue: QueueReceiver, mut sink: impl Sink) -> Self {
        let handle = std::thread::Builder::new()
            .name("vigie-pipeline".into())
            .spawn(move || {
                let QueueReceiver { mut rx, metrics } = queue;
                let mut batch: Vec<Event> = Vec::with_capacity(BATCH);
                let mut acks: Vec<AckSender> = Vec::new();
                // A failure since the last acknowledgement: the next ones
                // report it (their events may be among those lost).
                let mut failure: Option<AckError> = None;
                let mut total = 0u64;
                // Takes one item; true while its batch goes on.
                let take = |item: Item, batch: &mut Vec<Event>, acks: &mut Vec<AckSender>| {
                    batch.push(item.event);
                    match item.ack {
                        Some(tx) => {
                            acks.push(tx);
                            false
                        }
                        None => true,
                    }
                };
                while let Some(first) = rx.blocking_recv() {
                    // Inside an admitted batch (its acknowledgement not yet
                    // taken): a write ends at batch boundaries, so that a
                    // refused write never stores part of a batch.
                    let mut inside = take(first, &mut batch, &mut acks);
                    let mut waited_since = None;
                    while batch.len() < MAX_TAKE && (inside || batch.len() < BATCH) {
                        match rx.try_recv() {
                            Ok(item) => {
                                inside = take(item, &mut batch, &mut acks);
                                waited_since = None;
                            }
                            // The admitting side is still sending the rest
                            // of the batch: wait for it, briefly.
                            Err(mpsc::error::TryRecvError::Empty)
                                if inside
                                    && waited_since
                                        .get_or_insert_with(Instant::now)
                                        .elapsed()
                                        < REST_OF_BATCH_WAIT =>
                            {
                                std::thread::yield_now();
                            }
                            Err(_) => break,
                        }
                    }
                    metrics
                        .queue_depth
                        .set((rx.max_capacity() - rx.capacity()) as i64);
                    let n = batch.len() as u64;
                    if n > 0 {
                        if let Err(e) = sink.write(&batch) {
                            metrics.pipeline_sink_errors.inc();
                            tracing::error!(error = %e, events = n, "pipeline sink failed to write a batch");
                            failure = Some(e.to_ack_error());
                        } else {
                            metrics.pipeline_events.inc_by(n);
                            total += n;
                        }
                        batch.clear();
                    }
                    if !acks.is_empty() || rx.is_empty() {
                        if let Err(e) = sink.flush() {
                            metrics.pipeline_sink_errors.inc();
                            tracing::error!(error = %e, "pipeline sink failed to flush");
                            failure = Some(e.to_ack_error());
                        }
                        if !acks.is_empty() {
                            let outcome = match failure.take() {
                                Some(e) => Err(e),
                                None => Ok(()),
                            };
                            for tx in acks.drain(..) {
                                let _ = tx.send(outcome.clone());
                            }
                        }
                    }
                }
                if let Err(e) = sink.flush() {
                    tracing::error!(error = %e, "pipeline sink failed to flush at shutdown");
                }
                total
            })
            .expect("spawning the pipeline thread");
        Self { handle }
    }

    /// Waits until the pipeline has drained and flushed; returns how many
    /// events it wrote in all.
    pub fn join(self) -> u64 {
        self.handle.join().unwrap_or(0)
    }
}
