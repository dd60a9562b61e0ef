//! [`IngestQueue`]: the bounded, all-or-nothing queue of events.

use std::sync::Arc;

use tokio::sync::mpsc;
use vigie_event::Event;
use vigie_metrics::Metrics;

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
    tx: mpsc::Sender<Event>,
    metrics: Arc<Metrics>,
}

/// The receiving side, owned by the [`crate::Pipeline`].
pub struct QueueReceiver {
    pub(crate) rx: mpsc::Receiver<Event>,
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
    /// Admits every event of `events`, or none of them.
    pub fn try_enqueue(&self, events: Vec<Event>) -> Result<(), QueueError> {
        let n = events.len();
        if n == 0 {
            return Ok(());
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
        for (permit, event) in permits.zip(events) {
            permit.send(event);
        }
        self.metrics.queue_depth.set(self.depth() as i64);
        Ok(())
    }

    /// Queues every event of `events`, waiting for room; a batch larger
    /// than the queue goes in queue-sized parts. Fails only when the
    /// pipeline has stopped (events not yet queued are then dropped).
    pub async fn enqueue_wait(&self, events: Vec<Event>) -> Result<(), QueueError> {
        let capacity = self.tx.max_capacity();
        let mut events = events.into_iter();
        loop {
            let n = events.len().min(capacity);
            if n == 0 {
                return Ok(());
            }
            let permits = self
                .tx
                .reserve_many(n)
                .await
                .map_err(|_| QueueError::Closed)?;
            for (permit, event) in permits.zip(events.by_ref()) {
                permit.send(event);
            }
            self.metrics.queue_depth.set(self.depth() as i64);
        }
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
