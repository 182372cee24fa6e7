//! Payment card numbers (PAN): 12-19 digits, compact or grouped with one
//! consistent separator, Luhn-valid, with a known issuer prefix and length.

use super::{Anchor, Boundary, Check, PatternRecognizer};
use crate::span::Entity;
use crate::validate::{DigitBuf, card_issuer_plausible, luhn_valid};

fn card_check(value: &str) -> Check {
    let Some(digits) = DigitBuf::of(value).filter(|d| (12..=19).contains(&d.len())) else {
        return Check::Reject;
    };
    let digits = digits.as_str();
    // One separator kind, and groups of a shape cards are printed in.
    if let Some(first) = value.bytes().find(|b| !b.is_ascii_digit()) {
        if value.bytes().any(|b| !b.is_ascii_digit() && b != first) {
            return Check::Reject;
        }
        // At most 19 digits: more than 8 groups is not a card either way.
        let mut groups = [0usize; 8];
        let mut n = 0;
        for g in value.split(char::from(first)) {
            let Some(slot) = groups.get_mut(n) else {
                return Check::Reject;
            };
            *slot = g.len();
            n += 1;
        }
        let ok = match &groups[..n] {
            [4, 4, 4, 4]
            | [4, 4, 4, 4, 3]
            | [4, 6, 5]
            | [4, 6, 4]
            | [4, 4, 4, 2]
            | [4, 4, 4, 3] => true,
            [4, 4, 4, last] => (1..=4).contains(last),
            _ => false,
        };
        if !ok {
            return Check::Reject;
        }
    }
    match (luhn_valid(digits), card_issuer_plausible(digits)) {
        (true, true) => Check::Valid,
        // Luhn-valid with an issuer prefix we do not know (a new range, a
        // test card, a JCB written 35xx): a card only where the text says so
        // (the base score is below the threshold, a context word lifts it).
        (true, false) if digits.len() >= 13 => Check::Plausible,
        _ => Check::Reject,
    }
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    vec![
        PatternRecognizer::builtin(
            "credit_card",
            Entity::CREDIT_CARD,
            r"[0-9](?:[ -]?[0-9]){11,18}",
            0.2,
            1.0,
            Some(card_check),
            &[
                "card",
                "credit",
                "visa",
                "mastercard",
                "amex",
                "carte",
                "tarjeta",
                "karte",
                "carta",
                "kaart",
                "cc",
                "pan",
            ],
            Boundary::Number,
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
    fn finds_grouped_and_compact_cards() {
        assert_eq!(
            find(&Entity::CREDIT_CARD, "card 4111 1111 1111 1111 exp"),
            vec!["4111 1111 1111 1111"]
        );
        assert_eq!(
            find(&Entity::CREDIT_CARD, "5500-0000-0000-0004"),
            vec!["5500-0000-0000-0004"]
        );
        assert_eq!(
            find(&Entity::CREDIT_CARD, "amex 378282246310005."),
            vec!["378282246310005"]
        );
        assert_eq!(
            find(&Entity::CREDIT_CARD, "4111 1111 1111 1111 2024"),
            vec!["4111 1111 1111 1111"]
        );
    }

    #[test]
    fn finds_cards_side_by_side_in_mixed_formats() {
        // The first regex match runs into the second card; after shrinking it
        // to the first card, the scan resumes right after that card.
        assert_eq!(
            find(
                &Entity::CREDIT_CARD,
                "4012888888881881 4012-8888-8888-1881 4012 8888 8888 1881"
            ),
            vec![
                "4012888888881881",
                "4012-8888-8888-1881",
                "4012 8888 8888 1881"
            ]
        );
    }

    #[test]
    fn an_unknown_issuer_needs_a_card_word() {
        // Luhn-valid, but no issuer uses 3519 or 9xxx.
        assert_eq!(
            find(&Entity::CREDIT_CARD, "card number 3519833257665853 is lost"),
            vec!["3519833257665853"]
        );
        assert!(find(&Entity::CREDIT_CARD, "ref 3519833257665853 sent").is_empty());
        assert!(find(&Entity::CREDIT_CARD, "id 9000000000000007").is_empty());
    }

    #[test]
    fn amounts_timestamps_and_ids_are_not_cards() {
        for text in [
            "total 4,111,111,111,111.11 EUR",
            "ts 1700000000123456",
            "invoice INV-4111-1111-1111-1111-9",
            "tel 4111 1111 11",
        ] {
            assert!(find(&Entity::CREDIT_CARD, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn rejects_luhn_failures_and_other_numbers() {
        for text in [
            "4111 1111 1111 1112",
            "order 1234567812345678",
            "tracking 9400111899223817740000", // too long to be a card
            "1234 5678 9012 3456",
            "4111-1111 1111-1111", // mixed separators
            "3.14159265358979323",
        ] {
            assert!(find(&Entity::CREDIT_CARD, text).is_empty(), "{text}");
        }
    }
}
