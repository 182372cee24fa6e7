//! The shipped model itself: its folder matches its MANIFEST, it keeps the
//! outputs the training pipeline recorded for it (`tests/data/ner_golden.jsonl`,
//! written only by `scripts/train/golden.py`), it finds organisations and
//! places in sentences written for this test, and both backends agree on it.
//!
//! Checks on one backend run on each: `NAME::pure_rust` and `NAME::onnxruntime`.
//! Tests that need ONNX Runtime are ignored (with the reason) when
//! `scripts/fetch-onnxruntime` has not been run, tests on the evaluation set
//! when `../shared/eval` is absent (see build.rs; in CI both are required).

use anonymist::ner::NerDetector;
use anonymist::{Detector, Engine, Entity, Span};
use std::path::Path;

#[macro_use]
mod ner_backends;
use ner_backends::{argmax, ort, pure};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    anonymist::ner::manifest::sha256_hex(bytes)
}

#[test]
fn the_model_folder_matches_its_manifest_and_has_the_new_labels() {
    let dir = ner_backends::model_dir();
    let text = std::fs::read_to_string(dir.join("MANIFEST")).expect("models/MANIFEST");
    let listed = anonymist::ner::manifest::parse(&text, &dir.join("MANIFEST")).expect("parses");
    for (name, want) in &listed {
        let bytes = std::fs::read(dir.join(name)).expect("listed file exists");
        assert_eq!(&sha256_hex(&bytes), want, "{name}");
    }
    let onnx: Vec<&String> = listed.keys().filter(|n| n.ends_with(".onnx")).collect();
    assert_eq!(onnx, vec!["onnx/model_int8.onnx"]);
    for name in ["config.json", "tokenizer.json", "LICENSE"] {
        assert!(listed.contains_key(name), "{name} is not in the MANIFEST");
    }
    let info = pure().model_info();
    assert_eq!(info.model_sha256, listed["onnx/model_int8.onnx"]);
    for label in [
        "B-ORGANIZATION",
        "I-ORGANIZATION",
        "B-LOCATION",
        "I-LOCATION",
        "B-GIVEN_NAME",
        "B-STREET_NAME",
    ] {
        assert!(info.labels.iter().any(|l| l == label), "{label} missing");
    }
    let entities = pure().entities();
    assert!(entities.contains(&Entity::ORGANIZATION));
    assert!(entities.contains(&Entity::LOCATION));
}

struct Golden {
    text: String,
    ids: Vec<i64>,
    argmax: Vec<usize>,
    margin: Vec<f32>,
}

fn golden() -> Vec<Golden> {
    let raw = std::fs::read_to_string(root().join("tests/data/ner_golden.jsonl"))
        .expect("tests/data/ner_golden.jsonl");
    raw.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("golden line");
            let nums = |k: &str| -> Vec<f64> {
                v[k].as_array()
                    .expect("array")
                    .iter()
                    .map(|x| x.as_f64().expect("number"))
                    .collect()
            };
            Golden {
                text: v["text"].as_str().expect("text").to_string(),
                ids: nums("ids").iter().map(|&x| x as i64).collect(),
                argmax: nums("argmax").iter().map(|&x| x as usize).collect(),
                margin: nums("margin").iter().map(|&x| x as f32).collect(),
            }
        })
        .collect()
}

per_backend!(
    golden_sentences_keep_their_tokens_and_labels,
    golden_tokens_and_labels
);
/// The token ids, and the label of every token whose top logit clears the
/// second by 0.05 (closer calls may flip with float summation order), are
/// those the training pipeline recorded for the shipped file.
fn golden_tokens_and_labels(d: &NerDetector) {
    let golden = golden();
    assert!(golden.len() >= 20);
    let (mut checked, mut total) = (0usize, 0usize);
    for g in &golden {
        let batches = d.prepare_batches(&[g.text.as_str()]).expect("tokenizes");
        assert_eq!(batches.len(), 1);
        let ids: Vec<i64> = batches[0].ids.row(0).to_vec();
        assert_eq!(ids, g.ids, "token ids of {:?}", g.text);
        let logits = d.run_batch(&batches[0]).expect("model runs");
        for (t, (&want, &margin)) in g.argmax.iter().zip(&g.margin).enumerate() {
            total += 1;
            if margin < 0.05 {
                continue;
            }
            checked += 1;
            let got = argmax(logits.slice(ndarray::s![0, t, ..]).iter().copied()).0;
            assert_eq!(got, want, "{}: token {t} of {:?}", d.backend(), g.text);
        }
    }
    assert!(
        checked * 10 >= total * 9,
        "only {checked} of {total} tokens clear"
    );
}

fn engine(d: &'static NerDetector) -> Engine {
    struct Shared(&'static NerDetector);
    impl Detector for Shared {
        fn name(&self) -> &'static str {
            "ner"
        }
        fn entities(&self) -> Vec<Entity> {
            self.0.entities()
        }
        fn detect(&self, text: &str, out: &mut Vec<Span>) -> Result<(), anonymist::DetectError> {
            self.0.detect(text, out)
        }
        fn detect_many(&self, texts: &[&str]) -> Result<Vec<Vec<Span>>, anonymist::DetectError> {
            self.0.detect_many(texts)
        }
    }
    Engine::builder()
        .detector(Box::new(Shared(d)))
        .build()
        .expect("engine")
}

per_backend!(
    organisations_and_countries_are_found_in_plain_prose,
    organisations_and_countries
);
/// Sentences written for this test (not from any training or evaluation set),
/// with the organisations and countries in them. The model is below its
/// organisation target (BENCHMARKS.md), so this is a floor, set under what
/// the shipped file does (measured with both backends: countries 12 of 12
/// as LOCATION; organisations 8 of 13 masked, 4 of 13 as ORGANIZATION), not
/// a claim that every organisation is found.
fn organisations_and_countries(d: &'static NerDetector) {
    let cases: &[(&str, &[&str], &[&str])] = &[
        (
            "Last week Nestlé opened a research centre in Vietnam.",
            &["Nestlé"],
            &["Vietnam"],
        ),
        (
            "The deal between Boeing and Lufthansa was signed in Canada.",
            &["Boeing", "Lufthansa"],
            &["Canada"],
        ),
        (
            "Our supplier in Mexico is now owned by Unilever.",
            &["Unilever"],
            &["Mexico"],
        ),
        (
            "Ingrid moved from Norway to Chile to work for the Red Cross.",
            &["Red Cross"],
            &["Norway", "Chile"],
        ),
        (
            "Toyota recalled 40,000 cars sold in Australia.",
            &["Toyota"],
            &["Australia"],
        ),
        (
            "The contract with Deloitte covers our offices in Ireland and Spain.",
            &["Deloitte"],
            &["Ireland", "Spain"],
        ),
        (
            "Greenpeace protested outside the embassy of Brazil.",
            &["Greenpeace"],
            &["Brazil"],
        ),
        (
            "Please forward the invoice to Siemens Healthineers AG.",
            &["Siemens Healthineers AG"],
            &[],
        ),
        (
            "She left Microsoft in 2019 and joined Spotify in Sweden.",
            &["Microsoft", "Spotify"],
            &["Sweden"],
        ),
        (
            "The World Bank approved a loan to Kenya.",
            &["World Bank"],
            &["Kenya"],
        ),
        (
            "Ryanair cancelled all flights to Morocco.",
            &["Ryanair"],
            &["Morocco"],
        ),
    ];
    let e = engine(d);
    let (mut countries, mut located) = (0, 0);
    let (mut orgs, mut masked, mut labelled) = (0, 0, 0);
    for (text, org_names, places) in cases {
        let spans = e.analyze(text).expect("analysis runs");
        let entity_of = |value: &str| {
            let at = text.find(value).expect("value in text");
            spans
                .iter()
                .find(|s| s.start <= at && at + value.len() <= s.end)
                .map(|s| s.entity.to_string())
        };
        for p in *places {
            countries += 1;
            located += usize::from(entity_of(p).as_deref() == Some("LOCATION"));
        }
        for o in *org_names {
            orgs += 1;
            let got = entity_of(o);
            masked += usize::from(got.is_some());
            labelled += usize::from(got.as_deref() == Some("ORGANIZATION"));
        }
    }
    eprintln!(
        "{}: countries {located}/{countries} LOCATION; organisations {masked}/{orgs} masked, {labelled}/{orgs} ORGANIZATION",
        d.backend()
    );
    assert!(located * 10 >= countries * 9, "{located}/{countries}");
    assert!(masked * 10 >= orgs * 6, "{masked}/{orgs}");
    assert!(labelled * 10 >= orgs * 3, "{labelled}/{orgs}");
}

/// The two backends report the same spans on the golden sentences.
#[test]
#[cfg_attr(
    not(anonymist_ort),
    ignore = "needs ONNX Runtime: run scripts/fetch-onnxruntime"
)]
fn both_backends_agree_on_the_golden_sentences() {
    backends_agree(golden().into_iter().map(|g| g.text).collect());
}

/// The two backends report the same spans on a mixed set of texts: the
/// golden sentences and 300 of the synth set.
#[test]
#[cfg_attr(
    not(anonymist_ort),
    ignore = "needs ONNX Runtime: run scripts/fetch-onnxruntime"
)]
#[cfg_attr(
    all(anonymist_ort, not(anonymist_eval)),
    ignore = "needs ../shared/eval next to the checkout"
)]
fn both_backends_agree_on_the_new_model() {
    let mut texts: Vec<String> = golden().into_iter().map(|g| g.text).collect();
    let path = root().join("../shared/eval/presidio_synth_v2.jsonl");
    let data = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} is required here: {e}", path.display()));
    texts.extend(data.lines().take(300).map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
        v["text"].as_str().expect("text").to_string()
    }));
    backends_agree(texts);
}

/// The pure-Rust backend quantizes activations per window as ONNX Runtime
/// does: both report the same spans on `texts`, within float noise.
fn backends_agree(texts: Vec<String>) {
    let o = ort();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let a = pure().detect_many(&refs).expect("pure-Rust runs");
    let b = o.detect_many(&refs).expect("ONNX Runtime runs");
    let key = |v: &Vec<Span>| -> Vec<(usize, usize, String)> {
        v.iter()
            .map(|s| (s.start, s.end, s.entity.to_string()))
            .collect()
    };
    let differ: Vec<&str> = refs
        .iter()
        .zip(a.iter().zip(&b))
        .filter(|(_, (x, y))| key(x) != key(y))
        .map(|(t, _)| *t)
        .collect();
    // A score within float noise of the threshold may flip one span: one
    // rounding step of an activation moves a logit by up to ~0.25. Measured:
    // 4 of these 320 texts, and 15 to 21 of the 1,500 synth texts (also with
    // the fp32 products the backend used before its integer ones).
    assert!(
        differ.len() * 50 <= refs.len(),
        "{} of {} texts differ, e.g. {:?}",
        differ.len(),
        refs.len(),
        differ.first()
    );
}
