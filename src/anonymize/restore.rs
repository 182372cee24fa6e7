//! Restoring originals in text that came back from an LLM.
//!
//! Models rewrite placeholders: they change case (`<person_1>`), drop the
//! brackets (`PERSON_1`), swap them (`[PERSON_1]`), replace the underscore
//! (`PERSON 1`, `PERSON-1`) or add a space inside the brackets. The
//! [`Restorer`] accepts those forms, but only for tags its vault issued: it
//! never guesses, and `<PERSON_1>` never matches inside `<PERSON_10>`.
//!
//! [`StreamRestorer`] does the same over a stream of chunks: it holds back
//! only a suffix that could still grow into a placeholder (at most one
//! placeholder's length), so a tag split across chunks (`Hi <PER` +
//! `SON_1>`) is restored and the stream is not delayed further.

use super::vault::Vault;
use regex::Regex;
use std::collections::HashMap;

/// How restored values are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// As they are.
    None,
    /// JSON-string-escaped, without quotes: for placeholders inside a JSON
    /// document that is itself a string (tool-call `arguments`).
    Json,
}

/// Restores a vault's placeholders in text, tolerant of common mangling.
/// Holds its own copy of the vault's tags, so it can outlive the vault
/// (a streamed answer is restored after the request's vault is done).
#[derive(Clone, Debug)]
pub struct Restorer {
    originals: HashMap<String, String>,
    /// Names whose every number counts as a placeholder (issued or not).
    any_number: Vec<String>,
    /// Entity names the vault has tags for, longest first.
    names: Vec<String>,
    pattern: Option<Regex>,
}

impl Restorer {
    pub fn new(vault: &Vault) -> Self {
        Restorer::with_names(vault, &[])
    }

    /// A restorer that also matches every `<PLACEHOLDER_n>` form, issued or
    /// not: for finding text in an input that must not go out as it is
    /// (see [`super::Anonymizer::anonymize_for_restore`]).
    pub(crate) fn escaper(vault: &Vault) -> Self {
        Restorer::with_names(vault, &[super::LITERAL_PLACEHOLDER])
    }

    fn with_names(vault: &Vault, any_number: &[&str]) -> Self {
        let mut names: Vec<String> = vault.entity_names().map(str::to_string).collect();
        for n in any_number {
            if !names.iter().any(|x| x == n) {
                names.push(n.to_string());
            }
        }
        names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let pattern = (!names.is_empty()).then(|| {
            let alts: Vec<String> = names
                .iter()
                .map(|n| {
                    n.split('_')
                        .map(regex::escape)
                        .collect::<Vec<_>>()
                        .join("[_ -]")
                })
                .collect();
            // open? space? NAME sep? DIGITS space? close?
            Regex::new(&format!(
                r"(?i)([<\[]\s?)?({})[_ -]?([0-9]+)(\s?[>\]])?",
                alts.join("|")
            ))
            .expect("placeholder pattern is valid")
        });
        Restorer {
            originals: vault
                .tags()
                .map(|(t, o)| (t.to_string(), o.to_string()))
                .collect(),
            any_number: any_number.iter().map(|n| n.to_string()).collect(),
            names,
            pattern,
        }
    }

    /// Calls `f(start, end, original)` for every recognized placeholder, in
    /// order (byte offsets of the text to replace).
    fn each_match<'a>(&'a self, text: &str, mut f: impl FnMut(usize, usize, &'a str)) {
        let Some(re) = &self.pattern else {
            return;
        };
        for caps in re.captures_iter(text) {
            let m = caps.get(0).expect("group 0");
            // A bare name must start a word ("XPERSON_1" is not a tag) and the
            // number must end one ("PERSON_1x").
            let opened = caps.get(1).is_some();
            let before_ok = opened
                || text[..m.start()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric());
            let after_ok = caps.get(4).is_some()
                || text[m.end()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric());
            if !(before_ok && after_ok) {
                continue;
            }
            let name = caps[2].to_ascii_uppercase().replace([' ', '-'], "_");
            let tag = format!("<{}_{}>", name, &caps[3]);
            let original = match self.originals.get(&tag) {
                Some(o) => o.as_str(),
                None if self.any_number.contains(&name) => "",
                None => continue,
            };
            // Keep an unmatched bracket: "(<PERSON_1)" -> "(Ann" is fine,
            // but a lone closing bracket without an opening one stays.
            let (start, end) = match (caps.get(1), caps.get(4)) {
                (None, Some(close)) if close.as_str().trim() == "]" => (m.start(), close.start()),
                _ => (m.start(), m.end()),
            };
            f(start, end, original);
        }
    }

    /// Byte ranges of `text` that this restorer would replace.
    pub fn placeholder_ranges(&self, text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        self.each_match(text, |s, e, _| out.push((s, e)));
        out
    }

    /// `text` with every recognized placeholder replaced by its original.
    pub fn restore(&self, text: &str, escape: Escape) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        self.each_match(text, |start, end, original| {
            out.push_str(&text[last..start]);
            match escape {
                Escape::None => out.push_str(original),
                Escape::Json => {
                    let quoted = serde_json::to_string(original).expect("strings serialize");
                    out.push_str(&quoted[1..quoted.len() - 1]);
                }
            }
            last = end;
        });
        out.push_str(&text[last..]);
        out
    }

    /// Whether `s` could still grow into a placeholder: it is a proper
    /// prefix of one of the accepted forms, or a complete form without a
    /// closing bracket (more digits or a `>` may follow).
    fn could_grow(&self, s: &str) -> bool {
        let mut t = s;
        let mut opened = false;
        if let Some(r) = t.strip_prefix(['<', '[']) {
            t = r;
            opened = true;
            if t.is_empty() {
                return true;
            }
            if let Some(r) = t.strip_prefix(' ') {
                t = r;
                if t.is_empty() {
                    return true;
                }
            }
        }
        let _ = opened;
        for name in &self.names {
            let (matched, full) = prefix_match_name(t, name);
            if !full {
                if matched == t.len() {
                    return true; // t is a proper prefix of the name
                }
                continue;
            }
            let mut rest = &t[matched..];
            if rest.is_empty() {
                return true;
            }
            if let Some(r) = rest.strip_prefix(['_', ' ', '-']) {
                rest = r;
                if rest.is_empty() {
                    return true;
                }
            }
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                continue;
            }
            rest = &rest[digits..];
            if rest.is_empty() || rest == " " {
                return true;
            }
        }
        false
    }
}

/// How much of `t` matches `name` from the start (case-insensitive, `_` in
/// the name also matching space or dash), and whether the whole name matched.
fn prefix_match_name(t: &str, name: &str) -> (usize, bool) {
    let tb = t.as_bytes();
    let nb = name.as_bytes();
    let mut i = 0;
    while i < tb.len() && i < nb.len() {
        let ok = if nb[i] == b'_' {
            matches!(tb[i], b'_' | b' ' | b'-')
        } else {
            tb[i].eq_ignore_ascii_case(&nb[i])
        };
        if !ok {
            return (i, false);
        }
        i += 1;
    }
    (i, i == nb.len())
}

/// Restores placeholders across the chunks of a streamed answer.
#[derive(Clone, Debug)]
pub struct StreamRestorer {
    restorer: Restorer,
    escape: Escape,
    pending: String,
    max_hold: usize,
}

impl StreamRestorer {
    pub fn new(restorer: Restorer, escape: Escape) -> Self {
        let longest = restorer.names.first().map_or(0, String::len);
        StreamRestorer {
            restorer,
            escape,
            pending: String::new(),
            // brackets, spaces, separator, up to 10 digits
            max_hold: longest + 16,
        }
    }

    /// Feeds one chunk; returns the text that is safe to emit now.
    pub fn push(&mut self, chunk: &str) -> String {
        self.pending.push_str(chunk);
        let cut = self.hold_from();
        let ready: String = self.pending[..cut].to_string();
        self.pending.drain(..cut);
        self.restorer.restore(&ready, self.escape)
    }

    /// Ends the stream: everything still held back, restored.
    pub fn finish(&mut self) -> String {
        let rest = std::mem::take(&mut self.pending);
        self.restorer.restore(&rest, self.escape)
    }

    /// Whether text is being held back.
    pub fn is_holding(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The earliest position from which the pending text could still be
    /// growing into a placeholder (or its length if none).
    fn hold_from(&self) -> usize {
        let p = &self.pending;
        let mut from = p.len().saturating_sub(self.max_hold);
        while !p.is_char_boundary(from) {
            from += 1;
        }
        for (i, c) in p[from..].char_indices() {
            let at = from + i;
            let starts = c == '<'
                || c == '['
                || (c.is_ascii_alphabetic()
                    && p[..at]
                        .chars()
                        .next_back()
                        .is_none_or(|b| !b.is_alphanumeric()));
            if starts && self.restorer.could_grow(&p[at..]) {
                return at;
            }
        }
        p.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Entity;

    fn vault() -> Vault {
        let mut v = Vault::new();
        v.pseudonym(&Entity::PERSON, "Ann Lee");
        for i in 2..=10 {
            v.pseudonym(&Entity::PERSON, &format!("P{i}"));
        }
        v.pseudonym(&Entity::CREDIT_CARD, "4111 1111 1111 1111");
        v.pseudonym(&Entity::EMAIL, "a\"b@x.org");
        v
    }

    #[test]
    fn restores_mangled_forms_but_never_guesses() {
        let v = vault();
        let r = Restorer::new(&v);
        for (input, want) in [
            ("Hi <PERSON_1>!", "Hi Ann Lee!"),
            ("Hi <person_1>.", "Hi Ann Lee."),
            ("Hi PERSON_1, and PERSON_10", "Hi Ann Lee, and P10"),
            ("Hi [PERSON_1]", "Hi Ann Lee"),
            ("Hi < PERSON_1 >", "Hi Ann Lee"),
            ("Hi Person 1's car", "Hi Ann Lee's car"),
            ("card <CREDIT CARD_1>", "card 4111 1111 1111 1111"),
            ("card credit-card-1", "card 4111 1111 1111 1111"),
            (
                "<PERSON_99> XPERSON_1 PERSON_1x",
                "<PERSON_99> XPERSON_1 PERSON_1x",
            ),
        ] {
            assert_eq!(r.restore(input, Escape::None), want, "{input}");
        }
    }

    #[test]
    fn json_escape_mode_keeps_embedded_json_valid() {
        let v = vault();
        let args = r#"{"to": "<EMAIL_1>"}"#;
        let out = Restorer::new(&v).restore(args, Escape::Json);
        let parsed: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(parsed["to"], "a\"b@x.org");
    }

    #[test]
    fn stream_restores_tags_split_anywhere() {
        let v = vault();
        let text = "Dear <PERSON_1>, PERSON_10 paid with <CREDIT_CARD_1>. Bye <PERSON_2>";
        let want = Restorer::new(&v).restore(text, Escape::None);
        // Every split point, and every chunk size.
        for size in 1..text.len() {
            let mut s = StreamRestorer::new(Restorer::new(&v), Escape::None);
            let mut out = String::new();
            let bytes = text.as_bytes();
            for chunk in bytes.chunks(size) {
                out.push_str(&s.push(std::str::from_utf8(chunk).expect("ascii")));
            }
            out.push_str(&s.finish());
            assert_eq!(out, want, "chunk size {size}");
        }
    }

    #[test]
    fn stream_holds_back_at_most_a_placeholder() {
        let v = vault();
        let mut s = StreamRestorer::new(Restorer::new(&v), Escape::None);
        assert_eq!(s.push("Hello there "), "Hello there ");
        assert_eq!(s.push("<PER"), "");
        assert_eq!(s.push("SON_1"), "");
        assert_eq!(s.push("> ok"), "Ann Lee ok");
        assert!(!s.is_holding());
        // Plain words starting like an entity are released once they diverge.
        assert_eq!(s.push("Perhaps"), "Perhaps");
        assert_eq!(s.push(" HELP"), " HELP");
    }

    #[test]
    fn unfinished_placeholder_at_end_of_stream_is_flushed() {
        let v = vault();
        let mut s = StreamRestorer::new(Restorer::new(&v), Escape::None);
        assert_eq!(s.push("bye <PERS"), "bye ");
        assert_eq!(s.finish(), "<PERS");
    }
}
