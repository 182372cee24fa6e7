//! Tokenize once, then cut the token sequence into model windows.
//!
//! The whole text is encoded in one pass (WordPiece, byte offsets kept for
//! every token). Texts longer than one window are covered by overlapping
//! windows; each token is *owned* by exactly one window, the one in which it
//! sits furthest from an artificial edge, so an entity that straddles a window
//! edge is read from a window that sees its whole context.

use tokenizers::Tokenizer;

/// A text encoded without special tokens.
#[derive(Debug, Default)]
pub struct Encoded {
    /// WordPiece ids.
    pub ids: Vec<u32>,
    /// Byte offsets of each token in the text.
    pub offsets: Vec<(usize, usize)>,
    /// The pre-tokenizer word each token belongs to (subword pieces of one
    /// word share it).
    pub word_ids: Vec<Option<u32>>,
}

/// Encodes `text` once. Returns `None` if the tokenizer fails (the error is
/// not passed on: tokenizer messages may quote the input).
pub fn encode(tokenizer: &Tokenizer, text: &str) -> Option<Encoded> {
    let enc = tokenizer.encode(text, false).ok()?;
    Some(Encoded {
        ids: enc.get_ids().to_vec(),
        offsets: enc.get_offsets().to_vec(),
        word_ids: enc.get_word_ids().to_vec(),
    })
}

/// A window over tokens `start..end`; it owns (contributes the labels of)
/// tokens `own_start..own_end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First token in the window.
    pub start: usize,
    /// One past the last token in the window.
    pub end: usize,
    /// First token whose label this window decides.
    pub own_start: usize,
    /// One past the last token whose label this window decides.
    pub own_end: usize,
}

/// Cuts `n = word_ids.len()` tokens into windows of at most `budget` tokens,
/// consecutive windows sharing about `overlap` tokens. A window after the first
/// starts at a word boundary where possible, so it does not open on a `##`
/// continuation. In the overlap, the first half of the shared tokens is owned by
/// the earlier window and the rest by the later one: every token is decided by
/// the window where it is furthest from a cut.
///
/// `budget` must be at least 1 and `overlap < budget`; the caller checks.
pub fn plan_windows(word_ids: &[Option<u32>], budget: usize, overlap: usize) -> Vec<Window> {
    let n = word_ids.len();
    let budget = budget.max(1);
    let overlap = overlap.min(budget - 1);
    let mut windows: Vec<Window> =
        Vec::with_capacity(n / budget.saturating_sub(overlap).max(1) + 1);
    let mut start = 0;
    while start < n {
        let end = (start + budget).min(n);
        windows.push(Window {
            start,
            end,
            own_start: start,
            own_end: end,
        });
        if end == n {
            break;
        }
        let plain = (end - overlap).max(start + 1);
        // Back up to the start of the word, but by at most `overlap` more
        // tokens: a word longer than that is cut where it is.
        let floor = plain.saturating_sub(overlap).max(start + 1);
        let same_word = |i: usize| word_ids[i].is_some() && word_ids[i] == word_ids[i - 1];
        let mut next = plain;
        while next > floor && same_word(next) {
            next -= 1;
        }
        start = if same_word(next) { plain } else { next };
    }
    for i in 1..windows.len() {
        let (prev_end, cur_start) = (windows[i - 1].end, windows[i].start);
        let cut = cur_start + (prev_end - cur_start) / 2;
        windows[i - 1].own_end = cut;
        windows[i].own_start = cut;
    }
    windows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize) -> Vec<Option<u32>> {
        (0..n as u32).map(Some).collect()
    }

    fn check_ownership(ws: &[Window], n: usize) {
        let mut next = 0;
        for w in ws {
            assert_eq!(w.own_start, next, "{ws:?}");
            assert!(w.start <= w.own_start && w.own_end <= w.end, "{ws:?}");
            next = w.own_end;
        }
        assert_eq!(next, n);
    }

    #[test]
    fn short_text_is_one_window() {
        let ws = plan_windows(&words(10), 510, 64);
        assert_eq!(
            ws,
            vec![Window {
                start: 0,
                end: 10,
                own_start: 0,
                own_end: 10
            }]
        );
    }

    #[test]
    fn every_token_is_owned_by_exactly_one_window() {
        for n in [0, 1, 509, 510, 511, 1000, 1500, 4096] {
            let ws = plan_windows(&words(n), 510, 64);
            check_ownership(&ws, n);
            assert!(ws.iter().all(|w| w.end - w.start <= 510));
        }
    }

    #[test]
    fn owner_keeps_distance_from_the_cut() {
        let ws = plan_windows(&words(1000), 510, 64);
        assert_eq!(ws.len(), 3);
        // Tokens near the end of window 0 are owned by window 1, which sees them
        // with at least 32 tokens of context on the left.
        assert_eq!(ws[1].start, 446);
        assert_eq!(ws[0].own_end, 478);
        assert_eq!(ws[1].own_start - ws[1].start, 32);
        assert_eq!(ws[0].end - ws[0].own_end, 32);
    }

    #[test]
    fn windows_do_not_start_inside_a_word() {
        // Word 7 spans tokens 444..=449; the second window must start at 444.
        let mut w: Vec<Option<u32>> = (0..444u32).map(Some).collect();
        w.extend(std::iter::repeat_n(Some(444), 6));
        w.extend((445..600u32).map(Some));
        let ws = plan_windows(&w, 510, 64);
        assert_eq!(ws[1].start, 444);
        check_ownership(&ws, w.len());
    }

    #[test]
    fn a_word_longer_than_the_overlap_still_progresses() {
        let w = vec![Some(0); 2000];
        let ws = plan_windows(&w, 510, 64);
        check_ownership(&ws, 2000);
        assert!(ws.len() < 10);
    }
}
