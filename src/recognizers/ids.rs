//! National identifiers with their checksums or structural rules: US SSN, UK
//! NINO, French NIR, German Steuer-ID, Spanish DNI/NIE, Italian codice
//! fiscale, Dutch BSN.
//!
//! Where a checksum lets through a fair share of random numbers (BSN: 1 in 11;
//! Steuer-ID: about 1 in 30; a 9-digit SSN without dashes), the base score is
//! below the default threshold and a context word is needed.

use super::{Anchor, Boundary, Check, ID_VETO, PatternRecognizer};
use crate::span::Entity;
use crate::validate;

fn verdict(ok: bool) -> Check {
    if ok { Check::Valid } else { Check::Reject }
}

fn ssn_check(value: &str) -> Check {
    if !validate::ssn_valid(value) {
        return Check::Reject;
    }
    let mut seps = value.bytes().filter(|b| !b.is_ascii_digit());
    match (seps.next(), seps.next(), seps.next()) {
        // 123-45-6789 or 123 45 6789: the SSN layout itself.
        (Some(a), Some(b), None) if a == b => Check::Valid,
        (None, _, _) => Check::Plausible,
        _ => Check::Reject,
    }
}

fn nino_check(value: &str) -> Check {
    verdict(validate::nino_valid(value))
}

fn nir_check(value: &str) -> Check {
    verdict(validate::fr_nir_valid(value))
}

fn de_tax_check(value: &str) -> Check {
    verdict(validate::de_tax_id_valid(value))
}

fn es_check(value: &str) -> Check {
    verdict(validate::es_dni_nie_valid(value))
}

fn it_check(value: &str) -> Check {
    verdict(validate::it_fiscal_code_valid(value))
}

fn bsn_check(value: &str) -> Check {
    verdict(validate::nl_bsn_valid(value))
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    vec![
        PatternRecognizer::builtin(
            "us_ssn",
            Entity::US_SSN,
            r"[0-9]{3}[- .]?[0-9]{2}[- .]?[0-9]{4}",
            0.3,
            0.85,
            Some(ssn_check),
            &["ssn", "social security", "social sec", "ss#", "ssns"],
            Boundary::Number,
            Anchor::Digits,
        )
        .veto(ID_VETO),
        PatternRecognizer::builtin(
            "uk_nino",
            Entity::UK_NINO,
            r"[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d]",
            0.0,
            0.85,
            Some(nino_check),
            &[
                "national insurance",
                "nino",
                "ni number",
                "insurance number",
            ],
            Boundary::Word,
            Anchor::Digits,
        ),
        PatternRecognizer::builtin(
            "fr_nir",
            Entity::FR_NIR,
            r"[1-478] ?[0-9]{2} ?[0-9]{2} ?(?:[0-9]{2}|2[ABab]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}",
            0.0,
            0.85,
            Some(nir_check),
            &[
                "sécurité sociale",
                "securite sociale",
                "nir",
                "insee",
                "carte vitale",
                "numéro de sécu",
            ],
            Boundary::Number,
            Anchor::Digits,
        ),
        PatternRecognizer::builtin(
            "de_tax_id",
            Entity::DE_TAX_ID,
            r"[1-9][0-9] ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
            0.0,
            0.4,
            Some(de_tax_check),
            &[
                "steuer-id",
                "steuerid",
                "steueridentifikationsnummer",
                "steuer-identifikationsnummer",
                "identifikationsnummer",
                "tax id",
                "idnr",
                "tin",
            ],
            Boundary::Number,
            Anchor::Digits,
        )
        .veto(ID_VETO),
        PatternRecognizer::builtin(
            "es_dni",
            Entity::ES_NIF,
            r"[0-9]{7,8}[- ]?[A-Za-z]",
            0.0,
            0.85,
            Some(es_check),
            &["dni", "nif", "documento", "identidad"],
            Boundary::Word,
            Anchor::Digits,
        ),
        PatternRecognizer::builtin(
            "es_nie",
            Entity::ES_NIE,
            r"[XYZxyz][- ]?[0-9]{7}[- ]?[A-Za-z]",
            0.0,
            0.85,
            Some(es_check),
            &["nie", "extranjero", "extranjería"],
            Boundary::Word,
            Anchor::Digits,
        ),
        PatternRecognizer::builtin(
            "it_fiscal_code",
            Entity::IT_FISCAL_CODE,
            r"[A-Za-z]{6}[0-9LMNP-Vlmnp-v]{2}[A-Za-z][0-9LMNP-Vlmnp-v]{2}[A-Za-z][0-9LMNP-Vlmnp-v]{3}[A-Za-z]",
            0.0,
            1.0,
            Some(it_check),
            &["codice fiscale", "cf", "fiscal code"],
            Boundary::Word,
            Anchor::Digits,
        ),
        PatternRecognizer::builtin(
            "nl_bsn",
            Entity::NL_BSN,
            r"[0-9]{4}\.[0-9]{2}\.[0-9]{3}|[0-9]{9}",
            0.0,
            0.3,
            Some(bsn_check),
            &[
                "bsn",
                "burgerservicenummer",
                "sofinummer",
                "sofi-nummer",
                "persoonsnummer",
            ],
            Boundary::Number,
            Anchor::Digits,
        )
        .veto(ID_VETO),
    ]
}

#[cfg(test)]
mod tests {
    use crate::recognizers::testutil::find;
    use crate::span::Entity;

    #[test]
    fn ssn_formats_and_context() {
        assert_eq!(
            find(&Entity::US_SSN, "SSN 536-90-4399."),
            vec!["536-90-4399"]
        );
        assert_eq!(
            find(&Entity::US_SSN, "number 536 90 4399"),
            vec!["536 90 4399"]
        );
        assert!(find(&Entity::US_SSN, "ref code 536904399").is_empty());
        assert_eq!(
            find(&Entity::US_SSN, "my ssn is 536904399"),
            vec!["536904399"]
        );
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "900-12-3456",
            "536-00-4399",
            "536-90-0000",
            "536-904-399",
            "536-90 4399",
        ] {
            assert!(find(&Entity::US_SSN, bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn national_ids_with_checksums() {
        assert_eq!(
            find(&Entity::UK_NINO, "NI: AB 12 34 56 C"),
            vec!["AB 12 34 56 C"]
        );
        assert!(find(&Entity::UK_NINO, "QQ 12 34 56 C").is_empty());
        assert_eq!(
            find(&Entity::FR_NIR, "NIR 2 55 08 14 168 025 38"),
            vec!["2 55 08 14 168 025 38"]
        );
        assert!(find(&Entity::FR_NIR, "2 55 08 14 168 025 39").is_empty());
        assert_eq!(
            find(&Entity::DE_TAX_ID, "Steuer-ID: 86095742719"),
            vec!["86095742719"]
        );
        assert!(find(&Entity::DE_TAX_ID, "Steuer-ID: 86095742718").is_empty());
        assert!(
            find(&Entity::DE_TAX_ID, "86095742719").is_empty(),
            "needs context"
        );
        assert_eq!(find(&Entity::ES_NIF, "DNI 12345678Z"), vec!["12345678Z"]);
        assert!(find(&Entity::ES_NIF, "DNI 12345678A").is_empty());
        // A DNI below 10 million is often written without its leading zero.
        assert_eq!(find(&Entity::ES_NIF, "DNI 1111111-G"), vec!["1111111-G"]);
        assert_eq!(find(&Entity::ES_NIF, "01111111G"), vec!["01111111G"]);
        assert!(find(&Entity::ES_NIF, "1111111H").is_empty());
        assert!(find(&Entity::ES_NIF, "size 1234567x").is_empty());
        assert_eq!(find(&Entity::ES_NIE, "NIE X1234567L"), vec!["X1234567L"]);
        assert_eq!(
            find(&Entity::IT_FISCAL_CODE, "CF: RSSMRA85T10A562S"),
            vec!["RSSMRA85T10A562S"]
        );
        assert!(find(&Entity::IT_FISCAL_CODE, "RSSMRA85T10A562T").is_empty());
        assert_eq!(
            find(&Entity::NL_BSN, "BSN 1112.22.333"),
            vec!["1112.22.333"]
        );
        assert_eq!(
            find(&Entity::NL_BSN, "burgerservicenummer: 123456782"),
            vec!["123456782"]
        );
        assert!(
            find(&Entity::NL_BSN, "123456782").is_empty(),
            "needs context"
        );
        assert!(find(&Entity::NL_BSN, "bsn 123456789").is_empty());
    }
}
