//! Times each built-in recognizer alone on generated prose (1 MB, PII every
//! ~2 KB), to find what dominates the pattern pass.
//! Run: cargo run --release --example profile_recognizers
use anonymist::Detector;
use anonymist::recognizers::{PatternDetector, PhoneRegions, builtin_recognizers};
use std::time::Instant;

include!("../benches/common/prose_gen.rs");

fn main() {
    let text = prose(7, 1 << 20, 2048);
    if std::env::args().nth(1).as_deref() == Some("all") {
        let det = PatternDetector::new(builtin_recognizers(&PhoneRegions::default()));
        let mut out = Vec::new();
        let t = Instant::now();
        for _ in 0..20 {
            out.clear();
            det.detect(&text, &mut out).expect("patterns");
        }
        println!(
            "all x20: {:.2} ms/MB",
            t.elapsed().as_secs_f64() * 1000.0 / 20.0
        );
        return;
    }
    let names: Vec<String> = builtin_recognizers(&PhoneRegions::default())
        .iter()
        .map(|r| r.name.to_string())
        .collect();
    for name in names {
        let mut recs = builtin_recognizers(&PhoneRegions::default());
        recs.retain(|r| r.name == name);
        let det = PatternDetector::new(recs);
        let mut out = Vec::new();
        let t = Instant::now();
        for _ in 0..5 {
            out.clear();
            det.detect(&text, &mut out).expect("patterns");
        }
        let ms = t.elapsed().as_secs_f64() * 1000.0 / 5.0;
        println!("{name:20} {ms:8.2} ms/MB  {} spans", out.len());
    }
    let det = PatternDetector::new(builtin_recognizers(&PhoneRegions::default()));
    let mut out = Vec::new();
    let t = Instant::now();
    det.detect(&text, &mut out).expect("patterns");
    println!(
        "all                  {:8.2} ms/MB  windows {}",
        t.elapsed().as_secs_f64() * 1000.0,
        anonymist::recognizers::digit_windows(&text).len()
    );
}
