//! The alert manager alone, as a drop-in for Prometheus Alertmanager: its
//! flags, its configuration file, its API v2 and management endpoints at
//! the same paths (under `--web.route-prefix`).
//!
//! Two programs run it: `vigie alertmanager` (the command of the one vigie
//! binary) and `vigie-alertmanager`, a binary that holds the alert manager
//! and nothing else, for those who replace only Alertmanager: the same
//! code, without the event store, the query engine and the web UI mapped
//! in (about a third of the resident memory once ready; BENCHMARKS.md).
//!
//! Alertmanager has no authentication of its own; neither has this mode
//! unless `--auth.token-file` names a file holding a token. Without one it
//! only listens on a loopback address, so nothing beyond the machine can
//! change silences. There is no clustering: the cluster flags are accepted,
//! and with `--cluster.listen-address` the status reports a ready cluster
//! of this one instance at that address, as a lone Alertmanager does.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::Args;
use sha2::{Digest, Sha256};
use vigie_alertmanager::{
    AlertManager, AlertManagerOptions, ConfigSource, ReloadError, StartError,
};

/// Alertmanager's flags that vigie reads (the others it accepts are
/// ignored, see the module documentation).
#[derive(Debug, Args)]
pub struct AlertmanagerArgs {
    /// The Alertmanager configuration file.
    #[arg(long = "config.file", default_value = "alertmanager.yml")]
    pub config_file: PathBuf,
    /// Address to listen on (`:9093` is every interface).
    #[arg(long = "web.listen-address", default_value = "127.0.0.1:9093")]
    pub listen: String,
    /// Where silences, the notification log and alerts are kept.
    #[arg(long = "storage.path", default_value = "data/")]
    pub storage: PathBuf,
    /// The URL users reach the alert manager at; its path is the route
    /// prefix unless `--web.route-prefix` is given.
    #[arg(long = "web.external-url")]
    pub external_url: Option<String>,
    /// Prefix of every path served.
    #[arg(long = "web.route-prefix")]
    pub route_prefix: Option<String>,
    /// Log level: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub log_level: String,
    /// A file holding the bearer token every request but `/-/healthy` and
    /// `/-/ready` must present (required off loopback).
    #[arg(long = "auth.token-file")]
    pub token_file: Option<PathBuf>,
    /// Accepted for compatibility and ignored (vigie embeds its templates).
    #[arg(long = "template.default", hide = true)]
    pub template_default: Option<String>,
    /// Accepted for compatibility and ignored (no web UI in this mode).
    #[arg(long = "web.ui-path", hide = true)]
    pub web_ui_path: Option<String>,
    /// Accepted for compatibility and ignored (no clustering).
    #[arg(long = "cluster.listen-address", hide = true)]
    pub cluster_listen: Option<String>,
    #[arg(long = "cluster.settle-timeout", hide = true)]
    pub cluster_settle: Option<String>,
    #[arg(long = "cluster.peer", hide = true)]
    pub cluster_peers: Vec<String>,
    #[arg(long = "cluster.advertise-address", hide = true)]
    pub cluster_advertise: Option<String>,
    #[arg(long = "data.retention", hide = true)]
    pub data_retention: Option<String>,
}

/// `:9093` and `0.0.0.0:9093` are every interface, as in Go.
fn listen_address(s: &str) -> anyhow::Result<SocketAddr> {
    let full = if s.starts_with(':') {
        format!("0.0.0.0{s}")
    } else {
        s.to_string()
    };
    if let Ok(a) = full.parse() {
        return Ok(a);
    }
    let (host, port) = full
        .rsplit_once(':')
        .with_context(|| format!("--web.listen-address {s:?}: expected host:port"))?;
    let port: u16 = port
        .parse()
        .with_context(|| format!("--web.listen-address {s:?}: bad port"))?;
    let ip = match host {
        "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        other => other
            .parse()
            .with_context(|| format!("--web.listen-address {s:?}: bad host"))?,
    };
    Ok(SocketAddr::new(ip, port))
}

/// The route prefix: `--web.route-prefix`, else the external URL's path;
/// `""` for none, otherwise starting with `/` and not ending with one.
fn route_prefix(args: &AlertmanagerArgs) -> String {
    let raw = match (&args.route_prefix, &args.external_url) {
        (Some(p), _) => p.clone(),
        (None, Some(url)) => url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
    let trimmed = raw.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// Logs as text to standard error; `RUST_LOG`, when set, overrides the
/// level.
fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// Runs the alert manager until SIGINT or SIGTERM, then saves its state.
pub fn run(args: AlertmanagerArgs) -> anyhow::Result<ExitCode> {
    init_logging(&args.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("vigie-alertmanager")
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: AlertmanagerArgs) -> anyhow::Result<ExitCode> {
    let addr = listen_address(&args.listen)?;
    let token = match &args.token_file {
        Some(path) => {
            let t = std::fs::read_to_string(path)
                .with_context(|| format!("reading --auth.token-file {}", path.display()))?;
            let t = t.trim().to_string();
            anyhow::ensure!(
                !t.is_empty(),
                "--auth.token-file {} is empty",
                path.display()
            );
            Some(t)
        }
        None => None,
    };
    anyhow::ensure!(
        token.is_some() || addr.ip().is_loopback(),
        "--web.listen-address {addr} is not a loopback address: give --auth.token-file \
         (without it anyone who reaches the port could silence alerts)"
    );
    let mut options = AlertManagerOptions::new(
        ConfigSource::File(args.config_file.clone()),
        args.storage.clone(),
    );
    let prefix = route_prefix(&args);
    options.external_url = args
        .external_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}{prefix}"));
    options.cluster_address = args.cluster_listen.clone().filter(|a| !a.is_empty());
    let manager = match AlertManager::start(options).await {
        Ok(m) => m,
        Err(StartError::Config(ReloadError::Invalid(errors))) => {
            for e in &errors.0 {
                eprintln!("{}", located(&args.config_file, e));
            }
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            eprintln!("vigie alertmanager: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let api = vigie_alertmanager::api::router(manager.clone())
        .route("/", get(index))
        .merge(
            Router::new()
                .route("/metrics", get(metrics))
                .with_state(manager.clone()),
        );
    let api = match token {
        Some(t) => api.layer(axum::middleware::from_fn_with_state(
            Arc::new(t),
            require_token,
        )),
        None => api,
    };
    let app = if prefix.is_empty() {
        api
    } else {
        Router::new().nest(&prefix, api)
    };
    reload_on_sighup(manager.clone());
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!(address = %listener.local_addr()?, prefix = %prefix, "alert manager listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving HTTP")?;
    manager
        .shutdown()
        .await
        .context("saving the alert manager's state")?;
    Ok(ExitCode::SUCCESS)
}

/// `file:line:column: key.path: message`, as compilers name positions.
fn located(file: &std::path::Path, e: &vigie_alert::config::ConfigError) -> String {
    let mut out = file.display().to_string();
    if e.line > 0 {
        out.push_str(&format!(":{}:{}", e.line, e.column));
    }
    if !e.path.is_empty() {
        out.push_str(&format!(": {}", e.path));
    }
    format!("{out}: {}", e.message)
}

/// `GET /`: where Alertmanager serves its UI; a pointer to the API here.
async fn index() -> &'static str {
    "vigie alertmanager: Alertmanager API v2 under /api/v2 (no web UI in this mode)\n"
}

/// `GET /metrics`: Alertmanager's own metric names for what vigie counts,
/// so its dashboards and alert rules keep working. Notifications count
/// final outcomes (after retries), not each attempt.
async fn metrics(State(manager): State<Arc<AlertManager>>) -> Response {
    use std::fmt::Write;
    let alerts = manager
        .list_alerts(&vigie_alert::api_v2::filter::AlertsQuery::default())
        .await;
    let mut by_state = std::collections::BTreeMap::from([
        ("active".to_string(), 0u64),
        ("suppressed".to_string(), 0),
        ("unprocessed".to_string(), 0),
    ]);
    for a in &alerts {
        *by_state.entry(a.status.state.clone()).or_default() += 1;
    }
    let mut by_kind: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for ((_, kind), c) in manager.notification_stats().snapshot() {
        let e = by_kind.entry(kind).or_default();
        e.0 += c.sent + c.failed;
        e.1 += c.failed;
    }
    let mut out = String::new();
    let _ = writeln!(out, "# HELP alertmanager_alerts How many alerts by state.");
    let _ = writeln!(out, "# TYPE alertmanager_alerts gauge");
    for (state, n) in &by_state {
        let _ = writeln!(out, "alertmanager_alerts{{state=\"{state}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP alertmanager_notifications_total The total number of attempted notifications."
    );
    let _ = writeln!(out, "# TYPE alertmanager_notifications_total counter");
    for (kind, (total, _)) in &by_kind {
        let _ = writeln!(
            out,
            "alertmanager_notifications_total{{integration=\"{kind}\"}} {total}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP alertmanager_notifications_failed_total The total number of failed notifications."
    );
    let _ = writeln!(
        out,
        "# TYPE alertmanager_notifications_failed_total counter"
    );
    for (kind, (_, failed)) in &by_kind {
        let _ = writeln!(
            out,
            "alertmanager_notifications_failed_total{{integration=\"{kind}\"}} {failed}"
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// Every path but the health checks needs `Authorization: Bearer <token>`.
async fn require_token(State(token): State<Arc<String>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.ends_with("/-/healthy") || path.ends_with("/-/ready") {
        return next.run(req).await;
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Digests compared, so the time taken says nothing of the token.
    let ok = presented.is_some_and(|p| Sha256::digest(p) == Sha256::digest(token.as_str()));
    if ok {
        next.run(req).await
    } else {
        (
            StatusCode::UNAUTHORIZED,
            "missing or invalid bearer token\n",
        )
            .into_response()
    }
}

/// Resolves on SIGINT or SIGTERM (`vigie serve` waits on it too).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received"),
        _ = term => tracing::info!("SIGTERM received"),
    }
}

fn reload_on_sighup(manager: Arc<AlertManager>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hup.recv().await.is_some() {
            if let Err(e) = manager.reload_from_source().await {
                tracing::error!(error = %e, "configuration not reloaded; the running one stays");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        args: AlertmanagerArgs,
    }

    fn parse(argv: &[&str]) -> AlertmanagerArgs {
        Wrap::parse_from(std::iter::once("x").chain(argv.iter().copied())).args
    }

    #[test]
    fn alertmanagers_own_flags_are_accepted_as_its_acceptance_harness_passes_them() {
        let a = parse(&[
            "--config.file",
            "/tmp/c.yml",
            "--log.level",
            "debug",
            "--web.listen-address",
            "127.0.0.1:9093",
            "--template.default",
            "/x/default.tmpl",
            "--web.ui-path",
            "/x/ui",
            "--storage.path",
            "/tmp/s",
            "--cluster.listen-address",
            "127.0.0.1:9094",
            "--cluster.settle-timeout",
            "0s",
            "--web.route-prefix",
            "/prefix/",
        ]);
        assert_eq!(a.config_file, PathBuf::from("/tmp/c.yml"));
        assert_eq!(a.storage, PathBuf::from("/tmp/s"));
        assert_eq!(route_prefix(&a), "/prefix");
    }

    #[test]
    fn the_route_prefix_comes_from_the_external_url_when_not_given() {
        let mut a = parse(&["--web.external-url", "http://am.example:9093/alerts/"]);
        assert_eq!(route_prefix(&a), "/alerts");
        a.external_url = Some("http://am.example:9093".into());
        assert_eq!(route_prefix(&a), "");
    }

    #[test]
    fn listen_addresses_are_read_as_go_reads_them() {
        assert_eq!(
            listen_address(":9093").unwrap(),
            "0.0.0.0:9093".parse().unwrap()
        );
        assert_eq!(
            listen_address("localhost:80").unwrap(),
            "127.0.0.1:80".parse().unwrap()
        );
        assert!(listen_address("nowhere").is_err());
    }
}
