//! A cheap test, per run of digits, of whether a date, time or age can hold
//! it: the date and age recognizers run on windows around every digit run
//! (a day or an age is a lone short number), and in prose most such runs are
//! counts and years that no date pattern can take. The test is a necessary
//! condition, never a verdict: when it passes, the recognizers decide.
//!
//! A run of more than four digits is never part of one. A run of up to four
//! joined to another number by `-`, `/`, `.` or `:`, or with a letter glued
//! after it, opens the gate. Otherwise the number stands alone, and it can
//! only be part of a date, time or age through a word near it: a month name
//! (`3 March`, `mars 2024`), an age phrase (`aged 42`, `42 years old`,
//! `tiene 42`), a time suffix (`2 pm`, `14 Uhr`). So the gate looks at up to
//! two words on each side and opens when one of them starts like a trigger
//! word (first three letters, case folded). What it cannot read cheaply (a
//! non-ASCII byte nearby) opens the gate.

/// Words looked at on each side of a run.
const WORDS_EACH_SIDE: usize = 2;
/// Bytes of spaces and punctuation allowed between two words (or a word and
/// the run) before the gate stops looking further out.
const MAX_GAP: usize = 4;

/// Forms of "to be" that make a number right after them an age when a
/// pronoun stands before them (`he was 78.`, `I'm 42`, `ich bin 42`).
const VERBS: &[&str] = &[
    "is", "was", "am", "are", "were", "s", "m", "re", "ist", "war", "bin", "bist",
];
const PRONOUNS: &[&str] = &[
    "he", "she", "i", "you", "they", "we", "er", "sie", "ich", "du",
];
/// Small words that may stand between a number and its trigger word
/// (`at the age of 42`, `im Alter von 42`, `3 de marzo`, `3 of March`).
const CONNECTORS: &[&str] = &[
    "of", "the", "de", "del", "di", "da", "von", "van", "le", "la", "el", "im", "in", "at",
];

/// The trigger words and the profile switch of the date and age family.
pub(crate) struct DateGate {
    /// Keys ([`key`]) of the trigger words.
    keys: KeySet,
    verbs: KeySet,
    pronouns: KeySet,
    connectors: KeySet,
    /// A bare four-digit year is a date on its own (the strict profile).
    years: bool,
}

/// The first (up to) three letters of `word` (ASCII letters), case-folded,
/// with the length folded in so that `a` and `am` differ from `amb`: a
/// number below [`KEYS`].
fn key(word: &[u8]) -> u32 {
    let letter = |i: usize| {
        word.get(i)
            .map_or(0, |c| u32::from((c | 0x20).wrapping_sub(b'a')).min(25) + 1)
    };
    (letter(0) * 27 + letter(1)) * 27 + letter(2)
}

/// Number of distinct keys.
const KEYS: usize = 27 * 27 * 27;

/// A set of keys as a bitmap.
struct KeySet(Box<[u64; KEYS.div_ceil(64)]>);

impl KeySet {
    fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut bits = Box::new([0u64; KEYS.div_ceil(64)]);
        for w in words {
            let letters: Vec<u8> = w.bytes().take_while(u8::is_ascii_alphabetic).collect();
            if !letters.is_empty() {
                let k = key(&letters) as usize;
                bits[k / 64] |= 1 << (k % 64);
            }
        }
        KeySet(bits)
    }

    fn contains(&self, k: Option<u32>) -> bool {
        k.is_some_and(|k| self.0[k as usize / 64] & (1 << (k % 64)) != 0)
    }
}

impl DateGate {
    /// A gate opening next to `words` (their leading ASCII letters count; a
    /// word with a non-ASCII letter is always caught by the non-ASCII rule)
    /// and, when `years`, on every four-digit run starting with 1 or 2.
    pub(crate) fn new<'a>(words: impl IntoIterator<Item = &'a str>, years: bool) -> Self {
        DateGate {
            keys: KeySet::new(words),
            verbs: KeySet::new(VERBS.iter().copied()),
            pronouns: KeySet::new(PRONOUNS.iter().copied()),
            connectors: KeySet::new(CONNECTORS.iter().copied()),
            years,
        }
    }

    /// Whether a date, time or age can hold the digit run `b[s..e]`.
    pub(crate) fn opens(&self, b: &[u8], s: usize, e: usize) -> bool {
        // No piece of a date, time or age has more than four digits (the
        // fraction of a second does, but the run of its seconds opens a
        // window wide enough for it).
        if e - s > 4 {
            return false;
        }
        // Joined to another number by a date or time separator (`2024-03`,
        // `10:30`, `3/4`), or glued to a letter after it (`3rd`, `2pm`,
        // `14h`, `42yo`).
        let sep = |c: u8| matches!(c, b'-' | b'/' | b'.' | b':');
        let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
        if e + 1 < b.len() && sep(b[e]) && digit(e + 1)
            || s >= 2 && sep(b[s - 1]) && digit(s - 2)
            || b.get(e).is_some_and(u8::is_ascii_alphabetic)
        {
            return true;
        }
        self.opens_lone(b, s, e)
    }

    /// [`DateGate::opens`] for a number that stands alone: only a word
    /// next to it can make it a date, time or age.
    fn opens_lone(&self, b: &[u8], s: usize, e: usize) -> bool {
        let mut before = [None; WORDS_EACH_SIDE];
        let mut after = [None; WORDS_EACH_SIDE];
        match e - s {
            // A day, an hour or an age.
            1..=3 => {
                // Three digits: only an age (at most 125).
                if e - s == 3 && &b[s..e] > b"125".as_slice() {
                    return false;
                }
                // Further words only past a connector ("age of 42", "3 de
                // marzo") or, before the number, a verb ("he was 78").
                let link = |k| self.connectors.contains(Some(k));
                if ampm_after(b, e)
                    || words(b, s, false, &mut before, |k| {
                        link(k) || self.verbs.contains(Some(k))
                    })
                    || words(b, e, true, &mut after, link)
                {
                    return true;
                }
                before.iter().chain(&after).any(|&w| self.keys.contains(w))
                    || self.verbs.contains(before[0]) && self.pronouns.contains(before[1])
            }
            // A year: alone (strict profile), or after a month name ("March
            // 2024", "3 de marzo de 2024"; the day's own run opens the
            // window of "3 March 2024").
            4 if matches!(b[s], b'1' | b'2') => {
                self.years
                    || words(b, s, false, &mut before, |k| {
                        self.connectors.contains(Some(k))
                    })
                    || before.iter().any(|&w| self.keys.contains(w))
            }
            // No date, time or age holds a lone number of five digits or more.
            _ => false,
        }
    }
}

/// `a.m.`, `pm`, `P.M.` right after the number (at most one space between).
fn ampm_after(b: &[u8], e: usize) -> bool {
    let mut i = e;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    if !b
        .get(i)
        .is_some_and(|c| matches!(c, b'a' | b'A' | b'p' | b'P'))
    {
        return false;
    }
    i += 1;
    for skip in [b'.', b' '] {
        if b.get(i) == Some(&skip) {
            i += 1;
        }
    }
    b.get(i).is_some_and(|c| matches!(c, b'm' | b'M'))
}

/// Reads the keys of up to [`WORDS_EACH_SIDE`] words from `at` on, forward
/// or backward, into `out` (nearest first); a word after the first only
/// when `go_on` accepts the previous one's key. Returns true when it meets
/// what it cannot read: a non-ASCII byte.
fn words(
    b: &[u8],
    at: usize,
    forward: bool,
    out: &mut [Option<u32>; WORDS_EACH_SIDE],
    go_on: impl Fn(u32) -> bool,
) -> bool {
    // A window of the bytes, read away from the run.
    let window: &[u8] = if forward {
        &b[at..b.len().min(at + 64)]
    } else {
        &b[at.saturating_sub(64)..at]
    };
    let n = window.len();
    let byte = |i: usize| {
        if forward {
            window[i]
        } else {
            window[n - 1 - i]
        }
    };
    let mut i = 0;
    for slot in out.iter_mut() {
        // The gap: spaces and ASCII punctuation.
        let gap_start = i;
        loop {
            if i == n {
                return false;
            }
            let c = byte(i);
            if c >= 0x80 {
                return true;
            }
            if c.is_ascii_alphabetic() {
                break;
            }
            if c.is_ascii_digit() || i - gap_start == MAX_GAP {
                return false;
            }
            i += 1;
        }
        // The word; its key is made of its first three letters in text order.
        let ws = i;
        while i < n && byte(i).is_ascii_alphabetic() {
            i += 1;
        }
        if i < n && byte(i) >= 0x80 {
            return true;
        }
        let k = if forward {
            key(&window[ws..i])
        } else {
            key(&window[n - i..n - ws])
        };
        *slot = Some(k);
        if !go_on(k) {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> DateGate {
        DateGate::new(["march", "aged", "years", "h"], false)
    }

    fn opens(g: &DateGate, text: &str, run: &str) -> bool {
        let s = text.find(run).expect("run in text");
        g.opens(text.as_bytes(), s, s + run.len())
    }

    #[test]
    fn opens_next_to_trigger_words_within_two_words() {
        let g = gate();
        assert!(opens(&g, "on 3 March", "3"));
        assert!(opens(&g, "on 3 of Mar.", "3"));
        assert!(opens(&g, "she was aged: 42", "42"));
        assert!(opens(&g, "42 years old", "42"));
        assert!(opens(&g, "at 2 p.m.", "2"));
        assert!(opens(&g, "at 14 h", "14"));
        assert!(opens(&g, "at 2 pm", "2"));
        assert!(opens(&g, "when he was 78.", "78"));
        assert!(opens(&g, "I'm 42", "42"));
        assert!(!opens(&g, "the total was 78.", "78"));
        assert!(!opens(&g, "sold 3 items to the shop", "3"));
        assert!(!opens(&g, "in 1995 the company", "1995"));
        // Three words away: out of reach.
        assert!(!opens(&g, "march is when we sold 3 of them", "3"));
    }

    #[test]
    fn opens_on_what_it_cannot_read() {
        let g = gate();
        assert!(opens(&g, "le 3 décembre", "3"));
        assert!(opens(&g, "3\u{a0}items", "3"));
        assert!(opens(&g, "the 3rd", "3"));
        assert!(opens(&g, "at 10:30", "10"));
        assert!(opens(&g, "on 12/03", "12"));
    }

    #[test]
    fn strict_years_open_on_their_own() {
        let strict = DateGate::new(["march"], true);
        assert!(opens(&strict, "in 1995 the company", "1995"));
        assert!(!opens(&strict, "in 3995 the company", "3995"));
        assert!(!opens(&gate(), "in 1995 the company", "1995"));
    }
}
