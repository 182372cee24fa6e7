//! Ages (`AGE`) in English, French, German, Spanish, Italian and Dutch:
//! `42 years old`, `a 42-year-old`, `aged 42`, `age: 42`, `turned 42`,
//! `âgé de 42 ans`, `j'ai 42 ans`, `42 Jahre alt`, `im Alter von 42`, `tiene
//! 42 años`, `42 años de edad`, `ha 42 anni`, `42enne`, `42 jaar oud`,
//! `leeftijd: 42`.
//!
//! The span is the number alone (the phrase around it is not personal).
//! A number is an age only inside one of these phrases; it must be 0-125,
//! and not be followed by a unit (`turned 90 degrees`) nor, in Dutch, by
//! `geleden` (`is 10 jaar geleden`: ten years ago).

use super::{Anchor, Boundary, Check, PatternRecognizer};
use crate::span::Entity;

const AGE_SCORE: f32 = 0.85;

fn age_check(value: &str) -> Check {
    match value.parse::<u32>() {
        Ok(n) if n <= 125 => Check::Plausible,
        _ => Check::Reject,
    }
}

/// Words after the number that make it a quantity or a time ago.
const NOT_AGE_AFTER: &[&str] = &[
    "degrees", "degree", "°", "%", "times", "pages", "minutes", "hours", "days", "weeks", "months",
    "km", "miles", "mph", "points", "geleden", "fois", "mal", "volte", "veces", "keer", "euros",
    "dollars", "€", "$",
];

fn around_age(text: &str, start: usize, end: usize) -> bool {
    // The number stands alone: no letter or digit glued before it (`A142`),
    // not the tail of `1.42`, and no digit or decimal part after it. Letters
    // may follow (`42enne`, `42jährige`): the phrase regex decides those.
    let before = text[..start].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return false;
    }
    let b = text.as_bytes();
    if start >= 2 && matches!(b[start - 1], b'.' | b',') && b[start - 2].is_ascii_digit() {
        return false;
    }
    if b.get(end).is_some_and(u8::is_ascii_digit)
        || (matches!(b.get(end), Some(b'.' | b','))
            && b.get(end + 1).is_some_and(u8::is_ascii_digit))
    {
        return false;
    }
    let tail = text[end..].trim_start_matches([' ', '\u{a0}', '-']);
    // "is 10 jaar geleden": skip one unit word, then look again.
    let mut words = tail
        .split(|c: char| !(c.is_alphabetic() || matches!(c, '%' | '€' | '$' | '°')))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase);
    let first = words.next().unwrap_or_default();
    if NOT_AGE_AFTER.contains(&first.as_str()) {
        return false;
    }
    let second = words.next().unwrap_or_default();
    !(matches!(
        first.as_str(),
        "jaar" | "ans" | "años" | "anni" | "jahre" | "years"
    ) && matches!(second.as_str(), "geleden" | "ago" | "fa" | "her"))
}

/// The words that can stand within two words of the number in one of the
/// phrases below (see `gate.rs`; only the first three letters count, words
/// with non-ASCII letters need not be listed, and the pronoun + "to be"
/// form is read by the gate itself). A phrase such as `j'ai 42 ans`,
/// `ho 42 anni`, `ben 42 jaar` is caught by the word after the number.
pub(super) const GATE_WORDS: &[&str] = &[
    // English
    "aged", "age", "ages", "years", "year", "yrs", "yr", "y", "yo", "turned", "turns", "turn",
    "turning", // French
    "ans", "agee", "agees", // German
    "jahre", "jahr", "alter", "alters", // Spanish
    "tengo", "tiene", "tienes", "tenia", "cumple", "cumplio", "cumplir", "edad", // Italian
    "anni", // Dutch
    "jaar", "leeftijd",
];

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    const SP: &str = r"[ \x{A0}]";
    const N: &str = r"([0-9]{1,3})";
    // The number is the first capture group of whichever phrase matched; a
    // phrase that starts with a word must not start inside another word.
    let start = r"(?:^|[^\p{L}\p{N}_])";
    // ... nor end inside one ("1 you" is not "1 yo").
    let end = r"(?:$|[^\p{L}\p{N}_])";
    let phrases = [
        // English
        format!(r"{start}(?i:aged?|ages?|at{SP}the{SP}age{SP}of|age{SP}of){SP}?[:=]?{SP}?{N}"),
        format!(
            r"{N}{SP}?(?:-|{SP})?(?i:years?|yrs?|y\.?o\.?|y/o)(?:-|{SP})?(?i:old|of{SP}age){end}"
        ),
        format!(r"{N}{SP}?(?i:y/o|y\.o\.|yo){end}"),
        format!(r"{start}(?i:turn(?:s|ed|ing)?|just{SP}turned){SP}{N}"),
        // A pronoun, a form of "to be" and a number ending the clause:
        // "when he was 78.", "she's 42, and", "ich bin 42."
        format!(
            r"{start}(?i:he|she|i|you|they|we|er|sie|ich|du){SP}?(?i:'s|’s|'m|’m|'re|’re|{SP}is|{SP}was|{SP}am|{SP}are|{SP}were|{SP}ist|{SP}war|{SP}bin|{SP}bist){SP}{N}(?:$|[.,;!?)]|{SP}(?i:and|when|now|today|und|jetzt){end})"
        ),
        // French
        format!(
            r"{start}(?i:âgée?s?|agée?s?)(?:{SP}de)?{SP}{N}(?:{SP}ans)?|{start}(?i:j'ai|j’ai|il{SP}a|elle{SP}a|tu{SP}as|vous{SP}avez|âge{SP}de|fête{SP}ses|fêté{SP}ses|atteint{SP}ses){SP}{N}{SP}ans{end}"
        ),
        format!(r"{start}(?i:âge){SP}?:{SP}?{N}"),
        // German
        format!(r"{N}{SP}(?i:jahre?){SP}(?i:alt){end}"),
        format!(r"{start}(?i:im{SP}alter{SP}von|alter|alters){SP}?:?{SP}?{N}"),
        format!(r"{N}-?(?i:jährige[rnms]?|jährig){end}"),
        // Spanish
        format!(
            r"{start}(?i:tengo|tiene|tienes|tenía|tenia|cumple|cumplió|cumplio|cumplir|edad{SP}de){SP}{N}(?:{SP}años)?"
        ),
        format!(r"{N}{SP}(?i:años){SP}(?i:de{SP}edad){end}"),
        format!(r"{start}(?i:edad){SP}?:{SP}?{N}"),
        // Italian
        format!(
            r"{start}(?i:ho|ha|hai|aveva|avevo|compie|compiuto|età{SP}di){SP}{N}{SP}(?i:anni){end}"
        ),
        format!(r"{N}{SP}(?i:anni){SP}(?i:di{SP}età){end}"),
        format!(r"{start}(?i:età){SP}?:{SP}?{N}"),
        format!(r"{N}(?i:enne){end}"),
        // Dutch
        format!(r"{N}{SP}(?i:jaar){SP}(?i:oud){end}"),
        format!(r"{start}(?i:leeftijd{SP}van|leeftijd){SP}?:?{SP}?{N}"),
        format!(r"{start}(?i:ben|is|was|werd|wordt){SP}{N}{SP}(?i:jaar){end}"),
        format!(r"{N}-?(?i:jarige){end}"),
    ];
    let pattern = phrases.join("|");
    vec![
        PatternRecognizer::builtin(
            "age",
            Entity::AGE,
            &pattern,
            AGE_SCORE,
            AGE_SCORE,
            Some(age_check),
            &[],
            // Checked in `around_age`: letters may follow the number.
            Boundary::None,
            Anchor::AnyDigits,
        )
        .group(1)
        .around(around_age),
    ]
}

#[cfg(test)]
mod tests {
    use crate::recognizers::testutil::find;
    use crate::span::Entity;

    fn ages(text: &str) -> Vec<String> {
        find(&Entity::AGE, text)
    }

    #[test]
    fn finds_ages_in_six_languages() {
        for (text, want) in [
            ("He is 42 years old.", "42"),
            ("a 42-year-old man", "42"),
            ("aged 42, from", "42"),
            ("Age: 42", "42"),
            ("she just turned 78", "78"),
            ("patient, 67 y/o, male", "67"),
            ("il est âgé de 42 ans", "42"),
            ("j'ai 42 ans", "42"),
            ("Er ist 42 Jahre alt", "42"),
            ("im Alter von 42 Jahren", "42"),
            ("der 42-jährige Fahrer", "42"),
            ("tiene 42 años", "42"),
            ("42 años de edad", "42"),
            ("ha 42 anni", "42"),
            ("un 42enne di Roma", "42"),
            ("hij is 42 jaar oud", "42"),
            ("leeftijd: 42", "42"),
            ("Written when he was 64.", "64"),
            ("she's 42, and", "42"),
            ("ich bin 42.", "42"),
        ] {
            assert_eq!(ages(text), vec![want], "{text:?}");
        }
    }

    #[test]
    fn numbers_that_are_not_ages() {
        for text in [
            "page 42",
            "see page 42 of the manual",
            "turned 90 degrees",
            "il y a 10 ans",
            "het is 10 jaar geleden",
            "a 200 years old tree",
            "message 42",
            "usage 42",
            "for 42 years",
            "what did he put at #1 you ask",
            "he was 5 minutes late",
            "it was 78.",
        ] {
            assert!(ages(text).is_empty(), "{text:?}: {:?}", ages(text));
        }
    }
}
