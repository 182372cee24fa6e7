//! Street addresses with a fixed, machine-readable shape: US military and
//! diplomatic mail (APO, FPO, DPO). Other addresses come from the NER model;
//! these it misses, because their lines hold no street or town.
//!
//! The shape (USPS Publication 28, section 225): a unit line, `PSC`, `CMR`
//! or `Unit` with a number and `Box` with a number, or a ship, `USS`,
//! `USNS`, `USNV` or `USCGC` with its name and optional hull number; then
//! `APO`, `FPO` or `DPO`, the "state" `AA`, `AE` or `AP`, and a ZIP code.

use super::{Anchor, Boundary, PatternRecognizer};
use crate::span::Entity;

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    vec![PatternRecognizer::builtin(
        "military_address",
        Entity::STREET_ADDRESS,
        r"(?i)(?:(?:PSC|CMR|Unit)[ \t]+[0-9]{1,5},?[ \t]+Box[ \t]+[0-9]{1,5}|(?:USNS|USNV|USCGC|USS)[ \t]+\p{L}[\p{L}'.-]*(?:[ \t]+\p{L}[\p{L}'.-]*){0,3}(?:[ \t]+[A-Z]{2,4}[- ]?[0-9]{1,4})?)[ \t]*(?:,[ \t]*|\r?\n[ \t]*)?[ADF]PO[ \t]+A[AEP][ \t]+[0-9]{5}(?:-[0-9]{4})?",
        0.85,
        0.85,
        None,
        &[],
        Boundary::Word,
        // The "state" of the last line: "APO AE", "FPO AP", "dpo aa".
        Anchor::Literals(
            &["PO AA", "PO AE", "PO AP", "po aa", "po ae", "po ap"],
            96,
            16,
        ),
    )]
}

#[cfg(test)]
mod tests {
    use crate::Detector;
    use crate::recognizers::{PatternDetector, PhoneRegions, builtin_recognizers};

    fn addresses(text: &str) -> Vec<&str> {
        let det = PatternDetector::new(builtin_recognizers(&PhoneRegions::default()));
        let mut out = Vec::new();
        det.detect(text, &mut out).expect("patterns");
        out.iter()
            .filter(|s| s.entity.as_str() == "STREET_ADDRESS")
            .map(|s| &text[s.start..s.end])
            .collect()
    }

    #[test]
    fn military_addresses_are_found_whole() {
        for a in [
            "PSC 1234, Box 12345\nAPO AE 09001",
            "Unit 2050 Box 4190, APO AP 96278-0001",
            "CMR 410 Box 22 APO AE 09096",
            "USS Theodore Roosevelt CVN 71\nFPO AE 09599",
            "USNS Comfort\nFPO AA 34092",
            "uscgc healy\nfpo ap 98799",
            "USNS Sekerková\nFPO AA 65728",
        ] {
            let text = format!("Ship it to {a} by Friday.");
            assert_eq!(addresses(&text), [a], "{text}");
        }
    }

    #[test]
    fn near_misses_are_not_addresses() {
        for text in [
            "The APO AE office is closed.",
            "PSC 1234, Box 12345 in the warehouse",
            "Ticket 4432: repo access for the team, APO AA 123",
            "Unit 5 Box 7 APO ZZ 09001",
        ] {
            assert!(addresses(text).is_empty(), "{text}");
        }
    }
}
