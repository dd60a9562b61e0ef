//! Integration tests of the syslog input: real UDP and TCP sockets on
//! loopback, the real normalizers, the real queue and pipeline thread (TLS
//! is in `syslog_tls`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio_util::sync::CancellationToken;
use vigie_config::{ByteSize, SyslogInput, SyslogProtocol};
use vigie_event::Event;

use crate::support::{context, Collect};
use vigie_input::{InputError, Source};
use vigie_metrics::Metrics;
use vigie_normalize::Limits;
use vigie_pipeline::{IngestQueue, Pipeline};

pub(crate) const SSHD_3164: &str =
    "<38>Jan 12 10:00:00 web1 sshd[123]: Accepted password for alice from 10.0.0.5 port 5555 ssh2";
pub(crate) const APP_5424: &str = "<165>1 2024-05-01T10:00:00Z db2 backup 77 ID1 - backup done";

pub(crate) fn config(name: &str, protocol: SyslogProtocol) -> SyslogInput {
    SyslogInput {
        name: name.into(),
        protocol,
        listen: "127.0.0.1:0".parse().unwrap(),
        dataset: "syslog".into(),
        max_frame_bytes: ByteSize::kib(64),
        max_connections: 16,
        tls: None,
    }
}

/// A running syslog source feeding a collecting pipeline.
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    metrics: Arc<Metrics>,
    events: Collect,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    pipeline: Pipeline,
}

pub(crate) async fn start(config: SyslogInput) -> Running {
    let metrics = Arc::new(Metrics::new());
    let (queue, rx) = vigie_pipeline::queue(10_000, metrics.clone());
    let events = Collect::default();
    let pipeline = Pipeline::start(rx, events.clone());
    let (addr, shutdown, task) = spawn_source(config, queue, metrics.clone()).await;
    Running {
        addr,
        metrics,
        events,
        shutdown,
        task,
        pipeline,
    }
}

async fn spawn_source(
    config: SyslogInput,
    queue: IngestQueue,
    metrics: Arc<Metrics>,
) -> (SocketAddr, CancellationToken, tokio::task::JoinHandle<()>) {
    let source = vigie_input::syslog::bind(&config).await.unwrap();
    let addr = source.local_addr();
    let (ctx, shutdown) = context(queue, metrics, &std::env::temp_dir(), Limits::default());
    let task = tokio::spawn(Box::new(source).run(ctx));
    (addr, shutdown, task)
}

impl Running {
    /// Waits (10 s at most) until `n` events arrived; returns them.
    pub(crate) async fn wait_for(&self, n: usize) -> Vec<Event> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.events.0.lock().unwrap().clone();
            if got.len() >= n || tokio::time::Instant::now() > deadline {
                assert_eq!(got.len(), n, "events: {got:#?}");
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits (10 s at most) until `series` has `value` in the metrics.
    pub(crate) async fn wait_metric(&self, series: &str, value: f64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.metrics.encode();
            let got = metric(&text, series);
            if got == Some(value) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{series} is {got:?}, not {value}:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops the source and the pipeline; returns every event.
    pub(crate) async fn stop(self) -> Vec<Event> {
        self.shutdown.cancel();
        self.task.await.unwrap();
        tokio::task::spawn_blocking(move || self.pipeline.join())
            .await
            .unwrap();
        let events = self.events.0.lock().unwrap().clone();
        events
    }
}

/// Value of one sample of a Prometheus exposition.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

fn field<'e>(ev: &'e Event, key: &str) -> Option<&'e str> {
    ev.fields.get_str(key)
}

pub(crate) fn assert_sshd_event(ev: &Event, peer: SocketAddr) {
    assert_eq!(field(ev, "event.dataset"), Some("syslog"));
    assert_eq!(
        field(ev, "message"),
        Some("Accepted password for alice from 10.0.0.5 port 5555 ssh2")
    );
    assert_eq!(field(ev, "host.name"), Some("web1"));
    assert_eq!(field(ev, "process.name"), Some("sshd"));
    assert_eq!(field(ev, "event.action"), Some("ssh_login"));
    assert_eq!(field(ev, "user.name"), Some("alice"));
    assert_eq!(
        field(ev, "log.source.address"),
        Some(peer.to_string().as_str())
    );
}

pub(crate) fn assert_app_event(ev: &Event, peer: SocketAddr) {
    assert_eq!(field(ev, "message"), Some("backup done"));
    assert_eq!(field(ev, "host.name"), Some("db2"));
    assert_eq!(field(ev, "process.name"), Some("backup"));
    assert_eq!(
        field(ev, "log.source.address"),
        Some(peer.to_string().as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_datagrams_become_events_with_the_sender_address() {
    let run = start(config("udp-in", SyslogProtocol::Udp)).await;
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let peer = client.local_addr().unwrap();
    client
        .send_to(format!("{SSHD_3164}\n").as_bytes(), run.addr)
        .await
        .unwrap();
    run.wait_for(1).await;
    client
        .send_to(format!("{APP_5424}\0").as_bytes(), run.addr)
        .await
        .unwrap();
    let events = run.wait_for(2).await;
    assert_sshd_event(&events[0], peer);
    assert_app_event(&events[1], peer);
    let series = r#"vigie_input_messages_total{input="syslog_udp",name="udp-in"}"#;
    run.wait_metric(series, 2.0).await;
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_datagram_over_the_limit_is_counted_and_dropped() {
    let mut cfg = config("udp-small", SyslogProtocol::Udp);
    cfg.max_frame_bytes = ByteSize::b(120);
    let run = start(cfg).await;
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let big = format!("<13>{}", "x".repeat(500));
    client.send_to(big.as_bytes(), run.addr).await.unwrap();
    client
        .send_to(SSHD_3164.as_bytes(), run.addr)
        .await
        .unwrap();
    let events = run.wait_for(1).await;
    assert_sshd_event(&events[0], client.local_addr().unwrap());
    let series =
        r#"vigie_input_errors_total{input="syslog_udp",name="udp-small",reason="frame_too_large"}"#;
    run.wait_metric(series, 1.0).await;
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_batch_that_finds_the_queue_full_is_dropped_and_counted() {
    let metrics = Arc::new(Metrics::new());
    // Nobody drains this queue of one event.
    let (queue, _rx) = vigie_pipeline::queue(1, metrics.clone());
    let (addr, shutdown, task) = spawn_source(
        config("udp-full", SyslogProtocol::Udp),
        queue.clone(),
        metrics.clone(),
    )
    .await;
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for _ in 0..3 {
        client.send_to(SSHD_3164.as_bytes(), addr).await.unwrap();
    }
    let series =
        r#"vigie_input_errors_total{input="syslog_udp",name="udp-full",reason="queue_full"}"#;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let dropped = metric(&metrics.encode(), series).unwrap_or(0.0) as usize;
        // Depending on how the datagrams were batched, the first one may
        // have been admitted; every other one is counted as dropped.
        if dropped + queue.depth() == 3 && dropped >= 2 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}",
            metrics.encode()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shutdown.cancel();
    task.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_mixes_octet_counted_and_lf_frames_on_one_connection() {
    let run = start(config("tcp-in", SyslogProtocol::Tcp)).await;
    let mut conn = TcpStream::connect(run.addr).await.unwrap();
    let peer = conn.local_addr().unwrap();
    let stream = format!(
        "{} {SSHD_3164}{APP_5424}\r\n{SSHD_3164}\n{} {APP_5424}{APP_5424}",
        SSHD_3164.len(),
        APP_5424.len()
    );
    // Split inside the octet count and inside a message.
    let bytes = stream.as_bytes();
    conn.write_all(&bytes[..1]).await.unwrap();
    conn.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    conn.write_all(&bytes[1..40]).await.unwrap();
    conn.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    conn.write_all(&bytes[40..]).await.unwrap();
    // The last, unterminated message is delivered at EOF.
    conn.shutdown().await.unwrap();
    let events = run.wait_for(5).await;
    assert_sshd_event(&events[0], peer);
    assert_app_event(&events[1], peer);
    assert_sshd_event(&events[2], peer);
    assert_app_event(&events[3], peer);
    assert_app_event(&events[4], peer);
    let series = r#"vigie_input_received_bytes_total{input="syslog_tcp",name="tcp-in"}"#;
    run.wait_metric(series, bytes.len() as f64).await;
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frame_is_counted_and_the_messages_around_it_arrive() {
    let mut cfg = config("tcp-small", SyslogProtocol::Tcp);
    cfg.max_frame_bytes = ByteSize::b(200);
    let run = start(cfg).await;
    let mut other = TcpStream::connect(run.addr).await.unwrap();
    let mut conn = TcpStream::connect(run.addr).await.unwrap();
    let peer = conn.local_addr().unwrap();
    let big = format!("<13>Jan 12 10:00:00 web1 app: {}", "x".repeat(5000));
    let stream = format!("{SSHD_3164}\n{big}\n{APP_5424}\n");
    conn.write_all(stream.as_bytes()).await.unwrap();
    other
        .write_all(format!("{APP_5424}\n").as_bytes())
        .await
        .unwrap();
    let events = run.wait_for(3).await;
    let mine: Vec<&Event> = events
        .iter()
        .filter(|e| field(e, "log.source.address") == Some(peer.to_string().as_str()))
        .collect();
    assert_eq!(mine.len(), 2);
    assert_sshd_event(mine[0], peer);
    assert_app_event(mine[1], peer);
    let series =
        r#"vigie_input_errors_total{input="syslog_tcp",name="tcp-small",reason="frame_too_large"}"#;
    run.wait_metric(series, 1.0).await;
    // The connection is still open and usable.
    conn.write_all(format!("{APP_5424}\n").as_bytes())
        .await
        .unwrap();
    run.wait_for(4).await;
    drop((conn, other));
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_octet_count_closes_only_that_connection() {
    let run = start(config("tcp-bad", SyslogProtocol::Tcp)).await;
    let mut good = TcpStream::connect(run.addr).await.unwrap();
    let mut bad = TcpStream::connect(run.addr).await.unwrap();
    bad.write_all(format!("{SSHD_3164}\n12x {APP_5424}\n").as_bytes())
        .await
        .unwrap();
    // The server closes the bad connection: reading sees EOF.
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(10), bad.read(&mut buf))
        .await
        .expect("the bad connection is closed")
        .unwrap_or(0);
    assert_eq!(n, 0);
    good.write_all(format!("{APP_5424}\n").as_bytes())
        .await
        .unwrap();
    let events = run.wait_for(2).await;
    assert_sshd_event(&events[0], bad.local_addr().unwrap());
    assert_app_event(&events[1], good.local_addr().unwrap());
    let series =
        r#"vigie_input_errors_total{input="syslog_tcp",name="tcp-bad",reason="bad_frame"}"#;
    run.wait_metric(series, 1.0).await;
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_max_connections_are_refused_and_counted() {
    let mut cfg = config("tcp-max", SyslogProtocol::Tcp);
    cfg.max_connections = 1;
    let run = start(cfg).await;
    let mut first = TcpStream::connect(run.addr).await.unwrap();
    first
        .write_all(format!("{SSHD_3164}\n").as_bytes())
        .await
        .unwrap();
    run.wait_for(1).await;
    let gauge = r#"vigie_input_connections{input="syslog_tcp",name="tcp-max"}"#;
    run.wait_metric(gauge, 1.0).await;
    let mut second = TcpStream::connect(run.addr).await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(10), second.read(&mut buf))
        .await
        .expect("the second connection is closed")
        .unwrap_or(0);
    assert_eq!(n, 0);
    let series = r#"vigie_input_errors_total{input="syslog_tcp",name="tcp-max",reason="too_many_connections"}"#;
    run.wait_metric(series, 1.0).await;
    drop(first);
    run.wait_metric(gauge, 0.0).await;
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_in_use_fails_at_build_with_a_bind_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut cfg = config("busy", SyslogProtocol::Tcp);
    cfg.listen = taken.local_addr().unwrap();
    let err = vigie_input::syslog::build(&cfg)
        .await
        .err()
        .expect("bind fails");
    assert!(
        matches!(err, InputError::Bind { ref input, address, .. } if input == "busy" && address == cfg.listen),
        "{err}"
    );
}
