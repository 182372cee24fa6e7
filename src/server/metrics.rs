//! Prometheus metrics: request counts, latency histograms and entity counts.
//! Labels are routes, status codes and entity types — never values.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Histogram bucket upper bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    entities: BTreeMap<String, u64>,
    upstream_errors: u64,
    detection_failures: u64,
}

/// The server's metrics. Cheap to update (one short lock).
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    pub fn observe_request(&self, route: &str, status: u16, elapsed: Duration) {
        let Ok(mut m) = self.inner.lock() else { return };
        *m.requests.entry((route.to_string(), status)).or_default() += 1;
        let h = m.latency.entry(route.to_string()).or_default();
        let secs = elapsed.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    pub fn count_entity(&self, entity: &str, n: u64) {
        if let Ok(mut m) = self.inner.lock() {
            *m.entities.entry(entity.to_string()).or_default() += n;
        }
    }

    pub fn upstream_error(&self) {
        if let Ok(mut m) = self.inner.lock() {
            m.upstream_errors += 1;
        }
    }

    pub fn detection_failure(&self) {
        if let Ok(mut m) = self.inner.lock() {
            m.detection_failures += 1;
        }
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let Ok(m) = self.inner.lock() else {
            return String::new();
        };
        let mut out = String::new();
        out.push_str("# HELP anonymist_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE anonymist_requests_total counter\n");
        for ((route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "anonymist_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP anonymist_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE anonymist_request_duration_seconds histogram\n");
        for (route, h) in &m.latency {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "anonymist_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "anonymist_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "anonymist_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "anonymist_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP anonymist_entities_total Entities found, by type.\n");
        out.push_str("# TYPE anonymist_entities_total counter\n");
        for (e, n) in &m.entities {
            let _ = writeln!(out, "anonymist_entities_total{{entity=\"{e}\"}} {n}");
        }
        out.push_str(
            "# HELP anonymist_upstream_errors_total Upstream failures (connect, timeout, 5xx).\n",
        );
        out.push_str("# TYPE anonymist_upstream_errors_total counter\n");
        let _ = writeln!(out, "anonymist_upstream_errors_total {}", m.upstream_errors);
        out.push_str("# HELP anonymist_detection_failures_total Requests refused because detection failed.\n");
        out.push_str("# TYPE anonymist_detection_failures_total counter\n");
        let _ = writeln!(
            out,
            "anonymist_detection_failures_total {}",
            m.detection_failures
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe_request("/analyze", 200, Duration::from_micros(700));
        m.observe_request("/analyze", 200, Duration::from_millis(30));
        m.count_entity("EMAIL", 2);
        let text = m.render();
        assert!(text.contains("anonymist_requests_total{route=\"/analyze\",status=\"200\"} 2"));
        assert!(text.contains("le=\"0.001\"} 1"));
        assert!(text.contains("le=\"0.05\"} 2"));
        assert!(text.contains("anonymist_entities_total{entity=\"EMAIL\"} 2"));
    }
}
