//! A seeded generator of look-alikes: strings that resemble PII and are not
//! (versions, build numbers, amounts, business ids, hashes, UUIDs,
//! measurements, HTTP timings, file sizes, numbers failing Luhn, impossible
//! dates, common words that are also names), placed in log, ticket, chat and
//! JSON shapes in six languages. No external data: every value is built here.

/// xorshift64*: a seeded, dependency-free generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16) as usize]))
            .collect()
    }
    fn upper(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'A' + self.below(26) as u8))
            .collect()
    }
}

/// One look-alike: its class, the full text, and where the value sits in it.
#[allow(dead_code)] // each test reads the fields it needs
pub struct LookAlike {
    pub class: &'static str,
    pub text: String,
    pub value: std::ops::Range<usize>,
}

/// The classes, in report order.
pub const CLASSES: &[&str] = &[
    "version",
    "build_number",
    "amount",
    "business_id",
    "hash",
    "uuid",
    "measurement",
    "http_timing",
    "file_size",
    "luhn_fail",
    "impossible_date",
    "name_word",
];

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Thousands and decimal separators of several locales.
fn amount(rng: &mut Rng) -> String {
    let int = rng.range(1_000, 99_999_999);
    let cents = rng.below(100);
    let group = |sep: &str| {
        let s = int.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    };
    match rng.below(8) {
        0 => format!("${}.{cents:02}", group(",")),
        1 => format!("{},{cents:02} €", group(".")),
        2 => format!("{},{cents:02} €", group("\u{a0}")),
        3 => format!("CHF {}.{cents:02}", group("'")),
        4 => format!("£{}.{cents:02}", group(",")),
        5 => format!("{}.{cents:02} USD", group(",")),
        6 => format!("EUR {},{cents:02}", group(" ")),
        _ => format!("{} ¥", group(",")),
    }
}

fn value(class: &str, rng: &mut Rng) -> String {
    match class {
        "version" => match rng.below(7) {
            0 => format!("v{}.{}.{}", rng.below(20), rng.below(40), rng.below(100)),
            1 => format!(
                "{}.{}.{}-beta.{}",
                rng.below(10),
                rng.below(30),
                rng.below(30),
                rng.below(9)
            ),
            2 => format!("^{}.{}.{}", rng.below(10), rng.below(13), rng.range(1, 31)),
            3 => format!(
                ">={}.{},<{}.{}",
                rng.range(1, 3),
                rng.below(12),
                rng.range(3, 4),
                rng.below(14)
            ),
            4 => format!(
                "version {}.{}.{}",
                rng.range(1, 12),
                rng.range(1, 12),
                rng.range(10, 31)
            ),
            5 => format!(
                "{}.{}.{}.{}",
                rng.range(1, 12),
                rng.range(0, 12),
                rng.range(0, 12),
                rng.range(1000, 9999)
            ),
            _ => format!(
                "~{}.{}.{}",
                rng.range(1, 9),
                rng.range(1, 12),
                rng.range(1, 28)
            ),
        },
        "build_number" => match rng.below(5) {
            0 => format!("build {}", rng.range(100, 99999)),
            1 => format!(
                "Build #{}.{:02}.{}",
                rng.range(2019, 2026),
                rng.range(1, 12),
                rng.range(1, 9999)
            ),
            2 => format!("release-{}.{}", rng.range(1, 40), rng.range(0, 20)),
            3 => format!("r{}", rng.range(10000, 999999)),
            _ => format!(
                "build {}.{}.{}.{}",
                rng.range(2019, 2026),
                rng.range(1, 12),
                rng.range(1, 28),
                rng.range(1, 9)
            ),
        },
        "amount" => amount(rng),
        "business_id" => match rng.below(7) {
            0 => format!("Order #{}", rng.digits(10)),
            1 => format!("INV-{}-{}", rng.range(2019, 2026), rng.digits(6)),
            2 => format!("TCK-{}", rng.digits(5)),
            3 => format!("{}-{}", rng.upper(3), rng.range(10, 9999)),
            4 => format!(
                "1Z{}{}",
                rng.upper(6).replace(['I', 'O'], "X"),
                rng.digits(10)
            ),
            5 => format!("PO {}", rng.digits(10)),
            _ => format!("SKU {}-{}-{}", rng.digits(3), rng.digits(2), rng.upper(2)),
        },
        "hash" => match rng.below(3) {
            0 => rng.hex(7),
            1 => rng.hex(40),
            _ => rng.hex(64),
        },
        "uuid" => format!(
            "{}-{}-4{}-{}{}-{}",
            rng.hex(8),
            rng.hex(4),
            rng.hex(3),
            rng.pick(&["8", "9", "a", "b"]),
            rng.hex(3),
            rng.hex(12)
        ),
        "measurement" => match rng.below(8) {
            0 => format!("{}.{} kg", rng.range(1, 200), rng.below(10)),
            1 => format!("{},{} km", rng.range(1, 900), rng.below(10)),
            2 => format!("{} ms", rng.range(1, 9999)),
            3 => format!("{}h {}m", rng.range(1, 30), rng.range(1, 59)),
            4 => format!(
                "{:02}:{:02}:{:02}.{:03}",
                rng.below(3),
                rng.below(60),
                rng.below(60),
                rng.below(1000)
            ),
            5 => format!("{} °C", rng.range(1, 45)),
            6 => format!("{}x{} px", rng.range(100, 4000), rng.range(100, 3000)),
            _ => format!("{:02}:{:02} min", rng.range(1, 59), rng.below(60)),
        },
        "http_timing" => format!(
            "{} {} {} {}.{}ms",
            rng.pick(&["GET", "POST", "PUT", "DELETE"]),
            rng.pick(&["/api/v1/orders", "/health", "/login", "/static/app.js"]),
            rng.pick(&["200", "201", "204", "301", "404", "500", "503"]),
            rng.range(1, 2500),
            rng.below(10)
        ),
        "file_size" => match rng.below(4) {
            0 => format!("{}.{} MB", rng.range(1, 999), rng.below(10)),
            1 => format!("{} bytes", rng.range(1000, 99_999_999)),
            2 => format!("{} GiB", rng.range(1, 512)),
            _ => format!("{},{} Ko", rng.range(1, 999), rng.below(10)),
        },
        "luhn_fail" => {
            let len = rng.range(13, 19) as usize;
            let mut d = rng.digits(len);
            if luhn_ok(&d) {
                let last = (d.as_bytes()[len - 1] - b'0' + 1) % 10;
                d.replace_range(len - 1.., &last.to_string());
            }
            if rng.below(3) == 0 && len == 16 {
                format!("{} {} {} {}", &d[..4], &d[4..8], &d[8..12], &d[12..])
            } else {
                d
            }
        }
        "impossible_date" => match rng.below(6) {
            0 => format!(
                "{}-{}-{}",
                rng.range(2000, 2030),
                rng.range(13, 19),
                rng.range(32, 59)
            ),
            1 => format!(
                "31/{:02}/{}",
                rng.pick(&["04", "06", "09", "11"])
                    .parse::<u32>()
                    .unwrap_or(4),
                rng.range(1990, 2030)
            ),
            2 => format!(
                "{}-02-29",
                rng.pick(&["2019", "2021", "2022", "2023", "2025", "1900"])
            ),
            3 => format!("{}.02.{}", rng.range(30, 31), rng.range(1990, 2030)),
            4 => format!(
                "{}/{}/{}",
                rng.range(32, 39),
                rng.range(13, 19),
                rng.range(1990, 2030)
            ),
            _ => format!(
                "{}-{:02}-{:02}",
                rng.range(2100, 2999),
                rng.range(1, 12),
                rng.range(1, 28)
            ),
        },
        // Words that are also first names, used as words.
        _ => rng
            .pick(&[
                "will", "Will", "bill", "Mark", "grace", "Rose", "Faith", "Hope", "Frank", "Sunny",
                "Joy", "Dawn", "Amber", "Holly", "Ivy", "Jack", "Max", "Rich", "Summer", "Art",
            ])
            .to_string(),
    }
}

/// Shapes: (template with `{}` for the value, language). Templates hold no
/// PII of their own.
const SHAPES: &[(&str, &str)] = &[
    ("[INFO] worker-3 processed {} ok", "log"),
    ("WARN scheduler: job queue {} pending", "log"),
    ("level=debug msg=\"value {}\" component=api", "log"),
    ("Ticket: {} (status: open, priority: low)", "ticket"),
    ("Summary: please check {} before the next deploy", "ticket"),
    ("Hi, can you look at {} when you have a minute?", "chat"),
    ("Salut, tu peux vérifier {} stp ?", "chat"),
    ("Hallo, kannst du {} bitte prüfen?", "chat"),
    ("Hola, ¿puedes revisar {} por favor?", "chat"),
    ("Ciao, puoi controllare {} per favore?", "chat"),
    ("Hoi, kun je {} even nakijken?", "chat"),
    ("{\"field\": \"{}\", \"ok\": true}", "json"),
    ("{\"items\": [{\"value\": \"{}\"}], \"count\": 1}", "json"),
];

/// Sentences for name-like words, where the word is used as a word.
const NAME_WORD_SHAPES: &[&str] = &[
    "I {} send the report tomorrow.",
    "Please pay the {} before Friday.",
    "You can {} this task as done.",
    "There is a {} period of ten days.",
    "The {} garden is closed today.",
    "Keep the {} alive, we are close.",
    "We need {} and patience here.",
];

/// `per_class` look-alikes of every class, from `seed`.
pub fn generate(seed: u64, per_class: usize) -> Vec<LookAlike> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for &class in CLASSES {
        for _ in 0..per_class {
            let v = value(class, &mut rng);
            let template = if class == "name_word" {
                NAME_WORD_SHAPES[rng.below(NAME_WORD_SHAPES.len() as u64) as usize]
            } else {
                SHAPES[rng.below(SHAPES.len() as u64) as usize].0
            };
            // JSON shapes: the template's own braces are literal; replace the
            // last `{}` (the value slot).
            let at = template.rfind("{}").expect("a value slot");
            let mut text = String::with_capacity(template.len() + v.len());
            text.push_str(&template[..at]);
            let start = text.len();
            text.push_str(&v);
            let end = text.len();
            text.push_str(&template[at + 2..]);
            out.push(LookAlike {
                class,
                text,
                value: start..end,
            });
        }
    }
    out
}
