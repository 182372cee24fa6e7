//! Added latency and throughput of the `/v1/chat/completions` proxy, on
//! loopback, against an in-process upstream stub (issue 5, item 6).
//!
//! ```text
//! cargo run --release --example bench_proxy -- [--patterns-only] [--n1k N] [--n10k N]
//!     [--warmup N] [--total N] [--phase-secs S] [--backend auto|onnxruntime|pure-rust]
//! ```
//!
//! `ANONYMIST_BENCH_PATTERNS_ONLY=1` is the same as `--patterns-only`.
//! Without it the engine is what `anonymist serve` builds: patterns + the
//! NER model (loaded with [`anonymist::cli::load_ner`], backend `auto` unless
//! `--backend` says otherwise).
//!
//! 1. A stub upstream (axum on 127.0.0.1:0) answers every chat completion
//!    at once with a fixed small non-streaming answer; it counts the
//!    requests whose body still holds a raw e-mail address (must stay 0
//!    through the proxy).
//! 2. The proxy runs in-process with `build_state` + `serve` on
//!    127.0.0.1:0, on its own multi-thread tokio runtime (default workers,
//!    as the CLI builds it), `upstream` = the stub.
//! 3. Latency: one client, sequential requests, direct-to-stub and
//!    via-proxy interleaved (so that machine-load drift hits both alike),
//!    after a warm-up; ~1 KB and ~10 KB prompts of English prose with
//!    names, e-mails and phone numbers. Added = proxy − direct, per
//!    percentile.
//! 4. Throughput via the proxy at concurrency 1, 8 and 64 (1 KB prompts,
//!    a bounded number of requests each).
//! 5. Peak RSS (VmHWM) of the whole process — stub, proxy and client —
//!    after the engine is built and after the load.
//!
//! Every loop is bounded by a request count, and each phase also stops
//! issuing requests after `--phase-secs` (default 60 s); the tables report
//! the number of requests actually made. Prints markdown.

use anonymist::Engine;
use anonymist::server::conversations::StoreConfig;
use anonymist::server::{ServeConfig, build_state, serve};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Opts {
    patterns_only: bool,
    n1k: usize,
    n10k: usize,
    warmup: usize,
    total: usize,
    phase: Duration,
    /// NER backend: `auto`, `onnxruntime` or `pure-rust`.
    backend: String,
}

fn parse_opts() -> anyhow::Result<Opts> {
    let env_po =
        std::env::var("ANONYMIST_BENCH_PATTERNS_ONLY").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut o = Opts {
        patterns_only: env_po,
        n1k: 0,
        n10k: 0,
        warmup: 0,
        total: 0,
        phase: Duration::from_secs(60),
        backend: "auto".into(),
    };
    let mut args = std::env::args().skip(1);
    let num = |a: Option<String>, f: &str| -> anyhow::Result<usize> {
        a.with_context(|| format!("{f} N"))?
            .parse()
            .with_context(|| format!("{f} takes a number"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--patterns-only" => o.patterns_only = true,
            "--n1k" => o.n1k = num(args.next(), "--n1k")?,
            "--n10k" => o.n10k = num(args.next(), "--n10k")?,
            "--warmup" => o.warmup = num(args.next(), "--warmup")?,
            "--total" => o.total = num(args.next(), "--total")?,
            "--phase-secs" => {
                o.phase = Duration::from_secs(num(args.next(), "--phase-secs")? as u64)
            }
            "--backend" => o.backend = args.next().context("--backend NAME")?,
            _ => bail!("unexpected argument {a}"),
        }
    }
    // Defaults: the NER model costs ~0.15 s per 1 KB prompt and ~2 s per
    // 10 KB on this 2-core box (pure-Rust backend), so
    // its counts are smaller to keep the run within ~2 minutes.
    let (n1k, n10k, warmup, total) = if o.patterns_only {
        (300, 100, 30, 2000)
    } else {
        (100, 10, 5, 128)
    };
    if o.n1k == 0 {
        o.n1k = n1k;
    }
    if o.n10k == 0 {
        o.n10k = n10k;
    }
    if o.warmup == 0 {
        o.warmup = warmup;
    }
    if o.total == 0 {
        o.total = total;
    }
    Ok(o)
}

// ---------------------------------------------------------------- prompts

const NAMES: &[&str] = &[
    "Jane Doe",
    "Michael Thompson",
    "Priya Raman",
    "Carlos Mendes",
    "Sophie Laurent",
    "David O'Connor",
];
const EMAILS: &[&str] = &[
    "jane.doe@example.com",
    "m.thompson@example.org",
    "priya.raman@example.net",
    "carlos.mendes@example.com",
];
const PHONES: &[&str] = &[
    "+44 20 7946 0958",
    "(415) 555-0132",
    "+1 212 555 0147",
    "020 7946 0321",
];

/// English prose of about `bytes` bytes with a few PII items per paragraph.
fn prompt(bytes: usize) -> String {
    let mut s = String::from(
        "Please summarise the following customer-support thread and draft a short, polite reply.\n\n",
    );
    let mut i = 0usize;
    while s.len() < bytes {
        let n = NAMES[i % NAMES.len()];
        let m = NAMES[(i + 3) % NAMES.len()];
        let e = EMAILS[i % EMAILS.len()];
        let p = PHONES[(i + 1) % PHONES.len()];
        s.push_str(&format!(
            "On Tuesday {n} wrote to say that the replacement order had still not arrived, \
             although the tracking page showed it as delivered two days earlier. She asked \
             that someone call her back on {p} or reply to {e} before the end of the week, \
             because she is travelling afterwards. {m} from the billing team checked the \
             account, confirmed the refund had been issued, and promised to follow up with \
             the courier about the missing parcel. ",
        ));
        i += 1;
    }
    let mut end = bytes.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s
}

fn chat_body(prompt: &str) -> Vec<u8> {
    json!({
        "model": "bench",
        "messages": [{"role": "user", "content": prompt}],
    })
    .to_string()
    .into_bytes()
}

// ------------------------------------------------------------------- stub

#[derive(Default)]
struct StubStats {
    requests: AtomicU64,
    /// Requests that came through the proxy (no `x-bench-direct` header).
    proxied: AtomicU64,
    /// Proxied requests whose body still holds a raw e-mail address.
    leaked: AtomicU64,
}

/// Marks the client's direct-to-stub requests; the proxy does not forward it.
const DIRECT_HEADER: &str = "x-bench-direct";

async fn stub_handler(
    axum::extract::State(stats): axum::extract::State<Arc<StubStats>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    stats.requests.fetch_add(1, Ordering::Relaxed);
    if !headers.contains_key(DIRECT_HEADER) {
        stats.proxied.fetch_add(1, Ordering::Relaxed);
        if memchr::memmem::find(&body, b"@example.").is_some() {
            stats.leaked.fetch_add(1, Ordering::Relaxed);
        }
    }
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        STUB_ANSWER,
    )
        .into_response()
}

const STUB_ANSWER: &str = r#"{"id":"c1","object":"chat.completion","created":1,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Thanks, I will call <PERSON_1> back tomorrow."},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#;

async fn start_stub(stats: Arc<StubStats>) -> anyhow::Result<SocketAddr> {
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(stub_handler))
        .with_state(stats);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

// ------------------------------------------------------------------ proxy

/// Starts the proxy on its own runtime and thread, as `anonymist serve`
/// does; returns its address.
fn start_proxy(engine: Arc<Engine>, upstream: SocketAddr) -> anyhow::Result<SocketAddr> {
    let config = ServeConfig {
        listen: "127.0.0.1:0".parse()?,
        upstream: Some(format!("http://{upstream}")),
        upstream_key: None,
        upstream_timeout: Duration::from_secs(120),
        max_body_bytes: 16 << 20,
        store: StoreConfig {
            ttl: Duration::from_secs(3600),
            max_conversations: 1000,
            persist: None,
        },
        insecure_unkeyed_hash: false,
    };
    let state = build_state(engine, config)?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("proxy".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("proxy runtime");
            let r = rt.block_on(serve(
                state,
                move |addr| {
                    let _ = tx.send(addr);
                },
                std::future::pending(),
            ));
            if let Err(e) = r {
                eprintln!("proxy stopped: {e}");
            }
        })?;
    rx.recv_timeout(Duration::from_secs(30))
        .context("the proxy did not start")
}

// ----------------------------------------------------------------- client

async fn one(
    client: &reqwest::Client,
    url: &str,
    body: &[u8],
    direct: bool,
) -> anyhow::Result<Duration> {
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_vec());
    if direct {
        req = req.header(DIRECT_HEADER, "1");
    }
    let t = Instant::now();
    let resp = req.send().await?;
    let status = resp.status();
    let bytes = resp.bytes().await?;
    let d = t.elapsed();
    if !status.is_success() {
        bail!("HTTP {status}: {}", String::from_utf8_lossy(&bytes));
    }
    let v: Value = serde_json::from_slice(&bytes)?;
    if v["choices"][0]["message"]["content"].as_str().is_none() {
        bail!("answer without content");
    }
    Ok(d)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    // Nearest rank.
    let n = sorted.len();
    let k = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
    sorted[k]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

struct LatencyRow {
    size: &'static str,
    n: usize,
    direct: (Duration, Duration),
    proxy: (Duration, Duration),
}

/// Sequential, interleaved direct / proxy requests.
#[allow(clippy::too_many_arguments)] // a flat benchmark helper: each argument is one knob
async fn latency(
    client: &reqwest::Client,
    direct_url: &str,
    proxy_url: &str,
    body: &[u8],
    warmup: usize,
    n: usize,
    budget: Duration,
    size: &'static str,
) -> anyhow::Result<LatencyRow> {
    for _ in 0..warmup {
        one(client, direct_url, body, true).await?;
        one(client, proxy_url, body, false).await?;
    }
    let mut d = Vec::with_capacity(n);
    let mut p = Vec::with_capacity(n);
    let start = Instant::now();
    for _ in 0..n {
        d.push(one(client, direct_url, body, true).await?);
        p.push(one(client, proxy_url, body, false).await?);
        if start.elapsed() > budget {
            break;
        }
    }
    d.sort();
    p.sort();
    Ok(LatencyRow {
        size,
        n: d.len(),
        direct: (pct(&d, 0.5), pct(&d, 0.99)),
        proxy: (pct(&p, 0.5), pct(&p, 0.99)),
    })
}

struct LoadRow {
    concurrency: usize,
    done: usize,
    wall: Duration,
    p50: Duration,
    p99: Duration,
}

/// `concurrency` workers share a bounded queue of `total` requests.
async fn load(
    client: &reqwest::Client,
    url: &str,
    body: Arc<Vec<u8>>,
    concurrency: usize,
    total: usize,
    budget: Duration,
) -> anyhow::Result<LoadRow> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, body, next) =
            (client.clone(), url.to_string(), body.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total && start.elapsed() < budget {
                lat.push(one(&client, &url, &body, false).await?);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await??);
    }
    let wall = start.elapsed();
    all.sort();
    Ok(LoadRow {
        concurrency,
        done: all.len(),
        wall,
        p50: pct(&all, 0.5),
        p99: pct(&all, 0.99),
    })
}

fn status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

fn main() -> anyhow::Result<()> {
    let o = parse_opts()?;
    let t0 = Instant::now();

    // The engine, as `anonymist serve` builds it (no policy).
    let mut b = Engine::builder();
    let mut ner_desc = String::from("off (--patterns-only)");
    if !o.patterns_only {
        let shared = anonymist::cli::SharedArgs {
            policy: None,
            entities: None,
            threshold: None,
            lossy: false,
            max_input_bytes: None,
            patterns_only: false,
            model_dir: std::env::var_os("ANONYMIST_MODEL_DIR").map(Into::into),
            ort_lib: None,
            backend: o.backend.clone(),
            ner_unfiltered: false,
            ner_uncompleted: false,
            date_profile: None,
        };
        let ner =
            anonymist::cli::load_ner(&shared).map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let d = anonymist::ner::NerOptions::default();
        ner_desc = format!(
            "on: backend {}, {} threads per call, {} session(s), batch {}",
            ner.backend(),
            d.threads,
            d.sessions,
            d.batch_size
        );
        b = b.detector(Box::new(ner));
    }
    let engine = Arc::new(b.build()?);
    let detectors = engine.detector_names().join(" + ");
    let hwm_engine = status_kib("VmHWM:");
    let load_secs = t0.elapsed();

    let proxy_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let stats = Arc::new(StubStats::default());
    let stub = rt.block_on(start_stub(stats.clone()))?;
    let proxy = start_proxy(engine, stub)?;

    let direct_url = format!("http://{stub}/v1/chat/completions");
    let proxy_url = format!("http://{proxy}/v1/chat/completions");
    let p1 = prompt(1024);
    let p10 = prompt(10 * 1024);
    let b1 = chat_body(&p1);
    let b10 = chat_body(&p10);

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .timeout(Duration::from_secs(300))
        .build()?;

    let (lat, loads) = rt.block_on(async {
        let mut lat = Vec::new();
        lat.push(
            latency(
                &client,
                &direct_url,
                &proxy_url,
                &b1,
                o.warmup,
                o.n1k,
                o.phase,
                "1 KB",
            )
            .await?,
        );
        lat.push(
            latency(
                &client,
                &direct_url,
                &proxy_url,
                &b10,
                o.warmup.div_ceil(3),
                o.n10k,
                o.phase,
                "10 KB",
            )
            .await?,
        );
        let body = Arc::new(b1.clone());
        let mut loads = Vec::new();
        for c in [1usize, 8, 64] {
            loads.push(load(&client, &proxy_url, body.clone(), c, o.total, o.phase).await?);
        }
        anyhow::Ok((lat, loads))
    })?;
    let hwm_load = status_kib("VmHWM:");
    let rss_end = status_kib("VmRSS:");

    println!(
        "### Engine: {detectors} (NER {ner_desc})\n\n\
         Prompts: {} B and {} B of English prose, one user message; each holds names, \
         e-mails and phone numbers. Proxy runtime: tokio multi-thread, {proxy_threads} \
         workers (default), detection on the blocking pool. Engine build {:.1} s.\n",
        p1.len(),
        p10.len(),
        load_secs.as_secs_f64()
    );
    println!(
        "| prompt | requests | direct p50 | direct p99 | proxy p50 | proxy p99 | added p50 | added p99 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in &lat {
        println!(
            "| {} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | **{:.2} ms** | {:.2} ms |",
            r.size,
            r.n,
            ms(r.direct.0),
            ms(r.direct.1),
            ms(r.proxy.0),
            ms(r.proxy.1),
            ms(r.proxy.0) - ms(r.direct.0),
            ms(r.proxy.1) - ms(r.direct.1),
        );
    }
    println!();
    println!("| concurrency (1 KB, via proxy) | requests | wall | requests/s | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for r in &loads {
        println!(
            "| {} | {} | {:.2} s | {:.1} | {:.1} ms | {:.1} ms |",
            r.concurrency,
            r.done,
            r.wall.as_secs_f64(),
            r.done as f64 / r.wall.as_secs_f64(),
            ms(r.p50),
            ms(r.p99),
        );
    }
    println!();
    println!(
        "Memory (whole process: stub + proxy + client): peak RSS after engine build {}, \
         peak RSS after the load {}, RSS at the end {}.\n",
        mib(hwm_engine),
        mib(hwm_load),
        mib(rss_end)
    );
    println!(
        "Stub: {} requests, {} through the proxy, {} of those with a raw e-mail address \
         in the body (must be 0).\n",
        stats.requests.load(Ordering::Relaxed),
        stats.proxied.load(Ordering::Relaxed),
        stats.leaked.load(Ordering::Relaxed),
    );
    eprintln!("total bench time {:.1} s", t0.elapsed().as_secs_f64());
    // The proxy thread serves forever; leave without waiting for it.
    std::process::exit(0);
}
