//! NER pass: our whole pipeline (tokenize, window, batch, run, decode, merge)
//! next to the backend alone on the same prepared tensors, for both backends.
//!
//! `cargo bench --bench ner`. Groups:
//! - `ner/eval/<backend>/<e2e|model>/b<N>`: 64 short texts from
//!   `../shared/eval/presidio_synth_v2.jsonl` (synthetic sentences if absent),
//!   windows batched N at a time; throughput in tokens.
//! - `ner/long/<backend>/<e2e|model>/b<N>`: one text of about 1,800 tokens (4
//!   windows of up to 510 tokens); time per iteration / windows = window latency.
//!
//! The ONNX Runtime rows are skipped when `scripts/fetch-onnxruntime` has not
//! been run.

use anonymist::ner::{BackendChoice, NerDetector, NerOptions};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use std::time::Duration;

fn eval_texts(n: usize) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/presidio_synth_v2.jsonl");
    if let Ok(raw) = std::fs::read_to_string(path) {
        return raw
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_string))
            .take(n)
            .collect();
    }
    (0..n)
        .map(|i| format!("Ticket {i}: John Smith asked us to call him at 555-0100 or write to john{i}@example.com."))
        .collect()
}

fn long_text() -> String {
    "The meeting with Maria Garcia was moved to the afternoon because of the weather in Boston. "
        .repeat(100)
}

fn detector(backend: BackendChoice, batch: usize) -> Option<NerDetector> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = root.join(".ort/libonnxruntime.so.1.31.1");
    let mut o = NerOptions {
        model_dir: root.join("models"),
        backend,
        batch_size: batch,
        ..NerOptions::default()
    };
    if backend == BackendChoice::OnnxRuntime {
        if std::env::var_os("ORT_DYLIB_PATH").is_none() && !lib.is_file() {
            eprintln!("skipping ONNX Runtime: run scripts/fetch-onnxruntime");
            return None;
        }
        if std::env::var_os("ORT_DYLIB_PATH").is_none() {
            o.ort_lib = Some(lib);
        }
    }
    Some(NerDetector::load(&o).expect("model loads"))
}

fn tokens(d: &NerDetector, texts: &[&str]) -> u64 {
    d.prepare_batches(texts)
        .expect("prepare")
        .iter()
        .map(|b| b.lens.iter().sum::<usize>() as u64)
        .sum()
}

fn bench(c: &mut Criterion) {
    let texts = eval_texts(64);
    let short: Vec<&str> = texts.iter().map(String::as_str).collect();
    let long = long_text();
    let long_refs = [long.as_str()];
    for (backend, name) in [
        (BackendChoice::PureRust, "pure-rust"),
        (BackendChoice::OnnxRuntime, "onnxruntime"),
    ] {
        let mut g = c.benchmark_group(format!("ner/eval/{name}"));
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4));
        for batch in [1, 8, 32] {
            let Some(d) = detector(backend, batch) else {
                break;
            };
            g.throughput(Throughput::Elements(tokens(&d, &short)));
            let prepared = d.prepare_batches(&short).expect("prepare");
            g.bench_with_input(
                BenchmarkId::new("e2e", format!("b{batch}")),
                &short,
                |b, t| b.iter(|| d.detect_many(t).expect("detect")),
            );
            g.bench_with_input(
                BenchmarkId::new("model", format!("b{batch}")),
                &prepared,
                |b, p| {
                    b.iter(|| {
                        p.iter()
                            .map(|x| d.run_batch(x).expect("run").len())
                            .sum::<usize>()
                    })
                },
            );
        }
        g.finish();

        let mut g = c.benchmark_group(format!("ner/long/{name}"));
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(6));
        for batch in [1, 8] {
            let Some(d) = detector(backend, batch) else {
                break;
            };
            g.throughput(Throughput::Elements(tokens(&d, &long_refs)));
            let prepared = d.prepare_batches(&long_refs).expect("prepare");
            assert_eq!(
                prepared.iter().map(|p| p.batch()).sum::<usize>(),
                4,
                "4 windows"
            );
            g.bench_with_input(
                BenchmarkId::new("e2e", format!("b{batch}")),
                &long_refs,
                |b, t| b.iter(|| d.detect_many(t).expect("detect")),
            );
            g.bench_with_input(
                BenchmarkId::new("model", format!("b{batch}")),
                &prepared,
                |b, p| {
                    b.iter(|| {
                        p.iter()
                            .map(|x| d.run_batch(x).expect("run").len())
                            .sum::<usize>()
                    })
                },
            );
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
