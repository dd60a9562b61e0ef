//! [`TlsListener`]: TCP accepts in one task, each TLS handshake in its own
//! task with a timeout, finished connections handed to axum through a
//! channel.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use vigie_metrics::Metrics;

/// How long a client has to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most handshakes in progress at once; further connections wait in the
/// kernel's backlog.
const MAX_HANDSHAKES: usize = 1024;
/// Connections handshaken but not yet taken by the server.
const READY_QUEUE: usize = 64;

/// An [`axum::serve::Listener`] serving TLS on a TCP listener.
///
/// Dropping it (as `axum::serve` does at shutdown) stops accepting.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Serves TLS with `config` on `tcp`, handshakes limited to
    /// [`HANDSHAKE_TIMEOUT`]. Must be called within a Tokio runtime.
    pub fn new(
        tcp: TcpListener,
        config: Arc<rustls::ServerConfig>,
        metrics: Arc<Metrics>,
    ) -> io::Result<Self> {
        Self::with_timeout(tcp, config, metrics, HANDSHAKE_TIMEOUT)
    }

    /// [`TlsListener::new`] with another handshake timeout.
    pub fn with_timeout(
        tcp: TcpListener,
        config: Arc<rustls::ServerConfig>,
        metrics: Arc<Metrics>,
        timeout: Duration,
    ) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        let acceptor = tokio::spawn(accept_loop(
            tcp,
            TlsAcceptor::from(config),
            tx,
            metrics,
            timeout,
        ));
        Ok(Self {
            ready,
            local,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept task ended (it only does when this listener is
            // dropped): nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

type Ready = mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>;

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    ready: Ready,
    metrics: Arc<Metrics>,
    timeout: Duration,
) {
    let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let slot = tokio::select! {
            _ = ready.closed() => return,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => return,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = ready.closed() => return,
            accepted = tcp.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
        };
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let _slot = slot;
            match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Err(e)) => {
                    let reason = if e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
                        "protocol"
                    } else {
                        "io"
                    };
                    tracing::debug!(%peer, reason, error = %e, "TLS handshake failed");
                    metrics.tls_handshake_error(reason);
                }
                Err(_) => {
                    tracing::debug!(%peer, timeout = ?timeout, "TLS handshake timed out");
                    metrics.tls_handshake_error("timeout");
                }
            }
        });
    }
}

/// As axum does for plain TCP: connection-level errors are the client's;
/// others (out of file descriptors) are logged and retried after a pause.
async fn accept_error(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept error");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
