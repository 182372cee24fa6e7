//! anonymist: find personal data (PII) in text and anonymize it, offline.
//!
//! The engine runs detectors (a validated regex pass, and a local NER model)
//! over text, resolves their spans into one non-overlapping list, and applies
//! an operator per entity (redact, replace, pseudonym, mask, hash, keep).

pub mod detector;
pub mod ner;
pub mod offsets;
pub mod span;

pub use detector::{DetectError, Detector};
pub use span::{Entity, Source, Span, resolve};
