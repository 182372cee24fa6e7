//! Health identifiers: the UK NHS number (mod-11 check digit) and medical
//! record numbers (no checksum: found only right after their name).
//!
//! **NHS numbers** are written `943 476 5919` (the NHS's own display format:
//! 3-3-4 with spaces). That form with a valid check digit is reported on its
//! own (0.8, validated): above a phone's 0.75, so a valid NHS number is an
//! NHS number and not a phone, unless a phone word stands next to it (the
//! phone then reaches 1.0). About 1 in 11 random ten-digit numbers passes
//! mod 11, so the forms phones and ids are written in (`401-023-2137`,
//! `4010232137`) need an NHS word nearby (0.45, 0.8 with one).
//!
//! **Medical record numbers** (`MRN 00482913`, `patient ID 123456`, `Medical
//! record no. 7734120`) are 6-10 digits, maybe after a letter prefix of up to
//! three letters (`A1234567`, `MR-123456`), and nothing tells them from any
//! other number: they are reported only when their name stands right before
//! them (only spaces and `: # . = - /` in between, or `is`), scored 0.3 +
//! the context boost = 0.65.

use super::{Anchor, Boundary, CONTEXT_BOOST, Check, ID_VETO, PatternRecognizer, widened};
use crate::span::Entity;
use crate::validate;

/// Words that raise an NHS number's score.
const NHS_CONTEXT: &[&str] = &[
    "nhs",
    "national health service",
    "health service",
    "health authority",
];

/// Score of a valid NHS number in the spaced 3-3-4 form: above a validated
/// phone's 0.75 so that it wins the conflict with the phone recognizer.
const NHS_SPACED_SCORE: f32 = 0.8;
/// Score of a valid NHS number written compact or with dashes: below the
/// default threshold without a context word, above a phone's 0.75 with one.
const NHS_OTHER_SCORE: f32 = 0.45;
/// Score of a medical record number, before the context boost its name
/// (which must stand right before it) always gives.
const MRN_SCORE: f32 = 0.3;

// Below the default threshold alone, above it (and, for NHS numbers, above a
// validated phone's 0.75) with a context word.
const _: () = assert!(MRN_SCORE < 0.5 && MRN_SCORE + CONTEXT_BOOST >= 0.5);
const _: () = assert!(NHS_OTHER_SCORE < 0.5 && NHS_OTHER_SCORE + CONTEXT_BOOST > 0.75);
const _: () = assert!(NHS_SPACED_SCORE > 0.75 && NHS_SPACED_SCORE < 1.0);

fn nhs_check(value: &str) -> Check {
    if validate::uk_nhs_valid(value) {
        Check::Valid
    } else {
        Check::Reject
    }
}

/// Not followed by a separator and another digit: `943 476 5919 12` is a
/// longer grouped number, not an NHS number.
fn not_continued(text: &str, _start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    !(b.get(end)
        .is_some_and(|c| matches!(c, b' ' | b'-' | b'.' | b'/'))
        && b.get(end + 1).is_some_and(u8::is_ascii_digit))
}

/// The words that name the number after them, as the last word of the name:
/// `patient` + one of these, `medical record` + one of these or nothing,
/// `mrn` + one of these or nothing.
const NUMBER_WORDS: &[&str] = &["number", "no", "nr", "num", "id", "identifier", "#"];

/// Bytes looked at before a candidate for its name.
const NAME_WINDOW: usize = 64;

/// Whether a medical record number's name ends right before `start`: only
/// separators (`: # . = - / ( )`, whitespace) and an optional `is` between.
fn mrn_named(text: &str, start: usize, _end: usize) -> bool {
    let before = widened(text, start.saturating_sub(NAME_WINDOW), start);
    let cut = before.len() < start;
    let b = before.as_bytes();
    let mut words: Vec<&str> = Vec::with_capacity(4);
    let mut i = b.len();
    while words.len() < 4 {
        let gap_end = i;
        while i > 0
            && matches!(
                b[i - 1],
                b' ' | b'\t'
                    | b'\n'
                    | b'\r'
                    | b':'
                    | b'#'
                    | b'.'
                    | b'='
                    | b'-'
                    | b'/'
                    | b'('
                    | b')'
            )
        {
            i -= 1;
        }
        // A name is written next to its number, not a paragraph away.
        if gap_end - i > 6 {
            break;
        }
        // `#` stands for "number" (`MRN# 123456`, `Chart #: 123456`).
        if b[i..gap_end].contains(&b'#') {
            words.push("#");
        }
        let word_end = i;
        while i > 0 && b[i - 1].is_ascii_alphabetic() {
            i -= 1;
        }
        // A word cut by the window's start is not read.
        if i == word_end || (i == 0 && cut) {
            break;
        }
        words.push(&before[i..word_end]);
        // A word glued to something other than a separator ("patient's")
        // ends the name.
        if i > 0 && !b[i - 1].is_ascii_whitespace() && !b[i - 1].is_ascii_punctuation() {
            break;
        }
    }
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let mut w: Vec<&str> = lower.iter().map(String::as_str).collect();
    if w.first() == Some(&"is") {
        w.remove(0);
    }
    let number = |x: &&str| NUMBER_WORDS.contains(x);
    match w.as_slice() {
        ["mrn", ..] | ["record", "medical" | "health", ..] => true,
        [n, "mrn", ..] | [n, "record", "medical" | "health", ..] if number(n) => true,
        [n, "patient" | "chart" | "hospital", ..] if number(n) => true,
        _ => false,
    }
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    vec![
        PatternRecognizer::builtin(
            "uk_nhs",
            Entity::UK_NHS,
            r"[0-9]{3} [0-9]{3} [0-9]{4}",
            0.0,
            NHS_SPACED_SCORE,
            Some(nhs_check),
            NHS_CONTEXT,
            Boundary::GroupedNumber,
            Anchor::Digits,
        )
        .around(not_continued)
        .veto(ID_VETO),
        PatternRecognizer::builtin(
            "uk_nhs_unspaced",
            Entity::UK_NHS,
            r"[0-9]{3}-[0-9]{3}-[0-9]{4}|[0-9]{10}",
            0.0,
            NHS_OTHER_SCORE,
            Some(nhs_check),
            NHS_CONTEXT,
            Boundary::GroupedNumber,
            Anchor::Digits,
        )
        .around(not_continued)
        .veto(ID_VETO),
        PatternRecognizer::builtin(
            "mrn",
            Entity::MRN,
            r"(?:[A-Za-z]{1,3}-?)?[0-9]{6,10}",
            MRN_SCORE,
            MRN_SCORE,
            None,
            &[
                "mrn",
                "medical record",
                "health record",
                "patient",
                "chart",
                "hospital",
            ],
            Boundary::Word,
            Anchor::Digits,
        )
        .around(mrn_named),
    ]
}

#[cfg(test)]
mod tests {
    use super::mrn_named;
    use crate::recognizers::testutil::find;
    use crate::span::Entity;

    #[test]
    fn nhs_numbers_with_a_valid_check_digit() {
        assert_eq!(find(&Entity::UK_NHS, "943 476 5919"), vec!["943 476 5919"]);
        assert_eq!(
            find(&Entity::UK_NHS, "NHS number: 401 023 2137."),
            vec!["401 023 2137"]
        );
        // Compact or dashed: only next to an NHS word.
        assert!(find(&Entity::UK_NHS, "id 4010232137").is_empty());
        assert!(find(&Entity::UK_NHS, "401-023-2137").is_empty());
        assert_eq!(
            find(&Entity::UK_NHS, "NHS No 4010232137"),
            vec!["4010232137"]
        );
        assert_eq!(
            find(&Entity::UK_NHS, "nhs: 401-023-2137"),
            vec!["401-023-2137"]
        );
    }

    #[test]
    fn nhs_numbers_failing_the_check_or_longer_are_not_found() {
        for text in [
            "943 476 5918",
            "NHS number 123 456 7890",
            "NHS number 1234567891",
            "NHS 000 000 0000",
            "+1 943 476 5919",
            "943 476 5919 12",
            "order 943 476 5919",
        ] {
            assert!(find(&Entity::UK_NHS, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn medical_record_numbers_need_their_name_right_before() {
        for (text, want) in [
            ("MRN 00482913", "00482913"),
            ("MRN: 00482913", "00482913"),
            ("patient ID 123456", "123456"),
            ("Patient no. 123456", "123456"),
            ("Medical record no. 7734120", "7734120"),
            ("medical record number is A1234567", "A1234567"),
            ("Chart #: MR-1234567", "MR-1234567"),
            ("Hospital number\n00482913", "00482913"),
        ] {
            assert_eq!(find(&Entity::MRN, text), vec![want], "{text}");
        }
        for text in [
            "00482913",
            "order 00482913",
            "the patient paid 123456",
            "MRN 12345",
            "MRN 12345678901",
            "MRN checked; total was 123456",
            "patient's 123456",
        ] {
            assert!(find(&Entity::MRN, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn the_name_is_read_back_from_the_value() {
        let named = |t: &str| mrn_named(t, t.len(), t.len());
        assert!(named("MRN "));
        assert!(named("MRN# "));
        assert!(named("mrn no. "));
        assert!(named("patient identifier: "));
        assert!(named("medical record "));
        assert!(!named("patient "));
        assert!(!named("record no "));
        assert!(!named("xmrn "));
        assert!(named("Chart #: "));
        assert!(!named("MRN          "));
    }
}
