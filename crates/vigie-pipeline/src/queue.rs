//! [`IngestQueue`]: the bounded, all-or-nothing queue of events.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use vigie_event::Event;
use vigie_metrics::Metrics;

use crate::ack::{Ack, AckSender};

/// What travels through the queue: an event, and on the last event of
/// each admitted batch the sender that acknowledges the batch (so markers
/// take no room: the capacity counts events only).
pub(crate) struct Item {
    pub event: Event,
    pub ack: Option<AckSender>,
}

/// Items of a batch, the acknowledgement on the last one.
fn items(
    events: impl ExactSizeIterator<Item = Event>,
    mut ack: Option<AckSender>,
) -> impl Iterator<Item = Item> {
    let n = events.len();
    events.enumerate().map(move |(i, event)| Item {
        event,
        ack: if i + 1 == n { ack.take() } else { None },
    })
}

/// Why a batch was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("the ingest queue is full ({depth} of {capacity} events waiting); retry later")]
    Full { depth: usize, capacity: usize },
    #[error("a batch of {size} events is larger than the whole ingest queue ({capacity}); send smaller batches")]
    BatchTooLarge { size: usize, capacity: usize },
    #[error("vigie is shutting down")]
    Closed,
}

/// The sending side, cloned into every input.
#[derive(Clone)]
pub struct IngestQueue {
    tx: mpsc::Sender<Item>,
    metrics: Arc<Metrics>,
}

/// The receiving side, owned by the [`crate::Pipeline`].
pub struct QueueReceiver {
    pub(crate) rx: mpsc::Receiver<Item>,
    pub(crate) metrics: Arc<Metrics>,
}

/// A queue holding at most `capacity` events (at least 1).
pub fn queue(capacity: usize, metrics: Arc<Metrics>) -> (IngestQueue, QueueReceiver) {
    let capacity = capacity.max(1);
    let (tx, rx) = mpsc::channel(capacity);
    metrics.queue_capacity.set(capacity as i64);
    (
        IngestQueue {
            tx,
            metrics: metrics.clone(),
        },
        QueueReceiver { rx, metrics },
    )
}

impl IngestQueue {
    /// Admits every event of `events`, or none of them. The returned
    /// [`Ack`] resolves once they are durable.
    pub fn try_enqueue(&self, events: Vec<Event>) -> Result<Ack, QueueError> {
        let n = events.len();
        if n == 0 {
            return Ok(Ack::done());
        }
        let capacity = self.tx.max_capacity();
        if n > capacity {
            return Err(QueueError::BatchTooLarge { size: n, capacity });
        }
        let permits = self.tx.try_reserve_many(n).map_err(|e| match e {
            mpsc::error::TrySendError::Full(()) => QueueError::Full {
                depth: self.depth(),
                capacity,
            },
            mpsc::error::TrySendError::Closed(()) => QueueError::Closed,
        })?;
        let (tx, rx) = oneshot::channel();
        for (permit, item) in permits.zip(items(events.into_iter(), Some(tx))) {
            permit.send(item);
        }
        self.metrics.queue_depth.set(self.depth() as i64);
        Ok(Ack::pending(rx))
    }

    /// Queues every event of `events`, waiting for room; a batch larger
    /// than the queue goes in queue-sized parts. Fails only when the
    /// pipeline has stopped (events not yet queued are then dropped). The
    /// returned [`Ack`] resolves once all of them are durable.
    pub async fn enqueue_wait(&self, events: Vec<Event>) -> Result<Ack, QueueError> {
        if events.is_empty() {
            return Ok(Ack::done());
        }
        let capacity = self.tx.max_capacity();
        let (tx, rx) = oneshot::channel();
        let mut items = items(events.into_iter(), Some(tx)).peekable();
        while items.peek().is_some() {
            let n = capacity.min(items.size_hint().0.max(1));
            let permits = self
                .tx
                .reserve_many(n)
                .await
                .map_err(|_| QueueError::Closed)?;
            for (permit, item) in permits.zip(items.by_ref()) {
                permit.send(item);
            }
            self.metrics.queue_depth.set(self.depth() as i64);
        }
        Ok(Ack::pending(rx))
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Events waiting now.
    pub fn depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    pub fn capacity(&self) -> usize {
        self.tx.max_capacity()
    }
}
