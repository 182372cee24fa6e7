//! The hybrid engine (patterns + the shipped model, as the CLI runs it) on
//! ../shared/eval/presidio_synth_v2.jsonl: the leak of PII characters in the
//! NER issue's scope must stay at or under 5 %, the share of masked
//! characters that are PII at or over 0.95 (BENCHMARKS.md records 4.48 % and
//! 0.964 for our int8 model; 4.96 % and 0.984 for Rampart, which masks no
//! organisations or stand-alone places: those are masked by default now and
//! count against this precision wherever the gold has no PII label). Ignored
//! (with the reason) when ../shared/eval is absent (see build.rs; in CI it is
//! required).
//!
//! Leak: characters (not white space) of gold PERSON, STREET_ADDRESS,
//! ZIP_CODE and structured spans that no reported span covers, whatever its
//! entity; the same figure as `score.py`'s label-agnostic leak over those
//! labels.

use anonymist::Engine;
use std::path::Path;

const SCOPE: &[&str] = &[
    "PERSON",
    "STREET_ADDRESS",
    "ZIP_CODE",
    "CREDIT_CARD",
    "PHONE_NUMBER",
    "EMAIL_ADDRESS",
    "DOMAIN_NAME",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "US_DRIVER_LICENSE",
];
const MAX_LEAK: f64 = 0.05;
const MIN_CHAR_PRECISION: f64 = 0.95;

#[test]
#[cfg_attr(
    not(anonymist_eval),
    ignore = "needs ../shared/eval next to the checkout"
)]
fn hybrid_leak_on_the_synth_set_stays_under_five_percent() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/presidio_synth_v2.jsonl");
    let data = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is required here: {e}", path.display()));
    let ner = anonymist::ner::NerDetector::load(&anonymist::ner::NerOptions {
        model_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/models").into(),
        ..Default::default()
    })
    .expect("the shipped model loads");
    let engine = Engine::builder()
        .detector(Box::new(ner))
        .build()
        .expect("engine");
    let records: Vec<serde_json::Value> = data
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let (mut pii, mut leaked, mut masked, mut masked_pii) = (0usize, 0usize, 0usize, 0usize);
    for chunk in records.chunks(32) {
        let texts: Vec<&str> = chunk
            .iter()
            .map(|r| r["text"].as_str().expect("text"))
            .collect();
        let found = engine.analyze_many(&texts).expect("analysis runs");
        for ((record, text), spans) in chunk.iter().zip(&texts).zip(&found) {
            // Gold offsets are code points; spans are bytes.
            let chars: Vec<(usize, char)> = text.char_indices().collect();
            let covered = |byte: usize| spans.iter().any(|s| s.start <= byte && byte < s.end);
            let mut gold = vec![false; chars.len()];
            for g in record["spans"].as_array().expect("spans") {
                let (a, b) = (
                    g["start"].as_u64().expect("start") as usize,
                    g["end"].as_u64().expect("end") as usize,
                );
                gold[a..b].iter_mut().for_each(|x| *x = true);
                if !SCOPE.contains(&g["label"].as_str().expect("label")) {
                    continue;
                }
                for &(byte, c) in &chars[a..b] {
                    if !c.is_whitespace() {
                        pii += 1;
                        leaked += usize::from(!covered(byte));
                    }
                }
            }
            for (k, &(byte, c)) in chars.iter().enumerate() {
                if !c.is_whitespace() && covered(byte) {
                    masked += 1;
                    masked_pii += usize::from(gold[k]);
                }
            }
        }
    }
    let leak = leaked as f64 / pii as f64;
    let precision = masked_pii as f64 / masked as f64;
    eprintln!(
        "hybrid on presidio_synth_v2: leak {leaked}/{pii} = {leak:.4}, char precision {precision:.4}"
    );
    assert!(leak <= MAX_LEAK, "leak {leak:.4} > {MAX_LEAK}");
    assert!(
        precision >= MIN_CHAR_PRECISION,
        "char precision {precision:.4} < {MIN_CHAR_PRECISION}"
    );
}
