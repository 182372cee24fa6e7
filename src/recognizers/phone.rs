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
use crate::validate::DigitBuf;
use phonenumber::country::Id;
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// The regions whose national formats (no `+` or `00` prefix) are tried, in
/// order. The default covers US and Canada (the North American numbering
/// plan), UK, FR, DE, ES, IT and NL.
#[derive(Clone, Debug)]
pub struct PhoneRegions(pub Vec<Id>);

impl Default for PhoneRegions {
    fn default() -> Self {
        PhoneRegions(vec![
            Id::US,
            Id::CA,
            Id::GB,
            Id::FR,
            Id::DE,
            Id::ES,
            Id::IT,
            Id::NL,
        ])
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

/// libphonenumber's validity rules for one region, compiled once into our
/// own regexes. The `phonenumber` crate keeps its compiled patterns in a
/// global cache of 100 behind a lock; checking 7 regions per candidate
/// thrashes it (about 30 µs a call, measured). Here a check is a handful of
/// anchored regex matches on a short digit string.
struct RegionRules {
    /// The general descriptor: every valid national significant number
    /// (NSN) of the region matches it.
    general: TypeRule,
    /// Fixed line, mobile, toll free, premium, shared cost, VoIP, personal,
    /// pager, UAN, voicemail: a valid NSN also matches one of these.
    types: Vec<TypeRule>,
    /// The trunk prefix when it is a single digit (`0`, or `1` in NANP).
    trunk: Option<u8>,
    /// libphonenumber accepts a national number without its trunk prefix
    /// ("2476288" is a valid German number), so in regions whose prefix is
    /// `0` (GB, FR, DE, NL...) almost any 7-11 digit run would pass. People
    /// write national numbers there with the `0`, so it is required.
    needs_zero: bool,
}

struct TypeRule {
    lengths: Vec<u16>,
    pattern: Regex,
}

impl TypeRule {
    fn new(d: &phonenumber::metadata::Descriptor) -> Option<TypeRule> {
        Some(TypeRule {
            lengths: d.possible_length().to_vec(),
            // Metadata patterns are written in free-spacing mode.
            pattern: RegexBuilder::new(&format!("^(?:{})$", d.national_number().as_str()))
                .ignore_whitespace(true)
                .build()
                .ok()?,
        })
    }

    fn matches(&self, nsn: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(nsn.len() as u16)))
            && self.pattern.is_match(nsn)
    }
}

impl RegionRules {
    fn new(meta: &phonenumber::metadata::Metadata) -> Option<RegionRules> {
        let d = meta.descriptors();
        let types = [
            d.fixed_line(),
            d.mobile(),
            d.toll_free(),
            d.premium_rate(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
        ]
        .into_iter()
        .flatten()
        .filter_map(TypeRule::new)
        .collect();
        let prefix = meta.national_prefix();
        Some(RegionRules {
            general: TypeRule::new(d.general())?,
            types,
            trunk: prefix
                .filter(|p| p.len() == 1)
                .and_then(|p| p.bytes().next()),
            needs_zero: prefix == Some("0"),
        })
    }

    /// Whether `nsn` (digits, no trunk prefix) is a valid number here.
    fn valid_nsn(&self, nsn: &str) -> bool {
        self.general.matches(nsn) && self.types.iter().any(|t| t.matches(nsn))
    }

    /// Whether `digits`, written as a national number (with its trunk
    /// prefix where the region uses one), is valid here.
    fn valid_national(&self, digits: &str) -> bool {
        let first = digits.as_bytes().first().copied();
        if self.needs_zero && first != Some(b'0') {
            return false;
        }
        match self.trunk {
            Some(t) if first == Some(t) => {
                self.valid_nsn(&digits[1..]) || (!self.needs_zero && self.valid_nsn(digits))
            }
            _ => self.valid_nsn(digits),
        }
    }
}

/// Compiled rules per region id, built on first use and shared.
fn rules_for(id: &str) -> Option<Arc<RegionRules>> {
    static CACHE: OnceLock<RwLock<HashMap<String, Option<Arc<RegionRules>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(r) = cache.read().ok().and_then(|c| c.get(id).cloned()) {
        return r;
    }
    let built = phonenumber::metadata::DATABASE
        .by_id(id)
        .and_then(RegionRules::new)
        .map(Arc::new);
    if let Ok(mut c) = cache.write() {
        c.insert(id.to_string(), built.clone());
    }
    built
}

/// Whether `digits` (after `+`) is a valid international number: a country
/// calling code (codes are prefix-free, 1-3 digits) and an NSN valid in one
/// of the regions that share the code.
fn valid_international(digits: &str) -> bool {
    for cc_len in 1..=3.min(digits.len()) {
        let Ok(cc) = digits[..cc_len].parse::<u16>() else {
            return false;
        };
        let Some(regions) = phonenumber::metadata::DATABASE.by_code(&cc) else {
            continue;
        };
        let nsn = &digits[cc_len..];
        return regions.iter().filter_map(|m| rules_for(m.id())).any(|r| {
            r.valid_nsn(nsn)
                || (r.trunk.is_some_and(|t| nsn.as_bytes().first() == Some(&t))
                    && r.valid_nsn(&nsn[1..]))
        });
    }
    false
}

/// Whether `digits` is a number of any NANP region (`+1`: the US, Canada,
/// the Caribbean) when a NANP region is among `regions`: they share one
/// numbering plan and one way of writing it ("345-899-3560" is a Cayman
/// number written as Americans write theirs).
fn valid_nanp(digits: &str, regions: &[Arc<RegionRules>]) -> bool {
    let nsn = digits
        .strip_prefix('1')
        .filter(|d| d.len() == 10)
        .unwrap_or(digits);
    // NXX-NXX-XXXX: area code and exchange start with 2-9 (most random
    // digit runs end here, before any metadata is looked at).
    let b = nsn.as_bytes();
    if nsn.len() != 10
        || !(b'2'..=b'9').contains(&b[0])
        || !(b'2'..=b'9').contains(&b[3])
        || !regions.iter().any(|r| r.trunk == Some(b'1'))
    {
        return false;
    }
    static NANP: OnceLock<Vec<Arc<RegionRules>>> = OnceLock::new();
    NANP.get_or_init(|| {
        phonenumber::metadata::DATABASE
            .by_code(&1)
            .map(|ms| ms.iter().filter_map(|m| rules_for(m.id())).collect())
            .unwrap_or_default()
    })
    .iter()
    .any(|r| r.valid_nsn(nsn))
}

fn phone_check(value: &str, regions: &[Arc<RegionRules>]) -> Check {
    // The number without its extension (the only letters a match holds).
    let value = value
        .find(['x', 'e'])
        .map_or(value, |i| value[..i].trim_end());
    let Some(digits) = DigitBuf::of(value).filter(|d| (7..=15).contains(&d.len())) else {
        return Check::Reject;
    };
    if looks_like_date(value) {
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
    let mut seps = value.bytes().filter(|b| matches!(b, b'-' | b'.' | b'/'));
    if let Some(first) = seps.next()
        && seps.any(|b| b != first)
    {
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
    let digits = digits.as_str();
    let valid = if let Some(rest) = digits
        .strip_prefix("00")
        .filter(|_| value.starts_with("00"))
    {
        valid_international(rest)
    } else if international {
        valid_international(digits)
    } else {
        regions.iter().any(|r| r.valid_national(digits)) || formatted && valid_nanp(digits, regions)
    };
    match (valid, formatted) {
        (false, _) => Check::Reject,
        (true, true) => Check::Valid,
        (true, false) => Check::Plausible,
    }
}

/// Abbreviations and words for "number" that stand between an id word and
/// its number (`order no. 0612345678`, `invoice nr 06 12 34 56 78`,
/// `ticket nº 88812`), in the six languages, lower case, without their dot.
pub(crate) const NUMBER_WORDS: &[&str] = &[
    "no", "nr", "n", "nº", "n°", "num", "nro", "núm", "number", "numéro", "numero", "número",
    "nummer",
];

/// Order, invoice and reference words of the other five languages ([`ID_VETO`]
/// is English), lower case; the model-span checks (`src/ner/filter.rs`) use
/// them too.
pub(crate) const ID_WORDS_INTL: &[&str] = &[
    "bestellung",
    "bestellnummer",
    "rechnung",
    "rechnungsnummer",
    "auftrag",
    "auftragsnummer",
    "lieferung",
    "sendung",
    "vorgang",
    "commande",
    "facture",
    "référence",
    "réf",
    "dossier",
    "colis",
    "pedido",
    "factura",
    "referencia",
    "albarán",
    "envío",
    "ordine",
    "fattura",
    "riferimento",
    "pratica",
    "spedizione",
    "bestelling",
    "factuur",
    "referentie",
    "zending",
];

/// Whether an id word ([`ID_VETO`], or one of [`ID_WORDS_INTL`]) stands
/// before a number word right before `start`. The veto of the recognizers only looks at the word right
/// before a number, and `no.` names no kind of number, so an order number
/// written `order no. 0612345678` was taken for a phone. The same check on
/// the model's spans is in `src/ner/filter.rs`.
pub(super) fn id_word_before_number_word(text: &str, start: usize) -> bool {
    let word_before = |at: usize| {
        let head = text[..at].trim_end_matches([' ', ':', '#', '.', '-', '=', '\t', '_']);
        let word_start = head
            .char_indices()
            .rev()
            .take_while(|&(_, c)| c.is_alphabetic() || c == '°')
            .last()
            .map_or(head.len(), |(i, _)| i);
        (word_start, head[word_start..].to_lowercase())
    };
    let (mut word_start, mut word) = word_before(start);
    // "order number is 0612345678"
    if matches!(word.as_str(), "is" | "ist" | "est" | "es" | "è" | "was") {
        (word_start, word) = word_before(word_start);
    }
    !word.is_empty()
        && NUMBER_WORDS.contains(&word.as_str())
        && (super::has_veto(text, word_start, ID_VETO)
            || ID_WORDS_INTL.contains(&word_before(word_start).1.as_str()))
}

pub(super) fn recognizers(regions: &PhoneRegions) -> Vec<PatternRecognizer> {
    let regions: Vec<Arc<RegionRules>> = regions
        .0
        .iter()
        .filter_map(|id| rules_for(id.as_ref()))
        .collect();
    vec![
        PatternRecognizer::builtin(
            "phone",
            Entity::PHONE,
            // An extension ("x4587", "ext. 12") is a part of the number.
            r"(?:(?:\+|00)[1-9](?:[ .\-/]?(?:\([0-9]{1,4}\)|[0-9])){5,16}|\(?[0-9]{1,5}\)?(?:[ .\-/]?[0-9]){5,14})(?: ?(?:x|ext\.?) ?[0-9]{1,6})?",
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
        .veto(ID_VETO)
        .around(|text, start, _| !id_word_before_number_word(text, start)),
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
    fn extensions_belong_to_the_number() {
        for (text, want) in [
            ("Fax: 415-555-2671x4587", "415-555-2671x4587"),
            (
                "call (415) 555-2671 ext. 12 today",
                "(415) 555-2671 ext. 12",
            ),
            ("Tel +44 20 7946 0958 x 201", "+44 20 7946 0958 x 201"),
        ] {
            assert_eq!(find(&Entity::PHONE, text), vec![want], "{text}");
        }
        // Without a number before it, an extension is nothing.
        assert!(find(&Entity::PHONE, "see box x4587").is_empty());
    }

    #[test]
    fn numbers_of_every_nanp_region_are_written_like_us_numbers() {
        // Cayman Islands (+1 345), Jamaica (+1 876): not US or CA numbers.
        for text in ["Fax: 345-949-1234", "call (876) 927-1234"] {
            assert_eq!(find(&Entity::PHONE, text).len(), 1, "{text}");
        }
        // Unformatted, a NANP-shaped run is not enough.
        assert!(find(&Entity::PHONE, "id 3459491234").is_empty());
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
    fn a_number_word_alone_does_not_veto() {
        // Only an id word before it makes "no." an order number's.
        assert_eq!(
            find(&Entity::PHONE, "phone no. 06 12 34 56 78"),
            vec!["06 12 34 56 78"]
        );
        assert_eq!(
            find(&Entity::PHONE, "Tel. Nr. 030 1234567"),
            vec!["030 1234567"]
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
            "invoice nr 06 12 34 56 78",
            "Your order no. 0612345678 has shipped",
            "ticket nº 415-555-2671",
            "Facture n° 07 08 65 10 80 réglée",
            "Your order number is 06 21 92 56 32.",
        ] {
            assert!(
                find(&Entity::PHONE, text).is_empty(),
                "{text}: {:?}",
                find(&Entity::PHONE, text)
            );
        }
    }
}
