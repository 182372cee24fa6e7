//! The pattern pass: regex recognizers with validation and context words.
//!
//! Each [`PatternRecognizer`] pairs a regex (the `regex` crate: linear time, no
//! look-around) with a validator written in code and a list of context words.
//! A match becomes a [`Span`] when the characters around it are acceptable
//! (checked in code, since the regex crate has no look-around), the validator
//! does not reject it, and no veto word stands right before it.
//!
//! **Prefilter.** Recognizers come in two kinds:
//! - *digit-anchored* ones (cards, phones, IBANs, IPs, national IDs...) only
//!   run on windows of the text around runs of ASCII digits. One pass finds the
//!   digits; prose with no digits costs just that pass;
//! - *literal-anchored* ones (e-mail `@`, URLs, secrets with fixed prefixes)
//!   run over the whole text, where the regex engine's own literal prefilter
//!   (memchr / Teddy) skips to candidates.
//!
//! A rejected candidate is searched again from its start + 1 char, not its end,
//! so that a valid value right after an invalid prefix is still found.

mod address;
mod age;
mod card;
mod dates;
mod deny;
mod email;
mod gate;
mod iban;
mod ids;
mod ip;
mod medical;
mod phone;
mod secrets;
mod url;

use crate::detector::{DetectError, Detector};
use crate::span::{Entity, Source, Span};
use aho_corasick::AhoCorasick;
use regex::{Regex, RegexSet};
use std::borrow::Cow;

pub use dates::DateProfile;
pub use deny::DenyListDetector;
pub use phone::PhoneRegions;
pub(crate) use phone::{ID_WORDS_INTL, NUMBER_WORDS};

/// The verdict of a validator on one candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Not this entity: drop the candidate.
    Reject,
    /// A checksum or structural rule confirmed it.
    Valid,
    /// Looks right, nothing to verify.
    Plausible,
}

/// How a recognizer is scheduled by the prefilter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Every match contains an ASCII digit, no more than `DIGIT_MARGIN`
    /// (24) bytes from either end, and no run of more than twice that inside
    /// a match lacks one.
    Digits,
    /// Like [`Anchor::Digits`], but the match may hold nothing more than one
    /// short lone number ("3 March", "aged 42"): runs on windows around every
    /// digit run, not only the runs [`interesting_run`] keeps.
    AnyDigits,
    /// Every match contains this byte (`@` in an e-mail address) no more
    /// than this many bytes from either end: runs on windows that wide
    /// around each occurrence.
    Byte(u8, usize),
    /// Every match holds one of these literals (case-sensitive: list the
    /// case variants a case-insensitive pattern accepts), starting
    /// at most `.1` bytes after the match's start and ending at most `.2`
    /// bytes before its end: runs on windows that wide around each
    /// occurrence. One Aho-Corasick pass finds the literals of all such
    /// recognizers at once.
    Literals(&'static [&'static str], usize, usize),
    /// Runs over the whole text (the regex has a literal the engine can skip to).
    Full,
}

/// What must not touch a match on either side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// Neither an ASCII letter nor a digit nor `_` may touch the match.
    Word,
    /// No letter or digit, and no `.`/`,` joining a digit on the outside
    /// (`1.`+match, match+`.5`): the match is not part of a longer number.
    Number,
    /// As [`Boundary::Number`], and the match may not start right after a
    /// digit and a group separator (`415 ` + match): it would be the tail of
    /// a longer grouped number; nor right after a `+` (the tail of an
    /// international number that failed validation).
    GroupedNumber,
    /// As [`Boundary::Word`], and no `@ . - / :` before or `@` after: a host
    /// name that is part of an e-mail address, a URL or a longer name is not
    /// reported on its own.
    Host,
    /// As [`Boundary::Word`], and no `:` or `.` joining the match to more of
    /// an address: not `:` right before, not `:`+hex or `:`+`:` or `.`+digit
    /// right after. A valid-looking piece of a malformed IPv6 address
    /// (`2001::db8::1`, `12345:db8::1`) is not reported.
    Address,
    /// Anything may touch the match.
    None,
}

/// A validator: the verdict on one matched value.
pub type Validator = Box<dyn Fn(&str) -> Check + Send + Sync>;

/// A check of the text around a candidate `text[start..end]` (true = keep):
/// what the regex cannot look at (no look-around), such as a unit right
/// after a number or a context word that must stand right before it.
pub type Around = fn(text: &str, start: usize, end: usize) -> bool;

/// One regex recognizer. See the module docs.
pub struct PatternRecognizer {
    pub name: Cow<'static, str>,
    pub entity: Entity,
    regex: Regex,
    /// Capture group holding the value (0 = the whole match; otherwise the
    /// first group from this one on that took part in the match).
    group: usize,
    /// Score of a plausible match.
    score: f32,
    /// Score of a match its validator confirmed.
    valid_score: f32,
    validator: Option<Validator>,
    /// Lower-case words that raise the score when found shortly before (or
    /// just after) the match.
    context: ContextWords,
    /// Lower-case words that veto a match when they stand right before it
    /// (`order`, `invoice`...: a number after them is an id, not a phone).
    veto: &'static [&'static str],
    boundary: Boundary,
    anchor: Anchor,
    /// When a whole match is rejected, also try its prefixes that end just
    /// before one of these bytes, longest first ("4111 1111 1111 1111 2024"
    /// holds a card followed by a year).
    shrink: &'static [u8],
    /// Matches count as validated (see [`PatternRecognizer::trusted`]).
    trusted: bool,
    /// A check of the neighbouring text, run after the boundary check.
    around: Option<Around>,
}

/// How much a context word raises a score (capped at 1.0).
pub const CONTEXT_BOOST: f32 = 0.35;
/// Bytes looked at before a match for context words.
const CONTEXT_BEFORE: usize = 64;
/// Bytes looked at after a match for context words.
const CONTEXT_AFTER: usize = 24;
/// Lazy-DFA cache of each recognizer set: large enough that the union of
/// two dozen patterns does not clear its cache (and fall back to the slow
/// NFA engine) on every window.
const SET_DFA_CACHE: usize = 32 << 20;
/// Window margin around digit runs for digit-anchored recognizers.
pub const WINDOW_MARGIN: usize = 48;
/// The margin for `Anchor::Digits` recognizers (identifiers, phones, cards,
/// addresses): none of their values holds more than a few bytes without a
/// digit at either end (the six letters that open a codice fiscale, the
/// country code of an IBAN), so a narrower window does; dates keep
/// [`WINDOW_MARGIN`] (weekday names before, zone names after).
const DIGIT_MARGIN: usize = 24;

impl PatternRecognizer {
    /// A recognizer from a pattern. Panics on an invalid built-in pattern:
    /// use [`PatternRecognizer::custom`] for user patterns.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn builtin(
        name: &'static str,
        entity: Entity,
        pattern: &str,
        score: f32,
        valid_score: f32,
        validator: Option<fn(&str) -> Check>,
        context: &[&'static str],
        boundary: Boundary,
        anchor: Anchor,
    ) -> Self {
        PatternRecognizer {
            name: Cow::Borrowed(name),
            entity,
            regex: Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {name}: {e}")),
            group: 0,
            score,
            valid_score,
            validator: validator.map(|f| Box::new(f) as Validator),
            context: ContextWords::new(context.iter().map(|c| Cow::Borrowed(*c)).collect()),
            veto: &[],
            boundary,
            anchor,
            shrink: &[],
            trusted: false,
            around: None,
        }
    }

    /// Marks every match as validated, so that it wins conflicts with spans
    /// of other entities (ad-hoc recognizers sent with a request: the caller
    /// asked for exactly these).
    pub fn trusted(mut self) -> Self {
        self.trusted = true;
        self
    }

    /// A user-defined recognizer (from a policy file). The pattern is
    /// compiled here; the error names the recognizer.
    pub fn custom(
        name: &str,
        entity: Entity,
        pattern: &str,
        score: f32,
        context: &[String],
    ) -> Result<Self, regex::Error> {
        Ok(PatternRecognizer {
            name: Cow::Owned(name.to_string()),
            entity,
            regex: Regex::new(pattern)?,
            group: 0,
            score,
            valid_score: score,
            validator: None,
            context: ContextWords::new(
                context
                    .iter()
                    .map(|c| Cow::Owned(c.to_lowercase()))
                    .collect(),
            ),
            veto: &[],
            boundary: Boundary::None,
            anchor: Anchor::Full,
            shrink: &[],
            trusted: false,
            around: None,
        })
    }

    pub(crate) fn group(mut self, group: usize) -> Self {
        self.group = group;
        self
    }

    pub(crate) fn shrink(mut self, separators: &'static [u8]) -> Self {
        self.shrink = separators;
        self
    }

    pub(crate) fn validator(mut self, v: Validator) -> Self {
        self.validator = Some(v);
        self
    }

    pub(crate) fn veto(mut self, words: &'static [&'static str]) -> Self {
        self.veto = words;
        self
    }

    pub(crate) fn around(mut self, check: Around) -> Self {
        self.around = Some(check);
        self
    }

    /// Runs this recognizer over `text[from..to]`, appending spans with
    /// offsets into `text`.
    fn scan(&self, text: &str, from: usize, to: usize, out: &mut Vec<Span>) {
        let hay = &text[..to];
        let mut pos = from;
        while pos <= hay.len() {
            // `find_at` runs the DFA only; capture groups cost a slower engine
            // and are resolved only for recognizers that need them.
            let (whole, value) = if self.group == 0 {
                let Some(m) = self.regex.find_at(hay, pos) else {
                    break;
                };
                (m, Some(m))
            } else {
                let Some(caps) = self.regex.captures_at(hay, pos) else {
                    break;
                };
                let whole = caps.get(0).expect("group 0 always matches");
                // The value is the first participating group from `self.group`
                // on (alternatives of one pattern may capture in different
                // groups).
                (whole, (self.group..caps.len()).find_map(|g| caps.get(g)))
            };
            let Some(m) = value else {
                pos = next_char(text, whole.start());
                continue;
            };
            match self
                .accept(text, m.start(), m.end())
                .or_else(|| self.accept_prefix(text, m.start(), m.end()))
            {
                Some(span) => {
                    // A shrunk match ends before the regex match did: resume
                    // at the span's end, so that a value right after it (the
                    // second of two cards side by side) is still found.
                    pos = if span.end < m.end() {
                        span.end
                    } else if whole.end() > whole.start() {
                        whole.end()
                    } else {
                        next_char(text, whole.end())
                    };
                    out.push(span);
                }
                None => pos = self.next_start(text, whole.start()),
            }
        }
    }

    /// Where to search again after a candidate starting at `start` was
    /// rejected: the next char, or, when the boundary rejects any match
    /// that starts right after a letter, digit or `_`, the next char not
    /// preceded by one (a shorter candidate inside "4111 1111..." starting
    /// at its second digit would fail the boundary check anyway).
    fn next_start(&self, text: &str, start: usize) -> usize {
        let mut pos = next_char(text, start);
        let word_bounded = self.group == 0
            && matches!(
                self.boundary,
                Boundary::Word
                    | Boundary::Number
                    | Boundary::GroupedNumber
                    | Boundary::Host
                    | Boundary::Address
            );
        if word_bounded {
            let b = text.as_bytes();
            // ASCII fast path; a non-ASCII char before stops the skipping
            // (the boundary check decides on it).
            while pos < b.len() && (b[pos - 1].is_ascii_alphanumeric() || b[pos - 1] == b'_') {
                pos += 1;
            }
        }
        pos
    }

    fn accept_prefix(&self, text: &str, start: usize, end: usize) -> Option<Span> {
        if self.shrink.is_empty() {
            return None;
        }
        let b = text.as_bytes();
        (start + 1..end)
            .rev()
            // A cut at a dash with a digit after it would split one dashed
            // token ("4111-1111-1111-1111-9" is an id, not a card plus "9").
            .filter(|&p| {
                self.shrink.contains(&b[p])
                    && !(b[p] == b'-' && b.get(p + 1).is_some_and(u8::is_ascii_digit))
            })
            .find_map(|p| self.accept(text, start, p))
    }

    fn accept(&self, text: &str, start: usize, end: usize) -> Option<Span> {
        if start == end || !boundary_ok(self.boundary, text, start, end) {
            return None;
        }
        if !self.veto.is_empty() && has_veto(text, start, self.veto) {
            return None;
        }
        if self.around.is_some_and(|f| !f(text, start, end)) {
            return None;
        }
        let value = &text[start..end];
        let (mut score, validated) = match self
            .validator
            .as_ref()
            .map_or(Check::Plausible, |v| v(value))
        {
            Check::Reject => return None,
            Check::Valid => (self.valid_score, true),
            Check::Plausible => (self.score, self.trusted),
        };
        // A context word cannot raise a score already at the cap.
        if score < 1.0 && !self.context.is_empty() && has_context(text, start, end, &self.context) {
            score = (score + CONTEXT_BOOST).min(1.0);
        }
        Some(Span {
            start,
            end,
            entity: self.entity.clone(),
            score,
            source: Source::Pattern,
            validated,
            recognizer: self.name.clone(),
        })
    }
}

fn next_char(text: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < text.len() && !text.is_char_boundary(j) {
        j += 1;
    }
    j
}

/// Whether the char before `start` and after `end` satisfy `boundary`.
/// Non-ASCII letters count as word chars (checked on the decoded char).
fn boundary_ok(boundary: Boundary, text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    match boundary {
        Boundary::None => true,
        Boundary::Word => !word(before) && !word(after),
        Boundary::Host => {
            !word(before)
                && !word(after)
                && !before.is_some_and(|c| matches!(c, '@' | '.' | '-' | '/' | ':'))
                && after != Some('@')
        }
        Boundary::Address => {
            let b = text.as_bytes();
            let after = |i: usize| b.get(end + i).copied();
            let joined_after = match after(0) {
                Some(b':') => after(1).is_some_and(|c| c.is_ascii_hexdigit() || c == b':'),
                Some(b'.') => after(1).is_some_and(|c| c.is_ascii_digit()),
                _ => false,
            };
            let joined_before = start > 0 && matches!(b[start - 1], b':' | b'.');
            !joined_before && !joined_after && boundary_ok(Boundary::Word, text, start, end)
        }
        Boundary::GroupedNumber => {
            let b = text.as_bytes();
            if start >= 2
                && matches!(b[start - 1], b' ' | b'-' | b'.' | b'/')
                && b[start - 2].is_ascii_digit()
            {
                return false;
            }
            if start >= 1 && b[start - 1] == b'+' {
                return false;
            }
            boundary_ok(Boundary::Number, text, start, end)
        }
        Boundary::Number => {
            if word(before) || word(after) {
                return false;
            }
            let b = text.as_bytes();
            // "1.5", "5,25": a decimal point or comma continues a number.
            let sep = |c: u8| matches!(c, b'.' | b',');
            if start >= 2 && sep(b[start - 1]) && b[start - 2].is_ascii_digit() {
                return false;
            }
            if end + 1 < b.len() && sep(b[end]) && b[end + 1].is_ascii_digit() {
                return false;
            }
            true
        }
    }
}

/// `text[from..to]` widened to char boundaries.
pub(crate) fn widened(text: &str, mut from: usize, mut to: usize) -> &str {
    while from > 0 && !text.is_char_boundary(from) {
        from -= 1;
    }
    while to < text.len() && !text.is_char_boundary(to) {
        to += 1;
    }
    &text[from..to]
}

/// Lower-case context words, grouped by first byte so that a look-up at one
/// position of the text compares only the words that can start there.
struct ContextWords {
    /// Sorted by first byte.
    words: Vec<Cow<'static, str>>,
    /// `words[index[c]..index[c + 1]]` start with byte `c`.
    index: Box<[u16; 257]>,
}

impl ContextWords {
    fn new(mut words: Vec<Cow<'static, str>>) -> Self {
        words.retain(|w| !w.is_empty());
        words.sort_by_key(|w| w.as_bytes()[0]);
        let mut index = Box::new([0u16; 257]);
        for c in 0..256 {
            index[c + 1] = index[c]
                + words
                    .iter()
                    .filter(|w| usize::from(w.as_bytes()[0]) == c)
                    .count() as u16;
        }
        ContextWords { words, index }
    }

    fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The words starting with byte `c`.
    fn starting_with(&self, c: u8) -> &[Cow<'static, str>] {
        let c = usize::from(c);
        &self.words[usize::from(self.index[c])..usize::from(self.index[c + 1])]
    }
}

fn has_context(text: &str, start: usize, end: usize, words: &ContextWords) -> bool {
    let before = widened(text, start.saturating_sub(CONTEXT_BEFORE), start);
    let after = widened(text, end, (end + CONTEXT_AFTER).min(text.len()));
    has_word(before, words) || has_word(after, words)
}

/// Whether one of the lower-case `words` occurs in `hay`, case-insensitively,
/// with no letter or digit glued to its front (so that `phone` matches
/// "Phone:" and "phone-number", not "xphone"; a word may run on: `tel`
/// matches "telephone").
fn has_word(hay: &str, words: &ContextWords) -> bool {
    if !hay.is_ascii() {
        // Rare: lower-case a copy, so that non-ASCII capitals match too.
        let lower = hay.to_lowercase();
        return words.words.iter().any(|w| contains_word(&lower, w));
    }
    // ASCII: compare in place where a word can start, no allocation.
    let b = hay.as_bytes();
    (0..b.len())
        .filter(|&i| i == 0 || !b[i - 1].is_ascii_alphanumeric())
        .any(|i| {
            words
                .starting_with(b[i].to_ascii_lowercase())
                .iter()
                .any(|w| {
                    let w = w.as_bytes();
                    b.len() - i >= w.len() && b[i..i + w.len()].eq_ignore_ascii_case(w)
                })
        })
}

/// Whether `word` occurs in `hay` with no letter or digit glued to its front.
pub(crate) fn contains_word(hay: &str, word: &str) -> bool {
    let mut from = 0;
    while let Some(i) = hay[from..].find(word) {
        let at = from + i;
        let before_ok = hay[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if before_ok {
            return true;
        }
        from = at + word.len();
    }
    false
}

/// Whether one of `words` ends within the last few bytes before `start`
/// (only spaces, `:`, `#`, `.`, `-` and `=` in between).
fn has_veto(text: &str, start: usize, words: &[&str]) -> bool {
    let b = text.as_bytes();
    let mut i = start;
    while i > 0
        && matches!(
            b[i - 1],
            b' ' | b':' | b'#' | b'.' | b'-' | b'=' | b'\t' | b'_'
        )
    {
        i -= 1;
    }
    let mut j = i;
    while j > 0 && b[j - 1].is_ascii_alphabetic() {
        j -= 1;
    }
    // "#12345": a hash sign glued to the number marks an id.
    if start > 0 && b[start - 1] == b'#' {
        return true;
    }
    if j == i {
        return false;
    }
    let word = &text[j..i];
    words.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// Whether an id word ([`ID_VETO`]) or a glued `#` stands right before
/// `start`: what follows is a business id, not personal data.
pub(crate) fn id_veto_before(text: &str, start: usize) -> bool {
    has_veto(text, start, ID_VETO)
}

/// Vetoes shared by recognizers of numeric identifiers: a number right after
/// these words is a business id, not personal data.
pub(crate) const ID_VETO: &[&str] = &[
    "order",
    "invoice",
    "inv",
    "ticket",
    "ref",
    "reference",
    "tracking",
    "sku",
    "item",
    "build",
    "version",
    "ver",
    "v",
    "release",
    "po",
    "case",
    "issue",
    "bug",
    "pr",
    "commit",
    "job",
    "batch",
    "lot",
    "serial",
    "part",
    "model",
];

/// All built-in recognizers of the default date profile, in a fixed order.
pub fn builtin_recognizers(regions: &PhoneRegions) -> Vec<PatternRecognizer> {
    builtin_recognizers_with(regions, DateProfile::Default)
}

/// All built-in recognizers, with the date forms of `profile` (the strict
/// profile adds bare years and weekdays next to a context word).
pub fn builtin_recognizers_with(
    regions: &PhoneRegions,
    profile: DateProfile,
) -> Vec<PatternRecognizer> {
    let mut v = Vec::new();
    v.extend(email::recognizers());
    v.extend(url::recognizers());
    v.extend(secrets::recognizers());
    v.extend(card::recognizers());
    v.extend(iban::recognizers());
    v.extend(ip::recognizers());
    v.extend(phone::recognizers(regions));
    v.extend(ids::recognizers());
    v.extend(medical::recognizers());
    v.extend(dates::recognizers(profile));
    v.extend(age::recognizers());
    v.extend(address::recognizers());
    v
}

/// The pattern pass as a [`Detector`]: built-in and custom recognizers
/// behind the digit-window prefilter.
pub struct PatternDetector {
    digit_anchored: Vec<PatternRecognizer>,
    /// All digit-anchored patterns as one set: one pass over a window tells
    /// which recognizers can match there at all (most windows in prose hold
    /// a year or a count and match none).
    digit_set: Option<RegexSet>,
    any_digit_anchored: Vec<PatternRecognizer>,
    any_digit_set: Option<RegexSet>,
    /// Which digit runs the `any_digit_anchored` recognizers (dates, times,
    /// ages) can take at all.
    date_gate: Option<gate::DateGate>,
    byte_anchored: Vec<PatternRecognizer>,
    literal_anchored: Vec<PatternRecognizer>,
    /// The literals of all `literal_anchored` recognizers; pattern `i` is
    /// `literal_owner[i]`'s.
    literals: Option<AhoCorasick>,
    literal_owner: Vec<usize>,
    full_text: Vec<PatternRecognizer>,
}

impl PatternDetector {
    /// The same recognizers with no prefilter at all: each one scans the
    /// whole text. Slow; the reference that tests hold the prefilter to
    /// (it must never change what is found).
    pub fn exhaustive(recognizers: Vec<PatternRecognizer>) -> Self {
        let mut d = PatternDetector::new(Vec::new());
        d.full_text = recognizers;
        d
    }

    /// A detector over these recognizers.
    pub fn new(recognizers: Vec<PatternRecognizer>) -> Self {
        let mut d = PatternDetector {
            digit_anchored: Vec::new(),
            digit_set: None,
            any_digit_anchored: Vec::new(),
            any_digit_set: None,
            date_gate: None,
            byte_anchored: Vec::new(),
            literal_anchored: Vec::new(),
            literals: None,
            literal_owner: Vec::new(),
            full_text: Vec::new(),
        };
        for r in recognizers {
            d.place(r);
        }
        d.rebuild_set();
        d
    }

    fn place(&mut self, r: PatternRecognizer) {
        match r.anchor {
            Anchor::Digits => self.digit_anchored.push(r),
            Anchor::AnyDigits => self.any_digit_anchored.push(r),
            Anchor::Byte(..) => self.byte_anchored.push(r),
            Anchor::Literals(..) => self.literal_anchored.push(r),
            Anchor::Full => self.full_text.push(r),
        }
    }

    fn rebuild_set(&mut self) {
        // A set too large for the regex size limit just disables the
        // shortcut: every recognizer then runs on every window.
        let set = |recs: &[PatternRecognizer]| {
            regex::RegexSetBuilder::new(recs.iter().map(|r| r.regex.as_str()))
                .dfa_size_limit(SET_DFA_CACHE)
                .build()
                .ok()
        };
        self.digit_set = set(&self.digit_anchored);
        self.any_digit_set = set(&self.any_digit_anchored);
        // Only the date and age modules make `AnyDigits` recognizers; their
        // trigger words are the gate's.
        self.date_gate = (!self.any_digit_anchored.is_empty()).then(|| {
            gate::DateGate::new(
                dates::gate_words().chain(age::GATE_WORDS.iter().copied()),
                self.any_digit_anchored.iter().any(|r| r.name == "year"),
            )
        });
        let mut literals = Vec::new();
        self.literal_owner.clear();
        for (i, r) in self.literal_anchored.iter().enumerate() {
            if let Anchor::Literals(lits, ..) = r.anchor {
                literals.extend_from_slice(lits);
                self.literal_owner
                    .extend(std::iter::repeat_n(i, lits.len()));
            }
        }
        self.literals = if literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                    .build(&literals)
                    .expect("built-in literals compile"),
            )
        };
    }

    /// Adds a recognizer (custom ones from a policy).
    pub fn push(&mut self, r: PatternRecognizer) {
        let digits = matches!(
            r.anchor,
            Anchor::Digits | Anchor::AnyDigits | Anchor::Literals(..)
        );
        self.place(r);
        if digits {
            self.rebuild_set();
        }
    }

    fn entity_list(&self) -> Vec<Entity> {
        let mut e: Vec<Entity> = self
            .digit_anchored
            .iter()
            .chain(&self.any_digit_anchored)
            .chain(&self.byte_anchored)
            .chain(&self.literal_anchored)
            .chain(&self.full_text)
            .map(|r| r.entity.clone())
            .collect();
        e.sort();
        e.dedup();
        e
    }

    /// Keeps only recognizers for which `keep` returns true.
    pub fn retain(&mut self, mut keep: impl FnMut(&Entity) -> bool) {
        self.digit_anchored.retain(|r| keep(&r.entity));
        self.any_digit_anchored.retain(|r| keep(&r.entity));
        self.byte_anchored.retain(|r| keep(&r.entity));
        self.literal_anchored.retain(|r| keep(&r.entity));
        self.full_text.retain(|r| keep(&r.entity));
        self.rebuild_set();
    }
}

/// Byte ranges of `text` around each occurrence of `byte` (an ASCII byte):
/// the run of non-whitespace bytes holding it (no byte-anchored value holds
/// ASCII whitespace), at most `margin` bytes on each side; merged, on char
/// boundaries.
pub fn byte_windows(text: &str, byte: u8, margin: usize) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut windows: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(k) = memchr::memchr(byte, &b[i..]) {
        let at = i + k;
        i = at + 1;
        // Every anchored value continues right after its anchor with a
        // letter or digit (`@example`, `.com`, `:1b`); a sentence's final
        // `.` or a dash between words opens no window.
        if !b
            .get(at + 1)
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c >= 0x80)
        {
            continue;
        }
        let lo = at.saturating_sub(margin);
        let lo = b[lo..at]
            .iter()
            .rposition(u8::is_ascii_whitespace)
            .map_or(lo, |p| lo + p);
        let hi = (at + 1 + margin).min(b.len());
        let hi = b[at..hi]
            .iter()
            .position(u8::is_ascii_whitespace)
            .map_or(hi, |p| at + p + 1);
        push_window(&mut windows, text, lo, hi);
    }
    windows
}

/// Adds `lo..hi` (clamped to the text, widened to char boundaries) to
/// `windows`, merging it into the last window when they overlap. Windows are
/// pushed in text order.
fn push_window(windows: &mut Vec<(usize, usize)>, text: &str, mut lo: usize, hi: usize) {
    let mut hi = hi.min(text.len());
    while lo > 0 && !text.is_char_boundary(lo) {
        lo -= 1;
    }
    while hi < text.len() && !text.is_char_boundary(hi) {
        hi += 1;
    }
    match windows.last_mut() {
        Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
        _ => windows.push((lo, hi)),
    }
}

/// Whether the digit run `b[s..e]` can be part of a digit-anchored value.
/// A lone run of up to five digits between spaces or words ("in 1995 and",
/// "3 items") cannot: every digit-anchored recognizer needs six digits in a
/// row, or several groups joined by separators, or digits next to letters
/// (IBAN, NINO, codice fiscale), `:` (IPv6, MAC) or `+`/`(` (phones).
fn interesting_run(b: &[u8], s: usize, e: usize) -> bool {
    if e - s >= 6 {
        return true;
    }
    let joiner = |c: u8| {
        matches!(
            c,
            b' ' | b'.' | b':' | b'-' | b'/' | b'(' | b')' | b',' | b'\t'
        )
    };
    let attached =
        |c: u8| c.is_ascii_alphabetic() || matches!(c, b':' | b'+' | b'(' | b')' | b'#' | b'_');
    if s > 0 && attached(b[s - 1]) || e < b.len() && attached(b[e]) {
        return true;
    }
    // Another group of digits within two separator bytes on either side.
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let before = |k: usize| if s >= k { b[s - k] } else { 0 };
    let linked_after = joiner(at(e))
        && (at(e + 1).is_ascii_digit() || joiner(at(e + 1)) && at(e + 2).is_ascii_digit());
    let linked_before = joiner(before(1))
        && (before(2).is_ascii_digit() || joiner(before(2)) && before(3).is_ascii_digit());
    linked_after || linked_before
}

/// The position of the first ASCII digit in `b` at or after `from`.
fn next_digit(b: &[u8], from: usize) -> Option<usize> {
    let i = skip_non_digits(b, from);
    b[i..].iter().position(u8::is_ascii_digit).map(|k| i + k)
}

/// Skips 16 bytes at a time while they hold no ASCII digit; returns the
/// position of the first digit, or where fewer than 16 bytes remain.
#[cfg(target_arch = "x86_64")]
fn skip_non_digits(b: &[u8], mut i: usize) -> usize {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are
    // always available; every load reads 16 bytes at `i` with
    // `i + 16 <= b.len()`, unaligned loads being allowed.
    unsafe {
        let below = _mm_set1_epi8((b'0' - 1) as i8);
        let above = _mm_set1_epi8((b'9' + 1) as i8);
        while i + 16 <= b.len() {
            let v = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
            // Signed compares: bytes from 0x80 up are negative, never digits.
            let digits = _mm_and_si128(_mm_cmpgt_epi8(v, below), _mm_cmplt_epi8(v, above));
            let mask = _mm_movemask_epi8(digits);
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    i
}

/// Portable version of the above: 32 bytes at a time with a branch-free
/// test the compiler vectorizes.
#[cfg(not(target_arch = "x86_64"))]
fn skip_non_digits(b: &[u8], mut i: usize) -> usize {
    while i + 32 <= b.len() {
        let chunk: &[u8; 32] = b[i..i + 32].try_into().expect("32 bytes");
        if chunk
            .iter()
            .fold(0u8, |acc, &c| acc | u8::from(c.wrapping_sub(b'0') < 10))
            != 0
        {
            break;
        }
        i += 32;
    }
    i
}

/// The runs of ASCII digits in `text`, as byte ranges.
fn digit_runs(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while let Some(k) = next_digit(b, i) {
        i = k;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        runs.push((k, i));
    }
    runs
}

/// Byte ranges of `text` around runs of ASCII digits that can belong to a
/// digit-anchored value ([`interesting_run`]), `WINDOW_MARGIN` bytes wide on
/// each side, merged where they overlap, on char boundaries.
pub fn digit_windows(text: &str) -> Vec<(usize, usize)> {
    windows_around(text, &digit_runs(text))
}

/// Windows around the `runs` that [`interesting_run`] keeps.
fn windows_around(text: &str, runs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut windows: Vec<(usize, usize)> = Vec::new();
    for &(s, e) in runs {
        if interesting_run(b, s, e) {
            push_window(
                &mut windows,
                text,
                s.saturating_sub(WINDOW_MARGIN),
                e + WINDOW_MARGIN,
            );
        }
    }
    windows
}

impl Detector for PatternDetector {
    fn name(&self) -> &'static str {
        "patterns"
    }

    fn entities(&self) -> Vec<Entity> {
        self.entity_list()
    }

    fn detect(&self, text: &str, out: &mut Vec<Span>) -> Result<(), DetectError> {
        for r in &self.full_text {
            r.scan(text, 0, text.len(), out);
        }
        // Windows around one byte are found once for all the recognizers
        // anchored on it (with the widest margin among them).
        let mut done: Vec<u8> = Vec::new();
        for r in &self.byte_anchored {
            let Anchor::Byte(byte, _) = r.anchor else {
                continue;
            };
            if done.contains(&byte) {
                continue;
            }
            done.push(byte);
            let same = || {
                self.byte_anchored
                    .iter()
                    .filter(move |o| matches!(o.anchor, Anchor::Byte(b, _) if b == byte))
            };
            let margin = same()
                .map(|o| match o.anchor {
                    Anchor::Byte(_, m) => m,
                    _ => 0,
                })
                .max()
                .unwrap_or(0);
            let windows = byte_windows(text, byte, margin);
            for o in same() {
                for &(lo, hi) in &windows {
                    o.scan(text, lo, hi, out);
                }
            }
        }
        if let Some(ac) = &self.literals {
            let mut windows = vec![Vec::new(); self.literal_anchored.len()];
            // Non-overlapping search (it skips ahead with a SIMD prefilter;
            // overlapping search walks every byte), resumed one byte after
            // each hit's start so that literals overlapping a hit are found.
            let mut pos = 0;
            while let Some(m) = ac.find(aho_corasick::Input::new(text).range(pos..)) {
                pos = m.start() + 1;
                let owner = self.literal_owner[m.pattern().as_usize()];
                if let Anchor::Literals(_, before, after) = self.literal_anchored[owner].anchor {
                    push_window(
                        &mut windows[owner],
                        text,
                        m.start().saturating_sub(before),
                        m.end() + after,
                    );
                }
            }
            for (r, windows) in self.literal_anchored.iter().zip(windows) {
                for (lo, hi) in windows {
                    r.scan(text, lo, hi, out);
                }
            }
        }
        let runs = if self.digit_anchored.is_empty() && self.any_digit_anchored.is_empty() {
            Vec::new()
        } else {
            digit_runs(text)
        };
        // One pass over the digit runs builds the windows of both kinds.
        let (mut digit_windows, mut date_windows) = (Vec::new(), Vec::new());
        let b = text.as_bytes();
        for &(s, e) in &runs {
            let (lo, hi) = (s.saturating_sub(WINDOW_MARGIN), e + WINDOW_MARGIN);
            if !self.digit_anchored.is_empty() && interesting_run(b, s, e) {
                push_window(
                    &mut digit_windows,
                    text,
                    s.saturating_sub(DIGIT_MARGIN),
                    e + DIGIT_MARGIN,
                );
            }
            if !self.any_digit_anchored.is_empty()
                && self.date_gate.as_ref().is_none_or(|g| g.opens(b, s, e))
            {
                push_window(&mut date_windows, text, lo, hi);
            }
        }
        for (recs, set, windows) in [
            (&self.digit_anchored, &self.digit_set, digit_windows),
            (&self.any_digit_anchored, &self.any_digit_set, date_windows),
        ] {
            if recs.is_empty() {
                continue;
            }
            for (lo, hi) in windows {
                match set {
                    Some(set) => {
                        for i in set.matches(&text[lo..hi]).iter() {
                            recs[i].scan(text, lo, hi, out);
                        }
                    }
                    None => {
                        for r in recs {
                            r.scan(text, lo, hi, out);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;

    /// The values found in `text` by the built-in recognizers of `entity`.
    pub fn find(entity: &Entity, text: &str) -> Vec<String> {
        find_with(entity, text, DateProfile::Default)
    }

    /// As [`find`], with the recognizers of a date profile.
    pub fn find_with(entity: &Entity, text: &str, profile: DateProfile) -> Vec<String> {
        let mut det =
            PatternDetector::new(builtin_recognizers_with(&PhoneRegions::default(), profile));
        det.retain(|e| e == entity);
        let mut out = Vec::new();
        det.detect(text, &mut out).expect("patterns never fail");
        let out = crate::span::resolve(out);
        out.iter()
            .filter(|s| s.score >= 0.5)
            .map(|s| text[s.start..s.end].to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_windows_cover_digits_and_merge() {
        let text = format!("{}1{}2{}", "a".repeat(100), "b".repeat(20), "c".repeat(200));
        let w = digit_windows(&text);
        assert_eq!(w, vec![(100 - WINDOW_MARGIN, 122 + WINDOW_MARGIN)]);
        assert!(digit_windows("no digits here").is_empty());
    }

    #[test]
    fn lone_short_numbers_open_no_window() {
        assert!(digit_windows("founded in 1995 and sold 3 items for 20 euros").is_empty());
        for text in [
            "call 0612345678",
            "+33 6",
            "(415) 555",
            "GB82 WEST",
            "10.0.0.1",
            "3c:22",
            "12 34",
            "536-90-4399",
        ] {
            assert!(!digit_windows(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn digit_windows_respect_char_boundaries() {
        let text = format!("{}7{}", "é".repeat(40), "漢".repeat(40));
        for (lo, hi) in digit_windows(&text) {
            assert!(text.is_char_boundary(lo) && text.is_char_boundary(hi));
        }
    }

    #[test]
    fn veto_word_right_before_a_number() {
        assert!(has_veto("Order #: 12345", 9, ID_VETO));
        assert!(has_veto("see #12345", 5, ID_VETO));
        assert!(!has_veto("call 12345", 5, ID_VETO));
    }

    #[test]
    fn number_boundary_rejects_parts_of_longer_numbers() {
        assert!(!boundary_ok(Boundary::Number, "1.2345", 2, 6));
        assert!(!boundary_ok(Boundary::Number, "12345,6", 0, 5));
        assert!(boundary_ok(Boundary::Number, "x 12345.", 2, 7));
    }
}
