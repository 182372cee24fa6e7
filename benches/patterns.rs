//! Throughput of the pattern pass (single-threaded), on generated text:
//!
//! - `prose_sparse`: ~1 MB of English-like prose with a PII item every ~2 KB;
//! - `prose_dense`: the same prose with a PII item every ~100 bytes;
//! - `log_10mb`: 10 MB of syslog/nginx-like lines (timestamps, IPs, user ids,
//!   durations, some e-mails).
//!
//! - `records_*`: 2,000 short records (~100-200 bytes: chat, ticket and log
//!   lines), each analyzed on its own, as the JSONL path does.
//!
//! Each input runs twice: with every built-in recognizer (`patterns/…`), and
//! without the date family (`patterns_no_dates/…`: DATE_TIME and AGE
//! removed), so the relative cost of the dates is measured on the same
//! machine at the same time.
//!
//! Run: `cargo bench --bench patterns`. Figures: BENCHMARKS.md.
//!

use anonymist::recognizers::{PatternDetector, PhoneRegions, builtin_recognizers};
use anonymist::{Detector, Entity};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

include!("common/prose_gen.rs");

/// Syslog / nginx-like lines, about `len` bytes.
fn log(seed: u64, len: usize) -> String {
    let mut rng = Rng(seed);
    let mut s = String::with_capacity(len + 256);
    let paths = [
        "/api/v1/orders",
        "/login",
        "/static/app.js",
        "/health",
        "/api/v2/users",
    ];
    let hosts = ["web-01", "web-02", "db-01", "cache-03"];
    while s.len() < len {
        let (h, m, sec, ms) = (rng.below(24), rng.below(60), rng.below(60), rng.below(1000));
        if rng.below(2) == 0 {
            s.push_str(&format!(
                "2024-03-{:02}T{h:02}:{m:02}:{sec:02}.{ms:03}Z {} sshd[{}]: Accepted publickey for user{} from 192.168.{}.{} port {} ssh2\n",
                1 + rng.below(28),
                rng.pick(&hosts),
                1000 + rng.below(60000),
                rng.below(5000),
                rng.below(256),
                rng.below(256),
                1024 + rng.below(60000),
            ));
        } else {
            let email = if rng.below(10) == 0 {
                format!(" user={}@example.com", rng.pick(WORDS))
            } else {
                String::new()
            };
            s.push_str(&format!(
                "10.{}.{}.{} - - [12/Mar/2024:{h:02}:{m:02}:{sec:02} +0000] \"GET {}?id={} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0\" rt={}.{:03} uid={}{email}\n",
                rng.below(256),
                rng.below(256),
                rng.below(256),
                rng.pick(&paths),
                rng.below(1_000_000),
                [200, 200, 200, 301, 404, 500][rng.below(6)],
                rng.below(100_000),
                rng.below(3),
                rng.below(1000),
                rng.below(100_000),
            ));
        }
    }
    s
}

/// Short records such as the JSONL path sees: chat messages, ticket lines and
/// log lines, a third of them with a date, a time or an age.
fn records(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let mut s = String::new();
            for _ in 0..(8 + rng.below(16)) {
                s.push_str(rng.pick(WORDS));
                s.push(' ');
            }
            match rng.below(6) {
                0 => s.push_str(&format!(
                    "on {} March 2024 at 14:{:02}",
                    1 + rng.below(28),
                    rng.below(60)
                )),
                1 => s.push_str(&format!(
                    "2024-03-{:02}T10:{:02}:00Z",
                    1 + rng.below(28),
                    rng.below(60)
                )),
                2 => s.push_str(&format!("a {}-year-old customer", 18 + rng.below(70))),
                3 => s.push_str(&pii(&mut rng)),
                _ => s.push_str(&format!("{} items", rng.below(500))),
            }
            s
        })
        .collect()
}

fn bench_patterns(c: &mut Criterion) {
    let all = PatternDetector::new(builtin_recognizers(&PhoneRegions::default()));
    let mut no_dates = PatternDetector::new(builtin_recognizers(&PhoneRegions::default()));
    no_dates.retain(|e| *e != Entity::DATE_TIME && *e != Entity::AGE);
    let inputs = [
        ("prose_sparse_1mb", prose(1, 1 << 20, 2048)),
        ("prose_dense_1mb", prose(2, 1 << 20, 100)),
        ("log_10mb", log(3, 10 << 20)),
    ];
    let recs = records(4, 2000);
    let rec_bytes: usize = recs.iter().map(String::len).sum();
    for (group_name, det) in [("patterns", &all), ("patterns_no_dates", &no_dates)] {
        let mut group = c.benchmark_group(group_name);
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(4));
        group.warm_up_time(Duration::from_secs(1));
        for (name, text) in &inputs {
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_function(*name, |b| {
                let mut out = Vec::new();
                b.iter(|| {
                    out.clear();
                    det.detect(black_box(text), &mut out)
                        .expect("patterns never fail");
                    black_box(out.len())
                })
            });
        }
        group.throughput(Throughput::Bytes(rec_bytes as u64));
        group.bench_function("records_2000", |b| {
            let mut out = Vec::new();
            b.iter(|| {
                let mut n = 0;
                for r in &recs {
                    out.clear();
                    det.detect(black_box(r), &mut out)
                        .expect("patterns never fail");
                    n += out.len();
                }
                black_box(n)
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_patterns);
criterion_main!(benches);
