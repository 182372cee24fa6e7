//! The HTTP service: Presidio-compatible `/analyze`, `/anonymize` and
//! `/deanonymize`, a Mistral-compatible `/v1/chat/completions` proxy that
//! masks prompts and restores answers, `/health` and `/metrics`.
//!
//! Handlers are thin; state lives in one [`AppState`]; errors become
//! responses in one place ([`ApiError`]). Detection runs on the blocking
//! pool so the async workers keep serving. Fail closed: when detection fails
//! the request gets a 5xx and nothing is forwarded upstream.

pub mod conversations;
pub mod metrics;
pub mod presidio;
pub mod proxy;

use crate::anonymize::{AnonymizeError, Anonymizer, HashKey, Operator};
use crate::detector::DetectError;
use crate::engine::{Engine, EngineError};
use crate::span::Span;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use conversations::{ConversationStore, StoreConfig};
use metrics::Metrics;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The header that names a conversation whose pseudonym mapping is kept
/// across requests.
pub const CONVERSATION_HEADER: &str = "x-anonymist-conversation";

/// Server settings (from flags, env and the policy).
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    /// Base URL of the chat-completions upstream (`https://api.mistral.ai`).
    pub upstream: Option<String>,
    /// API key sent upstream when the client sends no `Authorization`.
    pub upstream_key: Option<String>,
    pub upstream_timeout: Duration,
    pub max_body_bytes: usize,
    pub store: StoreConfig,
    /// Allow plain SHA-256 for the `hash` operator when no key is set.
    pub insecure_unkeyed_hash: bool,
}

/// Everything the handlers share.
pub struct AppState {
    pub engine: Arc<Engine>,
    pub config: ServeConfig,
    pub client: reqwest::Client,
    pub metrics: Metrics,
    pub conversations: ConversationStore,
    pub hash_key: HashKey,
    /// The proxy's anonymizer: pseudonyms for every entity, so that the
    /// answer can be restored.
    pub proxy_anonymizer: Anonymizer,
}

impl AppState {
    /// Runs engine work on the blocking pool; a failure is a 5xx.
    pub async fn run_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine) -> Result<T, EngineError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let engine = self.engine.clone();
        let r = tokio::task::spawn_blocking(move || f(&engine))
            .await
            .map_err(|_| ApiError::detection("detection task failed"))?;
        r.map_err(|e| {
            self.metrics.detection_failure();
            ApiError::from(e)
        })
    }

    pub fn count_entities(&self, spans: &[Span]) {
        let mut counts: std::collections::BTreeMap<&str, u64> = Default::default();
        for s in spans {
            *counts.entry(s.entity.as_str()).or_default() += 1;
        }
        for (e, n) in counts {
            self.metrics.count_entity(e, n);
        }
    }
}

/// An error response: `{"error": message}` with a status. Messages never
/// hold request text.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(m: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: m.into(),
        }
    }

    pub fn detection(m: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: m.into(),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Detect(DetectError::TooLarge { .. }) => ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: e.to_string(),
            },
            EngineError::Detect(_) => {
                ApiError::detection(format!("detection failed, nothing was forwarded: {e}"))
            }
            EngineError::Anonymize(AnonymizeError::MissingHashKey) => {
                ApiError::bad_request(e.to_string())
            }
            other => ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: other.to_string(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

/// A JSON body whose parse errors never echo the body's content.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError {
                status: e.status(),
                message: if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    "request body too large".into()
                } else {
                    "cannot read the request body".into()
                },
            })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Parses JSON; the error names the position and, for a missing field, the
/// field, but never quotes values.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let msg = e.to_string();
        let what = if msg.starts_with("missing field") {
            msg.split(" at line")
                .next()
                .unwrap_or("missing field")
                .to_string()
        } else {
            match e.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    "malformed JSON".into()
                }
                _ => "JSON of the wrong shape".into(),
            }
        };
        ApiError::bad_request(format!("{what} (line {}, column {})", e.line(), e.column()))
    })
}

async fn health(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "ok",
        "detectors": state.engine.detector_names(),
        "upstream": state.config.upstream.is_some(),
    }))
}

async fn metrics_text(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

async fn observe(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let route = match req.uri().path() {
        p @ ("/health"
        | "/metrics"
        | "/analyze"
        | "/anonymize"
        | "/deanonymize"
        | "/v1/chat/completions") => p.to_string(),
        _ => "other".to_string(),
    };
    let start = Instant::now();
    let resp = next.run(req).await;
    state
        .metrics
        .observe_request(&route, resp.status().as_u16(), start.elapsed());
    resp
}

/// The router with every endpoint, for a given state.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics_text))
        .route("/analyze", post(presidio::analyze))
        .route("/anonymize", post(presidio::anonymize))
        .route("/deanonymize", post(presidio::deanonymize))
        .route("/v1/chat/completions", post(proxy::chat_completions))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .with_state(state)
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error(transparent)]
    Store(#[from] conversations::StoreError),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds the state. Fails if the conversation store cannot be opened.
pub fn build_state(engine: Arc<Engine>, config: ServeConfig) -> Result<Arc<AppState>, ServeError> {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(config.upstream_timeout)
        .build()
        .map_err(|e| ServeError::Client(e.to_string()))?;
    let conversations = ConversationStore::open(config.store.clone())?;
    // The engine already read the key as the policy says (`[hash]`, else
    // ANONYMIST_HASH_KEY); the server only adds its own insecure opt-in.
    let hash_key = match engine.anonymizer().hash_key() {
        HashKey::Missing if config.insecure_unkeyed_hash => HashKey::InsecureUnkeyed,
        k => k.clone(),
    };
    let proxy_anonymizer =
        Anonymizer::new(Operator::Pseudonym, Default::default(), HashKey::Missing)
            .expect("pseudonym needs no key");
    Ok(Arc::new(AppState {
        engine,
        config,
        client,
        metrics: Metrics::default(),
        conversations,
        hash_key,
        proxy_anonymizer,
    }))
}

/// Binds, reports the address through `on_ready`, and serves until
/// `shutdown` resolves (in-flight requests finish; the vault is persisted).
pub async fn serve(
    state: Arc<AppState>,
    on_ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listen = state.config.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| ServeError::Bind(listen, e))?;
    on_ready(listener.local_addr()?);
    let persist_state = state.clone();
    let persister = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            let _ = persist_state.conversations.persist();
        }
    });
    let app = router(state.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    persister.abort();
    state.conversations.persist()?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
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
        _ = ctrl_c => {},
        _ = term => {},
    }
}
