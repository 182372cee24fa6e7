//! Digit-group runs are masked whole or not at all.
//!
//! An identifier written in groups (`1 78 06 75 123 456 01`, `GB82 WEST 1234
//! 5698 7654 33`, `+33 1 23 45 67 89 12 34`) that fails its own checksum is
//! not reported as what it looks like, but a piece of it may still match
//! something else: a phone number over its first groups, or the model's
//! place or ID label over its last two. Masking that piece alone leaves the
//! rest readable (`<PHONE> 456 01`) and the masked part guessable from it.
//!
//! The rule: a **run** is a maximal sequence of groups of ASCII letters and
//! digits joined by one separator character each (space, `-`, `.` or `/`),
//! whose first and last groups hold a digit; a group of at most four capital
//! letters may sit between two groups holding a digit (`WEST` of a British
//! IBAN). A span written only in run characters (letters, digits,
//! separators, a leading `+`; at least one digit) that covers part of a run,
//! and not the whole, grows to the whole run, unless other spans already
//! cover the rest of it (two values written side by side stay two items).
//! Spans with other characters (an e-mail address, a street address) are
//! values of their own shape and never grow here. A run longer than
//! [`MAX_RUN_BYTES`] is a table of numbers, not one identifier, and spans
//! inside it are left as they are.
//!
//! Growing and not dropping: the piece was reported by a detector whose
//! threshold it passed, and the characters around it belong to the same
//! written value, so masking the whole value is the choice that cannot leak
//! (a phone followed by a stray digit, `020 7946 0958 2`, stays masked).
//! Runs no detector touched are left alone, so a card-like number that fails
//! Luhn stays readable.

use crate::span::Span;

/// Longer runs are left as they are: the longest identifier written in
/// groups is an IBAN, 34 characters plus 8 separators.
pub const MAX_RUN_BYTES: usize = 48;

fn separator(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.' | b'/')
}

/// The run holding the byte at `at`, as a byte range.
///
/// The walk is bounded: it stops at a group that can never be part of a run
/// (a word), and gives up past twice [`MAX_RUN_BYTES`] (such runs are left
/// alone anyway), so a span next to a long line of words or numbers costs
/// a few dozen bytes, not the line.
fn run_around(text: &[u8], at: usize) -> Option<(usize, usize)> {
    const LIMIT: usize = 2 * MAX_RUN_BYTES;
    let alnum = |i: usize| text.get(i).is_some_and(u8::is_ascii_alphanumeric);
    if !alnum(at) {
        return None;
    }
    let group_start = |i: usize| {
        let mut j = i;
        while j > 0 && alnum(j - 1) {
            j -= 1;
            if i - j > LIMIT {
                return None;
            }
        }
        Some(j)
    };
    let group_end = |i: usize| {
        let mut j = i;
        while alnum(j) {
            j += 1;
            if j - i > LIMIT {
                return None;
            }
        }
        Some(j)
    };
    let has_digit = |g: &(usize, usize)| text[g.0..g.1].iter().any(u8::is_ascii_digit);
    let short_caps =
        |g: &(usize, usize)| g.1 - g.0 <= 4 && text[g.0..g.1].iter().all(u8::is_ascii_uppercase);
    let may_join = |g: &(usize, usize)| has_digit(g) || short_caps(g);
    let first = (group_start(at)?, group_end(at)?);
    if !may_join(&first) {
        return None;
    }
    let mut groups = vec![first];
    // Left.
    loop {
        let s = groups[0].0;
        if !(s >= 2 && separator(text[s - 1]) && alnum(s - 2)) {
            break;
        }
        let g = (group_start(s - 2)?, s - 1);
        if !may_join(&g) {
            break;
        }
        groups.insert(0, g);
        if groups[groups.len() - 1].1 - groups[0].0 > LIMIT {
            return None;
        }
    }
    // Right.
    loop {
        let e = groups[groups.len() - 1].1;
        if !(e + 1 < text.len() && separator(text[e]) && alnum(e + 1)) {
            break;
        }
        let g = (e + 1, group_end(e + 1)?);
        if !may_join(&g) {
            break;
        }
        groups.push(g);
        if groups[groups.len() - 1].1 - groups[0].0 > LIMIT {
            return None;
        }
    }
    let (digit, caps) = (has_digit, short_caps);
    // Split into runs at groups that are neither digit groups nor short
    // capital groups between digit groups; keep the run holding `at`.
    let ok: Vec<bool> = (0..groups.len())
        .map(|k| {
            digit(&groups[k])
                || (caps(&groups[k])
                    && k > 0
                    && k + 1 < groups.len()
                    && digit(&groups[k - 1])
                    && digit(&groups[k + 1]))
        })
        .collect();
    let k = groups.iter().position(|g| g.0 <= at && at < g.1)?;
    if !ok[k] {
        return None;
    }
    let mut a = k;
    while a > 0 && ok[a - 1] {
        a -= 1;
    }
    let mut b = k;
    while b + 1 < groups.len() && ok[b + 1] {
        b += 1;
    }
    // A run starts and ends with a digit group.
    while a < b && !digit(&groups[a]) {
        a += 1;
    }
    while b > a && !digit(&groups[b]) {
        b -= 1;
    }
    if !digit(&groups[a]) {
        return None;
    }
    let (mut start, end) = (groups[a].0, groups[b].1);
    // A leading `+` (international prefix) belongs to the run.
    if start > 0 && text[start - 1] == b'+' {
        start -= 1;
    }
    Some((start, end))
}

/// Grows every span that covers part of a digit-group run to the whole run
/// (see the module doc). Offsets stay on char boundaries: runs are ASCII.
pub fn grow_to_runs(text: &str, spans: &mut [Span]) {
    let bytes = text.as_bytes();
    // Spans by start, to find the few that can cover a run (at most
    // 2 x MAX_RUN_BYTES long) without scanning them all.
    let mut by_start: Vec<(usize, usize, usize)> = spans
        .iter()
        .enumerate()
        .map(|(k, s)| (s.start, s.end, k))
        .collect();
    by_start.sort_unstable();
    let longest = spans.iter().map(|s| s.end - s.start).max().unwrap_or(0);
    let mut grown: Vec<(usize, usize, usize)> = Vec::new();
    for (k, s) in spans.iter().enumerate() {
        let value = &bytes[s.start..s.end];
        let code_like = value.iter().any(u8::is_ascii_digit)
            && value
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || separator(b) || b == b'+');
        if !code_like {
            continue;
        }
        let mut start = s.start;
        let mut end = s.end;
        for at in [s.start, s.end.saturating_sub(1)] {
            let Some((rs, re)) = run_around(bytes, at) else {
                continue;
            };
            if re - rs > MAX_RUN_BYTES || (rs >= s.start && re <= s.end) {
                continue;
            }
            // Leave it when other spans already cover the rest of the run.
            let from = by_start.partition_point(|t| t.0 + longest < rs);
            let to = by_start.partition_point(|t| t.0 < re);
            let near = &by_start[from..to];
            let rest_covered = (rs..re).all(|i| {
                !bytes[i].is_ascii_alphanumeric()
                    || (s.start..s.end).contains(&i)
                    || near.iter().any(|&(a, b, j)| j != k && (a..b).contains(&i))
            });
            if !rest_covered {
                start = start.min(rs);
                end = end.max(re);
            }
        }
        if (start, end) != (s.start, s.end) {
            grown.push((k, start, end));
        }
    }
    for (k, start, end) in grown {
        spans[k].start = start;
        spans[k].end = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{Entity, Source};
    use std::borrow::Cow;

    fn span(text: &str, piece: &str, entity: Entity) -> Span {
        let start = text.find(piece).expect("piece");
        Span {
            start,
            end: start + piece.len(),
            entity,
            score: 0.9,
            source: Source::Pattern,
            validated: false,
            recognizer: Cow::Borrowed("t"),
        }
    }

    fn grown(text: &str, pieces: &[(&str, Entity)]) -> Vec<String> {
        let mut spans: Vec<Span> = pieces
            .iter()
            .map(|(p, e)| span(text, p, e.clone()))
            .collect();
        grow_to_runs(text, &mut spans);
        spans
            .iter()
            .map(|s| text[s.start..s.end].to_string())
            .collect()
    }

    #[test]
    fn a_piece_of_a_failed_identifier_grows_to_the_whole_run() {
        // A French NIR with a wrong key, a British IBAN with a wrong check,
        // a card failing Luhn, a phone with two extra groups.
        for (text, piece, whole) in [
            (
                "NIR 1 78 06 75 123 456 01.",
                "1 78 06 75 123",
                "1 78 06 75 123 456 01",
            ),
            (
                "IBAN GB82 WEST 1234 5698 7654 33 please",
                "7654 33",
                "GB82 WEST 1234 5698 7654 33",
            ),
            (
                "card 4111 1111 1111 1112 ok",
                "1111 1112",
                "4111 1111 1111 1112",
            ),
            (
                "tel +33 1 23 45 67 89 12 34",
                "+33 1 23 45 67 89",
                "+33 1 23 45 67 89 12 34",
            ),
            (
                "n° 1-85-05-78-006-084-99",
                "084-99",
                "1-85-05-78-006-084-99",
            ),
        ] {
            assert_eq!(
                grown(text, &[(piece, Entity::PHONE)]),
                vec![whole],
                "{text}"
            );
        }
    }

    #[test]
    fn whole_runs_words_and_side_by_side_values_are_left_alone() {
        let text = "call 020 7946 0958 or 4111111111111111 5500000000000004 now";
        assert_eq!(
            grown(
                text,
                &[
                    ("020 7946 0958", Entity::PHONE),
                    ("4111111111111111", Entity::CREDIT_CARD),
                    ("5500000000000004", Entity::CREDIT_CARD),
                ]
            ),
            vec!["020 7946 0958", "4111111111111111", "5500000000000004"]
        );
        // A name next to a number is no run; capitals at a run's end are
        // not part of it; an e-mail address does not grow over a number.
        let text = "Jane Doe 12 and IBAN FR76 3000 6000 or room 12 bob2@x.org";
        assert_eq!(
            grown(
                text,
                &[
                    ("Jane Doe", Entity::PERSON),
                    ("3000 6000", Entity::IBAN),
                    ("bob2@x.org", Entity::EMAIL)
                ]
            ),
            vec!["Jane Doe", "FR76 3000 6000", "bob2@x.org"]
        );
    }

    #[test]
    fn a_table_of_numbers_is_not_one_run() {
        let text = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25";
        assert_eq!(grown(text, &[("5 6 7", Entity::PHONE)]), vec!["5 6 7"]);
        // However long the line: the walk gives up after a few dozen bytes.
        let long = format!(
            "{} 06 12 34 56 78 {}",
            "12 ".repeat(50_000),
            "34 ".repeat(50_000)
        );
        assert_eq!(
            grown(&long, &[("06 12 34 56 78", Entity::PHONE)]),
            vec!["06 12 34 56 78"]
        );
        let digits = format!("ref {}7 tail", "9".repeat(100_000));
        assert_eq!(grown(&digits, &[("97 tail", Entity::PHONE)]).len(), 1);
    }
}
