//! Presidio-compatible `/analyze`, `/anonymize` and `/deanonymize`.
//!
//! Request and response JSON follow Presidio's analyzer and anonymizer
//! APIs; offsets are Unicode code points, as Presidio (Python) counts them.
//! Entity names are Presidio's where they differ from ours
//! (`EMAIL_ADDRESS`, `PHONE_NUMBER`, `IBAN_CODE`); both are accepted.

use super::{ApiError, AppState, JsonBody};
use crate::anonymize::{Anonymizer, Operator, Vault};
use crate::engine::AnalyzeOptions;
use crate::offsets::CharIndex;
use crate::recognizers::{DenyListDetector, PatternDetector, PatternRecognizer};
use crate::span::{Entity, Source, Span};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Our entity name for a Presidio name.
pub fn from_presidio(name: &str) -> Entity {
    match name {
        "EMAIL_ADDRESS" => Entity::EMAIL,
        "PHONE_NUMBER" => Entity::PHONE,
        "IBAN_CODE" => Entity::IBAN,
        other => Entity::new(other),
    }
}

/// Presidio's name for our entity.
pub fn to_presidio(e: &Entity) -> String {
    match e.as_str() {
        "EMAIL" => "EMAIL_ADDRESS".into(),
        "PHONE" => "PHONE_NUMBER".into(),
        "IBAN" => "IBAN_CODE".into(),
        other => other.into(),
    }
}

#[derive(Deserialize)]
pub struct AdHocPattern {
    #[serde(default)]
    pub name: Option<String>,
    pub regex: String,
    #[serde(default = "default_score")]
    pub score: f32,
}

fn default_score() -> f32 {
    0.5
}

#[derive(Deserialize)]
pub struct AdHocRecognizer {
    #[serde(default)]
    pub name: Option<String>,
    pub supported_entity: String,
    #[serde(default)]
    pub patterns: Vec<AdHocPattern>,
    #[serde(default)]
    pub deny_list: Vec<String>,
    #[serde(default)]
    pub context: Vec<String>,
    #[serde(default)]
    pub supported_language: Option<String>,
}

#[derive(Deserialize)]
pub struct AnalyzeRequest {
    pub text: String,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub entities: Option<Vec<String>>,
    #[serde(default)]
    pub score_threshold: Option<f32>,
    #[serde(default)]
    pub allow_list: Vec<String>,
    /// `exact` (default) or `regex`.
    #[serde(default)]
    pub allow_list_match: Option<String>,
    #[serde(default)]
    pub ad_hoc_recognizers: Vec<AdHocRecognizer>,
    #[serde(default)]
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub return_decision_process: Option<bool>,
    #[serde(default)]
    pub context: Option<Vec<String>>,
}

#[derive(Serialize)]
pub struct RecognitionMetadata {
    recognizer_name: String,
    recognizer_identifier: String,
}

#[derive(Serialize)]
pub struct AnalyzeResult {
    entity_type: String,
    start: usize,
    end: usize,
    score: f32,
    analysis_explanation: Option<()>,
    recognition_metadata: RecognitionMetadata,
}

/// The languages the engine covers: the model's (its date, context and
/// street words are in these too). Presidio's `language` defaults to `en`.
pub const LANGUAGES: &[&str] = &["en", "de", "fr", "es", "it", "nl", "pt"];

fn check_language(lang: Option<&str>, field: &str) -> Result<(), ApiError> {
    match lang {
        None => Ok(()),
        Some(l) if LANGUAGES.contains(&l) => Ok(()),
        Some(l) => Err(ApiError::bad_request(format!(
            "{field}: language {l:?} is not supported; supported languages: {}",
            LANGUAGES.join(", ")
        ))),
    }
}

fn analyze_options(req: &AnalyzeRequest, known: &[Entity]) -> Result<AnalyzeOptions, ApiError> {
    check_language(req.language.as_deref(), "language")?;
    for (i, r) in req.ad_hoc_recognizers.iter().enumerate() {
        check_language(
            r.supported_language.as_deref(),
            &format!("ad_hoc_recognizers[{i}].supported_language"),
        )?;
    }
    if let Some(names) = &req.entities {
        for n in names {
            let e = from_presidio(n);
            let ad_hoc = req
                .ad_hoc_recognizers
                .iter()
                .any(|r| from_presidio(&r.supported_entity) == e);
            if !known.contains(&e) && !ad_hoc {
                return Err(ApiError::bad_request(format!(
                    "entities: unknown entity {n:?}; known entities: {}",
                    known.iter().map(to_presidio).collect::<Vec<_>>().join(", ")
                )));
            }
        }
    }
    let mut opts = AnalyzeOptions {
        entities: req
            .entities
            .as_ref()
            .map(|es| es.iter().map(|e| from_presidio(e)).collect::<HashSet<_>>()),
        threshold: req.score_threshold,
        ..Default::default()
    };
    if let Some(t) = req.score_threshold
        && !(0.0..=1.0).contains(&t)
    {
        return Err(ApiError::bad_request(
            "score_threshold must be within 0.0..=1.0",
        ));
    }
    match req.allow_list_match.as_deref() {
        None | Some("exact") => opts.allow_values = req.allow_list.clone(),
        Some("regex") => {
            opts.allow_patterns = req
                .allow_list
                .iter()
                .map(|p| Regex::new(p))
                .collect::<Result<_, _>>()
                .map_err(|_| ApiError::bad_request("allow_list: invalid regex"))?;
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "allow_list_match must be \"exact\" or \"regex\"",
            ));
        }
    }
    let mut patterns = PatternDetector::new(Vec::new());
    let mut deny = Vec::new();
    for (i, r) in req.ad_hoc_recognizers.iter().enumerate() {
        let entity = from_presidio(&r.supported_entity);
        let name = r.name.clone().unwrap_or_else(|| format!("ad_hoc_{i}"));
        for p in &r.patterns {
            let rec =
                PatternRecognizer::custom(&name, entity.clone(), &p.regex, p.score, &r.context)
                    .map_err(|_| {
                        ApiError::bad_request(format!("ad_hoc_recognizers[{i}]: invalid regex"))
                    })?
                    // The caller asked for exactly these: they win conflicts.
                    .trusted();
            patterns.push(rec);
        }
        if !r.deny_list.is_empty() {
            deny.push((entity, r.deny_list.clone(), 1.0));
        }
    }
    opts.detectors.push(Box::new(patterns));
    if let Some(d) = DenyListDetector::new(&deny) {
        opts.detectors.push(Box::new(d));
    }
    Ok(opts)
}

pub async fn analyze(
    State(state): State<Arc<AppState>>,
    JsonBody(req): JsonBody<AnalyzeRequest>,
) -> Result<Json<Vec<AnalyzeResult>>, ApiError> {
    let opts = analyze_options(&req, state.engine.entities())?;
    let text = req.text;
    let (spans, text) = state
        .run_blocking(move |engine| engine.analyze_with(&text, &opts).map(|s| (s, text)))
        .await?;
    state.count_entities(&spans);
    let idx = CharIndex::new(&text);
    Ok(Json(
        spans
            .iter()
            .map(|s| AnalyzeResult {
                entity_type: to_presidio(&s.entity),
                start: idx.to_char(s.start),
                end: idx.to_char(s.end),
                score: (s.score * 1000.0).round() / 1000.0,
                analysis_explanation: None,
                recognition_metadata: RecognitionMetadata {
                    recognizer_name: s.recognizer.to_string(),
                    recognizer_identifier: format!(
                        "{}_{}",
                        s.recognizer,
                        match s.source {
                            Source::Pattern => "pattern",
                            Source::DenyList => "deny_list",
                            Source::Ner => "ner",
                        }
                    ),
                },
            })
            .collect(),
    ))
}

/// A Presidio operator config (`{"type": "mask", "masking_char": "*", ...}`).
#[derive(Deserialize)]
pub struct OperatorConfig {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub new_value: Option<String>,
    #[serde(default)]
    pub masking_char: Option<String>,
    #[serde(default)]
    pub chars_to_mask: Option<usize>,
    #[serde(default)]
    pub from_end: Option<bool>,
    #[serde(default)]
    pub hash_type: Option<String>,
}

impl OperatorConfig {
    fn to_operator(&self) -> Result<Operator, ApiError> {
        Ok(match self.kind.as_str() {
            "replace" => Operator::Replace {
                new_value: self.new_value.clone(),
            },
            "redact" => Operator::Redact,
            "keep" => Operator::Keep,
            "pseudonym" => Operator::Pseudonym,
            "mask" => {
                let mut chars = self.masking_char.as_deref().unwrap_or("*").chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return Err(ApiError::bad_request("masking_char must be one character"));
                };
                Operator::Mask {
                    masking_char: c,
                    chars_to_mask: self.chars_to_mask,
                    from_end: self.from_end.unwrap_or(false),
                }
            }
            "hash" => match self.hash_type.as_deref() {
                None | Some("sha256") => Operator::Hash { length: None },
                Some(_) => {
                    return Err(ApiError::bad_request(
                        "hash_type: only sha256 is supported (as HMAC-SHA256 with the server's key)",
                    ));
                }
            },
            other => {
                return Err(ApiError::bad_request(format!(
                    "operator {other:?} is not supported: use replace, redact, mask, hash, keep or pseudonym"
                )));
            }
        })
    }
}

#[derive(Deserialize)]
pub struct AnalyzerResult {
    pub start: usize,
    pub end: usize,
    pub entity_type: String,
    #[serde(default = "one")]
    pub score: f32,
}

fn one() -> f32 {
    1.0
}

#[derive(Deserialize)]
pub struct AnonymizeRequest {
    pub text: String,
    #[serde(default)]
    pub anonymizers: HashMap<String, OperatorConfig>,
    /// Spans to anonymize (Presidio requires them; when absent, anonymist
    /// analyzes the text itself).
    #[serde(default)]
    pub analyzer_results: Option<Vec<AnalyzerResult>>,
}

#[derive(Serialize)]
pub struct AnonymizeItem {
    start: usize,
    end: usize,
    entity_type: String,
    text: String,
    operator: String,
}

#[derive(Serialize)]
pub struct AnonymizeResponse {
    text: String,
    items: Vec<AnonymizeItem>,
}

pub async fn anonymize(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<AnonymizeRequest>,
) -> Result<Json<AnonymizeResponse>, ApiError> {
    let mut default = Operator::Replace { new_value: None };
    let mut per_entity = HashMap::new();
    for (name, cfg) in &req.anonymizers {
        let op = cfg.to_operator()?;
        if name == "DEFAULT" {
            default = op;
        } else {
            per_entity.insert(Entity::new(name), op);
        }
    }
    let anonymizer = Anonymizer::new(default, per_entity, state.hash_key.clone())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let text = req.text;
    let idx = CharIndex::new(&text);
    let n_chars = text.chars().count();
    let spans: Vec<Span> = match req.analyzer_results {
        Some(results) => {
            let mut spans = Vec::with_capacity(results.len());
            for r in results {
                if r.start >= r.end || r.end > n_chars {
                    return Err(ApiError::bad_request(
                        "analyzer_results: offsets outside the text",
                    ));
                }
                spans.push(Span {
                    start: idx.to_byte(r.start),
                    end: idx.to_byte(r.end),
                    // Keep the caller's entity name: `<EMAIL_ADDRESS>` stays Presidio's.
                    entity: Entity::new(&r.entity_type),
                    score: r.score,
                    source: Source::Pattern,
                    validated: false,
                    recognizer: Cow::Borrowed("request"),
                });
            }
            crate::span::resolve(spans)
        }
        None => {
            let t = text.clone();
            let spans = state.run_blocking(move |engine| engine.analyze(&t)).await?;
            spans
                .into_iter()
                .map(|mut s| {
                    s.entity = Entity::new(&to_presidio(&s.entity));
                    s
                })
                .collect()
        }
    };
    state.count_entities(&spans);
    let out = match conversation_key(&headers) {
        Some(key) => state
            .conversations
            // /deanonymize restores from this vault: re-tag text that reads
            // as one of its placeholders.
            .with_vault(&key, |v| anonymizer.anonymize_for_restore(&text, &spans, v)),
        None => anonymizer.anonymize(&text, &spans, &mut Vault::new()),
    };
    let out_idx = CharIndex::new(&out.text);
    let items = out
        .items
        .iter()
        .map(|i| AnonymizeItem {
            start: out_idx.to_char(i.start),
            end: out_idx.to_char(i.end),
            entity_type: i.entity.to_string(),
            text: i.replacement.clone(),
            operator: i.operator.to_string(),
        })
        .collect();
    Ok(Json(AnonymizeResponse {
        text: out.text,
        items,
    }))
}

/// The conversation scope named by the request headers, if any.
pub fn conversation_key(headers: &HeaderMap) -> Option<String> {
    let id = headers
        .get(super::CONVERSATION_HEADER)?
        .to_str()
        .ok()?
        .trim();
    if id.is_empty() {
        return None;
    }
    let auth = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    Some(super::conversations::scope_key(auth, id))
}

#[derive(Deserialize)]
pub struct DeanonymizeRequest {
    pub text: String,
    /// Presidio's field; accepted and ignored (placeholders are found in the text).
    #[serde(default)]
    pub anonymizer_results: Option<serde_json::Value>,
    /// Presidio's field; only the default (`pseudonym` restore) is supported.
    #[serde(default)]
    pub deanonymizers: Option<serde_json::Value>,
}

/// Restores the pseudonyms of a conversation (named by the
/// `X-Anonymist-Conversation` header) in `text`. Presidio's `decrypt`
/// deanonymizer has no counterpart: anonymist never puts ciphertext of PII
/// into text it hands out.
pub async fn deanonymize(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<DeanonymizeRequest>,
) -> Result<Json<AnonymizeResponse>, ApiError> {
    if let Some(d) = &req.deanonymizers
        && d.as_object().is_some_and(|m| {
            m.values()
                .any(|v| v.get("type").and_then(|t| t.as_str()) == Some("decrypt"))
        })
    {
        return Err(ApiError::bad_request(
            "the decrypt deanonymizer is not supported: anonymize with the pseudonym operator and an X-Anonymist-Conversation header, then deanonymize with the same header",
        ));
    }
    let _ = &req.anonymizer_results;
    let Some(key) = conversation_key(&headers) else {
        return Err(ApiError::bad_request(format!(
            "deanonymize needs the {} header of the conversation the text was anonymized in",
            super::CONVERSATION_HEADER
        )));
    };
    let restorer = state
        .conversations
        .with_vault(&key, |v| crate::anonymize::Restorer::new(v));
    let text = restorer.restore(&req.text, crate::anonymize::Escape::None);
    Ok(Json(AnonymizeResponse {
        text,
        items: Vec::new(),
    }))
}
