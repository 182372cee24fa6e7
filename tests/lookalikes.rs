//! The look-alike suite: the whole default engine over strings that resemble
//! PII and are not. At most 2% of them may be touched by any span; the rate
//! per class is printed (`cargo test --release --test lookalikes -- --nocapture`)
//! and recorded in BENCHMARKS.md.
//!
//! The engine is `Engine::builder().build()`, so whatever the default engine
//! holds (patterns today, the NER model once it is in the default) is tested.

mod lookalike_gen;
use lookalike_gen as lookalikes;

use anonymist::Engine;
use std::collections::BTreeMap;

const SEED: u64 = 0x5eed_da7e;
const PER_CLASS: usize = 120;
/// The largest share of look-alikes any span may touch.
const MAX_TOUCHED: f64 = 0.02;

#[test]
fn default_engine_leaves_lookalikes_alone() {
    check_lookalikes(Engine::builder().build().expect("default engine"));
}

/// The same suite with the shipped NER model added, as the CLI runs it.
/// Without the model-span checks of `src/ner/filter.rs` (the model's ID
/// labels, phones and number-only places) 48 % of the look-alikes were
/// touched.
#[test]
fn engine_with_the_model_leaves_lookalikes_alone() {
    let ner = anonymist::ner::NerDetector::load(&anonymist::ner::NerOptions {
        model_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/models").into(),
        ..Default::default()
    })
    .expect("the shipped model loads");
    check_lookalikes(
        Engine::builder()
            .detector(Box::new(ner))
            .build()
            .expect("engine"),
    );
}

fn check_lookalikes(engine: Engine) {
    let items = lookalikes::generate(SEED, PER_CLASS);
    let mut per_class: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut examples: Vec<String> = Vec::new();
    let mut by_entity: BTreeMap<String, usize> = BTreeMap::new();
    for item in &items {
        let spans = engine.analyze(&item.text).expect("analysis runs");
        let hit = spans
            .iter()
            .find(|s| s.start < item.value.end && item.value.start < s.end);
        let e = per_class.entry(item.class).or_default();
        e.1 += 1;
        if let Some(s) = hit {
            e.0 += 1;
            *by_entity.entry(s.entity.to_string()).or_default() += 1;
            let shown = examples
                .iter()
                .filter(|x| x.contains(&format!("-> {} ", s.entity)))
                .count();
            if shown < 6 {
                examples.push(format!(
                    "  {}: {:?} -> {} {:?}",
                    item.class,
                    item.text,
                    s.entity,
                    &item.text[s.start..s.end]
                ));
            }
        }
    }
    let touched: usize = per_class.values().map(|v| v.0).sum();
    let total: usize = per_class.values().map(|v| v.1).sum();
    println!(
        "\nLook-alikes touched by the default engine ({:?}):",
        engine.detector_names()
    );
    println!("| class | touched | total | rate |");
    println!("|---|---:|---:|---:|");
    for class in lookalikes::CLASSES {
        let (t, n) = per_class.get(class).copied().unwrap_or_default();
        println!(
            "| {class} | {t} | {n} | {:.3} |",
            t as f64 / n.max(1) as f64
        );
    }
    let rate = touched as f64 / total as f64;
    println!("| **all** | {touched} | {total} | {rate:.3} |");
    println!("touched by entity: {by_entity:?}");
    for e in &examples {
        println!("{e}");
    }
    assert!(
        rate <= MAX_TOUCHED,
        "{touched} of {total} look-alikes touched ({rate:.3} > {MAX_TOUCHED})"
    );
}

#[test]
fn generator_is_deterministic_and_covers_every_class() {
    let a = lookalikes::generate(SEED, 5);
    let b = lookalikes::generate(SEED, 5);
    assert_eq!(a.len(), lookalikes::CLASSES.len() * 5);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.text, y.text);
        assert_eq!(
            &x.text[x.value.clone()].len(),
            &y.text[y.value.clone()].len()
        );
    }
}
