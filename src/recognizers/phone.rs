//! Phone numbers, validated with the `phonenumber` crate (Google's
//! libphonenumber metadata).
//!
//! Candidates are digit runs with the separators people write (`+`, spaces,
//! dots, dashes, slashes, parentheses). A candidate with `+` or `00` is parsed
//! as international; one without is tried against each default region
//! ([`PhoneRegions`]) and accepted if it is a valid number there. Why the
//! crate and not hand rules: see BENCHMARKS.md ("Phone validation").
//!
//! Scores: an international or separator-formatted valid number is confirmed
//! (0.75, validated); a bare run of digits that happens to be a valid number is
//! only plausible (0.4) and needs a context word (`phone`, `tel`, `mobile`...)
//! to pass the default threshold, so order ids and timestamps stay alone.

use super::{Anchor, Boundary, Check, ID_VETO, PatternRecognizer};
use crate::span::Entity;
use phonenumber::country::Id;

/// The regions whose national formats (no `+` or `00` prefix) are tried, in
/// order. The default covers US, UK, FR, DE, ES, IT and NL.
#[derive(Clone, Debug)]
pub struct PhoneRegions(pub Vec<Id>);

impl Default for PhoneRegions {
    fn default() -> Self {
        PhoneRegions(vec![Id::US, Id::GB, Id::FR, Id::DE, Id::ES, Id::IT, Id::NL])
    }
}

impl PhoneRegions {
    /// Parses ISO 3166 alpha-2 codes (`"US,GB"`); unknown codes are an error
    /// naming the code.
    pub fn parse_list(codes: &[String]) -> Result<Self, String> {
        codes
            .iter()
            .map(|c| {
                c.trim()
                    .to_ascii_uppercase()
                    .parse::<Id>()
                    .map_err(|_| format!("unknown phone region {c:?}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(PhoneRegions)
    }
}

/// Whether the candidate holds a numeric date (`2024-01-15`, `15/01/2024`,
/// `15.01.2024`): such runs are dates or timestamps, not phones.
fn looks_like_date(value: &str) -> bool {
    let b = value.as_bytes();
    let is_d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let is_sep = |i: usize| b.get(i).is_some_and(|c| matches!(c, b'-' | b'/' | b'.'));
    (0..b.len()).any(|i| {
        // YYYY-MM-DD
        let ymd = (0..4).all(|k| is_d(i + k))
            && is_sep(i + 4)
            && is_d(i + 5)
            && is_d(i + 6)
            && is_sep(i + 7)
            && b.get(i + 4) == b.get(i + 7)
            && is_d(i + 8);
        // DD-MM-YYYY
        let dmy = is_d(i)
            && is_d(i + 1)
            && is_sep(i + 2)
            && is_d(i + 3)
            && is_d(i + 4)
            && is_sep(i + 5)
            && b.get(i + 2) == b.get(i + 5)
            && (0..4).all(|k| is_d(i + 6 + k))
            && (b.get(i + 6) == Some(&b'1') || b.get(i + 6) == Some(&b'2'));
        ymd || dmy
    })
}

/// A region to try national numbers against, and whether such numbers must
/// be written with the trunk prefix `0`.
#[derive(Clone, Debug)]
struct NationalRegion {
    id: Id,
    /// libphonenumber accepts a national number without its trunk prefix
    /// ("2476288" is a valid German number), so in regions whose prefix is
    /// `0` (GB, FR, DE, NL...) almost any 7-11 digit run would pass. People
    /// write national numbers there with the `0`, so it is required.
    needs_zero: bool,
    /// The trunk prefix when it is a single digit (`0`, or `1` in NANP).
    trunk: Option<u8>,
    /// Lengths a national significant number may have here (metadata).
    lengths: Vec<u16>,
}

impl NationalRegion {
    fn new(id: Id) -> Self {
        let meta = phonenumber::metadata::DATABASE.by_id(id.as_ref());
        let prefix = meta.and_then(|m| m.national_prefix());
        let trunk = prefix
            .filter(|p| p.len() == 1)
            .and_then(|p| p.bytes().next());
        let lengths = meta
            .map(|m| m.descriptors().general().possible_length().to_vec())
            .unwrap_or_default();
        NationalRegion {
            id,
            needs_zero: prefix == Some("0"),
            trunk,
            lengths,
        }
    }

    /// Whether `digits` (the candidate's digits) can be a national number
    /// here: the trunk zero where required, and a possible length. A cheap
    /// test that spares most calls into the crate, whose parser is costly.
    fn plausible(&self, digits: &[u8]) -> bool {
        let Some(&first) = digits.first() else {
            return false;
        };
        if self.needs_zero && first != b'0' {
            return false;
        }
        let fits = |n: usize| self.lengths.is_empty() || self.lengths.contains(&(n as u16));
        fits(digits.len()) || (self.trunk == Some(first) && fits(digits.len() - 1))
    }
}

fn phone_check(value: &str, regions: &[NationalRegion]) -> Check {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    if !(7..=15).contains(&digits) || looks_like_date(value) {
        return Check::Reject;
    }
    // Parentheses must balance, and at most one group may be in them.
    let opens = value.matches('(').count();
    if opens != value.matches(')').count() || opens > 1 {
        return Check::Reject;
    }
    let international = value.starts_with('+') || value.starts_with("00");
    let formatted = international
        || value
            .bytes()
            .any(|b| matches!(b, b' ' | b'-' | b'.' | b'/' | b'('));
    // Separators must be of one kind (besides parentheses and the space after
    // them): "12.34-56" is not how anyone writes a phone number.
    let seps: Vec<u8> = value
        .bytes()
        .filter(|b| matches!(b, b'-' | b'.' | b'/'))
        .collect();
    if seps.windows(2).any(|w| w[0] != w[1]) {
        return Check::Reject;
    }
    // Digit groups of one are how OIDs and versions are written
    // (1.3.6.1.4.1); a phone has at most one (a trunk or country digit).
    let singles = value
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| g.len() == 1)
        .count();
    if singles > 1 + usize::from(international) {
        return Check::Reject;
    }
    let valid = if international {
        let normalized = match value.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => value.to_string(),
        };
        phonenumber::parse(None, &normalized).is_ok_and(|n| phonenumber::is_valid(&n))
    } else {
        let digits: Vec<u8> = value.bytes().filter(u8::is_ascii_digit).collect();
        regions.iter().any(|r| {
            r.plausible(&digits)
                && phonenumber::parse(Some(r.id), value).is_ok_and(|n| phonenumber::is_valid(&n))
        })
    };
    match (valid, formatted) {
        (false, _) => Check::Reject,
        (true, true) => Check::Valid,
        (true, false) => Check::Plausible,
    }
}

pub(super) fn recognizers(regions: &PhoneRegions) -> Vec<PatternRecognizer> {
    let regions: Vec<NationalRegion> = regions.0.iter().copied().map(NationalRegion::new).collect();
    vec![
        PatternRecognizer::builtin(
            "phone",
            Entity::PHONE,
            r"(?:\+|00)[1-9](?:[ .\-/]?(?:\([0-9]{1,4}\)|[0-9])){5,16}|\(?[0-9]{1,5}\)?(?:[ .\-/]?[0-9]){5,14}",
            0.4,
            0.75,
            None,
            &[
                "phone", "tel", "telephone", "mobile", "cell", "call", "fax", "sms", "whatsapp", "contact",
                "téléphone", "portable", "numéro", "telefon", "handy", "rufnummer", "teléfono", "móvil", "telefono",
                "cellulare", "mobiel", "telefoon", "bel",
            ],
            Boundary::GroupedNumber,
            Anchor::Digits,
        )
        .validator(Box::new(move |v| phone_check(v, &regions)))
        .shrink(b" -./")
        .veto(ID_VETO),
    ]
}

#[cfg(test)]
mod tests {
    use crate::recognizers::testutil::find;
    use crate::span::Entity;

    #[test]
    fn finds_international_and_national_formats() {
        for (text, want) in [
            ("Call +1 (415) 555-2671 now", "+1 (415) 555-2671"),
            ("Tel: +44 20 7946 0958", "+44 20 7946 0958"),
            ("appelez le 06 12 34 56 78", "06 12 34 56 78"),
            ("Telefon 030 12345678", "030 12345678"),
            ("llame al 912 345 678", "912 345 678"),
            ("chiama 06 1234 5678", "06 1234 5678"),
            ("bel 020-123 4567", "020-123 4567"),
            ("(415) 555-2671", "(415) 555-2671"),
            ("0033 6 12 34 56 78", "0033 6 12 34 56 78"),
            ("+33612345678", "+33612345678"),
        ] {
            assert_eq!(find(&Entity::PHONE, text), vec![want], "{text}");
        }
    }

    #[test]
    fn invalid_international_number_is_not_reparsed_as_national() {
        // "+247 6288" is not a valid Ascension number; its tail "247 6288"
        // must not then pass as a German number without its trunk prefix.
        assert!(find(&Entity::PHONE, "call +247 6288 now").is_empty());
        assert!(find(&Entity::PHONE, "call +32 1234567 now").is_empty());
    }

    #[test]
    fn national_numbers_need_the_trunk_zero_where_the_region_uses_one() {
        // Valid in DE only when read without its trunk prefix.
        assert!(find(&Entity::PHONE, "phone: 532 123 45 67").is_empty());
        assert!(find(&Entity::PHONE, "tel 13812345678").is_empty());
        assert_eq!(
            find(&Entity::PHONE, "Telefon 0532 1234567"),
            vec!["0532 1234567"]
        );
        // US and ES numbers have no trunk zero.
        assert_eq!(
            find(&Entity::PHONE, "call 415-555-0132"),
            vec!["415-555-0132"]
        );
        assert_eq!(
            find(&Entity::PHONE, "llame al 612 34 56 78"),
            vec!["612 34 56 78"]
        );
    }

    #[test]
    fn amounts_times_and_invoice_ids_are_not_phones() {
        for text in [
            "paid 1 234 567,89 EUR",
            "took 12:30:45.123456",
            "INV-2024-0012345",
            "build 20240115.1234",
            "ref 0800-123-4567",
            "elapsed 1234567 ms",
        ] {
            assert!(
                find(&Entity::PHONE, text).is_empty(),
                "{text}: {:?}",
                find(&Entity::PHONE, text)
            );
        }
    }

    #[test]
    fn bare_digits_need_context() {
        assert!(find(&Entity::PHONE, "id 4155552671 ok").is_empty());
        assert_eq!(
            find(&Entity::PHONE, "phone: 4155552671"),
            vec!["4155552671"]
        );
    }

    #[test]
    fn rejects_ids_dates_and_versions() {
        for text in [
            "Order #4155552671",
            "invoice 415-555-2671",
            "2024-01-15 10:30:00",
            "15/01/2024 10:30",
            "version 10.2.3.4567",
            "+1 555",
            "total 1,234,567.89",
            "OID 1.3.6.1.4.1.311",
        ] {
            assert!(
                find(&Entity::PHONE, text).is_empty(),
                "{text}: {:?}",
                find(&Entity::PHONE, text)
            );
        }
    }
}
