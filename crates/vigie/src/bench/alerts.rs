//! `vigie bench alertmanager`: vigie's alert manager against the real
//! Prometheus Alertmanager, in the same run, on the same machine, with the
//! same configuration and the same client.
//!
//! Each target is started as a child process on loopback (`vigie
//! alertmanager` is this binary; the peer is `--peer`, Debian's
//! `prometheus-alertmanager` by default) and measured in turn:
//!
//! * **batched**: `--alerts` distinct alerts posted in batches of
//!   `--batch` over `--concurrency` connections: alerts accepted per second;
//! * **memory**: the process's resident set once ready (idle), after the
//!   first 10% and after all of them (distinct alerts held);
//! * **single**: `--single` more distinct alerts, one per request;
//! * **latency**: `--latency-rounds` times, one alert of a new group, and
//!   the time until the webhook receives it, less `group_wait`.
//!
//! When `vigie-alertmanager` (the alert-manager-only binary) sits beside
//! this one, it is measured too. Requests are prepared and connections
//! opened before the clock starts; they go through a lean HTTP/1.1 load
//! generator ([`super::http1`]), since client and target share the cores.
//! For single alerts the target's own CPU time per alert is reported as
//! well: unlike the rate, it does not depend on what the client costs. Alerts are spread
//! over 100 groups (`group_by: [group]`), so notifications stay a
//! realistic size for both.

use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::State;
use axum::routing::post;
use clap::Args;
use serde_json::{json, Value};
use tokio::sync::mpsc;

/// `vigie bench alertmanager` options.
#[derive(Debug, Args)]
pub struct BenchAlertsArgs {
    /// Distinct alerts posted in batches.
    #[arg(long, default_value_t = 100_000)]
    pub alerts: usize,
    /// Alerts per batched request.
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// Distinct alerts posted one per request.
    #[arg(long, default_value_t = 10_000)]
    pub single: usize,
    /// Concurrent client connections.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// `group_wait` of the route, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub group_wait_ms: u64,
    /// Delivery latency samples.
    #[arg(long, default_value_t = 20)]
    pub latency_rounds: usize,
    /// The Alertmanager binary to compare with (skipped when absent).
    #[arg(long, default_value = "/usr/bin/prometheus-alertmanager")]
    pub peer: PathBuf,
}

/// What one target measured.
#[derive(Debug, Default)]
struct Figures {
    batched_per_s: f64,
    single_per_s: f64,
    /// The target's CPU time (all threads) per single alert, in µs.
    single_cpu_us: f64,
    rss_idle_mib: f64,
    rss_first_mib: f64,
    rss_all_mib: f64,
    first_count: usize,
    latency_ms: Vec<f64>,
}

fn free_addr() -> anyhow::Result<std::net::SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?)
}

/// Resident set of `pid` in MiB, from `/proc`.
fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Arrivals of latency probes at the webhook: the probe's `probe` label.
#[derive(Clone)]
struct Hook {
    tx: mpsc::UnboundedSender<(String, Instant)>,
}

async fn hook(State(h): State<Hook>, body: axum::body::Bytes) -> &'static str {
    let now = Instant::now();
    if let Ok(v) = serde_json::from_slice::<Value>(&body) {
        for a in v["alerts"].as_array().into_iter().flatten() {
            if let Some(p) = a["labels"]["probe"].as_str() {
                let _ = h.tx.send((p.to_string(), now));
            }
        }
    }
    "ok"
}

fn config(hook_url: &str, group_wait_ms: u64) -> String {
    format!(
        "route:\n  receiver: hook\n  group_by: [group]\n  group_wait: {group_wait_ms}ms\n  \
         group_interval: 5m\n  repeat_interval: 4h\nreceivers:\n  - name: hook\n    \
         webhook_configs:\n      - url: {hook_url}\n        send_resolved: false\n"
    )
}

/// A started target.
struct Target {
    child: tokio::process::Child,
    addr: std::net::SocketAddr,
    base: String,
}

async fn start(
    name: &str,
    program: &Path,
    pre_args: &[&str],
    dir: &Path,
    config_text: &str,
) -> anyhow::Result<Target> {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir)?;
    let config = dir.join("alertmanager.yml");
    std::fs::write(&config, config_text)?;
    let addr = free_addr()?;
    let log = std::fs::File::create(dir.join("log"))?;
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(pre_args)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address={addr}"))
        .arg("--cluster.listen-address=")
        .arg("--log.level=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(format!("{base}/-/ready")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{name} not ready in 30 s (log: {})",
            dir.join("log").display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(Target { child, addr, base })
}

/// JSON bodies of `n` distinct alerts, `per` per body, named by `prefix`.
fn bodies(prefix: &str, n: usize, per: usize) -> Vec<bytes::Bytes> {
    (0..n)
        .collect::<Vec<_>>()
        .chunks(per.max(1))
        .map(|chunk| {
            let alerts: Vec<Value> = chunk
                .iter()
                .map(|i| {
                    json!({
                        "labels": {
                            "alertname": "BenchAlert",
                            "group": format!("g{}", i % 100),
                            "instance": format!("{prefix}-{i}"),
                            "severity": "warning",
                        },
                        "annotations": {"summary": "benchmark alert"},
                    })
                })
                .collect();
            bytes::Bytes::from(serde_json::to_vec(&alerts).unwrap_or_default())
        })
        .collect()
}

/// Posts every body to `/api/v2/alerts` over `concurrency` kept-alive
/// connections, a thread each (the load generator of [`super::http1`]:
/// requests prepared and connections opened before the clock starts); the
/// elapsed time.
async fn post_all(
    addr: std::net::SocketAddr,
    bodies: Vec<bytes::Bytes>,
    concurrency: usize,
) -> anyhow::Result<Duration> {
    let requests: Vec<Vec<u8>> = bodies
        .iter()
        .map(|b| super::http1::post_request(addr, "/api/v2/alerts", b))
        .collect();
    drop(bodies);
    tokio::task::spawn_blocking(move || post_blocking(addr, &requests, concurrency))
        .await
        .context("the client threads")?
}

fn post_blocking(
    addr: std::net::SocketAddr,
    requests: &[Vec<u8>],
    concurrency: usize,
) -> anyhow::Result<Duration> {
    let mut connections = (0..concurrency.max(1))
        .map(|_| super::http1::Connection::open(addr))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        let workers: Vec<_> = connections
            .iter_mut()
            .map(|connection| {
                let next = &next;
                scope.spawn(move || -> anyhow::Result<()> {
                    while let Some(request) = requests.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let status = connection.send(request)?;
                        anyhow::ensure!((200..300).contains(&status), "POST answered {status}");
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .map_err(|_| anyhow::anyhow!("a client thread panicked"))?
        })
    })?;
    Ok(start.elapsed())
}

/// CPU time `pid` has used, user and system, all threads, in seconds
/// (`/proc/PID/stat` counts in `USER_HZ`, 100 per second on Linux).
fn cpu_seconds(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name, which may hold spaces.
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: f64 = fields.get(11)?.parse().ok()?;
            let system: f64 = fields.get(12)?.parse().ok()?;
            Some((user + system) / 100.0)
        })
        .unwrap_or(0.0)
}

async fn measure(
    t: &Target,
    args: &BenchAlertsArgs,
    arrivals: &mut mpsc::UnboundedReceiver<(String, Instant)>,
) -> anyhow::Result<Figures> {
    let pid = t.child.id().unwrap_or(0);
    let mut f = Figures::default();
    let first = (args.alerts / 10).max(1).min(args.alerts);
    let mut batched = bodies("b", args.alerts, args.batch);
    let first_bodies: Vec<_> = batched.drain(..first.div_ceil(args.batch.max(1))).collect();
    f.first_count = first;
    tokio::time::sleep(Duration::from_secs(1)).await;
    f.rss_idle_mib = rss_mib(pid);
    let d1 = post_all(t.addr, first_bodies, args.concurrency).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    f.rss_first_mib = rss_mib(pid);
    let d2 = post_all(t.addr, batched, args.concurrency).await?;
    f.batched_per_s = args.alerts as f64 / (d1 + d2).as_secs_f64().max(1e-9);
    tokio::time::sleep(Duration::from_secs(2)).await;
    f.rss_all_mib = rss_mib(pid);
    let single = bodies("s", args.single, 1);
    let cpu_before = cpu_seconds(pid);
    let d = post_all(t.addr, single, args.concurrency).await?;
    f.single_per_s = args.single as f64 / d.as_secs_f64().max(1e-9);
    f.single_cpu_us = (cpu_seconds(pid) - cpu_before) * 1e6 / args.single.max(1) as f64;

    let client = reqwest::Client::new();
    let group_wait = Duration::from_millis(args.group_wait_ms);
    while arrivals.try_recv().is_ok() {}
    for round in 0..args.latency_rounds {
        let probe = format!("p{round}-{}", rand::random::<u32>());
        let body = json!([{ "labels": {
            "alertname": "LatencyProbe", "group": probe, "probe": probe,
        }}]);
        let sent = Instant::now();
        let r = client
            .post(format!("{}/api/v2/alerts", t.base))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await?;
        anyhow::ensure!(
            r.status().is_success(),
            "probe POST answered {}",
            r.status()
        );
        let deadline = sent + group_wait + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (p, at) = tokio::time::timeout(left, arrivals.recv())
                .await
                .context("the probe never reached the webhook")?
                .context("webhook closed")?;
            if p == probe {
                let ms = at.duration_since(sent).as_secs_f64() * 1e3;
                f.latency_ms.push(ms - group_wait.as_secs_f64() * 1e3);
                break;
            }
        }
    }
    Ok(f)
}

fn print_results(results: &[(&str, Figures)], args: &BenchAlertsArgs) {
    println!(
        "{:<19} {:>13} {:>12} {:>11} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}",
        "target",
        "batched al/s",
        "single al/s",
        "CPU/single",
        "RSS idle",
        "RSS@first",
        "RSS@all",
        "lat p50",
        "lat p99",
        "lat max"
    );
    for (name, f) in results {
        println!(
            "{:<19} {:>13.0} {:>12.0} {:>9.1}us {:>7.1}MiB {:>7.1}MiB {:>7.1}MiB {:>7.1}ms {:>7.1}ms {:>7.1}ms",
            name,
            f.batched_per_s,
            f.single_per_s,
            f.single_cpu_us,
            f.rss_idle_mib,
            f.rss_first_mib,
            f.rss_all_mib,
            percentile(&f.latency_ms, 0.5),
            percentile(&f.latency_ms, 0.99),
            percentile(&f.latency_ms, 1.0),
        );
    }
    let Some(((peer_name, peer), ours)) = results.split_first() else {
        return;
    };
    if *peer_name != "alertmanager" {
        return;
    }
    // What the alerts themselves cost, without each program's fixed
    // footprint (code, runtime, buffers) measured once ready.
    let held = |f: &Figures, rss: f64| (rss - f.rss_idle_mib).max(0.0);
    for (name, f) in ours {
        println!(
            "{name}/alertmanager: batched {:.2}x, single {:.2}x, CPU per single alert {:.2}, \
             RSS@{} {:.2}, RSS@{} {:.2}; memory above idle {:.1} / {:.1} MiB (ratios {:.2}, {:.2})",
            f.batched_per_s / peer.batched_per_s,
            f.single_per_s / peer.single_per_s,
            f.single_cpu_us / peer.single_cpu_us.max(1e-9),
            f.first_count,
            f.rss_first_mib / peer.rss_first_mib,
            args.alerts,
            f.rss_all_mib / peer.rss_all_mib,
            held(f, f.rss_first_mib),
            held(f, f.rss_all_mib),
            held(f, f.rss_first_mib) / held(peer, peer.rss_first_mib).max(1e-9),
            held(f, f.rss_all_mib) / held(peer, peer.rss_all_mib).max(1e-9),
        );
    }
}

fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * p).round() as usize]
}

pub fn run(args: BenchAlertsArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .worker_threads(2)
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(args))
}

async fn run_async(args: BenchAlertsArgs) -> anyhow::Result<ExitCode> {
    let dir = std::env::temp_dir().join(format!("vigie-bench-am-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let (tx, mut arrivals) = mpsc::unbounded_channel();
    let hook_addr = free_addr()?;
    let listener = tokio::net::TcpListener::bind(hook_addr).await?;
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(Hook { tx });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let text = config(&format!("http://{hook_addr}/hook"), args.group_wait_ms);

    let exe = std::env::current_exe().context("locating the vigie binary")?;
    let mut targets: Vec<(&str, PathBuf, Vec<&str>)> = Vec::new();
    if args.peer.exists() {
        targets.push(("alertmanager", args.peer.clone(), vec![]));
    } else {
        println!(
            "peer {} not found: measuring vigie alone",
            args.peer.display()
        );
    }
    // The alert-manager-only binary, when built beside this one.
    let slim = exe.with_file_name("vigie-alertmanager");
    targets.push(("vigie", exe, vec!["alertmanager"]));
    if slim.exists() {
        targets.push(("vigie-alertmanager", slim, vec![]));
    }
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "vigie bench alertmanager: {} alerts in batches of {}, {} single, {} connections, group_wait {} ms, {cores} cores",
        args.alerts, args.batch, args.single, args.concurrency, args.group_wait_ms
    );
    let mut results = Vec::new();
    for (name, program, pre) in &targets {
        let mut target = start(name, program, pre, &dir, &text).await?;
        let figures = measure(&target, &args, &mut arrivals).await;
        let _ = target.child.kill().await;
        let figures = figures.with_context(|| format!("measuring {name}"))?;
        results.push((*name, figures));
    }
    print_results(&results, &args);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ExitCode::SUCCESS)
}
