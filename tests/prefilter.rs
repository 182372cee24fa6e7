//! The pattern pass's prefilter (digit windows, the date gate, literal and
//! byte anchors) must never change what is found: on every text here, the
//! prefiltered detector and the exhaustive one (every recognizer over the
//! whole text) give the same spans.
//!
//! Texts: generated look-alikes (log, ticket, chat and JSON shapes in six
//! languages), the committed CLDR date fixtures, and, when the shared
//! evaluation kit is next to the checkout, every text of
//! presidio_synth_v2.jsonl and presidio_recognizer_cases.jsonl (skipped with
//! a message when absent). None of these texts was used to write the gate.

mod lookalike_gen;

use anonymist::Detector;
use anonymist::recognizers::{
    DateProfile, PatternDetector, PhoneRegions, builtin_recognizers_with,
};
use std::path::Path;

fn texts() -> Vec<String> {
    let mut texts: Vec<String> = lookalike_gen::generate(7, 60)
        .into_iter()
        .map(|l| l.text)
        .collect();
    // Values with the longest digit-free stretches the digit windows must
    // bridge (hex letters in IPv6, the letters of a codice fiscale or an
    // IBAN, long zone names after a time).
    texts.extend(
        [
            "host fe80:abcd:abcd:abcd:abcd:abcd:abcd:abc1 up",
            "host abcd:abcd:abcd:abcd:abcd:abcd:abcd:1bcd up",
            "host abcd:abcd:abcd:abcd:abcd:abcd:abcd:abcd up",
            "CF RSSMRA85T10A562S ok",
            "IBAN GB82 WEST 1234 5698 7654 32 ok",
            "NINO AB 12 34 56 C ok",
            "mac aa:bb:cc:dd:ee:f1 and AA-BB-CC-DD-EE-F1",
            "am Donnerstag, 3. September 2024 um 14:05 Mitteleuropäische Sommerzeit",
            "on Wednesday, September 3rd, 2025 at 2:05 pm Central European Summer Time",
            "le mercredi 3 septembre 2025 à 14 h 05 heure d’été d’Europe centrale",
        ]
        .map(String::from),
    );
    let cldr = include_str!("fixtures/cldr_dates.jsonl");
    texts.extend(cldr.lines().map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).expect("fixture line");
        v["text"].as_str().expect("text").to_string()
    }));
    let eval = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval");
    for name in [
        "presidio_synth_v2.jsonl",
        "presidio_recognizer_cases.jsonl",
        "structured_vectors.jsonl",
    ] {
        match std::fs::read_to_string(eval.join(name)) {
            Ok(data) => texts.extend(data.lines().filter_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                // The structured vectors hold a bare "value": test it in a
                // sentence, where its neighbours matter.
                match v["text"].as_str() {
                    Some(t) => Some(t.to_string()),
                    None => Some(format!("value: {} ok", v["value"].as_str()?)),
                }
            })),
            Err(_) => eprintln!("skipping {name}: ../shared/eval is not next to the checkout"),
        }
    }
    texts
}

fn spans(det: &PatternDetector, text: &str) -> Vec<(usize, usize, String, String)> {
    let mut out = Vec::new();
    det.detect(text, &mut out).expect("patterns never fail");
    let mut v: Vec<_> = out
        .into_iter()
        .map(|s| {
            (
                s.start,
                s.end,
                s.entity.to_string(),
                s.recognizer.to_string(),
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

fn check(profile: DateProfile) {
    let regions = PhoneRegions::default();
    let fast = PatternDetector::new(builtin_recognizers_with(&regions, profile));
    let slow = PatternDetector::exhaustive(builtin_recognizers_with(&regions, profile));
    let texts = texts();
    let mut differ = 0;
    for text in &texts {
        let (a, b) = (spans(&fast, text), spans(&slow, text));
        if a != b {
            differ += 1;
            if differ <= 10 {
                // Generated and public test texts only: safe to print.
                eprintln!("differs on {text:?}\n  prefiltered {a:?}\n  exhaustive  {b:?}");
            }
        }
    }
    eprintln!("{profile:?}: {} texts, {differ} differ", texts.len());
    assert_eq!(differ, 0, "the prefilter changed what was found");
}

#[test]
fn prefilter_finds_what_the_exhaustive_pass_finds() {
    check(DateProfile::Default);
}

#[test]
fn prefilter_finds_what_the_exhaustive_pass_finds_strict() {
    check(DateProfile::Strict);
}
