//! "The `phonenumber` crate or hand rules?" Measures both phone validators on
//! the structured vectors and on phone-like near misses, with timings.
//!
//! ```text
//! cargo run --release --example phone_rules_compare [EVAL_DIR]
//! ```
//!
//! The hand rules cover the 7 default regions (US, GB, FR, DE, ES, IT, NL):
//! length plausibility and leading digits of the national significant number
//! (NSN). International numbers of other country codes only get an E.164
//! length check (8-15 digits). Not shipped in the library: see
//! BENCHMARKS.md, "Phone validation".

use phonenumber::country::Id;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;

const REGIONS: [Id; 7] = [Id::US, Id::GB, Id::FR, Id::DE, Id::ES, Id::IT, Id::NL];

/// Hand rule for one region on an NSN (digits, trunk prefix removed).
fn nsn_ok(region: &str, nsn: &[u8]) -> bool {
    let n = nsn.len();
    let Some(&f) = nsn.first() else { return false };
    match region {
        // NANP: NPA and NXX start with 2-9.
        "US" => n == 10 && f >= b'2' && nsn[3] >= b'2',
        // 1/2 geographic, 3 non-geographic, 5 corporate, 7 mobile, 8 free, 9 premium.
        "GB" => (9..=10).contains(&n) && matches!(f, b'1'..=b'3' | b'5' | b'7'..=b'9'),
        "FR" => n == 9 && f != b'0',
        "DE" => (6..=13).contains(&n) && f != b'0',
        "ES" => n == 9 && matches!(f, b'5'..=b'9'),
        // Fixed lines keep their leading 0; mobiles start with 3.
        "IT" => match f {
            b'0' => (6..=11).contains(&n),
            b'3' => (9..=10).contains(&n),
            b'8' => (6..=10).contains(&n),
            _ => false,
        },
        "NL" => (7..=10).contains(&n) && f != b'0',
        _ => false,
    }
}

/// The trunk prefix a national number must be written with.
fn trunk(region: &str) -> Option<u8> {
    match region {
        "GB" | "FR" | "DE" | "NL" => Some(b'0'),
        _ => None,
    }
}

fn country_code(region: &str) -> &'static str {
    match region {
        "US" => "1",
        "GB" => "44",
        "FR" => "33",
        "DE" => "49",
        "ES" => "34",
        "IT" => "39",
        _ => "31",
    }
}

const OURS: [&str; 7] = ["US", "GB", "FR", "DE", "ES", "IT", "NL"];

fn hand_valid(value: &str) -> bool {
    let international = value.starts_with('+') || value.starts_with("00");
    let digits: Vec<u8> = value.bytes().filter(u8::is_ascii_digit).collect();
    if international {
        let d = if value.starts_with("00") {
            &digits[2..]
        } else {
            &digits[..]
        };
        for r in OURS {
            let cc = country_code(r).as_bytes();
            if d.starts_with(cc) {
                let mut nsn = &d[cc.len()..];
                // "+44 (0)20 ...": a bracketed trunk zero.
                if trunk(r) == Some(b'0') && nsn.first() == Some(&b'0') {
                    nsn = &nsn[1..];
                }
                return nsn_ok(r, nsn);
            }
        }
        return (8..=15).contains(&d.len());
    }
    OURS.iter().any(|&r| match trunk(r) {
        Some(t) => digits.first() == Some(&t) && nsn_ok(r, &digits[1..]),
        None if r == "US" => {
            nsn_ok(r, &digits) || (digits.first() == Some(&b'1') && nsn_ok(r, &digits[1..]))
        }
        None => nsn_ok(r, &digits),
    })
}

/// The library's rule (src/recognizers/phone.rs), minus the separator checks.
fn crate_valid(value: &str) -> bool {
    if value.starts_with('+') || value.starts_with("00") {
        let normalized = match value.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => value.to_string(),
        };
        return phonenumber::parse(None, &normalized).is_ok_and(|n| phonenumber::is_valid(&n));
    }
    let lead_zero = value.bytes().find(u8::is_ascii_digit) == Some(b'0');
    REGIONS.iter().any(|&r| {
        let needs_zero = matches!(r, Id::GB | Id::FR | Id::DE | Id::NL);
        (lead_zero || !needs_zero)
            && phonenumber::parse(Some(r), value).is_ok_and(|n| phonenumber::is_valid(&n))
    })
}

/// Phone-like strings that are not phone numbers (each reaches the
/// validator: right digit count, one separator kind).
const NEAR_MISSES: &[&str] = &[
    "1234567890",
    "0000000000",
    "1111111111",
    "9999999999",
    "20240115",
    "202401151230",
    "1700000000",
    "1700000000123",
    "4111111111111111",
    "536904399",
    "123-456-7890",
    "555-555-5555",
    "000-000-0000",
    "99 99 99 99",
    "0123456789",
    "01234 567890",
    "12.34.56.78",
    "10 000 000",
    "1 234 567",
    "00 00 00 00 00",
    "2024 0115 1230",
    "0800 000000",
    "31 12 2024",
    "1234 5678",
];

#[derive(Default)]
struct Counts {
    valid: usize,
    valid_ok: [usize; 2],
    invalid: usize,
    invalid_ok: [usize; 2],
}

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| format!("{}/../shared/eval", env!("CARGO_MANIFEST_DIR")));
    let text = std::fs::read_to_string(format!("{dir}/structured_vectors.jsonl"))?;
    let mut groups: BTreeMap<String, Counts> = BTreeMap::new();
    let mut time = [0f64; 2];
    let mut calls = 0usize;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line)?;
        if v["kind"] != "PHONE" {
            continue;
        }
        let value = v["value"].as_str().unwrap_or("");
        let valid = v["valid"].as_bool().unwrap_or(false);
        let region = v["region"].as_str().unwrap_or("");
        let ours = OURS.contains(&region);
        let group = match (v["format"].as_str(), ours) {
            (Some("NATIONAL"), true) => "national, our 7",
            (Some("NATIONAL"), false) => "national, other regions",
            (_, true) => "international, our 7",
            (_, false) => "international, other regions",
        };
        let t = Instant::now();
        let c = crate_valid(value);
        time[0] += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let h = hand_valid(value);
        time[1] += t.elapsed().as_secs_f64();
        calls += 1;
        let g = groups.entry(group.to_string()).or_default();
        if valid {
            g.valid += 1;
            g.valid_ok[0] += c as usize;
            g.valid_ok[1] += h as usize;
        } else {
            g.invalid += 1;
            g.invalid_ok[0] += !c as usize;
            g.invalid_ok[1] += !h as usize;
        }
    }
    println!(
        "| group | valid | recall crate | recall hand | invalid | rejection crate | rejection hand |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let pct = |a: usize, b: usize| {
        if b == 0 {
            "-".to_string()
        } else {
            format!("{:.3}", a as f64 / b as f64)
        }
    };
    for (g, c) in &groups {
        println!(
            "| {g} | {} | {} | {} | {} | {} | {} |",
            c.valid,
            pct(c.valid_ok[0], c.valid),
            pct(c.valid_ok[1], c.valid),
            c.invalid,
            pct(c.invalid_ok[0], c.invalid),
            pct(c.invalid_ok[1], c.invalid)
        );
    }
    let mut rejected = [0usize; 2];
    for nm in NEAR_MISSES {
        let (c, h) = (crate_valid(nm), hand_valid(nm));
        rejected[0] += !c as usize;
        rejected[1] += !h as usize;
        println!(
            "near miss {nm:>16}: crate {}, hand {}",
            if c { "ACCEPTS" } else { "rejects" },
            if h { "ACCEPTS" } else { "rejects" }
        );
    }
    println!(
        "near misses rejected: crate {}/{n}, hand {}/{n}",
        rejected[0],
        rejected[1],
        n = NEAR_MISSES.len()
    );
    println!(
        "mean time per value: crate {:.1} us, hand {:.3} us ({calls} values)",
        time[0] / calls as f64 * 1e6,
        time[1] / calls as f64 * 1e6
    );
    Ok(())
}
