//! The HTTP service, for real: the `anonymist serve` binary on a free
//! loopback port, an upstream stub on 127.0.0.1 that records every body it
//! gets and answers with the placeholders it saw, raw HTTP against the
//! Presidio-compatible endpoints, and the real `mistralai` Python client
//! against the proxy.

use regex::Regex;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PII: &[&str] = &[
    "Jane Doe",
    "jane.doe@example.com",
    "+44 20 7946 0958",
    "4111 1111 1111 1111",
    "GB82 WEST 1234 5698 7654 32",
    "john.roe@example.org",
];

/// The upstream stub: records bodies; answers "Hello <tags...>." built from
/// the placeholders in the last user message; streams in 3-byte pieces.
struct Stub {
    addr: SocketAddr,
    bodies: Arc<Mutex<Vec<String>>>,
}

async fn stub_handler(
    axum::extract::State(bodies): axum::extract::State<Arc<Mutex<Vec<String>>>>,
    body: String,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    bodies.lock().expect("lock").push(body.clone());
    let req: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let model = req["model"].as_str().unwrap_or("");
    if model == "fail" {
        // An upstream error that echoes what it received.
        return (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(json!({"message": format!("bad request: {body}")})),
        )
            .into_response();
    }
    if model == "slow" {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let last_user = req["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string();
    let tags: Vec<String> = Regex::new(r"<[A-Z_]+_[0-9]+>")
        .expect("re")
        .find_iter(&last_user)
        .map(|m| m.as_str().to_string())
        .collect();
    let answer = format!("Hello {}.", tags.join(" and "));
    if req["stream"].as_bool() == Some(true) {
        let mut events = String::new();
        let bytes = answer.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let mut j = (i + 3).min(bytes.len());
            while !answer.is_char_boundary(j) {
                j += 1;
            }
            let piece = &answer[i..j];
            events.push_str(&format!(
                "data: {}\n\n",
                json!({"id": "s1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": null}]})
            ));
            i = j;
        }
        events.push_str(&format!(
            "data: {}\n\n",
            json!({"id": "s1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
        ));
        events.push_str("data: [DONE]\n\n");
        return (
            [(axum::http::header::CONTENT_TYPE, "text/event-stream")],
            events,
        )
            .into_response();
    }
    axum::Json(json!({
        "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    }))
    .into_response()
}

async fn start_stub() -> Stub {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(stub_handler))
        .with_state(bodies.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind stub");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Stub { addr, bodies }
}

/// The real server binary; killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(upstream: Option<&str>, extra: &[&str]) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_anonymist"));
    cmd.args(["serve", "--port", "0", "--upstream-timeout", "2"]);
    if let Some(u) = upstream {
        cmd.args(["--upstream", u]);
    }
    cmd.args(extra)
        .env_remove("MISTRAL_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("spawn server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read address line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("address line")
        .to_string();
    Server { child, url }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

async fn post(url: &str, body: Value) -> (u16, Value) {
    let r = client()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_metrics_without_values() {
    let s = start_server(None, &[]);
    let (status, v) = post(
        &format!("{}/analyze", s.url),
        json!({"text": "mail jane.doe@example.com", "language": "en"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v[0]["entity_type"], "EMAIL_ADDRESS");
    let h: Value = client()
        .get(format!("{}/health", s.url))
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(h["status"], "ok");
    let m = client()
        .get(format!("{}/metrics", s.url))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        m.contains("anonymist_requests_total{route=\"/analyze\",status=\"200\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("anonymist_entities_total{entity=\"EMAIL\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("anonymist_request_duration_seconds_bucket"),
        "{m}"
    );
    assert!(!m.contains("jane"), "metrics must not hold values");
}

#[tokio::test(flavor = "multi_thread")]
async fn presidio_analyze_request_and_response_shape() {
    let s = start_server(None, &[]);
    // Offsets are code points, as Presidio counts them.
    let (status, v) = post(
        &format!("{}/analyze", s.url),
        json!({"text": "Écrivez à josé@exemple.fr 漢字 ou 4111-1111-1111-1111", "language": "fr", "return_decision_process": false}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), 2, "{v}");
    let text: Vec<char> = "Écrivez à josé@exemple.fr 漢字 ou 4111-1111-1111-1111"
        .chars()
        .collect();
    let email = arr
        .iter()
        .find(|r| r["entity_type"] == "EMAIL_ADDRESS")
        .expect("email");
    let (a, b) = (
        email["start"].as_u64().expect("start") as usize,
        email["end"].as_u64().expect("end") as usize,
    );
    assert_eq!(text[a..b].iter().collect::<String>(), "josé@exemple.fr");
    for key in [
        "entity_type",
        "start",
        "end",
        "score",
        "analysis_explanation",
        "recognition_metadata",
    ] {
        assert!(email.get(key).is_some(), "missing {key}");
    }
    assert!(email["recognition_metadata"]["recognizer_name"].is_string());
    // entities filter and allow list
    let (_, v) = post(&format!("{}/analyze", s.url), json!({"text": "a@b.org 4111 1111 1111 1111", "language": "en", "entities": ["CREDIT_CARD"]})).await;
    assert_eq!(v.as_array().expect("array").len(), 1);
    assert_eq!(v[0]["entity_type"], "CREDIT_CARD");
    let (_, v) = post(
        &format!("{}/analyze", s.url),
        json!({"text": "a@b.org c@d.org", "language": "en", "allow_list": ["a@b.org"]}),
    )
    .await;
    assert_eq!(v.as_array().expect("array").len(), 1);
    assert_eq!(v[0]["start"], 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn presidio_ad_hoc_recognizer_example() {
    // Presidio's documented ad-hoc recognizer request.
    let s = start_server(None, &[]);
    let (status, v) = post(
        &format!("{}/analyze", s.url),
        json!({
            "text": "John Smith drivers license is AC432223 and the zip code is 12345",
            "language": "en",
            "score_threshold": 0.3,
            "ad_hoc_recognizers": [{
                "name": "Zip code Recognizer",
                "supported_language": "en",
                "patterns": [{"name": "zip code (weak)", "regex": "(\\b\\d{5}(?:\\-\\d{4})?\\b)", "score": 0.01}],
                "context": ["zip", "code"],
                "supported_entity": "ZIP"
            }]
        }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let zip = v
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["entity_type"] == "ZIP")
        .expect("zip found");
    assert_eq!(
        (zip["start"].as_u64(), zip["end"].as_u64()),
        (Some(59), Some(64))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn presidio_anonymize_documented_example() {
    // The request of Presidio's anonymizer documentation; item offsets are
    // positions in the anonymized text.
    let s = start_server(None, &[]);
    let (status, v) = post(
        &format!("{}/anonymize", s.url),
        json!({
            "text": "hello world, my name is Jane Doe. My number is: 034453334",
            "anonymizers": {
                "DEFAULT": {"type": "replace", "new_value": "ANONYMIZED"},
                "PHONE_NUMBER": {"type": "mask", "masking_char": "*", "chars_to_mask": 4, "from_end": true}
            },
            "analyzer_results": [
                {"start": 24, "end": 32, "score": 0.8, "entity_type": "NAME"},
                {"start": 48, "end": 57, "score": 0.95, "entity_type": "PHONE_NUMBER"}
            ]
        }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["text"],
        "hello world, my name is ANONYMIZED. My number is: 03445****"
    );
    let mut items: Vec<Value> = v["items"].as_array().expect("items").clone();
    items.sort_by_key(|i| i["start"].as_u64());
    assert_eq!(
        items[0],
        json!({"start": 24, "end": 34, "entity_type": "NAME", "text": "ANONYMIZED", "operator": "replace"})
    );
    assert_eq!(
        items[1],
        json!({"start": 50, "end": 59, "entity_type": "PHONE_NUMBER", "text": "03445****", "operator": "mask"})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymize_and_deanonymize_in_a_conversation() {
    let s = start_server(None, &[]);
    let http = client();
    let r: Value = http
        .post(format!("{}/anonymize", s.url))
        .header("X-Anonymist-Conversation", "c-1")
        .json(&json!({"text": "mail jane.doe@example.com", "anonymizers": {"DEFAULT": {"type": "pseudonym"}}}))
        .send()
        .await
        .expect("anonymize")
        .json()
        .await
        .expect("json");
    assert_eq!(r["text"], "mail <EMAIL_ADDRESS_1>");
    let back: Value = http
        .post(format!("{}/deanonymize", s.url))
        .header("X-Anonymist-Conversation", "c-1")
        .json(&json!({"text": "Sent to <EMAIL_ADDRESS_1>."}))
        .send()
        .await
        .expect("deanonymize")
        .json()
        .await
        .expect("json");
    assert_eq!(back["text"], "Sent to jane.doe@example.com.");
    // Another conversation cannot read it.
    let other: Value = http
        .post(format!("{}/deanonymize", s.url))
        .header("X-Anonymist-Conversation", "c-2")
        .json(&json!({"text": "Sent to <EMAIL_ADDRESS_1>."}))
        .send()
        .await
        .expect("deanonymize")
        .json()
        .await
        .expect("json");
    assert_eq!(other["text"], "Sent to <EMAIL_ADDRESS_1>.");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_are_refused_without_echoing_content() {
    let s = start_server(None, &["--max-body-bytes", "1000"]);
    let http = client();
    let r = http
        .post(format!("{}/analyze", s.url))
        .header("content-type", "application/json")
        .body("{\"text\": \"Jane Doe\", ")
        .send()
        .await
        .expect("req");
    assert_eq!(r.status().as_u16(), 400);
    assert!(!r.text().await.expect("text").contains("Jane"));
    let r = http
        .post(format!("{}/analyze", s.url))
        .json(&json!({"text": 5}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status().as_u16(), 400);
    let big = "x".repeat(2000);
    let r = http
        .post(format!("{}/analyze", s.url))
        .json(&json!({"text": big}))
        .send()
        .await
        .expect("req");
    assert_eq!(r.status().as_u16(), 413);
    // Unknown entity names and languages are errors, as in the CLI.
    for (body, word) in [
        (
            json!({"text": "a@b.org", "entities": ["EMAIL_ADRESS"]}),
            "EMAIL_ADRESS",
        ),
        (json!({"text": "a@b.org", "language": "xx"}), "\"xx\""),
        (
            json!({"text": "a@b.org", "ad_hoc_recognizers": [{"supported_entity": "X", "deny_list": ["a"], "supported_language": "zz"}]}),
            "\"zz\"",
        ),
    ] {
        let (status, v) = post(&format!("{}/analyze", s.url), body).await;
        assert_eq!(status, 400, "{v}");
        assert!(v["error"].as_str().expect("error").contains(word), "{v}");
    }
    let (status, v) = post(
        &format!("{}/analyze", s.url),
        json!({"text": "a@b.org", "language": "de", "entities": ["EMAIL_ADDRESS", "ZIP"],
               "ad_hoc_recognizers": [{"supported_entity": "ZIP", "deny_list": ["b"]}]}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = post(
        &format!("{}/anonymize", s.url),
        json!({"text": "a@b.org", "anonymizers": {"DEFAULT": {"type": "hash"}}}),
    )
    .await;
    assert_eq!(status, 400, "hash without a key is refused");
    assert!(
        v["error"]
            .as_str()
            .expect("error")
            .contains("ANONYMIST_HASH_KEY")
    );
}

fn chat(content: &str, stream: bool) -> Value {
    json!({"model": "mistral-small-latest", "stream": stream, "messages": [{"role": "user", "content": content}]})
}

fn assert_no_pii(bodies: &[String]) {
    for b in bodies {
        for p in PII {
            assert!(!b.contains(p), "upstream received {p:?}: {b}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_masks_prompts_and_restores_plain_and_streamed_answers() {
    let stub = start_stub().await;
    let s = start_server(Some(&format!("http://{}", stub.addr)), &[]);
    let prompt = "Hi, I am reachable at jane.doe@example.com and +44 20 7946 0958.";
    let (status, v) = post(
        &format!("{}/v1/chat/completions", s.url),
        chat(prompt, false),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "Hello jane.doe@example.com and +44 20 7946 0958."
    );
    let r = client()
        .post(format!("{}/v1/chat/completions", s.url))
        .json(&chat(prompt, true))
        .send()
        .await
        .expect("stream");
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.expect("sse");
    let mut content = String::new();
    for ev in text.split("\n\n") {
        if let Some(d) = ev.strip_prefix("data: ")
            && let Ok(v) = serde_json::from_str::<Value>(d)
            && let Some(c) = v
                .pointer("/choices/0/delta/content")
                .and_then(Value::as_str)
        {
            content.push_str(c);
        }
    }
    assert_eq!(content, "Hello jane.doe@example.com and +44 20 7946 0958.");
    assert!(text.trim_end().ends_with("data: [DONE]"));
    let bodies = stub.bodies.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 2);
    assert_no_pii(&bodies);
    assert!(
        bodies[0].contains("<EMAIL_1>") && bodies[0].contains("<PHONE_1>"),
        "{}",
        bodies[0]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn text_that_reads_as_a_placeholder_is_never_restored_as_a_value() {
    let stub = start_stub().await;
    let s = start_server(Some(&format!("http://{}", stub.addr)), &["--patterns-only"]);
    let url = format!("{}/v1/chat/completions", s.url);
    // The literal and the value that gets the same tag in one message...
    let prompt = "Keep <EMAIL_1> as written; mine is jane.doe@example.com.";
    let (status, v) = post(&url, chat(prompt, false)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "Hello <EMAIL_1> and jane.doe@example.com."
    );
    // ...and in two messages, the literal first, in a mangled form.
    let body = json!({"model": "m", "messages": [
        {"role": "user", "content": "Refer to him as email 1 and keep it."},
        {"role": "assistant", "content": "Understood."},
        {"role": "user", "content": "Write to jane.doe@example.com about email 1."},
    ]});
    let (status, v) = post(&url, body).await;
    assert_eq!(status, 200, "{v}");
    let bodies = stub.bodies.lock().expect("lock").clone();
    assert_no_pii(&bodies);
    for b in &bodies {
        let sent: Value = serde_json::from_str(b).expect("json");
        // Every form of <EMAIL_1> upstream is the one the proxy issued.
        for m in sent["messages"].as_array().expect("messages") {
            let c = m["content"].as_str().unwrap_or("").to_ascii_lowercase();
            assert_eq!(
                c.matches("email 1").count() + c.matches("<email_1>").count(),
                usize::from(c.contains("write to") || c.contains("mine is")),
                "{b}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_fails_closed_and_passes_upstream_errors_without_pii() {
    let stub = start_stub().await;
    let s = start_server(
        Some(&format!("http://{}", stub.addr)),
        &["--max-input-bytes", "200"],
    );
    // Detection refuses the oversized message: nothing goes upstream.
    let long = format!("{} jane.doe@example.com", "word ".repeat(100));
    let (status, v) = post(
        &format!("{}/v1/chat/completions", s.url),
        chat(&long, false),
    )
    .await;
    assert_eq!(status, 413, "{v}");
    assert!(
        stub.bodies.lock().expect("lock").is_empty(),
        "nothing may reach the upstream"
    );
    // An upstream error comes back as it is: it only ever saw masked text.
    let mut body = chat("mail jane.doe@example.com", false);
    body["model"] = json!("fail");
    let (status, v) = post(&format!("{}/v1/chat/completions", s.url), body).await;
    assert_eq!(status, 422);
    assert!(!v.to_string().contains("jane.doe"), "{v}");
    assert!(v.to_string().contains("<EMAIL_1>"));
    // Timeouts and unreachable upstreams are gateway errors.
    let mut body = chat("hi", false);
    body["model"] = json!("slow");
    let (status, _) = post(&format!("{}/v1/chat/completions", s.url), body).await;
    assert_eq!(status, 504);
    let dead = start_server(Some("http://127.0.0.1:9"), &[]);
    let (status, _) = post(
        &format!("{}/v1/chat/completions", dead.url),
        chat("hi", false),
    )
    .await;
    assert_eq!(status, 502);
}

/// The Python of the venv with the pinned `mistralai` client:
/// `ANONYMIST_TEST_VENV`, or `target/test-venv`, which
/// `scripts/setup-test-venv target/test-venv` creates from PyPI (`.ci/run`
/// does). The test never installs it itself: without it, it is ignored.
fn mistral_python() -> PathBuf {
    let venv = std::env::var_os("ANONYMIST_TEST_VENV")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv"));
    let python = venv.join("bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import mistralai.client"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ready,
        "the mistralai client is required here: {} must import mistralai.client \
         (run scripts/setup-test-venv {})",
        python.display(),
        venv.display()
    );
    python
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(
    not(anonymist_test_venv),
    ignore = "needs the mistralai client: run scripts/setup-test-venv target/test-venv (PyPI)"
)]
async fn real_mistralai_client_through_the_proxy() {
    let python = mistral_python();
    let stub = start_stub().await;
    let s = start_server(Some(&format!("http://{}", stub.addr)), &[]);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/proxy_client.py");
    let url = s.url.clone();
    let out =
        tokio::task::spawn_blocking(move || Command::new(python).arg(script).arg(url).output())
            .await
            .expect("join")
            .expect("run python");
    assert!(
        out.status.success(),
        "client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("client JSON");
    let bodies = stub.bodies.lock().expect("lock").clone();
    assert_no_pii(&bodies);
    for key in ["plain", "stream"] {
        let answer = v[key].as_str().expect("answer");
        for p in [
            "jane.doe@example.com",
            "+44 20 7946 0958",
            "4111 1111 1111 1111",
            "GB82 WEST 1234 5698 7654 32",
        ] {
            assert!(answer.contains(p), "{key} answer lacks {p}: {answer}");
        }
        assert!(
            !answer.contains('<'),
            "{key} answer kept a placeholder: {answer}"
        );
    }
    // The conversation kept one mapping: the e-mail of turn 1 has the same tag in turn 2.
    assert_eq!(v["turn1"], "Hello jane.doe@example.com.");
    assert_eq!(v["turn2"], "Hello john.roe@example.org.");
    let turn2 = bodies.last().expect("turn 2 body");
    assert!(
        turn2.contains("<EMAIL_1>") && turn2.contains("<EMAIL_2>"),
        "{turn2}"
    );
}
