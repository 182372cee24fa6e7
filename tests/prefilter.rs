//! The pattern pass's prefilter (digit windows, the date gate, literal and
//! byte anchors) must never change what is found: on every text here, the
//! prefiltered detector and the exhaustive one (every recognizer over the
//! whole text) give the same spans.
//!
//! Texts: generated look-alikes (log, ticket, chat and JSON shapes in six
//! languages) and the committed CLDR date fixtures; and, in their own tests,
//! every text of the shared evaluation kit's presidio_synth_v2.jsonl,
//! presidio_recognizer_cases.jsonl and structured_vectors.jsonl (ignored with
//! the reason when ../shared/eval is not next to the checkout; see build.rs,
//! in CI it is required). None of these texts was used to write the gate.

mod lookalike_gen;

use anonymist::Detector;
use anonymist::recognizers::{
    DateProfile, PatternDetector, PhoneRegions, builtin_recognizers_with,
};
use std::path::Path;

/// Generated look-alikes, hard values and the CLDR date fixtures.
fn own_texts() -> Vec<String> {
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
    texts
}

/// Every text of the shared evaluation kit.
fn eval_texts() -> Vec<String> {
    let eval = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval");
    let mut texts = Vec::new();
    for name in [
        "presidio_synth_v2.jsonl",
        "presidio_recognizer_cases.jsonl",
        "structured_vectors.jsonl",
    ] {
        let path = eval.join(name);
        let data = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} is required here: {e}", path.display()));
        texts.extend(data.lines().filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            // The structured vectors hold a bare "value": test it in a
            // sentence, where its neighbours matter.
            match v["text"].as_str() {
                Some(t) => Some(t.to_string()),
                None => Some(format!("value: {} ok", v["value"].as_str()?)),
            }
        }));
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

fn check(profile: DateProfile, texts: &[String]) {
    let regions = PhoneRegions::default();
    let fast = PatternDetector::new(builtin_recognizers_with(&regions, profile));
    let slow = PatternDetector::exhaustive(builtin_recognizers_with(&regions, profile));
    let mut differ = 0;
    for text in texts {
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
    check(DateProfile::Default, &own_texts());
}

#[test]
fn prefilter_finds_what_the_exhaustive_pass_finds_strict() {
    check(DateProfile::Strict, &own_texts());
}

#[test]
#[cfg_attr(
    not(anonymist_eval),
    ignore = "needs ../shared/eval next to the checkout"
)]
fn prefilter_finds_what_the_exhaustive_pass_finds_on_the_eval_kit() {
    check(DateProfile::Default, &eval_texts());
}

#[test]
#[cfg_attr(
    not(anonymist_eval),
    ignore = "needs ../shared/eval next to the checkout"
)]
fn prefilter_finds_what_the_exhaustive_pass_finds_on_the_eval_kit_strict() {
    check(DateProfile::Strict, &eval_texts());
}
