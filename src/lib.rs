//! anonymist: find personal data (PII) in text and anonymize it, offline.
//!
//! The [`Engine`] runs detectors (a validated regex pass, and a local NER
//! model) over text, filters their spans by entity, threshold and allow
//! list, resolves overlaps into one sorted, non-overlapping list, and applies
//! an operator per entity (redact, replace, pseudonym, mask, hash, keep).
//!
//! ```
//! use anonymist::{Engine, Operator};
//! let engine = Engine::builder().default_operator(Operator::Pseudonym).build().expect("engine");
//! let out = engine.anonymize("ann@x.org wrote to bob@y.org and ann@x.org").expect("analysis");
//! assert_eq!(out.text, "<EMAIL_1> wrote to <EMAIL_2> and <EMAIL_1>");
//! ```
//!
//! Offsets inside the library are byte offsets into the `&str`; use
//! [`offsets::CharIndex`] for the code-point offsets Python and Presidio use.

pub mod anonymize;
pub mod cli;
pub mod detector;
mod digit_runs;
pub mod engine;
pub mod ner;
pub mod offsets;
pub mod policy;
pub mod recognizers;
pub mod server;
pub mod span;
pub mod validate;

/// The README's Rust example, run as a doctest (tests/readme.rs runs the rest).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use anonymize::{Anonymized, Anonymizer, HashKey, Item, Operator, Vault};
pub use detector::{DetectError, Detector};
pub use engine::{AnalyzeOptions, Engine, EngineBuilder, EngineError};
pub use policy::Policy;
pub use span::{Entity, Source, Span, resolve, resolve_in};
