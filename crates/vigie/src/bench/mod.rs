//! `vigie bench ingest`: end-to-end ingest throughput of the network
//! inputs, client to acknowledged, measured against a real `vigie serve`.
//!
//! The command starts this same binary as a server (a fresh data
//! directory, a syslog TCP listener, a token), generates the payloads
//! before the clock starts, then for each target sends `--events` events
//! over `--connections` connections and reports two rates:
//!
//! * **acknowledged**: the time until the last byte was accepted by the
//!   server: the last `204` of the Loki push API; for syslog over TCP,
//!   which has no acknowledgement, the time the last frame was written;
//! * **stored**: the time until `vigie_pipeline_events_total` on the
//!   server's `/metrics` counts every event as written by the sink: the
//!   end-to-end figure.
//!
//! Client and server share the machine: on two cores the figures include
//! the client's own cost, as they would for a shipper on the same host.

mod alerts;
mod http1;
mod payload;
mod server;
mod sigma;
mod store;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use clap::{Args, Subcommand, ValueEnum};
use server::BenchServer;

/// `vigie bench ...`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// End-to-end ingest throughput of syslog over TCP and the Loki push
    /// API against a `vigie serve` started for the run.
    Ingest(BenchIngestArgs),
    /// The event store at scale: durable ingest, bytes per event, and the
    /// latency of needle, filter and aggregation queries.
    Store(store::BenchStoreArgs),
    /// Sigma evaluation: events per second on one core with a rule corpus
    /// loaded, over Windows event logs or CloudTrail.
    Sigma(sigma::BenchSigmaArgs),
    /// The alert manager against Prometheus Alertmanager in the same run:
    /// alerts/s (batched and single), memory, POST-to-webhook latency.
    Alertmanager(alerts::BenchAlertsArgs),
}

/// `vigie bench ingest` options.
#[derive(Debug, Args)]
pub struct BenchIngestArgs {
    /// Which input to measure.
    #[arg(long, value_enum, default_value_t = BenchTarget::All)]
    pub target: BenchTarget,
    /// Events sent per target.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: usize,
    /// Concurrent client connections.
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
    /// Entries per Loki push request.
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// The server's `ingest.queue_capacity`.
    #[arg(long, default_value_t = 50_000)]
    pub queue_capacity: usize,
}

/// An input to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchTarget {
    /// Syslog over TCP, octet-counted RFC 5424/3164 sshd and sudo lines.
    SyslogTcp,
    /// The Loki push API, protobuf + snappy, as Promtail sends.
    Loki,
    /// Both, one after the other.
    All,
}

/// Runs a `vigie bench` command.
pub fn dispatch(command: BenchCommand) -> anyhow::Result<ExitCode> {
    match command {
        BenchCommand::Ingest(args) => run(args),
        BenchCommand::Store(args) => store::run(args),
        BenchCommand::Sigma(args) => sigma::run(args),
        BenchCommand::Alertmanager(args) => alerts::run(args),
    }
}

/// Runs the benchmark and prints one line per target.
pub fn run(args: BenchIngestArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(args))
}

/// One measured run.
struct Figure {
    target: &'static str,
    events: usize,
    bytes: usize,
    acknowledged: Duration,
    stored: Duration,
    retries: usize,
}

async fn run_async(args: BenchIngestArgs) -> anyhow::Result<ExitCode> {
    let server = BenchServer::start(args.queue_capacity).await?;
    let targets: Vec<BenchTarget> = match args.target {
        BenchTarget::All => vec![BenchTarget::SyslogTcp, BenchTarget::Loki],
        t => vec![t],
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "vigie bench ingest: {} events per target, {} connections, batch {} (Loki), {cores} cores",
        args.events, args.connections, args.batch
    );
    println!(
        "{:<11} {:>10} {:>9} {:>14} {:>9} {:>14} {:>8} {:>8}",
        "target", "events", "ack s", "ack events/s", "stored s", "stored ev/s", "MB/s", "retries"
    );
    for target in targets {
        let figure = match target {
            BenchTarget::SyslogTcp => syslog_tcp(&server, &args).await?,
            BenchTarget::Loki => loki(&server, &args).await?,
            BenchTarget::All => continue,
        };
        let rate = |d: Duration| figure.events as f64 / d.as_secs_f64().max(1e-9);
        println!(
            "{:<11} {:>10} {:>9.3} {:>14.0} {:>9.3} {:>14.0} {:>8.1} {:>8}",
            figure.target,
            figure.events,
            figure.acknowledged.as_secs_f64(),
            rate(figure.acknowledged),
            figure.stored.as_secs_f64(),
            rate(figure.stored),
            figure.bytes as f64 / 1e6 / figure.stored.as_secs_f64().max(1e-9),
            figure.retries,
        );
    }
    server.stop().await?;
    Ok(ExitCode::SUCCESS)
}

async fn syslog_tcp(server: &BenchServer, args: &BenchIngestArgs) -> anyhow::Result<Figure> {
    let per_conn = split(args.events, args.connections);
    let streams: Vec<Vec<u8>> = per_conn
        .iter()
        .enumerate()
        .map(|(i, n)| payload::syslog_octet_counted(i as u64, *n))
        .collect();
    let bytes = streams.iter().map(Vec::len).sum();
    let before = server.stored_events().await?;
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for stream in streams {
        let addr = server.syslog_addr;
        tasks.spawn(async move {
            use tokio::io::AsyncWriteExt;
            let mut conn = tokio::net::TcpStream::connect(addr).await?;
            for chunk in stream.chunks(256 << 10) {
                conn.write_all(chunk).await?;
            }
            conn.shutdown().await?;
            Ok::<(), std::io::Error>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("a syslog client task failed")?
            .context("sending syslog over TCP")?;
    }
    let acknowledged = start.elapsed();
    server.wait_stored(before + args.events as u64).await?;
    Ok(Figure {
        target: "syslog-tcp",
        events: args.events,
        bytes,
        acknowledged,
        stored: start.elapsed(),
        retries: 0,
    })
}

async fn loki(server: &BenchServer, args: &BenchIngestArgs) -> anyhow::Result<Figure> {
    let per_conn = split(args.events, args.connections);
    let bodies: Vec<Vec<bytes::Bytes>> = per_conn
        .iter()
        .enumerate()
        .map(|(i, n)| payload::loki_snappy_batches(i as u64, *n, args.batch))
        .collect();
    let bytes = bodies.iter().flatten().map(|b| b.len()).sum();
    let before = server.stored_events().await?;
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for batches in bodies {
        let client = server.client.clone();
        let url = server.url("/loki/api/v1/push");
        let token = server.token.clone();
        tasks.spawn(async move {
            let mut retries = 0usize;
            for body in batches {
                loop {
                    let reply = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/x-protobuf")
                        .body(body.clone())
                        .send()
                        .await?;
                    match reply.status().as_u16() {
                        204 | 200 => break,
                        429 | 503 => {
                            retries += 1;
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        status => anyhow::bail!(
                            "the Loki push API answered {status}: {}",
                            reply.text().await.unwrap_or_default()
                        ),
                    }
                }
            }
            Ok::<usize, anyhow::Error>(retries)
        });
    }
    let mut retries = 0;
    while let Some(done) = tasks.join_next().await {
        retries += done.context("a Loki client task failed")??;
    }
    let acknowledged = start.elapsed();
    server.wait_stored(before + args.events as u64).await?;
    Ok(Figure {
        target: "loki-proto",
        events: args.events,
        bytes,
        acknowledged,
        stored: start.elapsed(),
        retries,
    })
}

/// `total` split into `parts` near-equal shares.
fn split(total: usize, parts: usize) -> Vec<usize> {
    let parts = parts.max(1);
    (0..parts)
        .map(|i| total / parts + usize::from(i < total % parts))
        .filter(|n| *n > 0)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn split_shares_add_up() {
        assert_eq!(super::split(10, 3), vec![4, 3, 3]);
        assert_eq!(super::split(2, 4), vec![1, 1]);
        assert_eq!(super::split(7, 0), vec![7]);
    }
}
