//! `vigie serve`: wire config, token store, registry, queue, pipeline and
//! HTTP server together, and shut down gracefully on SIGINT/SIGTERM.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use vigie_config::{process_env, Config, LogFormat};
use vigie_detect::LogAndStore;
use vigie_input::SourceContext;
use vigie_metrics::Metrics;
use vigie_normalize::formats::generic_json::GenericJson;
use vigie_normalize::{Limits, Registry};
use vigie_pipeline::{queue, Pipeline};
use vigie_server::auth::{Scope, TokenEntry, TokenStore};
use vigie_server::{AppState, IngestLimits};
use vigie_store::Store;

use crate::alerting_setup::Alerting;
use crate::cli::ServeArgs;
use crate::logging;
use crate::reload::Reloader;

/// The registry of built-in formats plus the user's generic JSON datasets.
pub fn registry_for(config: &Config) -> Registry {
    let mut registry = Registry::default();
    for d in &config.ingest.datasets {
        registry.register(Box::new(GenericJson::new(
            d.name.clone(),
            d.timestamp_field.clone(),
        )));
    }
    registry
}

pub fn builtin_datasets() -> Vec<String> {
    Registry::default().datasets().map(str::to_owned).collect()
}

/// Loads the effective configuration, printing every error at once.
pub fn load_config(path: Option<&Path>) -> Result<Config, ExitCode> {
    let names = builtin_datasets();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let config = Config::assemble(path, &process_env, &names).map_err(|errors| {
        eprintln!("vigie: the configuration has {} error(s):", errors.len());
        for e in errors.iter() {
            eprintln!("  {e}");
        }
        ExitCode::from(1)
    })?;
    // The Alertmanager part is read by vigie-alert, after vigie's own.
    let problems = crate::alerting_setup::check(&config);
    if !problems.is_empty() {
        eprintln!("vigie: the configuration has {} error(s):", problems.len());
        for e in &problems {
            eprintln!("  {e}");
        }
        return Err(ExitCode::from(1));
    }
    Ok(config)
}

fn token_entries(config: &Config) -> Vec<TokenEntry> {
    config
        .auth
        .tokens
        .iter()
        .filter_map(|t| {
            Some(TokenEntry {
                name: t.name.clone(),
                sha256: t.sha256()?,
                scopes: t
                    .scopes
                    .iter()
                    .filter_map(|s| Scope::parse(s.as_str()))
                    .collect(),
            })
        })
        .collect()
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = match load_config(args.config.as_deref()) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    logging::init(
        config.log.level.as_str(),
        config.log.format == LogFormat::Json,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("vigie-worker")
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(config, args.config))
}

/// Holds the data directory's lock file for as long as it lives: one
/// process writes a data directory at a time (`vigie serve`, `vigie import`).
pub struct DataDirLock {
    _file: std::fs::File,
}

/// Creates `data_dir` and takes its exclusive lock, or says who holds it.
pub fn lock_data_dir(data_dir: &Path) -> anyhow::Result<DataDirLock> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let path = data_dir.join("LOCK");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(DataDirLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "the data directory {} is in use by another vigie process (serve or import); \
             stop it or choose another server.data_dir",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

async fn serve(config: Config, config_path: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let data_dir = &config.server.data_dir;
    let _lock = lock_data_dir(data_dir)?;
    let tls = crate::tls_setup::load(&config)?;
    let (tokens, new_secret) = TokenStore::load_or_bootstrap(data_dir, token_entries(&config))
        .with_context(|| format!("loading API tokens under {}", data_dir.display()))?;

    let metrics = Arc::new(Metrics::new());
    let (ingest_queue, receiver) = queue(config.ingest.queue_capacity, metrics.clone());
    let (store, writer, opened) =
        Store::open(crate::store_setup::store_options(&config), metrics.clone())
            .await
            .with_context(|| format!("opening the event store under {}", data_dir.display()))?;
    tracing::info!(
        storage = %store.storage().describe(),
        files = opened.files,
        replayed_events = opened.replayed_events,
        quarantined = opened.quarantined.len(),
        "event store open"
    );
    let maintenance = store.start_maintenance();
    let detector = crate::detect_setup::detector(&config, metrics.clone())?;
    let alerting = Alerting::start(
        &config,
        config_path.as_deref(),
        ingest_queue.clone(),
        metrics.clone(),
    )
    .await?;
    let log_and_store = LogAndStore {
        store: config.detection.store_alerts,
    };
    let output = match &alerting {
        Some(a) => a.detection_output(&config, log_and_store),
        None => Box::new(log_and_store),
    };
    let stage =
        crate::detect_setup::stage(&config, detector.clone(), writer, output, metrics.clone());
    let pipeline = Pipeline::start(receiver, stage);
    let reloader = Arc::new(Reloader {
        detector: config.detection.enabled.then(|| detector.clone()),
        alerting: alerting.clone(),
        tls: tls.clone(),
    });
    reloader.clone().reload_on_sighup();

    let limits = IngestLimits {
        max_body_bytes: usize::try_from(config.ingest.max_body_bytes.0).unwrap_or(usize::MAX),
        max_decompressed_bytes: usize::try_from(config.ingest.max_decompressed_bytes.0)
            .unwrap_or(usize::MAX),
        record: Limits {
            max_record_bytes: usize::try_from(config.ingest.max_record_bytes.0)
                .unwrap_or(usize::MAX),
            max_depth: config.ingest.max_depth as usize,
        },
    };
    let registry = Arc::new(registry_for(&config));
    let sources = match vigie_input::build_sources(&config.inputs).await {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                tracing::error!(error = %e, "cannot start an input");
            }
            anyhow::bail!(
                "{} input(s) could not start: {}",
                errors.len(),
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
    };
    let stop = CancellationToken::new();
    let inputs = tokio::spawn(vigie_input::run_sources(
        sources,
        SourceContext {
            registry: registry.clone(),
            queue: ingest_queue.clone(),
            metrics: metrics.clone(),
            limits: limits.record,
            max_decompressed_bytes: limits.max_decompressed_bytes,
            state_dir: data_dir.join("inputs"),
            shutdown: stop.clone(),
        },
    ));
    let state = AppState::with_store(registry, ingest_queue, metrics, tokens, limits, Some(store));
    let new_password = state
        .users
        .load_or_bootstrap(data_dir)
        .with_context(|| format!("loading users under {}", data_dir.display()))?;
    let auth = &config.auth;
    state
        .sessions
        .set_limits(vigie_server::session::SessionLimits {
            idle_timeout: auth.session_idle_timeout.get(),
            max_age: auth.session_max_age.get(),
        });
    state
        .limiter
        .set_limit(vigie_server::auth_limit::FailureLimit {
            max_failures: auth.failure_limit,
            window: auth.failure_window.get(),
        });
    if config.detection.enabled {
        state.set_rules(Arc::new(crate::detect_setup::Control(detector)));
    }
    if let Some(a) = &alerting {
        a.add_routes(&state);
        a.sync_metrics(std::time::Duration::from_secs(5));
    }
    state.add_routes(Scope::Admin, reloader.routes());
    state.set_tls(tls.is_some());
    state.add_public_routes(vigie_web::routes());

    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .with_context(|| format!("listening on {}", config.server.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(
        address = %addr,
        scheme,
        data_dir = %data_dir.display(),
        tokens = state.tokens.entries().len(),
        "vigie is listening"
    );
    if let Some(password) = new_password {
        // Printed once, to the terminal, never to the structured log.
        eprintln!(
            "\nvigie: first start: created the user `admin`; its password (shown only this once):\n\n    {password}\n\n  log in at http://{addr}/ and change it (POST /api/v1/auth/password)\n"
        );
    }
    if let Some(secret) = new_secret {
        // Printed once, to the terminal, never to the structured log.
        eprintln!(
            "\nvigie: first start: generated an admin API token (shown only this once; its digest is in {}):\n\n    {secret}\n\n  use it as:  curl -H 'Authorization: Bearer {secret}' {scheme}://{addr}/metrics\n",
            data_dir.join("auth/tokens.json").display()
        );
    }

    let signalled = stop.clone();
    tokio::spawn(async move {
        vigie_alertmanager_bin::shutdown_signal().await;
        signalled.cancel();
    });
    let served = match &tls {
        Some(store) => {
            let config = vigie_server::tls::server_config(store.clone())?;
            let listener =
                vigie_server::tls::TlsListener::new(listener, config, state.metrics.clone())?;
            vigie_server::serve(listener, state.clone(), stop.clone().cancelled_owned()).await
        }
        None => vigie_server::serve(listener, state.clone(), stop.clone().cancelled_owned()).await,
    };
    stop.cancel(); // also when serving failed: the inputs stop too
    let timeout = config.server.shutdown_timeout.0;
    if tokio::time::timeout(timeout, inputs).await.is_err() {
        tracing::error!(timeout = ?timeout, "inputs did not stop within the shutdown timeout");
    }
    served.context("serving HTTP")?;
    if let Some(a) = &alerting {
        a.stop_storing(); // drops its queue sender, so the pipeline can drain
    }
    drop(state); // drops the last queue sender: the pipeline drains and stops
    let drained = tokio::time::timeout(
        timeout,
        tokio::task::spawn_blocking(move || pipeline.join()),
    )
    .await;
    // A last flush of the in-memory tail to files (the write-ahead log
    // would replay it anyway).
    let flushed = tokio::time::timeout(
        timeout,
        tokio::task::spawn_blocking(move || maintenance.stop()),
    )
    .await;
    if flushed.is_err() {
        tracing::warn!("the last flush did not finish in time; the write-ahead log replays it at the next start");
    }
    if let Some(a) = &alerting {
        a.shutdown().await;
    }
    match drained {
        Ok(Ok(n)) => {
            tracing::info!(events = n, "pipeline drained; vigie stopped");
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            tracing::error!(timeout = ?timeout, "the pipeline did not drain within the shutdown timeout");
            Ok(ExitCode::from(1))
        }
    }
}
