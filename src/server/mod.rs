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
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

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
    /// The last probe of the upstream, for `/health`.
    pub upstream_health: UpstreamHealth,
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

/// How long `/health` reuses a probe of the upstream.
pub const PROBE_TTL: Duration = Duration::from_secs(5);
/// A probe's time limit (connect, TLS and the answer's head).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long `/health` waits for a fresh probe before it answers with the
/// last one (well under the 1 s a Kubernetes probe allows by default).
pub const PROBE_WAIT: Duration = Duration::from_millis(500);

/// One probe of the upstream: a `GET` of its base URL, with no credentials.
/// Any HTTP answer (404 and 401 included) means reachable.
#[derive(Clone, Debug)]
pub struct Probe {
    pub reachable: bool,
    /// When the probe started (wall clock, for the report).
    pub checked_at: SystemTime,
    /// When the probe started (monotonic, for the cache).
    started: Instant,
    /// `HTTP 404 in 35 ms`, or why it failed with the fix. Never holds text
    /// from requests.
    pub detail: String,
}

/// The upstream's last probe, shared by concurrent `/health` calls: at most
/// one probe runs at a time, and its result is reused for [`PROBE_TTL`].
#[derive(Default)]
pub struct UpstreamHealth {
    state: Mutex<ProbeState>,
    done: tokio::sync::Notify,
}

#[derive(Default)]
struct ProbeState {
    last: Option<Probe>,
    probing: bool,
}

impl UpstreamHealth {
    fn last(&self) -> Option<Probe> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last
            .clone()
    }
}

/// The upstream's state for `/health`: the cached probe when fresh; else a
/// new probe (one at a time) awaited for at most [`PROBE_WAIT`], falling
/// back on the previous result (`None` before the first one ends).
async fn upstream_probe(state: &Arc<AppState>, url: &str) -> Option<Probe> {
    let h = &state.upstream_health;
    let finished = h.done.notified();
    tokio::pin!(finished);
    {
        let mut s = h.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = &s.last
            && p.started.elapsed() < PROBE_TTL
        {
            return Some(p.clone());
        }
        // Registered before the probe can end, so its end is not missed.
        finished.as_mut().enable();
        if !s.probing {
            s.probing = true;
            let st = state.clone();
            let url = url.to_string();
            tokio::spawn(async move {
                let p = probe(&st.client, &url).await;
                let h = &st.upstream_health;
                {
                    let mut s = h.state.lock().unwrap_or_else(PoisonError::into_inner);
                    s.last = Some(p);
                    s.probing = false;
                }
                h.done.notify_waiters();
            });
        }
    }
    let _ = tokio::time::timeout(PROBE_WAIT, finished).await;
    h.last()
}

/// Probes the upstream once, within [`PROBE_TIMEOUT`]. No API key is sent.
async fn probe(client: &reqwest::Client, url: &str) -> Probe {
    let checked_at = SystemTime::now();
    let started = Instant::now();
    let r = client.get(url).timeout(PROBE_TIMEOUT).send().await;
    let ms = started.elapsed().as_millis();
    let (reachable, detail) = match r {
        Ok(resp) => (true, format!("HTTP {} in {ms} ms", resp.status().as_u16())),
        Err(e) if e.is_builder() => (
            false,
            "the --upstream URL is not a valid http(s) URL: fix --upstream".to_string(),
        ),
        Err(e) if e.is_timeout() => (
            false,
            format!(
                "no answer within {} s: check that --upstream is reachable from this host",
                PROBE_TIMEOUT.as_secs()
            ),
        ),
        Err(e) if e.is_connect() => (
            false,
            "cannot connect: check --upstream (scheme, host, port) and the network".to_string(),
        ),
        Err(_) => (
            false,
            "the request failed: check --upstream and the network".to_string(),
        ),
    };
    Probe {
        reachable,
        checked_at,
        started,
        detail,
    }
}

/// `2024-02-29T12:00:00Z` (UTC, whole seconds).
fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Days to a civil date (H. Hinnant's algorithm, proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `status` is the service's own (it answers); the `upstream` fields report
/// the last probe of the upstream, at most [`PROBE_TTL`] old when the
/// upstream answers fast: `upstream` is true when it answered, false when it
/// did not or none is configured, null while the first probe runs.
async fn health(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let (reachable, checked_at, age, detail) = match state.config.upstream.clone() {
        None => (
            Some(false),
            None,
            None,
            "no upstream configured (--upstream URL)".to_string(),
        ),
        Some(url) => match upstream_probe(&state, &url).await {
            Some(p) => (
                Some(p.reachable),
                Some(rfc3339(p.checked_at)),
                Some((p.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0),
                p.detail,
            ),
            None => (
                None,
                None,
                None,
                format!(
                    "first check still running (it gives up after {} s): ask again",
                    PROBE_TIMEOUT.as_secs()
                ),
            ),
        },
    };
    Json(serde_json::json!({
        "status": "ok",
        "detectors": state.engine.detector_names(),
        "upstream": reachable,
        "upstream_configured": state.config.upstream.is_some(),
        "upstream_checked_at": checked_at,
        "upstream_check_age_seconds": age,
        "upstream_detail": detail,
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
        upstream_health: UpstreamHealth::default(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        let at = |s: u64| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_825_600), "2000-02-29T12:00:00Z");
        assert_eq!(at(1_709_208_000), "2024-02-29T12:00:00Z");
        assert_eq!(at(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[tokio::test]
    async fn a_probe_of_a_closed_port_says_so_with_the_fix() {
        // A port just freed: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let p = probe(&reqwest::Client::new(), &format!("http://127.0.0.1:{port}")).await;
        assert!(!p.reachable);
        assert!(p.detail.contains("--upstream"), "{}", p.detail);
        let p = probe(&reqwest::Client::new(), "not a url").await;
        assert!(
            !p.reachable && p.detail.contains("fix --upstream"),
            "{}",
            p.detail
        );
    }
}
