//! The engine: detectors, span filters and the anonymizer, built from a
//! policy.
//!
//! ```
//! use anonymist::Engine;
//! let engine = Engine::builder().build().expect("default engine");
//! let out = engine.anonymize("Mail ann@example.org, card 4111 1111 1111 1111.").expect("patterns never fail");
//! assert_eq!(out.text, "Mail <EMAIL>, card <CREDIT_CARD>.");
//! ```

use crate::anonymize::{AnonymizeError, Anonymized, Anonymizer, HashKey, Operator, Vault};
use crate::detector::{DetectError, Detector};
use crate::policy::{DEFAULT_THRESHOLD, Policy, PolicyError};
use crate::recognizers::{
    DateProfile, DenyListDetector, PatternDetector, PatternRecognizer, PhoneRegions,
    builtin_recognizers_with,
};
use crate::span::{Entity, Span, resolve_in};
use regex::Regex;
use std::collections::{HashMap, HashSet};

/// Default limit on the size of one text handed to [`Engine::analyze`].
pub const DEFAULT_MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

/// Why the engine could not be built or could not run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Anonymize(#[from] AnonymizeError),
    #[error(transparent)]
    Detect(#[from] DetectError),
    #[error("unknown entity {name:?}; known entities: {known}")]
    UnknownEntity { name: String, known: String },
    #[error("cannot read the hash key file {path}: {source}")]
    HashKeyFile {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid setting: {0}")]
    Config(String),
}

/// Builds an [`Engine`]. Settings given here override the policy's.
pub struct EngineBuilder {
    policy: Policy,
    entities: Option<Vec<String>>,
    threshold: Option<f32>,
    default_operator: Option<Operator>,
    hash_key: Option<HashKey>,
    insecure_unkeyed_hash: bool,
    patterns: bool,
    date_profile: Option<DateProfile>,
    detectors: Vec<Box<dyn Detector>>,
    max_input_bytes: usize,
    include_originals: bool,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            policy: Policy::default(),
            entities: None,
            threshold: None,
            default_operator: None,
            hash_key: None,
            insecure_unkeyed_hash: false,
            patterns: true,
            date_profile: None,
            detectors: Vec::new(),
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            include_originals: false,
        }
    }
}

impl EngineBuilder {
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Report only these entities (overrides the policy's list).
    pub fn entities(mut self, names: Vec<String>) -> Self {
        self.entities = Some(names);
        self
    }

    /// Score threshold for all entities (overrides the policy's default; an
    /// entity's own threshold in the policy still applies to it).
    pub fn threshold(mut self, t: f32) -> Self {
        self.threshold = Some(t);
        self
    }

    /// Operator for every entity without its own in the policy.
    pub fn default_operator(mut self, op: Operator) -> Self {
        self.default_operator = Some(op);
        self
    }

    /// The key of the hash operator (otherwise read as the policy says:
    /// `ANONYMIST_HASH_KEY` or `[hash]`).
    pub fn hash_key(mut self, key: HashKey) -> Self {
        self.hash_key = Some(key);
        self
    }

    /// Allow plain SHA-256 when no hash key is set.
    pub fn insecure_unkeyed_hash(mut self, yes: bool) -> Self {
        self.insecure_unkeyed_hash = yes;
        self
    }

    /// Whether to run the built-in pattern recognizers (on by default).
    pub fn patterns(mut self, yes: bool) -> Self {
        self.patterns = yes;
        self
    }

    /// Which date forms the pattern pass reports (overrides the policy's
    /// `date_profile`). [`DateProfile::Default`] follows HIPAA Safe Harbor:
    /// no year alone; [`DateProfile::Strict`] adds bare years and weekdays
    /// next to a context word.
    pub fn date_profile(mut self, profile: DateProfile) -> Self {
        self.date_profile = Some(profile);
        self
    }

    /// Adds a detector (the NER model, or your own).
    pub fn detector(mut self, d: Box<dyn Detector>) -> Self {
        self.detectors.push(d);
        self
    }

    /// Texts longer than this are refused with [`DetectError::TooLarge`].
    pub fn max_input_bytes(mut self, n: usize) -> Self {
        self.max_input_bytes = n;
        self
    }

    /// Whether anonymization items carry the original values.
    pub fn include_originals(mut self, yes: bool) -> Self {
        self.include_originals = yes;
        self
    }

    pub fn build(self) -> Result<Engine, EngineError> {
        let policy = &self.policy;
        let regions = match &policy.phone_regions {
            Some(r) => PhoneRegions::parse_list(r).map_err(EngineError::Config)?,
            None => PhoneRegions::default(),
        };
        let mut detectors: Vec<Box<dyn Detector>> = Vec::new();
        let profile = self
            .date_profile
            .or(policy.date_profile)
            .unwrap_or_default();
        let mut patterns = PatternDetector::new(if self.patterns {
            builtin_recognizers_with(&regions, profile)
        } else {
            Vec::new()
        });
        for r in &policy.recognizers {
            let rec = PatternRecognizer::custom(
                &r.name,
                Entity::new(&r.entity),
                r.pattern.get_ref(),
                r.score,
                &r.context,
            )
            .map_err(|e| EngineError::Config(format!("recognizer {:?}: {e}", r.name)))?;
            patterns.push(rec);
        }
        detectors.push(Box::new(patterns));
        let deny: Vec<(Entity, Vec<String>, f32)> = policy
            .deny_lists
            .iter()
            .map(|d| (Entity::new(&d.entity), d.terms.clone(), d.score))
            .collect();
        if let Some(d) = DenyListDetector::new(&deny) {
            detectors.push(Box::new(d));
        }
        detectors.extend(self.detectors);

        let mut known: Vec<Entity> = detectors.iter().flat_map(|d| d.entities()).collect();
        known.sort();
        known.dedup();
        let check = |name: &str| -> Result<Entity, EngineError> {
            let e = Entity::new(name);
            if known.contains(&e) {
                Ok(e)
            } else {
                Err(EngineError::UnknownEntity {
                    name: name.trim().to_string(),
                    known: known
                        .iter()
                        .map(Entity::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        let known_list = || {
            known
                .iter()
                .map(Entity::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let only = match (&self.entities, &policy.entities) {
            (Some(names), _) => Some(
                names
                    .iter()
                    .map(|n| check(n))
                    .collect::<Result<HashSet<_>, _>>()?,
            ),
            (None, Some(names)) => Some(
                names
                    .iter()
                    .map(|n| {
                        check(n).map_err(|_| {
                            policy.entity_error(
                                n.trim(),
                                format!(
                                    "unknown entity {:?} in `entities`; known entities: {}",
                                    n.trim(),
                                    known_list()
                                ),
                            )
                        })
                    })
                    .collect::<Result<HashSet<_>, _>>()?,
            ),
            (None, None) => None,
        };
        let mut disabled = HashSet::new();
        let mut thresholds = HashMap::new();
        let mut operators = HashMap::new();
        for (name, s) in &policy.entity {
            // Per-entity settings may name what the model reports even when
            // it is off (a shared policy used with --patterns-only), but a
            // name nothing reports is a typo.
            let e = Entity::new(name);
            if !known.contains(&e) && !crate::ner::MODEL_ENTITY_NAMES.contains(&e.as_str()) {
                return Err(policy
                    .entity_error(
                        name,
                        format!(
                            "unknown entity {name:?} in [entity.{name}]; known entities: {}",
                            known_list()
                        ),
                    )
                    .into());
            }
            if s.enabled == Some(false) {
                disabled.insert(e.clone());
            }
            if let Some(t) = s.threshold {
                thresholds.insert(e.clone(), t);
            }
            if let Some(op) = &s.operator {
                operators.insert(e, op.clone());
            }
        }
        // Operators of entities that are never reported are never applied:
        // they neither need a key nor may refuse the run for lack of one.
        operators
            .retain(|e, _| !disabled.contains(e) && only.as_ref().is_none_or(|o| o.contains(e)));
        let key = match self.hash_key {
            Some(k) => k,
            None => read_hash_key(policy)?,
        };
        let key = match key {
            HashKey::Missing
                if self.insecure_unkeyed_hash || policy.hash.allow_insecure_unkeyed =>
            {
                HashKey::InsecureUnkeyed
            }
            k => k,
        };
        let default_op = self
            .default_operator
            .or_else(|| policy.default_operator.clone())
            .unwrap_or(Operator::Replace { new_value: None });
        let anonymizer =
            Anonymizer::new(default_op, operators, key)?.include_originals(self.include_originals);
        let allow_patterns = policy
            .allow_list
            .patterns
            .iter()
            .map(|p| Regex::new(p.get_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| EngineError::Config(format!("allow_list pattern: {e}")))?;
        Ok(Engine {
            detectors,
            only,
            disabled,
            thresholds,
            default_threshold: self
                .threshold
                .or(policy.threshold)
                .unwrap_or(DEFAULT_THRESHOLD),
            allow_values: policy
                .allow_list
                .values
                .iter()
                .map(|v| v.trim().to_lowercase())
                .collect(),
            allow_patterns,
            anonymizer,
            max_input_bytes: self.max_input_bytes,
            known,
        })
    }
}

fn read_hash_key(policy: &Policy) -> Result<HashKey, EngineError> {
    if let Some(path) = &policy.hash.key_file {
        let bytes = std::fs::read(path).map_err(|source| EngineError::HashKeyFile {
            path: path.clone(),
            source,
        })?;
        let trimmed = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(EngineError::Config(format!(
                "hash key file {path} is empty"
            )));
        }
        return Ok(HashKey::Keyed(trimmed.to_vec()));
    }
    let var = policy
        .hash
        .key_env
        .as_deref()
        .unwrap_or("ANONYMIST_HASH_KEY");
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => Ok(HashKey::Keyed(v.into_encoded_bytes())),
        _ => Ok(HashKey::Missing),
    }
}

/// Per-call settings on top of the engine's own (the server's Presidio
/// requests carry them).
#[derive(Default)]
pub struct AnalyzeOptions {
    /// Report only these entities (intersected with the engine's filter).
    pub entities: Option<HashSet<Entity>>,
    /// Score threshold for this call (replaces the default threshold; per-
    /// entity thresholds of the policy still apply).
    pub threshold: Option<f32>,
    /// Values never reported in this call (case-insensitive, trimmed).
    pub allow_values: Vec<String>,
    /// Regexes: spans whose text matches one are not reported.
    pub allow_patterns: Vec<Regex>,
    /// Extra detectors for this call (ad-hoc recognizers).
    pub detectors: Vec<Box<dyn Detector>>,
}

/// Detectors, filters and the anonymizer. `Send + Sync`: share one engine
/// across threads; every call is independent (pseudonym scope is the
/// [`Vault`] you pass).
pub struct Engine {
    detectors: Vec<Box<dyn Detector>>,
    only: Option<HashSet<Entity>>,
    disabled: HashSet<Entity>,
    thresholds: HashMap<Entity, f32>,
    default_threshold: f32,
    allow_values: HashSet<String>,
    allow_patterns: Vec<Regex>,
    anonymizer: Anonymizer,
    max_input_bytes: usize,
    known: Vec<Entity>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("detectors", &self.detector_names())
            .field("default_threshold", &self.default_threshold)
            .finish_non_exhaustive()
    }
}

impl Engine {
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The entity types the engine's detectors can report.
    pub fn entities(&self) -> &[Entity] {
        &self.known
    }

    /// Names of the detectors in use, in order.
    pub fn detector_names(&self) -> Vec<&'static str> {
        self.detectors.iter().map(|d| d.name()).collect()
    }

    /// Whether the policy and the call report `entity`. Applied after the
    /// spans are resolved: a piece of a card, IBAN or national ID that another
    /// detector also saw is resolved away with it, and so never comes out as
    /// another entity when the larger one is not asked for.
    fn reported(&self, entity: &Entity, opts: &AnalyzeOptions) -> bool {
        !(self.disabled.contains(entity)
            || self.only.as_ref().is_some_and(|o| !o.contains(entity))
            || opts.entities.as_ref().is_some_and(|o| !o.contains(entity)))
    }

    /// Whether a span is sure enough and not on an allow list. Applied before
    /// the spans are resolved, so that a span too weak to be reported cannot
    /// win a conflict.
    fn wanted(&self, s: &Span, text: &str, opts: &AnalyzeOptions) -> bool {
        let threshold = self
            .thresholds
            .get(&s.entity)
            .copied()
            .or(opts.threshold)
            .unwrap_or(self.default_threshold);
        if s.score < threshold {
            return false;
        }
        let value = &text[s.start..s.end];
        let folded = value.trim().to_lowercase();
        if self.allow_values.contains(&folded)
            || opts
                .allow_values
                .iter()
                .any(|v| v.trim().to_lowercase() == folded)
        {
            return false;
        }
        !self
            .allow_patterns
            .iter()
            .chain(&opts.allow_patterns)
            .any(|p| p.is_match(value))
    }

    /// Finds the PII in `text`: every detector runs, spans are filtered by
    /// threshold and allow list, grown to whole digit-group runs (a piece
    /// of a grouped number is never masked alone: `1 78 06 75 123 456 01`),
    /// resolved into a sorted list of non-overlapping spans (byte offsets),
    /// then filtered by entity. Fails closed: if any detector
    /// fails, no spans are returned.
    pub fn analyze(&self, text: &str) -> Result<Vec<Span>, EngineError> {
        self.analyze_with(text, &AnalyzeOptions::default())
    }

    /// [`Engine::analyze`] with per-call settings.
    pub fn analyze_with(
        &self,
        text: &str,
        opts: &AnalyzeOptions,
    ) -> Result<Vec<Span>, EngineError> {
        if text.len() > self.max_input_bytes {
            return Err(DetectError::TooLarge {
                len: text.len(),
                limit: self.max_input_bytes,
            }
            .into());
        }
        let mut spans = Vec::new();
        for d in self.detectors.iter().chain(&opts.detectors) {
            d.detect(text, &mut spans)?;
        }
        spans.retain(|s| self.wanted(s, text, opts));
        crate::digit_runs::grow_to_runs(text, &mut spans);
        let mut spans = resolve_in(text, spans);
        spans.retain(|s| self.reported(&s.entity, opts));
        Ok(spans)
    }

    /// [`Engine::analyze`] for many texts: detectors that batch (the NER
    /// model) process them together, which is much faster for short records.
    pub fn analyze_many(&self, texts: &[&str]) -> Result<Vec<Vec<Span>>, EngineError> {
        let opts = AnalyzeOptions::default();
        for t in texts {
            if t.len() > self.max_input_bytes {
                return Err(DetectError::TooLarge {
                    len: t.len(),
                    limit: self.max_input_bytes,
                }
                .into());
            }
        }
        let mut all: Vec<Vec<Span>> = vec![Vec::new(); texts.len()];
        for d in &self.detectors {
            for (acc, spans) in all.iter_mut().zip(d.detect_many(texts)?) {
                acc.extend(spans);
            }
        }
        Ok(all
            .into_iter()
            .zip(texts)
            .map(|(mut spans, text)| {
                spans.retain(|s| self.wanted(s, text, &opts));
                crate::digit_runs::grow_to_runs(text, &mut spans);
                let mut spans = resolve_in(text, spans);
                spans.retain(|s| self.reported(&s.entity, &opts));
                spans
            })
            .collect())
    }

    /// Analyzes and anonymizes `text` with a fresh pseudonym scope.
    pub fn anonymize(&self, text: &str) -> Result<Anonymized, EngineError> {
        self.anonymize_with(text, &mut Vault::new())
    }

    /// Analyzes and anonymizes `text`, drawing pseudonyms from `vault`.
    pub fn anonymize_with(&self, text: &str, vault: &mut Vault) -> Result<Anonymized, EngineError> {
        let spans = self.analyze(text)?;
        Ok(self.anonymizer.anonymize(text, &spans, vault))
    }

    /// The anonymizer (operators per entity), for callers that analyze and
    /// anonymize in separate steps.
    pub fn anonymizer(&self) -> &Anonymizer {
        &self.anonymizer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Engine>();
    }

    #[test]
    fn policy_turns_entities_off_and_sets_operators() {
        let policy = Policy::from_toml(
            r#"
[entity.EMAIL]
operator = { type = "mask", masking_char = "X", chars_to_mask = 3 }
[entity.URL]
enabled = false
"#,
            "t",
        )
        .expect("policy");
        let engine = Engine::builder().policy(policy).build().expect("engine");
        let out = engine
            .anonymize("ann@x.org via https://x.org")
            .expect("run");
        assert_eq!(out.text, "XXX@x.org via https://x.org");
    }

    #[test]
    fn custom_recognizers_deny_and_allow_lists() {
        let policy = Policy::from_toml(
            r#"
[[recognizers]]
name = "emp"
entity = "EMPLOYEE_ID"
pattern = "EMP-[0-9]{6}"
[[deny_lists]]
entity = "PROJECT"
terms = ["blue harbor"]
[allow_list]
values = ["help@example.com"]
"#,
            "t",
        )
        .expect("policy");
        let engine = Engine::builder().policy(policy).build().expect("engine");
        let out = engine
            .anonymize("EMP-123456 on Blue Harbor; mail help@example.com or ann@x.org")
            .expect("run");
        assert_eq!(
            out.text,
            "<EMPLOYEE_ID> on <PROJECT>; mail help@example.com or <EMAIL>"
        );
    }

    #[test]
    fn entity_filter_and_threshold() {
        let engine = Engine::builder()
            .entities(vec!["email".into()])
            .build()
            .expect("engine");
        assert_eq!(
            engine
                .anonymize("ann@x.org 4111 1111 1111 1111")
                .expect("run")
                .text,
            "<EMAIL> 4111 1111 1111 1111"
        );
        let err = Engine::builder()
            .entities(vec!["NOPE".into()])
            .build()
            .expect_err("unknown entity");
        assert!(err.to_string().contains("NOPE"));
        let strict = Engine::builder().threshold(0.99).build().expect("engine");
        // Phones score 0.75 < 0.99; cards are 1.0.
        assert_eq!(
            strict
                .anonymize("+33 6 12 34 56 78, 4111 1111 1111 1111")
                .expect("run")
                .text,
            "+33 6 12 34 56 78, <CREDIT_CARD>"
        );
    }

    #[test]
    fn date_profile_from_builder_or_policy() {
        let text = "She was born in 1962 on a Monday, 5 March 1962.";
        let default = Engine::builder().build().expect("engine");
        assert_eq!(
            default.anonymize(text).expect("run").text,
            "She was born in 1962 on a <DATE_TIME>."
        );
        let strict = Engine::builder()
            .date_profile(DateProfile::Strict)
            .build()
            .expect("engine");
        assert_eq!(
            strict.anonymize(text).expect("run").text,
            "She was born in <DATE_TIME> on a <DATE_TIME>."
        );
        let policy = Policy::from_toml("date_profile = \"strict\"\n", "t").expect("policy");
        let from_policy = Engine::builder().policy(policy).build().expect("engine");
        assert_eq!(
            from_policy.anonymize(text).expect("run").text,
            strict.anonymize(text).expect("run").text
        );
    }

    #[test]
    fn too_large_input_is_refused() {
        let engine = Engine::builder()
            .max_input_bytes(10)
            .build()
            .expect("engine");
        assert!(matches!(
            engine.analyze("01234567890"),
            Err(EngineError::Detect(DetectError::TooLarge { .. }))
        ));
    }
}
