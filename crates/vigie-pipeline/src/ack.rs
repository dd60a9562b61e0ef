//! [`Ack`]: the promise that admitted events are durable.
//!
//! Every admitted batch puts a marker in the queue behind its events. The
//! pipeline resolves the marker after the sink's group commit (`flush`)
//! that covers those events, so an input acknowledges its client only once
//! the events are in the write-ahead log.

use tokio::sync::oneshot;

/// Why admitted events did not become durable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    /// The disk is full: nothing more can be stored until space is freed.
    #[error("the disk is full: {0}")]
    DiskFull(String),
    #[error("the events could not be stored: {0}")]
    Failed(String),
    #[error("vigie stopped before the events were stored")]
    Closed,
}

pub(crate) type AckSender = oneshot::Sender<Result<(), AckError>>;

/// Resolves once the admitted events are durable (or failed to be).
#[derive(Debug)]
#[must_use = "await `durable()` before acknowledging, or drop it to not wait"]
pub struct Ack {
    rx: Option<oneshot::Receiver<Result<(), AckError>>>,
}

impl Ack {
    pub(crate) fn pending(rx: oneshot::Receiver<Result<(), AckError>>) -> Self {
        Self { rx: Some(rx) }
    }

    /// An ack for nothing (an empty batch): already durable.
    pub fn done() -> Self {
        Self { rx: None }
    }

    /// Waits until the events are durable.
    pub async fn durable(self) -> Result<(), AckError> {
        match self.rx {
            None => Ok(()),
            Some(rx) => rx.await.unwrap_or(Err(AckError::Closed)),
        }
    }
}
