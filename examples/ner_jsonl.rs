//! Runs the NER detector over a JSONL file, for accuracy scoring.
//!
//! ```text
//! cargo run --release --example ner_jsonl -- IN.jsonl [--backend auto|ort|pure] [--batch N] > OUT.jsonl
//! ```
//!
//! Reads lines `{"id", "text", ...}` and writes `{"id", "spans": [{"start",
//! "end", "label", "score"}]}` with code-point offsets (what
//! `shared/eval/score.py` expects). Texts are processed in groups of 64 with
//! [`NerDetector::detect_many`], so windows of different texts share batches.
//! Timing goes to stderr.

use anonymist::ner::{BackendChoice, NerDetector, NerOptions};
use anonymist::offsets::CharIndex;
use anyhow::{Context, bail};
use std::io::{BufRead, BufWriter, Write};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut input = None;
    let mut opts = NerOptions::default();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--backend" => {
                opts.backend = match args.next().as_deref() {
                    Some("auto") => BackendChoice::Auto,
                    Some("ort") => BackendChoice::OnnxRuntime,
                    Some("pure") => BackendChoice::PureRust,
                    _ => bail!("--backend takes auto, ort or pure"),
                }
            }
            "--batch" => opts.batch_size = args.next().context("--batch N")?.parse()?,
            "--threads" => opts.threads = args.next().context("--threads N")?.parse()?,
            "--min-score" => opts.min_score = args.next().context("--min-score X")?.parse()?,
            "--window" => opts.window_tokens = args.next().context("--window N")?.parse()?,
            "--stride" => opts.stride = args.next().context("--stride N")?.parse()?,
            "--model-dir" => opts.model_dir = args.next().context("--model-dir DIR")?.into(),
            _ if input.is_none() => input = Some(a),
            _ => bail!("unexpected argument {a}"),
        }
    }
    let input = input.context("usage: ner_jsonl IN.jsonl [--backend auto|ort|pure] [--batch N]")?;
    let t0 = std::time::Instant::now();
    let ner = NerDetector::load(&opts)?;
    eprintln!(
        "backend: {} (loaded in {:.2?})",
        ner.backend(),
        t0.elapsed()
    );

    let file = std::fs::File::open(&input).with_context(|| format!("cannot open {input}"))?;
    let mut records = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("{input}:{}: invalid JSON", n + 1))?;
        let text = v["text"]
            .as_str()
            .with_context(|| format!("{input}:{}: no text", n + 1))?
            .to_string();
        records.push((v["id"].clone(), text));
    }

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let t1 = std::time::Instant::now();
    for group in records.chunks(64) {
        let texts: Vec<&str> = group.iter().map(|(_, t)| t.as_str()).collect();
        let found = ner.detect_many(&texts)?;
        for ((id, text), spans) in group.iter().zip(found) {
            let idx = CharIndex::new(text);
            let spans: Vec<_> = spans
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "start": idx.to_char(s.start),
                        "end": idx.to_char(s.end),
                        "label": s.entity.as_str(),
                        "score": (s.score * 1e4).round() / 1e4,
                    })
                })
                .collect();
            serde_json::to_writer(&mut out, &serde_json::json!({"id": id, "spans": spans}))?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    let secs = t1.elapsed().as_secs_f64();
    eprintln!(
        "{} records in {secs:.2} s: {:.1} records/s",
        records.len(),
        records.len() as f64 / secs
    );
    Ok(())
}
