//! Byte offsets inside, Unicode code points at the API boundary.
//!
//! Rust strings index by bytes; Python (and so Presidio's JSON and our scorer)
//! index by code points. [`CharIndex`] converts byte offsets to code-point
//! offsets and back in `O(log n)` per lookup after one `O(n)` pass, and in
//! `O(1)` for pure-ASCII text.

/// A lookup table from byte offsets to code-point offsets for one text.
pub struct CharIndex {
    /// For every non-ASCII char: its byte offset, its code-point offset, and
    /// the extra bytes (beyond one per char) up to and including it. Empty for
    /// ASCII text.
    multibyte: Vec<(usize, usize, usize)>,
    len_bytes: usize,
}

impl CharIndex {
    pub fn new(text: &str) -> Self {
        let mut multibyte = Vec::new();
        if !text.is_ascii() {
            let mut extra = 0;
            for (cp, (b, c)) in text.char_indices().enumerate() {
                let l = c.len_utf8();
                if l > 1 {
                    extra += l - 1;
                    multibyte.push((b, cp, extra));
                }
            }
        }
        CharIndex {
            multibyte,
            len_bytes: text.len(),
        }
    }

    /// Code-point offset of byte offset `byte` (which must be a char boundary).
    pub fn to_char(&self, byte: usize) -> usize {
        let byte = byte.min(self.len_bytes);
        let i = self.multibyte.partition_point(|&(b, _, _)| b < byte);
        if i == 0 {
            byte
        } else {
            byte - self.multibyte[i - 1].2
        }
    }

    /// Byte offset of code-point offset `ch`; offsets past the end clamp to the
    /// end of the text.
    pub fn to_byte(&self, ch: usize) -> usize {
        let i = self.multibyte.partition_point(|&(_, cp, _)| cp < ch);
        let extra = if i == 0 { 0 } else { self.multibyte[i - 1].2 };
        (ch + extra).min(self.len_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_offsets_are_identity() {
        let idx = CharIndex::new("hello world");
        assert_eq!(idx.to_char(5), 5);
        assert_eq!(idx.to_byte(5), 5);
    }

    #[test]
    fn non_ascii_offsets_round_trip_for_every_char() {
        let text = "é 漢字 👋 ok é";
        let idx = CharIndex::new(text);
        for (cp, (b, _)) in text.char_indices().enumerate() {
            assert_eq!(idx.to_char(b), cp, "byte {b}");
            assert_eq!(idx.to_byte(cp), b, "cp {cp}");
        }
        let n = text.chars().count();
        assert_eq!(idx.to_char(text.len()), n);
        assert_eq!(idx.to_byte(n), text.len());
    }
}
