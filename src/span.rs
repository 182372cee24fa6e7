//! Spans: what a detector reports, and the resolver that turns the raw, possibly
//! overlapping output of every detector into one clean, ordered list.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// An entity type such as `EMAIL` or `PERSON`.
///
/// Built-in types are `&'static str` constants; custom recognizers from a policy
/// file bring their own names. Comparing and hashing go by the name.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Entity(Cow<'static, str>);

impl Entity {
    pub const EMAIL: Entity = Entity::from_static("EMAIL");
    pub const PHONE: Entity = Entity::from_static("PHONE");
    pub const CREDIT_CARD: Entity = Entity::from_static("CREDIT_CARD");
    pub const IBAN: Entity = Entity::from_static("IBAN");
    pub const IP_ADDRESS: Entity = Entity::from_static("IP_ADDRESS");
    pub const URL: Entity = Entity::from_static("URL");
    pub const US_SSN: Entity = Entity::from_static("US_SSN");
    pub const MAC_ADDRESS: Entity = Entity::from_static("MAC_ADDRESS");
    pub const UK_NINO: Entity = Entity::from_static("UK_NINO");
    pub const FR_NIR: Entity = Entity::from_static("FR_NIR");
    pub const DE_TAX_ID: Entity = Entity::from_static("DE_TAX_ID");
    pub const ES_NIF: Entity = Entity::from_static("ES_NIF");
    pub const ES_NIE: Entity = Entity::from_static("ES_NIE");
    pub const IT_FISCAL_CODE: Entity = Entity::from_static("IT_FISCAL_CODE");
    pub const NL_BSN: Entity = Entity::from_static("NL_BSN");
    pub const UK_NHS: Entity = Entity::from_static("UK_NHS");
    pub const MRN: Entity = Entity::from_static("MRN");
    pub const SECRET: Entity = Entity::from_static("SECRET");
    pub const PERSON: Entity = Entity::from_static("PERSON");
    pub const STREET_ADDRESS: Entity = Entity::from_static("STREET_ADDRESS");
    pub const LOCATION: Entity = Entity::from_static("LOCATION");
    pub const ORGANIZATION: Entity = Entity::from_static("ORGANIZATION");
    pub const ID: Entity = Entity::from_static("ID");
    pub const DATE_TIME: Entity = Entity::from_static("DATE_TIME");
    pub const AGE: Entity = Entity::from_static("AGE");

    /// An entity named by a compile-time constant.
    pub const fn from_static(name: &'static str) -> Self {
        Entity(Cow::Borrowed(name))
    }

    /// An entity named at run time (custom recognizers, deny lists). Names are
    /// upper-cased so that `email` in a policy file means `EMAIL`.
    pub fn new(name: &str) -> Self {
        Entity(Cow::Owned(name.trim().to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which detector produced a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A regular-expression recognizer (built in or from the policy).
    Pattern,
    /// A deny-list term from the policy.
    DenyList,
    /// The transformer NER model.
    Ner,
}

/// One finding: `text[start..end]` (byte offsets, end excluded) is an entity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub entity: Entity,
    /// Confidence in `0.0..=1.0`.
    pub score: f32,
    pub source: Source,
    /// True when a checksum or structural rule confirmed the value (Luhn,
    /// mod-97, a parsed IP address, ...). Validated spans win conflicts.
    pub validated: bool,
    /// The recognizer that found it (`email`, `iban`, `ner`, a custom name).
    pub recognizer: Cow<'static, str>,
}

impl Span {
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Resolves overlapping spans into a sorted list where no two spans overlap.
///
/// The rules, applied in this order, are deterministic for any input order:
///
/// 1. Spans of the **same entity** that overlap are merged into their union
///    (highest score, validated if either was). Touching spans of the same
///    entity (`a.end == b.start`) are merged too, unless both are validated:
///    two validated values (two IBANs side by side) stay two items.
/// 2. Remaining conflicts between different entities are settled by priority:
///    a validated span beats an unvalidated one; then the longer span wins (so
///    a span beats one it contains); then the higher score; then the earlier
///    start; then the entity name. Each span, in priority order, is kept only
///    if it overlaps no span already kept.
///
/// A span that loses is dropped whole, even where it reaches past the
/// winner; [`resolve_in`] keeps those parts, and is what the engine uses.
///
/// Cost: `O(n log n)` in the number of spans.
pub fn resolve(spans: Vec<Span>) -> Vec<Span> {
    resolve_with(spans, None)
}

/// As [`resolve`], but a span that loses a conflict keeps its parts that no
/// kept span covers, each trimmed of surrounding spaces and punctuation and
/// kept when it still holds a letter or digit. So no character a detector
/// found is left unmasked by the resolution: a model's street address that
/// runs over a validated phone number ("55470 72 Acheron Road … VIC\n655
/// 437 108") stays an address up to the phone, instead of vanishing.
pub fn resolve_in(text: &str, spans: Vec<Span>) -> Vec<Span> {
    resolve_with(spans, Some(text))
}

fn resolve_with(mut spans: Vec<Span>, text: Option<&str>) -> Vec<Span> {
    spans.retain(|s| !s.is_empty());
    // Rule 1: merge per entity.
    spans.sort_by(|a, b| {
        a.entity
            .cmp(&b.entity)
            .then(a.start.cmp(&b.start))
            .then(b.end.cmp(&a.end))
    });
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        if let Some(last) = merged.last_mut()
            && last.entity == s.entity
            && (last.overlaps(&s) || (last.end == s.start && !(last.validated && s.validated)))
        {
            if s.end > last.end {
                last.end = s.end;
            }
            if s.score > last.score {
                last.score = s.score;
                last.recognizer = s.recognizer.clone();
                last.source = s.source;
            }
            last.validated |= s.validated;
            continue;
        }
        merged.push(s);
    }
    // Rule 2: greedy by priority.
    merged.sort_by(|a, b| {
        b.validated
            .cmp(&a.validated)
            .then(b.len().cmp(&a.len()))
            .then(b.score.total_cmp(&a.score))
            .then(a.start.cmp(&b.start))
            .then(a.entity.cmp(&b.entity))
    });
    let mut kept: Vec<Span> = Vec::with_capacity(merged.len());
    // `kept_sorted` holds (start, end) sorted by start for overlap checks.
    let mut kept_sorted: Vec<(usize, usize)> = Vec::with_capacity(merged.len());
    for s in merged {
        let i = kept_sorted.partition_point(|&(st, _)| st < s.end);
        // Only the span starting just before `s.end` can overlap `s`, because
        // kept spans never overlap one another.
        let clash = i > 0 && kept_sorted[i - 1].1 > s.start;
        if !clash {
            kept_sorted.insert(i, (s.start, s.end));
            kept.push(s);
            continue;
        }
        let Some(text) = text else {
            continue;
        };
        // The parts of `s` between the kept spans it overlaps.
        let first = kept_sorted.partition_point(|&(_, en)| en <= s.start);
        let mut pieces = Vec::new();
        let mut from = s.start;
        for &(st, en) in &kept_sorted[first..i] {
            if st > from {
                pieces.push((from, st));
            }
            from = from.max(en);
        }
        if from < s.end {
            pieces.push((from, s.end));
        }
        for (a, b) in pieces {
            let Some((a, b)) = trimmed(text, a, b) else {
                continue;
            };
            let at = kept_sorted.partition_point(|&(st, _)| st < a);
            kept_sorted.insert(at, (a, b));
            kept.push(Span {
                start: a,
                end: b,
                validated: false,
                ..s.clone()
            });
        }
    }
    kept.sort_by(|a, b| a.start.cmp(&b.start).then(a.end.cmp(&b.end)));
    kept
}

/// `text[a..b]` without the spaces and punctuation at its ends, if a letter
/// or digit is left.
fn trimmed(text: &str, a: usize, b: usize) -> Option<(usize, usize)> {
    let piece = text.get(a..b)?;
    let edge = |c: char| !c.is_alphanumeric() && !matches!(c, '(' | ')' | '+' | '#');
    let start = a + (piece.len() - piece.trim_start_matches(edge).len());
    let end = b - (piece.len() - piece.trim_end_matches(edge).len());
    (start < end && text[start..end].chars().any(char::is_alphanumeric)).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize, entity: Entity, score: f32, validated: bool) -> Span {
        Span {
            start,
            end,
            entity,
            score,
            source: Source::Pattern,
            validated,
            recognizer: Cow::Borrowed("test"),
        }
    }

    #[test]
    fn validated_span_beats_longer_unvalidated_span() {
        let out = resolve(vec![
            span(0, 30, Entity::PHONE, 0.9, false),
            span(5, 21, Entity::CREDIT_CARD, 1.0, true),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].entity, Entity::CREDIT_CARD);
    }

    #[test]
    fn a_losing_span_keeps_what_the_winner_does_not_cover() {
        let text = "at 12 Oak Road\n555 0100 office";
        let out = resolve_in(
            text,
            vec![
                span(3, 23, Entity::STREET_ADDRESS, 0.9, false),
                span(15, 23, Entity::PHONE, 0.8, true),
            ],
        );
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|s| (&text[s.start..s.end], s.entity.as_str()))
            .collect();
        assert_eq!(
            got,
            [("12 Oak Road", "STREET_ADDRESS"), ("555 0100", "PHONE")]
        );
        // Around a winner inside it, both sides stay; bare punctuation goes.
        let text = "a 4111111111111111 b, -";
        let out = resolve_in(
            text,
            vec![
                span(0, text.len(), Entity::PHONE, 0.5, false),
                span(2, 18, Entity::CREDIT_CARD, 1.0, true),
            ],
        );
        let got: Vec<&str> = out.iter().map(|s| &text[s.start..s.end]).collect();
        assert_eq!(got, ["a", "4111111111111111", "b"]);
    }

    #[test]
    fn longer_span_beats_contained_span() {
        let out = resolve(vec![
            span(3, 8, Entity::PHONE, 0.9, false),
            span(0, 20, Entity::URL, 0.5, false),
        ]);
        assert_eq!(out, vec![span(0, 20, Entity::URL, 0.5, false)]);
    }

    #[test]
    fn higher_score_breaks_ties_between_equal_lengths() {
        let out = resolve(vec![
            span(0, 10, Entity::PHONE, 0.4, false),
            span(2, 12, Entity::US_SSN, 0.8, false),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].entity, Entity::US_SSN);
    }

    #[test]
    fn same_entity_overlaps_and_touching_pieces_merge() {
        let out = resolve(vec![
            span(0, 4, Entity::PERSON, 0.7, false),
            span(4, 10, Entity::PERSON, 0.9, false),
            span(8, 12, Entity::PERSON, 0.5, false),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].start, out[0].end, out[0].score), (0, 12, 0.9));
    }

    #[test]
    fn touching_validated_values_stay_separate() {
        let out = resolve(vec![
            span(0, 4, Entity::IBAN, 1.0, true),
            span(4, 8, Entity::IBAN, 1.0, true),
        ]);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn result_does_not_depend_on_input_order() {
        let a = vec![
            span(0, 10, Entity::PHONE, 0.5, false),
            span(5, 15, Entity::US_SSN, 0.5, false),
            span(12, 20, Entity::EMAIL, 0.9, true),
            span(30, 40, Entity::URL, 0.6, false),
        ];
        let mut b = a.clone();
        b.reverse();
        assert_eq!(resolve(a), resolve(b));
    }

    #[test]
    fn output_never_overlaps() {
        let mut input = Vec::new();
        for i in 0..50usize {
            let e = if i % 3 == 0 {
                Entity::PHONE
            } else {
                Entity::EMAIL
            };
            input.push(span(
                i * 3 % 40,
                i * 3 % 40 + 1 + i % 7,
                e,
                (i % 5) as f32 / 5.0,
                i % 4 == 0,
            ));
        }
        let out = resolve(input.clone());
        for w in out.windows(2) {
            assert!(w[0].end <= w[1].start, "{w:?}");
        }
        // Keeping the losers' uncovered parts never makes an overlap, and
        // covers every character the plain resolution covers.
        let text = "ab cd, ef-gh ij.kl mn op qr st uv wx yz 01 23 45 67 89";
        let kept = resolve_in(text, input);
        for w in kept.windows(2) {
            assert!(w[0].end <= w[1].start, "{w:?}");
        }
        for s in &out {
            for i in s.start..s.end {
                assert!(kept.iter().any(|k| k.start <= i && i < k.end), "{i}");
            }
        }
    }
}
