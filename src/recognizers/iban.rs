//! IBANs: country code, check digits and BBAN, compact or grouped by four
//! with spaces (or dashes), upper or lower case, validated by country length
//! and the ISO 7064 mod-97 check.

use super::{Anchor, Boundary, Check, PatternRecognizer};
use crate::span::Entity;
use crate::validate::iban_valid;

fn iban_check(value: &str) -> Check {
    // Letters are all upper case or all lower case: "LV80 bANK ..." mixes
    // them, which no bank prints and which random text often does.
    let upper = value.bytes().any(|b| b.is_ascii_uppercase());
    let lower = value.bytes().any(|b| b.is_ascii_lowercase());
    if upper && lower {
        return Check::Reject;
    }
    // Grouped IBANs use one separator kind, in groups of four.
    let sep = value.bytes().find(|b| matches!(b, b' ' | b'-'));
    if let Some(sep) = sep {
        let mut groups = value.split(char::from(sep)).peekable();
        while let Some(g) = groups.next() {
            let last = groups.peek().is_none();
            if (!last && g.len() != 4) || (last && (g.is_empty() || g.len() > 4)) {
                return Check::Reject;
            }
        }
    }
    if iban_valid(value) {
        Check::Valid
    } else {
        Check::Reject
    }
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    vec![
        PatternRecognizer::builtin(
            "iban",
            Entity::IBAN,
            r"[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]){11,30}",
            0.0,
            1.0,
            Some(iban_check),
            &[
                "iban", "account", "bank", "konto", "compte", "cuenta", "conto", "rekening",
            ],
            Boundary::Word,
            Anchor::Digits,
        )
        .shrink(b" -"),
    ]
}

#[cfg(test)]
mod tests {
    use crate::recognizers::testutil::find;
    use crate::span::Entity;

    #[test]
    fn finds_compact_grouped_and_lower_case_ibans() {
        assert_eq!(
            find(&Entity::IBAN, "IBAN: GB82 WEST 1234 5698 7654 32."),
            vec!["GB82 WEST 1234 5698 7654 32"]
        );
        assert_eq!(
            find(&Entity::IBAN, "DE89370400440532013000"),
            vec!["DE89370400440532013000"]
        );
        assert_eq!(
            find(&Entity::IBAN, "fr14 2004 1010 0505 0001 3m02 606"),
            vec!["fr14 2004 1010 0505 0001 3m02 606"]
        );
        assert_eq!(
            find(&Entity::IBAN, "pay GB82 WEST 1234 5698 7654 32 1200 EUR"),
            vec!["GB82 WEST 1234 5698 7654 32"]
        );
    }

    #[test]
    fn rejects_bad_check_digits_and_lengths() {
        for text in [
            "GB83 WEST 1234 5698 7654 32",
            "GB82 WEST 1234 5698 7654 3",
            "XX82WEST12345698765432",
            "GB82 WES T123 4569 8765 432",
            "LV80 bANK 0000 4351 9500 1",
            "Gb82 west 1234 5698 7654 32",
            "ISBN 978-3-16-148410-0",
        ] {
            assert!(find(&Entity::IBAN, text).is_empty(), "{text}");
        }
    }
}
