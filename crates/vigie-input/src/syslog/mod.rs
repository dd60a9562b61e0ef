//! Syslog listeners: UDP ([`udp`], one datagram per message), TCP and TLS
//! ([`tcp`], streams framed per RFC 6587 by [`framing::Framer`], octet
//! counting or LF per message), with certificates loaded by [`tls`].
//!
//! [`build`] binds the socket (a port in use fails at start-up with
//! [`InputError::Bind`]) and loads the certificates. Messages are batched
//! ([`batch`]: 1000 messages or 20 ms), normalized with the input's dataset
//! (`syslog` by default, `auto` to detect each one, `raw` for what nothing
//! recognises), tagged with `log.source.address`, and admitted: TCP and TLS
//! wait for room in the queue and stop reading meanwhile; UDP drops the
//! batch and counts `queue_full` once per dropped message.
//!
//! Metrics use the kinds `syslog_udp`, `syslog_tcp` and `syslog_tls`:
//! `vigie_input_messages_total`, `vigie_input_received_bytes_total`,
//! `vigie_input_connections`, and `vigie_input_errors_total` with reasons
//! `frame_too_large`, `bad_frame` (bad octet count, or a stream ending
//! inside an octet-counted frame), `too_many_connections`,
//! `tls_handshake`, `queue_full`, `read`, `receive` and `accept`.

mod batch;
pub mod framing;
mod tcp;
mod tls;
mod udp;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, UdpSocket};
use tokio_rustls::TlsAcceptor;
use vigie_config::{SyslogInput, SyslogProtocol};

use self::batch::Shared;
use crate::{BoxFuture, InputError, Source, SourceContext};

pub use self::batch::SOURCE_ADDRESS_FIELD;

/// A bound syslog listener.
pub struct SyslogSource {
    shared: Arc<Shared>,
    listener: Listener,
    local_addr: SocketAddr,
}

enum Listener {
    Udp(UdpSocket),
    Tcp(TcpListener, Option<TlsAcceptor>),
}

impl std::fmt::Debug for SyslogSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyslogSource")
            .field("shared", &self.shared)
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl SyslogSource {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

/// Binds the listener described by `config`.
pub async fn build(config: &SyslogInput) -> Result<Box<dyn Source>, InputError> {
    Ok(Box::new(bind(config).await?))
}

/// [`build`], returning the concrete source.
pub async fn bind(config: &SyslogInput) -> Result<SyslogSource, InputError> {
    let input = config.name.clone();
    let kind = match config.protocol {
        SyslogProtocol::Udp => "syslog_udp",
        SyslogProtocol::Tcp => "syslog_tcp",
        SyslogProtocol::Tls => "syslog_tls",
    };
    let acceptor = match (config.protocol, &config.tls) {
        (SyslogProtocol::Tls, Some(t)) => Some(tls::acceptor(&input, t)?),
        (SyslogProtocol::Tls, None) => {
            return Err(InputError::Config {
                input,
                message: "protocol `tls` needs a `tls` section with `cert` and `key`".into(),
            })
        }
        _ => None,
    };
    let bind_error = |source| InputError::Bind {
        input: input.clone(),
        address: config.listen,
        source,
    };
    let (listener, local_addr) = match config.protocol {
        SyslogProtocol::Udp => {
            let socket = UdpSocket::bind(config.listen).await.map_err(bind_error)?;
            let addr = socket.local_addr().map_err(bind_error)?;
            (Listener::Udp(socket), addr)
        }
        SyslogProtocol::Tcp | SyslogProtocol::Tls => {
            let listener = TcpListener::bind(config.listen).await.map_err(bind_error)?;
            let addr = listener.local_addr().map_err(bind_error)?;
            (Listener::Tcp(listener, acceptor), addr)
        }
    };
    let shared = Shared {
        name: input,
        kind,
        dataset: config.dataset.clone(),
        max_frame: config.max_frame_bytes.as_usize(),
        max_connections: config.max_connections,
    };
    Ok(SyslogSource {
        shared: Arc::new(shared),
        listener,
        local_addr,
    })
}

impl Source for SyslogSource {
    fn name(&self) -> &str {
        &self.shared.name
    }

    fn run(self: Box<Self>, ctx: SourceContext) -> BoxFuture<()> {
        let SyslogSource {
            shared,
            listener,
            local_addr,
        } = *self;
        Box::pin(async move {
            let dataset = shared.dataset.as_str();
            if dataset != "auto" && ctx.registry.get(dataset).is_none() {
                tracing::warn!(
                    input = %shared.name, dataset,
                    "unknown dataset: the format of each message is detected instead"
                );
            }
            tracing::info!(input = %shared.name, kind = shared.kind, address = %local_addr, "syslog listener ready");
            match listener {
                Listener::Udp(socket) => udp::serve(socket, shared, ctx).await,
                Listener::Tcp(listener, tls) => tcp::serve(listener, tls, shared, ctx).await,
            }
        })
    }
}
