//! Times each built-in recognizer alone on generated prose (1 MB, PII every
//! ~2 KB), to find what dominates the pattern pass.
//! Run: cargo run --release --example profile_recognizers [all|phases]
//! (`all`: the whole pass, ITERS times; `phases`: the pass split by
//! prefilter phase, PHASE=<prefix> keeps one; SEED picks the text).
//! Instruction counts, steady state, independent of machine load:
//! run under `valgrind --tool=callgrind --toggle-collect='*PatternDetector*detect*'`
//! with ITERS=2 and ITERS=6 and divide the difference by 4.
use anonymist::Detector;
use anonymist::recognizers::{PatternDetector, PhoneRegions, builtin_recognizers};
use std::time::Instant;

include!("../benches/common/prose_gen.rs");

fn main() {
    let seed = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let text = prose(seed, 1 << 20, 2048);
    if std::env::args().nth(1).as_deref() == Some("phases") {
        // The pass split by prefilter phase (entities stand for phases).
        use anonymist::Entity;
        type Keep<'a> = &'a dyn Fn(&Entity) -> bool;
        let phases: [(&str, Keep); 4] = [
            ("dates+ages (every digit run)", &|e| {
                *e == Entity::DATE_TIME || *e == Entity::AGE
            }),
            ("secrets (full text)", &|e| *e == Entity::SECRET),
            ("email+url (byte windows)", &|e| {
                *e == Entity::EMAIL || *e == Entity::URL
            }),
            ("other (interesting digit runs)", &|e| {
                ![
                    Entity::DATE_TIME,
                    Entity::AGE,
                    Entity::SECRET,
                    Entity::EMAIL,
                    Entity::URL,
                ]
                .contains(e)
            }),
        ];
        eprintln!("digit runs: {}", count_runs(&text));
        let only = std::env::var("PHASE").ok();
        for (name, keep) in phases {
            if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
                continue;
            }
            let mut det = PatternDetector::new(builtin_recognizers(&PhoneRegions::default()));
            det.retain(keep);
            let mut out = Vec::new();
            let t = Instant::now();
            let iters: u32 = std::env::var("ITERS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(20);
            for _ in 0..iters {
                out.clear();
                det.detect(&text, &mut out).expect("patterns");
            }
            let ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(iters);
            println!("{name:32} {ms:8.2} ms/MB  {} spans", out.len());
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("all") {
        let det = PatternDetector::new(builtin_recognizers(&PhoneRegions::default()));
        let mut out = Vec::new();
        let iters: u32 = std::env::var("ITERS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20);
        let t = Instant::now();
        for _ in 0..iters {
            out.clear();
            det.detect(&text, &mut out).expect("patterns");
        }
        println!(
            "all x{iters}: {:.2} ms/MB",
            t.elapsed().as_secs_f64() * 1000.0 / f64::from(iters)
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
/// Runs of ASCII digits in `text`.
fn count_runs(text: &str) -> usize {
    text.as_bytes()
        .windows(2)
        .filter(|w| !w[0].is_ascii_digit() && w[1].is_ascii_digit())
        .count()
}
