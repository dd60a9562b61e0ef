//! vigie's HTTP server.
//!
//! [`router`] builds the axum application: health endpoints (open), `/metrics`
//! (scope `read`), the query APIs `/api/v1/query|search|aggregate` (scope
//! `read`), the detection rules API `/api/v1/rules` (scope `read`, and the
//! rule test; enable/disable: `write`; reload: `admin`), and the ingest API (scope `ingest`) with its aliases for the
//! Kubernetes audit webhook and Falco/Falcosidekick, plus the
//! Elasticsearch-compatible bulk API under `/es` ([`elastic`]), and the
//! routes other components add ([`AppState::add_routes`]: the alert
//! manager's API v2). [`serve`] runs it on a plain TCP listener or, for
//! HTTPS, a [`tls::TlsListener`], until the shutdown future resolves,
//! finishing in-flight requests first.
//!
//! Handlers are thin: decoding lives in `vigie-ingest`, normalization in
//! `vigie-normalize`, and admission in `vigie-pipeline`'s bounded queue.

mod admin_api;
mod api_error;
pub mod audit;
pub mod auth;
pub mod auth_limit;
pub mod elastic;
pub mod guard;
mod health;
mod ingest;
mod login_api;
mod loki;
mod overview_api;
mod query_api;
pub mod rules_api;
pub mod session;
pub mod tls;
pub mod users;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::routing::{delete, get, post, put};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use vigie_metrics::Metrics;
use vigie_normalize::Registry;
use vigie_pipeline::IngestQueue;

pub use api_error::ApiError;
pub use auth::{Scope, TokenStore};
pub use rules_api::{NormalizedEvent, RulesControl, RulesError};

/// Size limits of the ingest API.
#[derive(Debug, Clone, Copy)]
pub struct IngestLimits {
    /// Largest request body as received, in bytes.
    pub max_body_bytes: usize,
    /// Largest body after gzip/zstd decompression, in bytes.
    pub max_decompressed_bytes: usize,
    /// Per-record limits (size, JSON depth).
    pub record: vigie_normalize::Limits,
}

impl Default for IngestLimits {
    fn default() -> Self {
        Self {
            max_body_bytes: 16 << 20,
            max_decompressed_bytes: 128 << 20,
            record: vigie_normalize::Limits::default(),
        }
    }
}

/// Everything the handlers share.
pub struct AppState {
    pub registry: Arc<Registry>,
    pub queue: IngestQueue,
    pub metrics: Arc<Metrics>,
    pub tokens: TokenStore,
    /// Users of the web UI.
    pub users: users::UserStore,
    /// Open web UI sessions.
    pub sessions: session::SessionStore,
    /// Authentication failures per client address.
    pub limiter: auth_limit::AuthLimiter,
    pub limits: IngestLimits,
    /// The event store the query APIs read (absent: they answer 503).
    pub store: Option<vigie_store::Store>,
    ready: AtomicBool,
    rules: std::sync::OnceLock<Arc<dyn RulesControl>>,
    /// Routes of other components (the alert manager's API), each behind
    /// the scope it needs.
    extra_routes: std::sync::Mutex<Vec<(Scope, Router)>>,
    /// Routes served without authentication (the web UI's static assets).
    public_routes: std::sync::Mutex<Vec<Router>>,
    /// Whether the server is reached over TLS (session cookies are then
    /// marked `Secure`).
    tls: AtomicBool,
}

impl AppState {
    pub fn new(
        registry: Arc<Registry>,
        queue: IngestQueue,
        metrics: Arc<Metrics>,
        tokens: TokenStore,
        limits: IngestLimits,
    ) -> Arc<Self> {
        Self::with_store(registry, queue, metrics, tokens, limits, None)
    }

    /// Like [`AppState::new`], with the event store the query APIs read.
    pub fn with_store(
        registry: Arc<Registry>,
        queue: IngestQueue,
        metrics: Arc<Metrics>,
        tokens: TokenStore,
        limits: IngestLimits,
        store: Option<vigie_store::Store>,
    ) -> Arc<Self> {
        Arc::new(Self {
            registry,
            queue,
            metrics,
            tokens,
            users: users::UserStore::default(),
            sessions: session::SessionStore::default(),
            limiter: auth_limit::AuthLimiter::default(),
            limits,
            store,
            ready: AtomicBool::new(true),
            rules: std::sync::OnceLock::new(),
            extra_routes: std::sync::Mutex::new(Vec::new()),
            public_routes: std::sync::Mutex::new(Vec::new()),
            tls: AtomicBool::new(false),
        })
    }

    /// Marks the server as not ready (`/-/ready` answers 503), as it does
    /// when shutdown begins so load balancers stop sending.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    /// Hands the server the detection rules it reports on and reloads
    /// (once; later calls are ignored).
    pub fn set_rules(&self, rules: Arc<dyn RulesControl>) {
        let _ = self.rules.set(rules);
    }

    /// Serves `routes` (with their own state) to tokens granting `scope`,
    /// beside the server's own; call before [`serve`] (or [`router`]).
    pub fn add_routes(&self, scope: Scope, routes: Router) {
        self.extra_routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((scope, routes));
    }

    /// Serves `routes` without authentication. Only for content that holds
    /// no data (the web UI's embedded assets); call before [`serve`].
    pub fn add_public_routes(&self, routes: Router) {
        self.public_routes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(routes);
    }

    /// Records that clients reach the server over TLS.
    pub fn set_tls(&self, on: bool) {
        self.tls.store(on, Ordering::SeqCst);
    }

    /// Whether clients reach the server over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.load(Ordering::SeqCst)
    }

    /// The detection rules, when detection runs.
    pub fn rules(&self) -> Option<Arc<dyn RulesControl>> {
        self.rules.get().cloned()
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}

/// The whole HTTP application.
pub fn router(state: Arc<AppState>) -> Router {
    let ingest = Router::new()
        .route("/api/v1/ingest", post(ingest::ingest_auto))
        .route("/api/v1/ingest/{dataset}", post(ingest::ingest_dataset))
        .route("/api/v1/k8s/audit", post(ingest::ingest_k8s_audit))
        .route("/api/v1/falco", post(ingest::ingest_falco))
        .route("/loki/api/v1/push", post(loki::push))
        .route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), Scope::Ingest),
            guard::require_scope,
        ));
    let elastic = elastic::routes().route_layer(axum::middleware::from_fn_with_state(
        (state.clone(), Scope::Ingest),
        guard::require_scope,
    ));
    let read = Router::new()
        .route("/metrics", get(health::metrics))
        .route("/api/v1/datasets", get(health::datasets))
        .route("/api/v1/query", post(query_api::sql))
        .route("/api/v1/search", get(query_api::search))
        .route("/api/v1/aggregate", get(query_api::aggregate))
        .route("/api/v1/rules", get(rules_api::status))
        .route("/api/v1/rules/test", post(rules_api::test))
        .route("/api/v1/overview/ingest", get(overview_api::ingest))
        .route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), Scope::Read),
            guard::require_scope,
        ));
    let write = Router::new()
        .route("/api/v1/rules/{id}/enable", post(rules_api::enable))
        .route("/api/v1/rules/{id}/disable", post(rules_api::disable))
        .route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), Scope::Write),
            guard::require_scope,
        ));
    let admin = Router::new()
        .route("/api/v1/rules/reload", post(rules_api::reload))
        .route(
            "/api/v1/users",
            get(admin_api::list_users).post(admin_api::create_user),
        )
        .route("/api/v1/users/{name}", delete(admin_api::delete_user))
        .route(
            "/api/v1/users/{name}/password",
            put(admin_api::set_password),
        )
        .route(
            "/api/v1/tokens",
            get(admin_api::list_tokens).post(admin_api::create_token),
        )
        .route("/api/v1/tokens/{name}", delete(admin_api::delete_token))
        .route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), Scope::Admin),
            guard::require_scope,
        ));
    let extra: Vec<(Scope, Router)> = state
        .extra_routes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let mut app = Router::new()
        .route("/-/healthy", get(health::healthy))
        .route("/-/ready", get(health::ready))
        .route("/api/v1/auth/login", post(login_api::login))
        .route("/api/v1/auth/session", get(login_api::session))
        .route("/api/v1/auth/logout", post(login_api::logout))
        .route("/api/v1/auth/password", post(login_api::change_password))
        .merge(ingest)
        .merge(elastic)
        .merge(read)
        .merge(write)
        .merge(admin)
        .fallback(api_error::not_found)
        .with_state(state.clone());
    let public: Vec<Router> = state
        .public_routes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    for routes in public {
        app = app.merge(routes);
    }
    for (scope, routes) in extra {
        app = app.merge(routes.route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), scope),
            guard::require_scope,
        )));
    }
    app.layer(CatchPanicLayer::custom(api_error::panic_response))
        .layer(TraceLayer::new_for_http())
}

/// Serves `router(state)` on `listener` (a `TcpListener`, or a
/// [`tls::TlsListener`] for HTTPS) until `shutdown` resolves; then stops
/// accepting, marks the server not ready and lets in-flight requests
/// finish (their events are admitted or refused, never half-taken).
pub async fn serve<L>(
    listener: L,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let app = router(state.clone());
    let on_shutdown = {
        let state = state.clone();
        async move {
            shutdown.await;
            state.set_ready(false);
            tracing::info!("shutdown requested: finishing in-flight requests");
        }
    };
    // `tap_io` gives any listener axum's `ConnectInfo<SocketAddr>`.
    let listener = axum::serve::ListenerExt::tap_io(listener, |_: &mut L::Io| {});
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(on_shutdown)
    .await
}
