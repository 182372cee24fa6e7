//! Runs the pattern pass over a file and prints the span count (and, with
//! `--per-recognizer`, the time each recognizer takes alone).
//!
//! ```text
//! cargo run --release --example scan_file -- FILE [--per-recognizer]
//! ```
//! Used by `scripts/bench-bigline.sh` to measure time and peak memory.

use anonymist::Detector;
use anonymist::recognizers::{PatternDetector, PhoneRegions, builtin_recognizers};
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: scan_file FILE [--per-recognizer]"))?;
    let per = args.next().as_deref() == Some("--per-recognizer");
    let text = std::fs::read_to_string(&path)?;
    if per {
        let n = builtin_recognizers(&PhoneRegions::default()).len();
        for i in 0..n {
            let mut all = builtin_recognizers(&PhoneRegions::default());
            let r = all.swap_remove(i);
            let name = r.name.clone();
            let det = PatternDetector::new(vec![r]);
            let t = Instant::now();
            let mut out = Vec::new();
            det.detect(&text, &mut out)?;
            let s = t.elapsed().as_secs_f64();
            println!(
                "{name:>20}: {:8.1} ms  {:8.1} MB/s  {} spans",
                s * 1e3,
                text.len() as f64 / s / 1e6,
                out.len()
            );
        }
    }
    let det = PatternDetector::new(builtin_recognizers(&PhoneRegions::default()));
    let t = Instant::now();
    let mut out = Vec::new();
    det.detect(&text, &mut out)?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "spans: {}  bytes: {}  seconds: {:.3}  MB/s: {:.1}",
        out.len(),
        text.len(),
        s,
        text.len() as f64 / s / 1e6
    );
    Ok(())
}
