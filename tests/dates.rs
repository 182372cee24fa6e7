//! Dates, times and ages through the whole engine: conflicts with validated
//! identifiers (IP, phone, IBAN, card), both profiles, and the CLDR fixtures
//! rendered by `scripts/render-cldr-dates.py` (committed in
//! `tests/fixtures/cldr_dates.jsonl`, so no Python is needed here).
//!
//! `cargo test --release --test dates -- --nocapture` prints the CLDR table.

use anonymist::recognizers::DateProfile;
use anonymist::{Engine, Entity};
use std::collections::BTreeMap;

fn entities(engine: &Engine, text: &str) -> Vec<(String, String)> {
    engine
        .analyze(text)
        .expect("analysis runs")
        .iter()
        .map(|s| (s.entity.to_string(), text[s.start..s.end].to_string()))
        .collect()
}

fn pair(e: &str, v: &str) -> (String, String) {
    (e.to_string(), v.to_string())
}

#[test]
fn validated_identifiers_win_over_date_pieces() {
    let engine = Engine::builder().build().expect("engine");
    for (text, want) in [
        (
            "from 2001:db8::1 at noon",
            vec![pair("IP_ADDRESS", "2001:db8::1")],
        ),
        (
            "host fe80::12:30:1 up",
            vec![pair("IP_ADDRESS", "fe80::12:30:1")],
        ),
        ("ip 10.12.20.24 ok", vec![pair("IP_ADDRESS", "10.12.20.24")]),
        (
            "call +33 6 12 34 56 78 now",
            vec![pair("PHONE", "+33 6 12 34 56 78")],
        ),
        ("tel 06.12.34.56.78", vec![pair("PHONE", "06.12.34.56.78")]),
        (
            "iban DE89 3704 0044 0532 0130 00",
            vec![pair("IBAN", "DE89 3704 0044 0532 0130 00")],
        ),
        (
            "card 4111 1111 1111 1111 exp",
            vec![pair("CREDIT_CARD", "4111 1111 1111 1111")],
        ),
        (
            "mac 00:1a:2b:12:30:45",
            vec![pair("MAC_ADDRESS", "00:1a:2b:12:30:45")],
        ),
    ] {
        assert_eq!(entities(&engine, text), want, "{text:?}");
    }
}

#[test]
fn dates_next_to_identifiers_are_both_found() {
    let engine = Engine::builder().build().expect("engine");
    assert_eq!(
        entities(&engine, "2024-03-05T14:02:11Z 192.168.1.20 login ok"),
        vec![
            pair("DATE_TIME", "2024-03-05T14:02:11Z"),
            pair("IP_ADDRESS", "192.168.1.20")
        ]
    );
    assert_eq!(
        entities(&engine, "paid 05/03/2024 with 4111 1111 1111 1111"),
        vec![
            pair("DATE_TIME", "05/03/2024"),
            pair("CREDIT_CARD", "4111 1111 1111 1111")
        ]
    );
}

#[test]
fn ages_and_dates_together() {
    let engine = Engine::builder().build().expect("engine");
    assert_eq!(
        engine
            .anonymize("A 67-year-old man, admitted on 3 March 2024 at 14:05.")
            .expect("run")
            .text,
        "A <AGE>-year-old man, admitted on <DATE_TIME>."
    );
}

#[test]
fn strict_profile_masks_years_and_weekdays_default_does_not() {
    let text = "Born in 1962, seen on Monday and again in March 2024.";
    let default = Engine::builder().build().expect("engine");
    assert_eq!(
        entities(&default, text),
        vec![pair("DATE_TIME", "March 2024")]
    );
    let strict = Engine::builder()
        .date_profile(DateProfile::Strict)
        .build()
        .expect("engine");
    assert_eq!(
        entities(&strict, text),
        vec![
            pair("DATE_TIME", "1962"),
            pair("DATE_TIME", "Monday"),
            pair("DATE_TIME", "March 2024")
        ]
    );
}

#[test]
fn date_entities_are_listed() {
    let engine = Engine::builder().build().expect("engine");
    assert!(engine.entities().contains(&Entity::DATE_TIME));
    assert!(engine.entities().contains(&Entity::AGE));
}

/// Minimum share of CLDR renderings fully masked after a preposition.
const CLDR_PREP_FLOOR: f64 = 0.97;

#[test]
fn cldr_dates_are_fully_masked_after_a_preposition() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cldr_dates.jsonl"
    );
    let data = std::fs::read_to_string(path).expect("fixture file");
    let engine = Engine::builder().build().expect("engine");
    // (lang, frame) -> (fully masked, total)
    let mut table: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let text = v["text"].as_str().expect("text");
        let (cs, ce) = (
            v["start"].as_u64().expect("start") as usize,
            v["end"].as_u64().expect("end") as usize,
        );
        // Code points to bytes.
        let idx: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let (start, end) = (idx[cs], idx[ce]);
        let spans = engine.analyze(text).expect("analysis runs");
        let mut covered = vec![false; end - start];
        for s in &spans {
            for (k, c) in covered.iter_mut().enumerate() {
                let at = start + k;
                if s.start <= at && at < s.end {
                    *c = true;
                }
            }
        }
        // Whitespace inside the date does not count (as in score.py).
        let full = text[start..end]
            .char_indices()
            .all(|(k, ch)| ch.is_whitespace() || covered[k]);
        let key = (
            v["lang"].as_str().unwrap_or("").to_string(),
            v["frame"].as_str().unwrap_or("").to_string(),
        );
        let e = table.entry(key.clone()).or_default();
        e.1 += 1;
        if full {
            e.0 += 1;
        } else if key.1 == "prep" || std::env::var_os("ANONYMIST_EVAL_VERBOSE").is_some() {
            misses.push(format!(
                "  {} {} {}: {:?} -> {:?}",
                key.0,
                key.1,
                v["format"].as_str().unwrap_or(""),
                text,
                spans
                    .iter()
                    .map(|s| &text[s.start..s.end])
                    .collect::<Vec<_>>()
            ));
        }
    }
    println!("\nCLDR renderings fully masked (default profile):");
    println!("| lang | after a preposition | after `Note:` |");
    println!("|---|---:|---:|");
    let mut prep = (0, 0);
    let mut label = (0, 0);
    for lang in ["en", "fr", "de", "es", "it", "nl"] {
        let p = table
            .get(&(lang.into(), "prep".into()))
            .copied()
            .unwrap_or_default();
        let l = table
            .get(&(lang.into(), "label".into()))
            .copied()
            .unwrap_or_default();
        prep = (prep.0 + p.0, prep.1 + p.1);
        label = (label.0 + l.0, label.1 + l.1);
        println!(
            "| {lang} | {:.3} ({}/{}) | {:.3} ({}/{}) |",
            p.0 as f64 / p.1.max(1) as f64,
            p.0,
            p.1,
            l.0 as f64 / l.1.max(1) as f64,
            l.0,
            l.1
        );
    }
    let prep_rate = prep.0 as f64 / prep.1.max(1) as f64;
    println!(
        "| all | {prep_rate:.3} ({}/{}) | {:.3} ({}/{}) |",
        prep.0,
        prep.1,
        label.0 as f64 / label.1.max(1) as f64,
        label.0,
        label.1
    );
    for m in misses.iter().take(30) {
        println!("{m}");
    }
    assert!(
        prep_rate >= CLDR_PREP_FLOOR,
        "after a preposition: {prep_rate:.3} < {CLDR_PREP_FLOOR}"
    );
}
