//! Strings that look like PII and are not: the default engine must leave
//! them alone (an over-masked order number or version makes an LLM's answer
//! useless). Each class is a list of typical shapes, written for this test.

use anonymist::Engine;

fn touched(engine: &Engine, text: &str) -> Vec<String> {
    engine
        .analyze(text)
        .expect("analysis runs")
        .iter()
        .map(|s| format!("{}:{}", s.entity, &text[s.start..s.end]))
        .collect()
}

fn assert_untouched(class: &str, cases: &[&str]) {
    let engine = Engine::builder().build().expect("default engine");
    for text in cases {
        let found = touched(&engine, text);
        assert!(found.is_empty(), "{class}: {text:?} -> {found:?}");
    }
}

#[test]
fn order_ticket_and_invoice_ids() {
    assert_untouched(
        "ids",
        &[
            "Order #4155552671 has shipped",
            "order number: 4155552671",
            "Invoice INV-2024-004512 is overdue",
            "invoice 415-555-2671 attached",
            "Ticket #20240315 was closed",
            "ref: 123456782",
            "Tracking 1Z999AA10123456784 in transit",
            "PO 4500012345 approved",
            "SKU 123-45-6789-XL",
            "case 536904399 updated",
        ],
    );
}

#[test]
fn versions_and_builds() {
    assert_untouched(
        "versions",
        &[
            "upgrade to version 10.2.3.4567",
            "running v1.2.3 on node 18.17.1",
            "build 2024.03.05.1 passed",
            "kernel 5.15.0-105-generic",
            "requires python>=3.11,<3.13",
            "OID 1.3.6.1.4.1.311",
            "chrome/124.0.6367.91",
        ],
    );
}

#[test]
fn durations_are_untouched() {
    assert_untouched(
        "durations",
        &[
            "elapsed 00:12:45.120",
            "uptime 1234567 seconds",
            "took 350ms",
            "lap 1:23.456",
            "timeout 12:30 min",
        ],
    );
}

/// Timestamps are personal dates (DATE_TIME, issue 7): they are masked as a
/// whole, and nothing inside them is taken for a phone, an IP or an id.
#[test]
fn timestamps_are_dates_and_nothing_else() {
    let engine = Engine::builder().build().expect("default engine");
    for (text, want) in [
        ("2024-03-05 14:02:11", vec!["DATE_TIME:2024-03-05 14:02:11"]),
        (
            "2024-03-05T14:02:11.123Z took 350ms",
            vec!["DATE_TIME:2024-03-05T14:02:11.123Z"],
        ),
        (
            "[05/Mar/2024:14:02:11 +0000] GET /index.html 200 1534",
            vec!["DATE_TIME:05/Mar/2024:14:02:11 +0000"],
        ),
        (
            "Mar  5 14:02:11 host sshd[1234]: session opened",
            vec!["DATE_TIME:Mar  5 14:02:11"],
        ),
    ] {
        assert_eq!(touched(&engine, text), want, "{text:?}");
    }
}

#[test]
fn amounts_and_measurements() {
    assert_untouched(
        "amounts",
        &[
            "total 1,234,567.89 USD",
            "total 1.234.567,89 EUR",
            "amount: 12 345 678,90 €",
            "weight 1234.5678 kg",
            "pi is 3.14159265358979323846",
            "file size 4194304 bytes",
            "latency p99 = 1234567 ns",
        ],
    );
}

#[test]
fn hashes_and_uuids() {
    assert_untouched(
        "hashes",
        &[
            "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
            "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "request id 550e8400-e29b-41d4-a716-446655440000",
            "etag \"33a64df551425fcc55e4d42a148795d9f25f89d4\"",
        ],
    );
}

#[test]
fn long_numbers_that_fail_luhn() {
    assert_untouched(
        "luhn",
        &[
            "account ref 4111111111111112",
            "serial 1234567890123456789",
            "barcode 5901234123458",
            "id 4111 1111 1111 1112",
        ],
    );
}

#[test]
fn code_and_file_names() {
    assert_untouched(
        "code",
        &[
            "see std::io::Result and Vec::new",
            "edit main.py and lib.rs",
            "open config.yaml or README.md",
            "call foo.bar.baz()",
            "the 0x7fff5fbff8c8 pointer",
        ],
    );
}
