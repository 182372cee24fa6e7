//! The engine never panics and always returns well-formed spans, whatever
//! the text: random mixes of digits, separators, letters, multibyte chars
//! and PII-like fragments (a small seeded fuzzer).

use anonymist::Engine;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "0",
    "1",
    "4",
    "9",
    "12",
    "2024",
    "4111",
    " ",
    "-",
    ".",
    ":",
    "/",
    "+",
    "@",
    "#",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "_",
    "a",
    "Z",
    "x",
    "é",
    "漢",
    "字",
    "👋",
    "\u{a0}",
    "\n",
    "\t",
    "ß",
    "İ",
    "GB82",
    "WEST",
    "AKIA",
    "eyJ",
    "xn--",
    "::",
    "www.",
    "http://",
    "https://",
    ".com",
    ".广告",
    "@例子",
    "ssn",
    "phone",
    "order",
    "v",
    "IBAN",
    "-----BEGIN PRIVATE KEY-----",
    "Bearer ",
    "00",
    "+44",
    "ghp_",
    "sk_live_",
    "\u{200b}",
    "\u{301}",
];

#[test]
fn random_text_never_panics_and_spans_are_well_formed() {
    let engine = Engine::builder().build().expect("engine");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let n = 1 + (rng.next() % 40) as usize;
        let text: String = (0..n).map(|_| rng.pick(PIECES)).collect();
        let spans = engine.analyze(&text).expect("analysis runs");
        let mut last = 0;
        for s in &spans {
            assert!(s.start < s.end && s.end <= text.len(), "{text:?}: {s:?}");
            assert!(
                text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                "{text:?}: {s:?}"
            );
            assert!(s.start >= last, "overlap in {text:?}");
            last = s.end;
        }
        let out = engine.anonymize(&text).expect("anonymize runs");
        assert_eq!(out.items.len(), spans.len());
    }
}
