// Seeded text generators shared by benches/patterns.rs and
// examples/profile_recognizers.rs (included with `include!`; a file in a
// subfolder of benches/ is not a bench target of its own).

/// xorshift64*: a seeded, dependency-free generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "is",
    "that",
    "for",
    "it",
    "as",
    "was",
    "with",
    "be",
    "by",
    "on",
    "not",
    "he",
    "this",
    "are",
    "or",
    "his",
    "from",
    "at",
    "which",
    "but",
    "have",
    "an",
    "had",
    "they",
    "you",
    "were",
    "their",
    "one",
    "all",
    "we",
    "can",
    "her",
    "has",
    "there",
    "been",
    "if",
    "more",
    "when",
    "will",
    "would",
    "who",
    "so",
    "no",
    "customer",
    "account",
    "meeting",
    "report",
    "project",
    "review",
    "quarterly",
    "numbers",
    "team",
    "office",
    "request",
    "delivery",
    "schedule",
    "contract",
    "Monday",
    "London",
    "Paris",
    "manager",
    "support",
    "payment",
    "agreed",
    "following",
    "between",
    "however",
    "because",
    "several",
    "important",
];

/// One PII item (values are synthetic; cards and IBANs are test numbers).
fn pii(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => format!("john.doe{}@example.com", rng.below(1000)),
        1 => format!("+44 20 7946 {:04}", rng.below(10000)),
        2 => "4111 1111 1111 1111".to_string(),
        3 => "GB82 WEST 1234 5698 7654 32".to_string(),
        4 => format!(
            "10.{}.{}.{}",
            rng.below(256),
            rng.below(256),
            rng.below(256)
        ),
        5 => "536-90-4399".to_string(),
        6 => format!("https://www.example.org/u/{}", rng.below(100000)),
        _ => format!("(415) 555-{:04}", rng.below(10000)),
    }
}

/// English-like prose of about `len` bytes, with one PII item every `every`
/// bytes on average, and the odd harmless number (years, counts).
fn prose(seed: u64, len: usize, every: usize) -> String {
    let mut rng = Rng(seed);
    let mut s = String::with_capacity(len + 256);
    let mut next_pii = every / 2;
    while s.len() < len {
        let sentence = 6 + rng.below(14);
        for i in 0..sentence {
            let w = rng.pick(WORDS);
            if i == 0 {
                let mut c = w.chars();
                if let Some(f) = c.next() {
                    s.extend(f.to_uppercase());
                    s.push_str(c.as_str());
                }
            } else {
                s.push_str(w);
            }
            s.push(' ');
            if rng.below(40) == 0 {
                s.push_str(&format!("{} ", 1990 + rng.below(40)));
            }
            if s.len() >= next_pii {
                s.push_str(&pii(&mut rng));
                s.push(' ');
                next_pii = s.len() + every / 2 + rng.below(every);
            }
        }
        s.pop();
        s.push_str(". ");
        if rng.below(6) == 0 {
            s.push('\n');
        }
    }
    s
}
