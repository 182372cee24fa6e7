//! `POST /v1/chat/completions`: the Mistral-compatible proxy.
//!
//! 1. Every text the request carries — message `content` strings, text
//!    parts, tool results, and tool-call `arguments` — is anonymized with
//!    pseudonyms (`<PERSON_1>`) drawn from one vault: per request, or the
//!    conversation's when the `X-Anonymist-Conversation` header names one.
//! 2. The masked request goes to the upstream (`--upstream`), with the
//!    client's `Authorization` or the configured key. If detection fails,
//!    nothing is sent: the client gets a 503.
//! 3. The answer's placeholders are restored: in the JSON of a plain answer,
//!    or chunk by chunk in an SSE stream (`stream: true`), holding back only
//!    a suffix that may still grow into a placeholder. Tool-call arguments
//!    are restored JSON-escaped. Upstream errors are passed back as they
//!    are: they can only hold masked text.

use super::{ApiError, AppState, parse_json};
use crate::anonymize::{Escape, Restorer, StreamRestorer, Vault};
use crate::engine::{Engine, EngineError};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Anonymizes the strings of one request with the proxy's pseudonym
/// anonymizer. Each distinct string is analyzed once per request: the
/// request is masked twice (see [`mask_chat_request`]) and the second pass
/// reuses the spans.
struct Masker<'a> {
    engine: &'a Engine,
    anon: &'a crate::Anonymizer,
    found: HashMap<String, Vec<crate::Span>>,
}

impl Masker<'_> {
    /// Anonymizes one string.
    fn mask(&mut self, text: &str, vault: &mut Vault) -> Result<String, EngineError> {
        let spans = match self.found.get(text) {
            Some(s) => s,
            None => {
                let s = self.engine.analyze(text)?;
                self.found.entry(text.to_string()).or_insert(s)
            }
        };
        Ok(self.anon.anonymize_for_restore(text, spans, vault).text)
    }

    /// Anonymizes a tool-call `arguments` string: as JSON (string leaves)
    /// when it parses, else as text.
    fn mask_arguments(&mut self, args: &str, vault: &mut Vault) -> Result<String, EngineError> {
        match serde_json::from_str::<Value>(args) {
            Ok(mut v) => {
                self.mask_strings(&mut v, vault)?;
                Ok(v.to_string())
            }
            Err(_) => self.mask(args, vault),
        }
    }

    fn mask_strings(&mut self, v: &mut Value, vault: &mut Vault) -> Result<(), EngineError> {
        match v {
            Value::String(s) => *s = self.mask(s, vault)?,
            Value::Array(a) => {
                for x in a {
                    self.mask_strings(x, vault)?;
                }
            }
            Value::Object(o) => {
                for x in o.values_mut() {
                    self.mask_strings(x, vault)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Masks every message of a chat request in place. Returns the number
    /// of strings masked.
    fn mask_request(&mut self, body: &mut Value, vault: &mut Vault) -> Result<usize, EngineError> {
        let mut n = 0;
        let Some(messages) = body.get_mut("messages").and_then(Value::as_array_mut) else {
            return Ok(0);
        };
        for m in messages {
            match m.get_mut("content") {
                Some(Value::String(s)) => {
                    *s = self.mask(s, vault)?;
                    n += 1;
                }
                Some(Value::Array(parts)) => {
                    for p in parts {
                        if let Some(Value::String(t)) = p.get_mut("text") {
                            *t = self.mask(t, vault)?;
                            n += 1;
                        }
                    }
                }
                _ => {}
            }
            if let Some(calls) = m.get_mut("tool_calls").and_then(Value::as_array_mut) {
                for c in calls {
                    if let Some(Value::String(a)) = c.pointer_mut("/function/arguments") {
                        *a = self.mask_arguments(a, vault)?;
                        n += 1;
                    }
                }
            }
        }
        Ok(n)
    }
}

/// Masks a chat request in place, drawing pseudonyms from `vault`.
///
/// Text the user wrote that reads as a placeholder the vault issues (a
/// literal `<PERSON_1>`, `Person 1`) must not go upstream as it is, or the
/// answer's echo of it would be restored as somebody's value. A tag issued
/// for the last message can collide with text in the first, so the request
/// is masked twice: the first pass (on a copy) issues every tag, the second
/// re-tags every such literal as `<PLACEHOLDER_n>` knowing all of them.
/// Values get the same tags in both passes, and analysis runs once per
/// distinct string.
fn mask_chat_request(
    engine: &Engine,
    anon: &crate::Anonymizer,
    body: &mut Value,
    vault: &mut Vault,
) -> Result<usize, EngineError> {
    let mut masker = Masker {
        engine,
        anon,
        found: HashMap::new(),
    };
    masker.mask_request(&mut body.clone(), vault)?;
    masker.mask_request(body, vault)
}

/// Restores placeholders in a complete (non-streamed) answer.
fn restore_response(body: &mut Value, r: &Restorer) {
    let Some(choices) = body.get_mut("choices").and_then(Value::as_array_mut) else {
        return;
    };
    for c in choices {
        let Some(msg) = c.get_mut("message") else {
            continue;
        };
        restore_content(msg.get_mut("content"), r);
        if let Some(calls) = msg.get_mut("tool_calls").and_then(Value::as_array_mut) {
            for call in calls {
                if let Some(Value::String(a)) = call.pointer_mut("/function/arguments") {
                    *a = r.restore(a, Escape::Json);
                }
            }
        }
    }
}

fn restore_content(content: Option<&mut Value>, r: &Restorer) {
    match content {
        Some(Value::String(s)) => *s = r.restore(s, Escape::None),
        Some(Value::Array(parts)) => {
            for p in parts {
                if let Some(Value::String(t)) = p.get_mut("text") {
                    *t = r.restore(t, Escape::None);
                }
            }
        }
        _ => {}
    }
}

fn upstream_url(base: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with("/v1") {
        format!("{base}/chat/completions")
    } else {
        format!("{base}/v1/chat/completions")
    }
}

pub async fn chat_completions(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let Some(upstream) = state.config.upstream.clone() else {
        return Err(ApiError {
            status: StatusCode::NOT_FOUND,
            message: "no upstream is configured: start the server with --upstream URL".into(),
        });
    };
    let mut request: Value = parse_json(&body)?;
    if !request.get("messages").is_some_and(Value::is_array) {
        return Err(ApiError::bad_request("missing field `messages` (an array)"));
    }
    let stream = request
        .get("stream")
        .and_then(Value::as_bool)
        .unwrap_or(false);

    // Mask on the blocking pool, inside the conversation's vault (or a
    // fresh one); keep a restorer for the answer.
    let conversation = super::presidio::conversation_key(&headers);
    let st = state.clone();
    let (request, restorer) =
        tokio::task::spawn_blocking(move || -> Result<(Value, Restorer), EngineError> {
            let mut work = |vault: &mut Vault| -> Result<Restorer, EngineError> {
                mask_chat_request(&st.engine, &st.proxy_anonymizer, &mut request, vault)?;
                Ok(Restorer::new(vault))
            };
            let restorer = match &conversation {
                Some(key) => st.conversations.with_vault(key, work)?,
                None => work(&mut Vault::new())?,
            };
            Ok((request, restorer))
        })
        .await
        .map_err(|_| ApiError::detection("detection task failed; nothing was forwarded"))?
        .map_err(|e| {
            state.metrics.detection_failure();
            ApiError::from(e)
        })?;

    let mut req = state
        .client
        .post(upstream_url(&upstream))
        .header(header::CONTENT_TYPE, "application/json")
        .body(request.to_string());
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        req = req.header(header::AUTHORIZATION, auth);
    } else if let Some(key) = &state.config.upstream_key {
        req = req.bearer_auth(key);
    }
    if stream {
        req = req.header(header::ACCEPT, "text/event-stream");
    } else {
        req = req.timeout(state.config.upstream_timeout);
    }
    let resp = req.send().await.map_err(|e| {
        state.metrics.upstream_error();
        ApiError {
            status: if e.is_timeout() {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::BAD_GATEWAY
            },
            message: if e.is_timeout() {
                "upstream timed out".into()
            } else {
                "upstream unreachable".into()
            },
        }
    })?;
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    if !status.is_success() {
        // Passed back unchanged: the upstream only ever saw masked text, so
        // its error can hold no original value.
        state.metrics.upstream_error();
        let ct = resp.headers().get(reqwest::header::CONTENT_TYPE).cloned();
        let bytes = resp.bytes().await.unwrap_or_default();
        let mut r = (status, bytes).into_response();
        if let Some(ct) = ct.and_then(|c| HeaderValue::from_bytes(c.as_bytes()).ok()) {
            r.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        return Ok(r);
    }
    if stream {
        let mut sse = SseRestorer::new(restorer);
        let upstream_stream = resp.bytes_stream();
        let out = async_stream_map(upstream_stream, move |chunk| match chunk {
            Some(Ok(bytes)) => Ok(sse.push(&bytes)),
            Some(Err(_)) => Err(std::io::Error::other("upstream stream broke off")),
            None => Ok(sse.finish()),
        });
        let mut r = Response::new(Body::from_stream(out));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        return Ok(r);
    }
    let bytes = resp.bytes().await.map_err(|_| {
        state.metrics.upstream_error();
        ApiError {
            status: StatusCode::BAD_GATEWAY,
            message: "upstream answer broke off".into(),
        }
    })?;
    let mut answer: Value = serde_json::from_slice(&bytes).map_err(|_| ApiError {
        status: StatusCode::BAD_GATEWAY,
        message: "upstream answered with invalid JSON".into(),
    })?;
    restore_response(&mut answer, &restorer);
    Ok((status, axum::Json(answer)).into_response())
}

/// Maps a byte stream through `f`, calling it once more with `None` at the
/// end (to flush), and stopping after an error.
fn async_stream_map<S, F>(
    upstream: S,
    f: F,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static
where
    S: futures_util::Stream<Item = Result<Bytes, reqwest::Error>> + Send + Unpin + 'static,
    F: FnMut(Option<Result<Bytes, reqwest::Error>>) -> Result<Vec<u8>, std::io::Error>
        + Send
        + 'static,
{
    futures_util::stream::unfold(
        (upstream, f, false),
        |(mut up, mut f, finished)| async move {
            if finished {
                return None;
            }
            let next = up.next().await;
            let last = matches!(next, None | Some(Err(_)));
            let out = f(next).map(Bytes::from);
            Some((out, (up, f, last)))
        },
    )
    .filter(|r| futures_util::future::ready(!matches!(r, Ok(b) if b.is_empty())))
}

/// Restores placeholders in an SSE stream of chat-completion chunks.
///
/// Events are split on blank lines (`\n\n` or `\r\n\r\n`; one read may hold
/// half an event or several). Per choice, `delta.content` goes through a
/// [`StreamRestorer`]; per tool call, `function.arguments` through one in
/// JSON-escape mode. Held-back text is released with the choice's
/// `finish_reason` chunk, or in an extra chunk before `[DONE]`.
pub struct SseRestorer {
    base: Restorer,
    buf: Vec<u8>,
    content: HashMap<u64, StreamRestorer>,
    tools: HashMap<(u64, u64), StreamRestorer>,
    template: Option<Value>,
    done: bool,
}

impl SseRestorer {
    pub fn new(base: Restorer) -> Self {
        SseRestorer {
            base,
            buf: Vec::new(),
            content: HashMap::new(),
            tools: HashMap::new(),
            template: None,
            done: false,
        }
    }

    /// Feeds bytes from upstream; returns bytes for the client.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some((end, sep)) = find_event_end(&self.buf) {
            let event: Vec<u8> = self.buf.drain(..end + sep).collect();
            let event = &event[..end];
            self.process_event(event, &mut out);
        }
        out
    }

    /// Upstream ended: releases anything held back.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.buf.is_empty() {
            let rest = std::mem::take(&mut self.buf);
            self.process_event(&rest, &mut out);
        }
        if !self.done {
            self.flush_all(&mut out);
        }
        out
    }

    fn process_event(&mut self, event: &[u8], out: &mut Vec<u8>) {
        let text = String::from_utf8_lossy(event);
        let mut data = String::new();
        let mut other = Vec::new();
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if let Some(d) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(d.strip_prefix(' ').unwrap_or(d));
            } else if !line.is_empty() {
                other.push(line.to_string());
            }
        }
        for l in &other {
            out.extend_from_slice(l.as_bytes());
            out.push(b'\n');
        }
        if data.is_empty() {
            if !other.is_empty() {
                out.push(b'\n');
            }
            return;
        }
        if data.trim() == "[DONE]" {
            self.flush_all(out);
            self.done = true;
            out.extend_from_slice(b"data: [DONE]\n\n");
            return;
        }
        match serde_json::from_str::<Value>(&data) {
            Ok(mut chunk) => {
                self.restore_chunk(&mut chunk);
                write_event(out, &chunk);
            }
            Err(_) => {
                // Not JSON: restore as text.
                let restored = self.base.restore(&data, Escape::None);
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(restored.as_bytes());
                out.extend_from_slice(b"\n\n");
            }
        }
    }

    fn restore_chunk(&mut self, chunk: &mut Value) {
        let Some(choices) = chunk.get_mut("choices").and_then(Value::as_array_mut) else {
            return;
        };
        for (pos, c) in choices.iter_mut().enumerate() {
            let idx = c.get("index").and_then(Value::as_u64).unwrap_or(pos as u64);
            let finished = c.get("finish_reason").is_some_and(|f| !f.is_null());
            let base = &self.base;
            if let Some(delta) = c.get_mut("delta") {
                let r = self
                    .content
                    .entry(idx)
                    .or_insert_with(|| StreamRestorer::new(base.clone(), Escape::None));
                let mut text = match delta.get("content") {
                    Some(Value::String(s)) => r.push(s),
                    _ => String::new(),
                };
                if finished {
                    text.push_str(&r.finish());
                }
                if !text.is_empty() || matches!(delta.get("content"), Some(Value::String(_))) {
                    delta["content"] = Value::String(text);
                }
                if let Some(calls) = delta.get_mut("tool_calls").and_then(Value::as_array_mut) {
                    for (tpos, call) in calls.iter_mut().enumerate() {
                        let tidx = call
                            .get("index")
                            .and_then(Value::as_u64)
                            .unwrap_or(tpos as u64);
                        let tr = self
                            .tools
                            .entry((idx, tidx))
                            .or_insert_with(|| StreamRestorer::new(base.clone(), Escape::Json));
                        if let Some(Value::String(a)) = call.pointer_mut("/function/arguments") {
                            let mut s = tr.push(a);
                            if finished {
                                s.push_str(&tr.finish());
                            }
                            *a = s;
                        }
                    }
                }
                if finished {
                    for ((ci, _), tr) in self.tools.iter_mut() {
                        if *ci == idx && tr.is_holding() {
                            // Arguments held back without a further delta:
                            // release them with this chunk's first call.
                            let rest = tr.finish();
                            if let Some(Value::String(a)) =
                                delta.pointer_mut("/tool_calls/0/function/arguments")
                            {
                                a.push_str(&rest);
                            }
                        }
                    }
                }
            }
            if let Some(Value::Object(msg)) = c.get_mut("message") {
                // Some servers stream whole messages.
                restore_content(msg.get_mut("content"), &self.base);
            }
        }
        let mut template = chunk.clone();
        if let Some(Value::Array(ch)) = template.get_mut("choices") {
            ch.clear();
        }
        self.template = Some(template);
    }

    /// Emits one extra chunk with everything still held back.
    fn flush_all(&mut self, out: &mut Vec<u8>) {
        let mut choices = Vec::new();
        let mut idxs: Vec<u64> = self.content.keys().copied().collect();
        idxs.sort_unstable();
        for idx in idxs {
            let text = self
                .content
                .get_mut(&idx)
                .map(StreamRestorer::finish)
                .unwrap_or_default();
            if !text.is_empty() {
                choices.push(serde_json::json!({"index": idx, "delta": {"content": text}, "finish_reason": null}));
            }
        }
        let mut keys: Vec<(u64, u64)> = self.tools.keys().copied().collect();
        keys.sort_unstable();
        for key in keys {
            let text = self
                .tools
                .get_mut(&key)
                .map(StreamRestorer::finish)
                .unwrap_or_default();
            if !text.is_empty() {
                choices.push(serde_json::json!({"index": key.0, "delta": {"tool_calls": [{"index": key.1, "function": {"arguments": text}}]}, "finish_reason": null}));
            }
        }
        if choices.is_empty() {
            return;
        }
        let mut chunk = self
            .template
            .clone()
            .unwrap_or_else(|| serde_json::json!({"object": "chat.completion.chunk"}));
        chunk["choices"] = Value::Array(choices);
        write_event(out, &chunk);
    }
}

fn write_event(out: &mut Vec<u8>, chunk: &Value) {
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(chunk.to_string().as_bytes());
    out.extend_from_slice(b"\n\n");
}

/// The end of the first complete event in `buf` and the separator length.
fn find_event_end(buf: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i + 1 < buf.len() {
        if buf[i] == b'\n' && buf[i + 1] == b'\n' {
            return Some((i, 2));
        }
        if buf[i] == b'\r' && buf.get(i + 1..i + 4) == Some(b"\n\r\n") {
            return Some((i, 4));
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Entity;

    fn restorer() -> Restorer {
        let mut v = Vault::new();
        v.pseudonym(&Entity::PERSON, "Ann Lee");
        v.pseudonym(&Entity::EMAIL, "ann@x.org");
        Restorer::new(&v)
    }

    fn chunk(content: &str, finish: Option<&str>) -> String {
        format!(
            "data: {}\n\n",
            serde_json::json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]})
        )
    }

    fn collect_content(out: &[u8]) -> String {
        let text = String::from_utf8_lossy(out);
        let mut s = String::new();
        for ev in text.split("\n\n") {
            if let Some(d) = ev.strip_prefix("data: ")
                && let Ok(v) = serde_json::from_str::<Value>(d)
                && let Some(c) = v
                    .pointer("/choices/0/delta/content")
                    .and_then(Value::as_str)
            {
                s.push_str(c);
            }
        }
        s
    }

    #[test]
    fn sse_restores_placeholders_split_across_chunks_and_reads() {
        let stream = [
            chunk("Hello <PER", None),
            chunk("SON_1>, mail <EM", None),
            chunk("AIL_1> ok", Some("stop")),
        ]
        .concat()
            + "data: [DONE]\n\n";
        // Feed in reads of every size: events split anywhere.
        for size in [1, 3, 7, 64, 10_000] {
            let mut sse = SseRestorer::new(restorer());
            let mut out = Vec::new();
            for piece in stream.as_bytes().chunks(size) {
                out.extend(sse.push(piece));
            }
            out.extend(sse.finish());
            assert_eq!(
                collect_content(&out),
                "Hello Ann Lee, mail ann@x.org ok",
                "read size {size}"
            );
            assert!(String::from_utf8_lossy(&out).ends_with("data: [DONE]\n\n"));
        }
    }

    #[test]
    fn held_text_is_flushed_before_done_without_finish_reason() {
        let stream = chunk("bye <PERSON_1", None) + "data: [DONE]\n\n";
        let mut sse = SseRestorer::new(restorer());
        let mut out = sse.push(stream.as_bytes());
        out.extend(sse.finish());
        assert_eq!(collect_content(&out), "bye Ann Lee");
    }

    #[test]
    fn crlf_event_boundaries_are_accepted() {
        let stream =
            chunk("<PERSON_1>", Some("stop")).replace("\n\n", "\r\n\r\n") + "data: [DONE]\r\n\r\n";
        let mut sse = SseRestorer::new(restorer());
        let out = sse.push(stream.as_bytes());
        assert_eq!(collect_content(&out), "Ann Lee");
    }

    #[test]
    fn tool_call_arguments_are_restored_json_escaped() {
        let mut v = Vault::new();
        v.pseudonym(&Entity::PERSON, "Ann \"Q\" Lee");
        let r = Restorer::new(&v);
        let mut answer = serde_json::json!({"choices": [{"message": {"content": null, "tool_calls": [{"function": {"name": "f", "arguments": "{\"who\": \"<PERSON_1>\"}"}}]}}]});
        restore_response(&mut answer, &r);
        let args = answer
            .pointer("/choices/0/message/tool_calls/0/function/arguments")
            .and_then(Value::as_str)
            .expect("args");
        let parsed: Value = serde_json::from_str(args).expect("valid JSON");
        assert_eq!(parsed["who"], "Ann \"Q\" Lee");
    }

    #[test]
    fn upstream_url_accepts_base_with_or_without_v1() {
        assert_eq!(
            upstream_url("https://api.mistral.ai"),
            "https://api.mistral.ai/v1/chat/completions"
        );
        assert_eq!(
            upstream_url("http://127.0.0.1:9/v1/"),
            "http://127.0.0.1:9/v1/chat/completions"
        );
    }
}
