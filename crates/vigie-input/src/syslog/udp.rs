//! The UDP listener: one datagram is one message (RFC 5426), without its
//! trailing LF or NUL. UDP cannot push back, so a batch that finds the
//! queue full is dropped and counted (`queue_full`, one per message).

use std::sync::Arc;

use tokio::net::UdpSocket;

use super::batch::{Batch, Shared};
use crate::SourceContext;

/// Largest UDP payload.
const MAX_DATAGRAM: usize = 65_536;

/// Receives datagrams until shutdown, then admits the batch in hand.
pub async fn serve(socket: UdpSocket, shared: Arc<Shared>, ctx: SourceContext) {
    // One byte more than allowed, to see that a datagram is too large.
    let mut buf = vec![0u8; shared.max_frame.saturating_add(1).min(MAX_DATAGRAM)];
    let mut batch = Batch::default();
    loop {
        let deadline = batch.deadline();
        tokio::select! {
            biased;
            () = ctx.shutdown.cancelled() => break,
            () = sleep_until(deadline), if deadline.is_some() => {
                if batch.flush_now(&shared, &ctx).is_err() {
                    return;
                }
            }
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, peer)) => {
                    batch.read(n);
                    if n > shared.max_frame {
                        tracing::warn!(
                            input = %shared.name, peer = %peer, size = n, limit = shared.max_frame,
                            "syslog datagram larger than max_frame_bytes, dropped"
                        );
                        ctx.metrics.input_error(shared.kind, &shared.name, "frame_too_large");
                        continue;
                    }
                    batch.push(buf[..n].to_vec(), peer);
                    if batch.is_full() && batch.flush_now(&shared, &ctx).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(input = %shared.name, error = %e, "syslog UDP receive failed");
                    ctx.metrics.input_error(shared.kind, &shared.name, "receive");
                }
            },
        }
    }
    let _ = batch.flush_now(&shared, &ctx);
}

/// Sleeps until `deadline` (forever when `None`; the caller guards it).
pub(super) async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
