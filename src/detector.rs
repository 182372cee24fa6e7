//! The detector trait: anything that finds spans in text.
//!
//! The engine runs every detector it holds over the same text and hands all
//! their spans to [`crate::span::resolve`]. The pattern pass and the NER model
//! are both detectors.

use crate::span::Span;

/// Why a detector could not run. The engine fails closed on any of these: the
/// text is never passed on unmasked. Messages must not contain input text.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("input too large: {len} bytes, the limit is {limit}")]
    TooLarge { len: usize, limit: usize },
    #[error("detector {detector} failed: {reason}")]
    Failed {
        detector: &'static str,
        reason: String,
    },
}

/// A source of spans. Implementations must be pure with respect to the text
/// (same text, same spans) and shareable across threads.
pub trait Detector: Send + Sync {
    /// A short name for diagnostics (`patterns`, `ner`).
    fn name(&self) -> &'static str;

    /// The entity types this detector can report (for validating
    /// `--entities` and policy names). Empty means "not known in advance".
    fn entities(&self) -> Vec<crate::span::Entity> {
        Vec::new()
    }

    /// Appends the spans found in `text` to `out`. Offsets are byte offsets into
    /// `text` and must lie on char boundaries.
    fn detect(&self, text: &str, out: &mut Vec<Span>) -> Result<(), DetectError>;

    /// The spans of several texts at once. Detectors that batch (the NER
    /// model runs the windows of many short records in one call) override
    /// this; the default runs [`Detector::detect`] on each text.
    fn detect_many(&self, texts: &[&str]) -> Result<Vec<Vec<Span>>, DetectError> {
        texts
            .iter()
            .map(|t| {
                let mut out = Vec::new();
                self.detect(t, &mut out).map(|()| out)
            })
            .collect()
    }
}
