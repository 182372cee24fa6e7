//! The anonymizer: applies one operator per entity to the resolved spans.
//!
//! | operator | result |
//! |---|---|
//! | `redact` | removed |
//! | `replace` | `<EMAIL>`, or a given `new_value` |
//! | `pseudonym` | `<PERSON_1>`: the same value gets the same tag within one [`Vault`] |
//! | `mask` | `chars_to_mask` chars replaced by `masking_char`, from the start or end |
//! | `hash` | HMAC-SHA256 of the value with a secret key, hex |
//! | `keep` | unchanged, but reported |

mod operators;
mod restore;
mod vault;

pub use operators::{HashKey, Operator};
pub use restore::{Escape, Restorer, StreamRestorer};
pub use vault::Vault;

use crate::span::{Entity, Source, Span};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;

/// The entity of text that was already in an input and reads as a
/// placeholder (`<PERSON_1>`, `person 1`): [`Anonymizer::anonymize_for_restore`]
/// re-tags it `<PLACEHOLDER_n>` so that restoring gives it back as written.
pub const LITERAL_PLACEHOLDER: &str = "PLACEHOLDER";

/// One replacement made by the anonymizer. Offsets are byte offsets; the
/// CLI and server convert them to code points.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    pub entity: Entity,
    /// Where the value was in the input.
    pub input_start: usize,
    pub input_end: usize,
    /// Where the replacement is in the output.
    pub start: usize,
    pub end: usize,
    /// The operator's name (`replace`, `mask`, ...).
    pub operator: &'static str,
    /// The text written in place of the value.
    pub replacement: String,
    /// The original value: only filled when asked for
    /// ([`Anonymizer::include_originals`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
}

/// Anonymized text and what was done to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Anonymized {
    pub text: String,
    pub items: Vec<Item>,
}

/// Why anonymization cannot run.
#[derive(Debug, thiserror::Error)]
pub enum AnonymizeError {
    #[error(
        "the hash operator needs a secret key: set ANONYMIST_HASH_KEY (or [hash] key_env / key_file in the policy); \
         plain SHA-256 is reversible by dictionary for e-mails and phone numbers, so it is only used when explicitly \
         allowed (--insecure-unkeyed-hash or [hash] allow_insecure_unkeyed = true)"
    )]
    MissingHashKey,
}

/// Operators per entity, and the hash key.
#[derive(Clone, Debug)]
pub struct Anonymizer {
    default: Operator,
    per_entity: HashMap<Entity, Operator>,
    key: HashKey,
    include_originals: bool,
}

impl Default for Anonymizer {
    fn default() -> Self {
        Anonymizer {
            default: Operator::Replace { new_value: None },
            per_entity: HashMap::new(),
            key: HashKey::Missing,
            include_originals: false,
        }
    }
}

impl Anonymizer {
    /// An anonymizer that applies `default` to every entity without its own
    /// operator. Fails if any operator is `hash` and `key` is missing.
    pub fn new(
        default: Operator,
        per_entity: HashMap<Entity, Operator>,
        key: HashKey,
    ) -> Result<Self, AnonymizeError> {
        let needs_key = std::iter::once(&default)
            .chain(per_entity.values())
            .any(|op| matches!(op, Operator::Hash { .. }));
        if needs_key && matches!(key, HashKey::Missing) {
            return Err(AnonymizeError::MissingHashKey);
        }
        Ok(Anonymizer {
            default,
            per_entity,
            key,
            include_originals: false,
        })
    }

    /// Whether items carry the original values (off by default: results are
    /// often logged or stored).
    pub fn include_originals(mut self, yes: bool) -> Self {
        self.include_originals = yes;
        self
    }

    /// The key of the hash operator (read once, when the engine is built).
    pub fn hash_key(&self) -> &HashKey {
        &self.key
    }

    /// The operator used for `entity`.
    pub fn operator_for(&self, entity: &Entity) -> &Operator {
        self.per_entity.get(entity).unwrap_or(&self.default)
    }

    /// Applies the operators to `spans` (sorted, non-overlapping, as
    /// [`crate::resolve`] returns them). Pseudonyms are drawn from `vault`,
    /// so passing the same vault keeps tags consistent across calls.
    pub fn anonymize(&self, text: &str, spans: &[Span], vault: &mut Vault) -> Anonymized {
        let mut out = String::with_capacity(text.len());
        let mut items = Vec::with_capacity(spans.len());
        let mut last = 0;
        for s in spans {
            debug_assert!(s.start >= last, "spans must be sorted and disjoint");
            if s.start < last {
                continue;
            }
            out.push_str(&text[last..s.start]);
            let value = &text[s.start..s.end];
            let op = if s.entity.as_str() == LITERAL_PLACEHOLDER {
                &Operator::Pseudonym
            } else {
                self.operator_for(&s.entity)
            };
            let replacement = op.apply(&s.entity, value, &self.key, vault);
            let start = out.len();
            out.push_str(&replacement);
            items.push(Item {
                entity: s.entity.clone(),
                input_start: s.start,
                input_end: s.end,
                start,
                end: out.len(),
                operator: op.name(),
                replacement,
                original: self.include_originals.then(|| value.to_string()),
            });
            last = s.end;
        }
        out.push_str(&text[last..]);
        Anonymized { text: out, items }
    }

    /// [`Anonymizer::anonymize`] for text whose placeholders will later be
    /// restored from `vault` (the proxy's answers, `/deanonymize`). Text
    /// that was already in the input and reads as one of the vault's
    /// placeholders once this call's tags are issued (a user who writes
    /// `<PERSON_1>` or `Person 1`), or as any `<PLACEHOLDER_n>`, is re-tagged
    /// `<PLACEHOLDER_n>`: restoring then gives it back as written, and never
    /// as the value of the tag it looks like.
    pub fn anonymize_for_restore(
        &self,
        text: &str,
        spans: &[Span],
        vault: &mut Vault,
    ) -> Anonymized {
        let first = self.anonymize(text, spans, vault);
        let literals: Vec<(usize, usize)> = Restorer::escaper(vault)
            .placeholder_ranges(text)
            .into_iter()
            .filter(|&(a, b)| !spans.iter().any(|s| s.start < b && a < s.end))
            .collect();
        if literals.is_empty() {
            return first;
        }
        let mut all = spans.to_vec();
        all.extend(literals.into_iter().map(|(start, end)| Span {
            start,
            end,
            entity: Entity::new(LITERAL_PLACEHOLDER),
            score: 1.0,
            source: Source::Pattern,
            validated: true,
            recognizer: Cow::Borrowed("placeholder"),
        }));
        all.sort_by_key(|s| (s.start, s.end));
        self.anonymize(text, &all, vault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Source;
    use std::borrow::Cow;

    fn span(text: &str, value: &str, entity: Entity) -> Span {
        let start = text.find(value).expect("value in text");
        Span {
            start,
            end: start + value.len(),
            entity,
            score: 1.0,
            source: Source::Pattern,
            validated: true,
            recognizer: Cow::Borrowed("test"),
        }
    }

    #[test]
    fn replaces_with_entity_tags_and_reports_items_without_values() {
        let text = "Mail ann@x.org or call +33 6 12 34 56 78.";
        let spans = vec![
            span(text, "ann@x.org", Entity::EMAIL),
            span(text, "+33 6 12 34 56 78", Entity::PHONE),
        ];
        let out = Anonymizer::default().anonymize(text, &spans, &mut Vault::new());
        assert_eq!(out.text, "Mail <EMAIL> or call <PHONE>.");
        assert_eq!(out.items.len(), 2);
        assert_eq!(&out.text[out.items[1].start..out.items[1].end], "<PHONE>");
        assert!(out.items.iter().all(|i| i.original.is_none()));
        assert!(
            !serde_json::to_string(&out.items)
                .expect("json")
                .contains("ann@")
        );
    }

    #[test]
    fn originals_only_when_asked() {
        let text = "ann@x.org";
        let spans = vec![span(text, "ann@x.org", Entity::EMAIL)];
        let out = Anonymizer::default().include_originals(true).anonymize(
            text,
            &spans,
            &mut Vault::new(),
        );
        assert_eq!(out.items[0].original.as_deref(), Some("ann@x.org"));
    }

    #[test]
    fn pseudonyms_are_consistent_within_a_vault() {
        let text = "ann@x.org, bob@y.org, ann@x.org";
        let mut spans = Vec::new();
        for (i, _) in text.match_indices('@') {
            let start = text[..i].rfind(' ').map_or(0, |p| p + 1);
            let end = text[i..].find(',').map_or(text.len(), |p| i + p);
            let mut s = span(text, &text[start..end], Entity::EMAIL);
            s.start = start;
            s.end = end;
            spans.push(s);
        }
        let anon = Anonymizer::new(Operator::Pseudonym, HashMap::new(), HashKey::Missing)
            .expect("no hash");
        let mut vault = Vault::new();
        let out = anon.anonymize(text, &spans, &mut vault);
        assert_eq!(out.text, "<EMAIL_1>, <EMAIL_2>, <EMAIL_1>");
        assert_eq!(vault.restore(&out.text), text);
    }

    #[test]
    fn text_that_reads_as_a_placeholder_is_retagged_and_restored_as_written() {
        let anon = Anonymizer::new(Operator::Pseudonym, HashMap::new(), HashKey::Missing)
            .expect("no hash");
        for text in [
            "Ask <PERSON_1> about ann@x.org",
            "Ask person 1 about ann@x.org",
            "Ask [Person_1] about ann@x.org and <PLACEHOLDER_1>",
        ] {
            let mut vault = Vault::new();
            // The e-mail is the vault's first PERSON-free value: make the
            // literal collide by naming the e-mail's entity PERSON.
            let spans = vec![span(text, "ann@x.org", Entity::PERSON)];
            let out = anon.anonymize_for_restore(text, &spans, &mut vault);
            assert!(!out.text.contains("ann@"), "{}", out.text);
            assert!(out.text.contains("<PERSON_1>"), "{}", out.text);
            // What an LLM echoes comes back exactly as the user wrote it.
            assert_eq!(Restorer::new(&vault).restore(&out.text, Escape::None), text);
            // Without the re-tagging, the user's literal would come back as
            // the e-mail address.
            let mut plain = Vault::new();
            let naive = anon.anonymize(text, &spans, &mut plain);
            if !text.contains("PLACEHOLDER") {
                assert_ne!(
                    Restorer::new(&plain).restore(&naive.text, Escape::None),
                    text
                );
            }
        }
    }

    #[test]
    fn hash_without_key_is_refused() {
        let err = Anonymizer::new(
            Operator::Hash { length: None },
            HashMap::new(),
            HashKey::Missing,
        )
        .unwrap_err();
        assert!(err.to_string().contains("ANONYMIST_HASH_KEY"));
        assert!(
            Anonymizer::new(
                Operator::Hash { length: None },
                HashMap::new(),
                HashKey::InsecureUnkeyed
            )
            .is_ok()
        );
    }
}
