//! The TCP and TLS listeners: accept connections (at most
//! `max_connections`), frame each stream with a [`Framer`], and admit
//! batches with back-pressure (a connection is not read while its batch
//! waits for room in the queue).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use vigie_metrics::NamedInputLabels;

use super::batch::{Batch, Shared};
use super::framing::{FrameError, Framer};
use super::udp::sleep_until;
use crate::SourceContext;

/// Longest a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest the closing of a connection (TLS close_notify) may take.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Bytes read from a connection at once.
const READ_SIZE: usize = 64 * 1024;

/// Accepts connections until shutdown, then waits for every connection to
/// admit its batch in hand and close.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    ctx: SourceContext,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            () = ctx.shutdown.cancelled() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if conns.len() >= shared.max_connections {
                        tracing::warn!(
                            input = %shared.name, peer = %peer, limit = shared.max_connections,
                            "syslog connection refused: max_connections reached"
                        );
                        ctx.metrics.input_error(shared.kind, &shared.name, "too_many_connections");
                        drop(stream);
                        continue;
                    }
                    let (tls, shared, ctx) = (tls.clone(), shared.clone(), ctx.clone());
                    conns.spawn(connection(stream, peer, tls, shared, ctx));
                }
                Err(e) => {
                    tracing::warn!(input = %shared.name, error = %e, "syslog accept failed");
                    ctx.metrics.input_error(shared.kind, &shared.name, "accept");
                    // Out of file descriptors, typically: do not spin.
                    tokio::select! {
                        () = ctx.shutdown.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                }
            },
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

/// Counts an open connection in `vigie_input_connections` while alive.
struct OpenConnection {
    ctx: SourceContext,
    labels: NamedInputLabels,
}

impl OpenConnection {
    fn new(shared: &Shared, ctx: &SourceContext) -> Self {
        let labels = NamedInputLabels {
            input: shared.kind,
            name: shared.name.clone(),
        };
        ctx.metrics.input_connections.get_or_create(&labels).inc();
        Self {
            ctx: ctx.clone(),
            labels,
        }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.ctx
            .metrics
            .input_connections
            .get_or_create(&self.labels)
            .dec();
    }
}

/// One connection, from the TLS handshake (if any) to close.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    ctx: SourceContext,
) {
    let _open = OpenConnection::new(&shared, &ctx);
    let Some(acceptor) = tls else {
        return read_stream(stream, peer, &shared, &ctx).await;
    };
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
    let result = tokio::select! {
        () = ctx.shutdown.cancelled() => return,
        r = handshake => r,
    };
    match result {
        Ok(Ok(stream)) => read_stream(stream, peer, &shared, &ctx).await,
        Ok(Err(e)) => {
            tracing::warn!(input = %shared.name, peer = %peer, error = %e, "syslog TLS handshake failed");
            ctx.metrics
                .input_error(shared.kind, &shared.name, "tls_handshake");
        }
        Err(_) => {
            tracing::warn!(input = %shared.name, peer = %peer, "syslog TLS handshake timed out");
            ctx.metrics
                .input_error(shared.kind, &shared.name, "tls_handshake");
        }
    }
}

/// Logs and counts a framing error.
fn frame_error(shared: &Shared, ctx: &SourceContext, peer: SocketAddr, error: &FrameError) {
    tracing::warn!(input = %shared.name, peer = %peer, error = %error, "syslog framing error");
    ctx.metrics
        .input_error(shared.kind, &shared.name, error.reason());
}

/// Reads, frames and admits until EOF, a fatal framing error, a read
/// error, or shutdown; admits the batch in hand, then closes the stream
/// (for TLS, answering the client's close_notify).
async fn read_stream<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    peer: SocketAddr,
    shared: &Shared,
    ctx: &SourceContext,
) {
    let mut framer = Framer::new(shared.max_frame);
    let mut batch = Batch::default();
    let mut buf = vec![0u8; READ_SIZE];
    loop {
        let deadline = batch.deadline();
        tokio::select! {
            biased;
            () = ctx.shutdown.cancelled() => break,
            () = sleep_until(deadline), if deadline.is_some() => {
                if batch.flush_wait(shared, ctx).await.is_err() {
                    return;
                }
            }
            read = stream.read(&mut buf) => {
                let n = match read {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(input = %shared.name, peer = %peer, error = %e, "syslog connection read failed");
                        ctx.metrics.input_error(shared.kind, &shared.name, "read");
                        break;
                    }
                };
                if n == 0 {
                    match framer.finish() {
                        Some(Ok(message)) => batch.push(message, peer),
                        Some(Err(e)) => frame_error(shared, ctx, peer, &e),
                        None => {}
                    }
                    break;
                }
                batch.read(n);
                framer.feed(&buf[..n]);
                while let Some(frame) = framer.pop() {
                    match frame {
                        Ok(message) => batch.push(message, peer),
                        Err(e) => frame_error(shared, ctx, peer, &e),
                    }
                    if batch.is_full() && batch.flush_wait(shared, ctx).await.is_err() {
                        return;
                    }
                }
                if framer.is_broken() {
                    tracing::warn!(input = %shared.name, peer = %peer, "closing the syslog connection after a framing error");
                    break;
                }
            }
        }
    }
    let _ = batch.flush_wait(shared, ctx).await;
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, stream.shutdown()).await;
}
