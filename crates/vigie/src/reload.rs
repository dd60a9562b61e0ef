//! Reloading what `vigie serve` reads from files, on SIGHUP and on
//! `POST /-/reload` (scope `admin`): the detection rules, the alerting
//! configuration and the HTTPS certificate and key. What fails to load
//! keeps its running version.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use vigie_detect::Detector;

use crate::alerting_setup::Alerting;

/// Everything a reload reloads.
pub struct Reloader {
    /// The rules, when detection runs.
    pub detector: Option<Arc<Detector>>,
    /// The alert manager, when alerting runs.
    pub alerting: Option<Arc<Alerting>>,
    /// The HTTPS certificate and key, when TLS is on.
    pub tls: Option<Arc<vigie_server::tls::CertStore>>,
}

impl Reloader {
    /// Reloads everything; the error lists what failed.
    pub async fn reload_all(&self) -> Result<(), String> {
        let mut failures = Vec::new();
        if let Some(d) = &self.detector {
            let d = d.clone();
            match tokio::task::spawn_blocking(move || d.reload().map(|_| ())).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failures.push(format!("detection rules: {e}")),
                Err(e) => failures.push(format!("detection rules: {e}")),
            }
        }
        if let Some(a) = &self.alerting {
            if let Err(e) = a.reload().await {
                failures.push(format!("alerting: {e}"));
            }
        }
        if let Some(t) = &self.tls {
            match t.reload() {
                Ok(()) => tracing::info!(
                    sha256_fingerprint = %t.fingerprint(),
                    "TLS certificate reloaded"
                ),
                Err(e) => failures.push(format!("TLS certificate: {e}")),
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        }
    }

    /// `POST /-/reload`: 200 when everything reloaded, otherwise 500 with
    /// `failed to reload config: ...` as Alertmanager and Prometheus answer.
    pub fn routes(self: Arc<Self>) -> Router {
        Router::new()
            .route("/-/reload", post(reload_endpoint))
            .with_state(self)
    }

    /// Reloads everything on every SIGHUP.
    pub fn reload_on_sighup(self: Arc<Self>) {
        #[cfg(unix)]
        tokio::spawn(async move {
            let Ok(mut hup) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            else {
                tracing::warn!("cannot listen for SIGHUP; reload through POST /-/reload");
                return;
            };
            while hup.recv().await.is_some() {
                tracing::info!(
                    "SIGHUP received: reloading rules, alerting configuration and TLS certificate"
                );
                if let Err(e) = self.reload_all().await {
                    tracing::error!(error = %e, "reload failed; the running configuration stays");
                }
            }
        });
    }
}

async fn reload_endpoint(State(reloader): State<Arc<Reloader>>) -> Response {
    match reloader.reload_all().await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("failed to reload config: {e}"),
        )
            .into_response(),
    }
}
