//! [`Batch`]: messages collected from a socket until 1000 are waiting or
//! the oldest has waited 20 ms, then normalized together and admitted.
//!
//! Every event gets `log.source.address` (`IP:port` of the sender). Each
//! record is normalized with the input's dataset (`auto` detects each
//! one); a record no normalizer recognises is kept as `raw`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::Instant;
use vigie_metrics::InputErrorLabels;
use vigie_normalize::formats::raw::Raw;
use vigie_normalize::{normalize_records, Output};
use vigie_pipeline::QueueError;

use crate::SourceContext;

/// Most messages in one batch.
pub const MAX_MESSAGES: usize = 1000;
/// Longest a message waits for its batch to fill.
pub const MAX_DELAY: Duration = Duration::from_millis(20);

/// The ECS field naming the sender.
pub const SOURCE_ADDRESS_FIELD: &str = "log.source.address";

/// What every task of one listener knows about it.
#[derive(Debug)]
pub struct Shared {
    pub name: String,
    /// `syslog_udp`, `syslog_tcp` or `syslog_tls`.
    pub kind: &'static str,
    pub dataset: String,
    pub max_frame: usize,
    pub max_connections: usize,
}

impl Shared {
    /// The dataset named for records that have none of their own.
    fn fallback_dataset(&self) -> Option<&str> {
        Some(self.dataset.as_str()).filter(|d| *d != "auto")
    }

    /// Counts `n` errors of `reason`.
    pub fn count_errors(&self, ctx: &SourceContext, reason: &'static str, n: u64) {
        ctx.metrics
            .input_errors
            .get_or_create(&InputErrorLabels {
                input: self.kind,
                name: self.name.clone(),
                reason,
            })
            .inc_by(n);
    }
}

/// Messages waiting to be normalized, with their senders.
#[derive(Debug, Default)]
pub struct Batch {
    messages: Vec<Vec<u8>>,
    peers: Vec<SocketAddr>,
    /// Bytes read from the socket since the last flush.
    bytes: u64,
    since: Option<Instant>,
}

impl Batch {
    /// Adds `n` bytes read off the socket.
    pub fn read(&mut self, n: usize) {
        self.bytes += n as u64;
    }

    /// Adds one message from `peer`, without its trailing CR, LF or NUL.
    pub fn push(&mut self, mut message: Vec<u8>, peer: SocketAddr) {
        while matches!(message.last(), Some(b'\n' | b'\r' | 0)) {
            message.pop();
        }
        if message.is_empty() {
            return;
        }
        self.since.get_or_insert_with(Instant::now);
        self.messages.push(message);
        self.peers.push(peer);
    }

    pub fn is_full(&self) -> bool {
        self.messages.len() >= MAX_MESSAGES
    }

    /// When the batch must be flushed, if it holds anything.
    pub fn deadline(&self) -> Option<Instant> {
        self.since.map(|t| t + MAX_DELAY)
    }

    /// Normalizes and empties the batch, counting what was read.
    fn take(&mut self, shared: &Shared, ctx: &SourceContext) -> (Output, usize) {
        let n = self.messages.len();
        ctx.metrics
            .input_read(shared.kind, &shared.name, n as u64, self.bytes);
        self.bytes = 0;
        self.since = None;
        let peers: Vec<String> = self.peers.drain(..).map(|p| p.to_string()).collect();
        let messages = std::mem::take(&mut self.messages);
        let out = normalize_records(
            &ctx.registry,
            ctx.normalizer(Some(&shared.dataset)),
            Some(&Raw),
            messages.iter().map(Vec::as_slice),
            &ctx.limits,
            |i, events| {
                if let Some(peer) = peers.get(i) {
                    for ev in events {
                        ev.fields.set(SOURCE_ADDRESS_FIELD, peer.as_str());
                    }
                }
            },
        );
        for r in &out.rejected {
            tracing::debug!(input = %shared.name, peer = ?peers.get(r.index), error = %r.error, "syslog message rejected");
        }
        (out, n)
    }

    /// Stream sources: admits the batch, waiting for room in the queue
    /// (the connection is not read meanwhile). `Err` when the pipeline has
    /// stopped.
    pub async fn flush_wait(
        &mut self,
        shared: &Shared,
        ctx: &SourceContext,
    ) -> Result<(), QueueError> {
        if self.messages.is_empty() && self.bytes == 0 {
            return Ok(());
        }
        let (mut out, _) = self.take(shared, ctx);
        ctx.queue
            .admit_wait(shared.fallback_dataset(), &mut out)
            .await
            .map(drop)
    }

    /// UDP: admits the batch now or drops it when the queue is full,
    /// counting one `queue_full` error per dropped message. `Err` only when
    /// the pipeline has stopped.
    pub fn flush_now(&mut self, shared: &Shared, ctx: &SourceContext) -> Result<(), QueueError> {
        if self.messages.is_empty() && self.bytes == 0 {
            return Ok(());
        }
        let (mut out, n) = self.take(shared, ctx);
        match ctx.queue.admit(shared.fallback_dataset(), &mut out) {
            Ok(_) => Ok(()),
            Err(QueueError::Closed) => Err(QueueError::Closed),
            Err(e) => {
                tracing::warn!(input = %shared.name, messages = n, error = %e, "syslog datagrams dropped");
                shared.count_errors(ctx, "queue_full", n as u64);
                Ok(())
            }
        }
    }
}
