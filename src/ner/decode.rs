//! From logits to spans: softmax, BIO tags, words, entity pieces, entities.
//!
//! 1. [`absorb_window`]: each token takes the softmax of its row in the window
//!    that owns it (see [`super::tokenize::plan_windows`]); its tag is the
//!    argmax label, and per entity type we keep `P(B-X) + P(I-X)`.
//! 2. Words: `##` pieces of one word take the tag of the word's first piece
//!    (the model often tags `dub ##ois` as `B-SURNAME B-SURNAME`).
//! 3. Pieces: consecutive words of one type join when nothing separates them
//!    (`maria . garcia @ example . org`) or only whitespace does and the next
//!    word is tagged `I-`.
//! 4. Entities: adjacent `GIVEN_NAME`/`SURNAME` pieces (only whitespace
//!    between) become one `PERSON`; runs of address parts separated only by
//!    spaces, commas and newlines become one `STREET_ADDRESS` when they hold a
//!    building number, street name or secondary address, and one `LOCATION`
//!    otherwise (a lone city, state or ZIP code).
//!
//! A span's score is the mean over its tokens of `P(B-X) + P(I-X)` for the
//! type `X` of the word the token belongs to, summed over the types of `X`'s
//! pool: names, organisations and places form one pool (a word the model
//! splits between a given name and an organisation is still surely a name
//! or an organisation), the ID labels another (see [`score_pools`]).

use super::labels::LabelScheme;
use super::tokenize::{Encoded, Window};
use crate::span::{Entity, Source, Span};
use ndarray::ArrayView2;
use std::borrow::Cow;

/// What a raw model type becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Family {
    /// Outside any entity.
    Outside,
    /// `GIVEN_NAME`, `SURNAME`: joined into `PERSON`.
    Person,
    /// `BUILDING_NUMBER`, `STREET_NAME`, `SECONDARY_ADDRESS`.
    Street,
    /// `CITY`, `STATE`, `ZIP_CODE`, and our model's `LOCATION` (a place
    /// outside a street address; next to street parts it joins the address).
    Place,
    /// Everything else maps 1:1 to an entity.
    Direct(Entity),
}

impl Family {
    /// The family of a raw type name from `config.json`.
    pub fn of(raw: &str) -> Family {
        match raw {
            "O" => Family::Outside,
            "GIVEN_NAME" | "SURNAME" => Family::Person,
            "BUILDING_NUMBER" | "STREET_NAME" | "SECONDARY_ADDRESS" => Family::Street,
            "CITY" | "STATE" | "ZIP_CODE" | "LOCATION" => Family::Place,
            "EMAIL" => Family::Direct(Entity::EMAIL),
            "PHONE" => Family::Direct(Entity::PHONE),
            "URL" => Family::Direct(Entity::URL),
            other => Family::Direct(Entity::new(other)),
        }
    }
}

/// Per-token results after window merging.
pub struct TokenTags {
    /// Argmax label id of each token.
    pub label: Vec<u16>,
    /// `n_tokens × n_types` probabilities, `P(B-X) + P(I-X)` (and `P(O)` at 0).
    pub type_probs: Vec<f32>,
    /// Number of types (including `O`).
    pub n_types: usize,
}

impl TokenTags {
    /// Room for `n` tokens.
    pub fn new(n: usize, n_types: usize) -> TokenTags {
        TokenTags {
            label: vec![0; n],
            type_probs: vec![0.0; n * n_types],
            n_types,
        }
    }
}

/// Copies the owned tokens of one window out of its logits.
///
/// `logits` has one row per window position: `[CLS]`, the window's tokens,
/// `[SEP]` (and possibly padding after it, which is ignored).
pub fn absorb_window(
    logits: ArrayView2<'_, f32>,
    window: &Window,
    scheme: &LabelScheme,
    tags: &mut TokenTags,
) {
    let n_labels = scheme.num_labels();
    let mut probs = vec![0f32; n_labels];
    for tok in window.own_start..window.own_end {
        let row = logits.row(1 + tok - window.start);
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0f32;
        for (p, &l) in probs.iter_mut().zip(row.iter()) {
            *p = (l - max).exp();
            sum += *p;
        }
        let mut best = 0;
        for (i, p) in probs.iter_mut().enumerate() {
            *p /= sum;
            if row[i] > row[best] {
                best = i;
            }
        }
        tags.label[tok] = best as u16;
        let out = &mut tags.type_probs[tok * tags.n_types..(tok + 1) * tags.n_types];
        out.fill(0.0);
        for (p, tag) in probs.iter().zip(&scheme.tags) {
            out[tag.ty as usize] += p;
        }
    }
}

#[derive(Clone, Copy)]
struct Piece {
    ty: u8,
    begin: bool,
    start: usize,
    end: usize,
    sum: f32,
    count: u32,
    /// Probability of the word's type at its first token (the one that
    /// decides the word's label).
    first: f32,
}

fn gap_is(text: &str, a: usize, b: usize, ok: impl Fn(char) -> bool) -> bool {
    a <= b && text.get(a..b).is_some_and(|g| g.chars().all(ok))
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// True if two name pieces may join across `text[a..b]`: whitespace, possibly
/// around a period or a middle initial (`Sari J. Paavolainen`, `Janka M. Szász`),
/// on one line (a name never runs over a line break: "Lantos\nFritz" are two).
fn person_gap(text: &str, a: usize, b: usize) -> bool {
    let Some(gap) = text.get(a..b) else {
        return false;
    };
    if gap.contains(['\n', '\r']) {
        return false;
    }
    let core = gap.trim();
    let mut chars = core.chars();
    let spaced = core.is_empty() || gap.len() > core.len();
    spaced
        && match (chars.next(), chars.next(), chars.next()) {
            (None, _, _) | (Some('.'), None, _) => true,
            (Some(c), None, _) | (Some(c), Some('.'), None) => c.is_uppercase(),
            _ => false,
        }
}

/// Drops punctuation the model tagged after a name (`Kyle Kuefer.`), but
/// keeps the period of a trailing initial (`John Q.`).
fn trim_name_end(text: &str, start: usize, mut end: usize) -> usize {
    while let Some(c) = text.get(start..end).and_then(|t| t.chars().next_back()) {
        if !matches!(c, '.' | ',' | ';' | ':' | '!' | '?') {
            break;
        }
        let rest = &text[start..end - 1];
        let last_word = rest.rsplit(char::is_whitespace).next().unwrap_or("");
        if c == '.' && last_word.chars().count() == 1 {
            break;
        }
        end -= 1;
    }
    end
}

/// Emails, URLs and phone numbers contain no whitespace, so when the model tags
/// part of a whitespace-delimited chunk (`UtaKortig` of `UtaKortig@x.com`), the
/// span grows to the whole chunk, less surrounding punctuation (which an e-mail
/// or URL span of the model also loses: `a@x.com.` at a sentence end). Returns `None`
/// when the chunk does not look like the entity (no `@` for an email, no `.`
/// or `:` for a URL, letters in a phone number).
fn expand_to_token(
    text: &str,
    start: usize,
    end: usize,
    entity: &Entity,
) -> Option<(usize, usize)> {
    let kind = match entity.as_str() {
        "EMAIL" => 0,
        "URL" => 1,
        "PHONE" => 2,
        _ => return None,
    };
    let before = text.get(..start)?;
    let after = text.get(end..)?;
    if text.get(start..end)?.chars().any(char::is_whitespace) && kind != 2 {
        return None;
    }
    let mut s = before
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let mut e = end + after.find(char::is_whitespace).unwrap_or(after.len());
    let lead = |c: char| matches!(c, '(' | '[' | '{' | '<' | '"' | '\'' | '`');
    let trail = |c: char| {
        matches!(
            c,
            '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '>' | '"' | '\'' | '`'
        )
    };
    // An e-mail address or URL never starts or ends with punctuation, even
    // when the model's own span does ("name@example.com." at a sentence end).
    let (lo, hi) = if kind == 2 { (start, end) } else { (e, s) };
    while s < lo && text[s..].starts_with(lead) {
        s += 1;
    }
    while e > hi && text[..e].ends_with(trail) {
        e -= 1;
    }
    let chunk = &text[s..e];
    let ok = match kind {
        0 => chunk.contains('@'),
        1 => chunk.contains('.') || chunk.contains("://"),
        _ => chunk
            .chars()
            .all(|c| c.is_ascii_digit() || "+-().".contains(c) || c.is_whitespace()),
    };
    if kind == 2 {
        (ok && (s < start || e > end)).then_some((s.min(start), e.max(end)))
    } else {
        (ok && s < e && (s, e) != (start, end)).then_some((s, e))
    }
}

/// For each type, the types whose probabilities make up its score.
///
/// A name, an organisation and a place are one pool: the model often shares
/// a word's probability between them ("Jane" of "Jane Doe called.": 0.53
/// given name, 0.18 organisation, 0.27 outside), and a person it can see
/// must not fall under the threshold because of that split. The word keeps
/// its argmax type; its score is the probability of any of the pool's
/// labels. The six ID labels (tax, bank account, routing number, government
/// ID, passport, driving licence) are another pool, for the same reason
/// (a postcode split between tax and government ID); e-mails, phones and
/// URLs score alone. Names and IDs never pool: an order number that the
/// model half calls a place is no more an ID for it.
fn score_pools(families: &[Family]) -> Vec<Vec<u8>> {
    let pool = |f: &Family| match f {
        Family::Outside => 0,
        Family::Person | Family::Street | Family::Place => 1,
        Family::Direct(e) if *e == Entity::ORGANIZATION => 1,
        Family::Direct(e) if *e == Entity::EMAIL => 2,
        Family::Direct(e) if *e == Entity::PHONE => 3,
        Family::Direct(e) if *e == Entity::URL => 4,
        Family::Direct(_) => 5,
    };
    (0..families.len())
        .map(|ty| {
            if ty == 0 {
                return vec![0];
            }
            (1..families.len())
                .filter(|&t| pool(&families[t]) == pool(&families[ty]))
                .map(|t| t as u8)
                .collect()
        })
        .collect()
}

/// Turns token tags into spans (appended to `out`), dropping spans whose score
/// is below `min_score`. `families[ty]` is [`Family::of`] each scheme type.
pub fn decode(
    text: &str,
    enc: &Encoded,
    tags: &TokenTags,
    scheme: &LabelScheme,
    families: &[Family],
    min_score: f32,
    out: &mut Vec<Span>,
) {
    // Steps 2 and 3: words, then pieces of one type.
    let pools = score_pools(families);
    let prob = |i: usize, ty: u8| -> f32 {
        let row = &tags.type_probs[i * tags.n_types..(i + 1) * tags.n_types];
        pools[ty as usize].iter().map(|&t| row[t as usize]).sum()
    };
    let mut pieces: Vec<Piece> = Vec::new();
    let mut word: Option<(Option<u32>, Piece)> = None;
    let n = enc.ids.len();
    let flush_word = |w: Piece, pieces: &mut Vec<Piece>| {
        // A word whose deciding token the model is unsure of counts as outside: it neither starts
        // an entity nor extends one ("Leiva flew" stays "Leiva").
        if w.ty == 0 || w.first < min_score {
            return;
        }
        if let Some(last) = pieces.last_mut()
            && last.ty == w.ty
            && (last.end == w.start
                || (!w.begin
                    && gap_is(text, last.end, w.start, char::is_whitespace)
                    && !(matches!(families.get(w.ty as usize), Some(Family::Person))
                        && text[last.end..w.start].contains('\n'))))
        {
            last.end = w.end;
            last.sum += w.sum;
            last.count += w.count;
            return;
        }
        pieces.push(w);
    };
    for i in 0..n {
        let (s, e) = enc.offsets[i];
        if e <= s {
            continue; // special or zero-width token
        }
        let wid = enc.word_ids[i];
        if let Some((cur_id, cur)) = word.as_mut()
            && wid.is_some()
            && *cur_id == wid
        {
            cur.end = cur.end.max(e);
            if cur.ty != 0 {
                cur.sum += prob(i, cur.ty);
                cur.count += 1;
            }
            continue;
        }
        if let Some((_, w)) = word.take() {
            flush_word(w, &mut pieces);
        }
        let tag = scheme.tags[tags.label[i] as usize];
        let p = if tag.ty == 0 { 0.0 } else { prob(i, tag.ty) };
        word = Some((
            wid,
            Piece {
                ty: tag.ty,
                begin: tag.begin,
                start: s,
                end: e,
                sum: p,
                count: 1,
                first: p,
            },
        ));
    }
    if let Some((_, w)) = word.take() {
        flush_word(w, &mut pieces);
    }

    // Step 4: entities.
    struct Group {
        family: Family,
        has_street: bool,
        start: usize,
        end: usize,
        sum: f32,
        count: u32,
    }
    let emit = |g: Group, out: &mut Vec<Span>| {
        let entity = match g.family {
            Family::Person => Entity::PERSON,
            Family::Street | Family::Place if g.has_street => Entity::STREET_ADDRESS,
            Family::Street | Family::Place => Entity::LOCATION,
            Family::Direct(e) => e,
            Family::Outside => return,
        };
        let score = g.sum / g.count.max(1) as f32;
        if score < min_score {
            return;
        }
        let (mut start, mut end) = (floor_boundary(text, g.start), ceil_boundary(text, g.end));
        if let Some((s, e)) = expand_to_token(text, start, end, &entity) {
            (start, end) = (s, e);
        }
        if entity == Entity::PERSON {
            end = trim_name_end(text, start, end);
        }
        // Two pieces of one email or URL expand to the same chunk: keep one.
        if let Some(last) = out.last_mut()
            && last.entity == entity
            && last.end >= start
            && last.start <= end
        {
            let n = (last.end - last.start + end - start) as f32;
            last.score =
                (last.score * (last.end - last.start) as f32 + score * (end - start) as f32) / n;
            last.start = last.start.min(start);
            last.end = last.end.max(end);
            return;
        }
        if start < end {
            out.push(Span {
                start,
                end,
                entity,
                score,
                source: Source::Ner,
                validated: false,
                recognizer: Cow::Borrowed("ner"),
            });
        }
    };
    let address_gap = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | ',' | '.' | '#');
    // An e-mail address or URL holds no whitespace: a piece of the model that
    // runs over a space ("a@b.org c@d.org") is one entity per chunk.
    let no_space = |ty: u8| matches!(families.get(ty as usize), Some(Family::Direct(e)) if *e == Entity::EMAIL || *e == Entity::URL);
    let mut split = Vec::with_capacity(pieces.len());
    for p in pieces {
        let Some(value) = text
            .get(p.start..p.end)
            .filter(|v| no_space(p.ty) && v.contains(char::is_whitespace))
        else {
            split.push(p);
            continue;
        };
        let mut at = p.start;
        for w in value.split_inclusive(char::is_whitespace) {
            let (start, end) = (at, at + w.trim_end().len());
            at += w.len();
            if start < end {
                split.push(Piece { start, end, ..p });
            }
        }
    }
    let mut group: Option<Group> = None;
    for p in split {
        let family = families
            .get(p.ty as usize)
            .cloned()
            .unwrap_or(Family::Outside);
        let is_address = matches!(family, Family::Street | Family::Place);
        if let Some(g) = group.as_mut() {
            let joins = match (&g.family, &family) {
                (Family::Person, Family::Person) => person_gap(text, g.end, p.start),
                (Family::Street | Family::Place, Family::Street | Family::Place) => {
                    gap_is(text, g.end, p.start, address_gap)
                }
                _ => false,
            };
            if joins {
                g.end = p.end;
                g.sum += p.sum;
                g.count += p.count;
                g.has_street |= family == Family::Street;
                continue;
            }
        }
        if let Some(g) = group.take() {
            emit(g, out);
        }
        group = Some(Group {
            has_street: family == Family::Street,
            family: if is_address { Family::Place } else { family },
            start: p.start,
            end: p.end,
            sum: p.sum,
            count: p.count,
        });
    }
    if let Some(g) = group.take() {
        emit(g, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ner::labels::LabelScheme;

    const LABELS: &[&str] = &[
        "O",
        "B-GIVEN_NAME",
        "I-GIVEN_NAME",
        "B-SURNAME",
        "I-SURNAME",
        "B-EMAIL",
        "I-EMAIL",
        "B-BUILDING_NUMBER",
        "I-BUILDING_NUMBER",
        "B-STREET_NAME",
        "I-STREET_NAME",
        "B-CITY",
        "I-CITY",
        "B-ZIP_CODE",
        "I-ZIP_CODE",
        "B-PASSPORT",
        "I-PASSPORT",
    ];

    fn scheme() -> LabelScheme {
        LabelScheme::from_config(&crate::ner::labels::tests::cfg(LABELS)).expect("labels")
    }

    /// Tokens given as (text piece, label, probability); a piece starting with
    /// `##` continues the previous word, a piece starting with a space begins a
    /// new word after that space; any other piece begins a new word right
    /// after the previous one (like punctuation).
    fn run(pieces: &[(&str, &str, f32)]) -> (String, Vec<Span>) {
        run_split(pieces, &[])
    }

    /// [`run`], where token `i` of `also` also gives probability `p` to
    /// `label`'s type (taken from its `O`).
    fn run_split(pieces: &[(&str, &str, f32)], also: &[(usize, &str, f32)]) -> (String, Vec<Span>) {
        let scheme = scheme();
        let families: Vec<Family> = scheme.types.iter().map(|t| Family::of(t)).collect();
        let mut text = String::new();
        let mut enc = Encoded::default();
        let mut tags = TokenTags::new(pieces.len(), scheme.types.len());
        let mut word = 0u32;
        for (i, (piece, label, p)) in pieces.iter().enumerate() {
            let (body, new_word) = if let Some(rest) = piece.strip_prefix("##") {
                (rest, false)
            } else if let Some(rest) = piece.strip_prefix(' ') {
                text.push(' ');
                (rest, true)
            } else {
                (*piece, true)
            };
            if new_word && i > 0 {
                word += 1;
            }
            let start = text.len();
            text.push_str(body);
            enc.ids.push(5);
            enc.offsets.push((start, text.len()));
            enc.word_ids.push(Some(word));
            let id = LABELS.iter().position(|l| l == label).expect("label");
            tags.label[i] = id as u16;
            let tag = scheme.tags[id];
            let row = &mut tags.type_probs[i * tags.n_types..(i + 1) * tags.n_types];
            row[tag.ty as usize] = *p;
            row[0] += 1.0 - *p;
            for &(_, other, q) in also.iter().filter(|a| a.0 == i) {
                let ty = scheme.tags[LABELS.iter().position(|l| *l == other).expect("label")].ty;
                row[ty as usize] += q;
                row[0] -= q;
            }
        }
        let mut out = Vec::new();
        decode(&text, &enc, &tags, &scheme, &families, 0.5, &mut out);
        (text, out)
    }

    fn found(text: &str, spans: &[Span]) -> Vec<(String, String)> {
        spans
            .iter()
            .map(|s| (s.entity.to_string(), text[s.start..s.end].to_string()))
            .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_name_whose_probability_is_split_with_a_place_keeps_it() {
        // The model's "Jane Doe called.": most of each word's probability
        // is a name label, the rest goes to another named type; neither
        // alone passes 0.5, together they do.
        let pieces = [
            ("Jane", "B-GIVEN_NAME", 0.45),
            (" Doe", "B-SURNAME", 0.4),
            (" called", "O", 0.99),
        ];
        let (text, spans) = run_split(&pieces, &[(0, "B-CITY", 0.2), (1, "I-GIVEN_NAME", 0.15)]);
        assert_eq!(
            found(&text, &spans),
            pairs(&[("PERSON", "Jane Doe")]),
            "{spans:?}"
        );
        assert!((spans[0].score - 0.6).abs() < 1e-4, "{spans:?}");
        // The same split under one name label alone scores too low.
        let (_, spans) = run(&pieces);
        assert!(spans.is_empty(), "{spans:?}");
    }

    #[test]
    fn id_labels_do_not_borrow_probability_from_names_or_places() {
        let (text, spans) = run_split(
            &[("ref", "O", 0.99), (" 48213377", "B-PASSPORT", 0.45)],
            &[(1, "B-ZIP_CODE", 0.3)],
        );
        assert_eq!(found(&text, &spans), pairs(&[]), "{spans:?}");
    }

    #[test]
    fn given_name_and_surname_join_into_one_person() {
        let (t, s) = run(&[
            ("Hi", "O", 0.9),
            (" el", "B-GIVEN_NAME", 0.9),
            ("##odie", "B-GIVEN_NAME", 0.7),
            (" Dub", "B-SURNAME", 0.8),
            ("##ois", "B-SURNAME", 0.8),
            (" left", "O", 0.9),
        ]);
        assert_eq!(found(&t, &s), pairs(&[("PERSON", "elodie Dubois")]));
        assert!(
            (s[0].score - 0.8).abs() < 1e-6,
            "mean of token probabilities"
        );
    }

    #[test]
    fn names_on_two_lines_stay_apart() {
        let (t, s) = run(&[
            ("Ann", "B-GIVEN_NAME", 0.9),
            (" Lee", "B-SURNAME", 0.9),
            ("\n", "O", 0.9),
            ("Bo", "I-SURNAME", 0.9),
            (" Berg", "B-SURNAME", 0.9),
        ]);
        assert_eq!(
            found(&t, &s),
            pairs(&[("PERSON", "Ann Lee"), ("PERSON", "Bo Berg")])
        );
    }

    #[test]
    fn names_separated_by_punctuation_stay_apart() {
        let (t, s) = run(&[
            ("Ann", "B-GIVEN_NAME", 0.9),
            (",", "O", 0.9),
            (" Bob", "B-GIVEN_NAME", 0.9),
        ]);
        assert_eq!(
            found(&t, &s),
            pairs(&[("PERSON", "Ann"), ("PERSON", "Bob")])
        );
    }

    #[test]
    fn touching_email_pieces_join_and_whitespace_b_tags_split() {
        let (t, s) = run(&[
            ("maria", "B-EMAIL", 0.9),
            (".", "I-EMAIL", 0.9),
            ("garcia", "B-EMAIL", 0.9),
            ("@", "B-EMAIL", 0.9),
            ("x", "B-EMAIL", 0.9),
            (" bob", "B-EMAIL", 0.9),
            ("@", "I-EMAIL", 0.9),
            ("y", "I-EMAIL", 0.9),
        ]);
        assert_eq!(
            found(&t, &s),
            pairs(&[("EMAIL", "maria.garcia@x"), ("EMAIL", "bob@y")])
        );
    }

    #[test]
    fn street_run_becomes_one_street_address() {
        let (t, s) = run(&[
            ("at", "O", 0.9),
            (" 42", "B-BUILDING_NUMBER", 0.9),
            (" Baker", "B-STREET_NAME", 0.9),
            (" Street", "I-STREET_NAME", 0.9),
            (",", "O", 0.9),
            (" London", "B-CITY", 0.9),
            (" 20", "B-ZIP_CODE", 0.9),
            ("##500", "O", 0.6),
            (".", "O", 0.9),
        ]);
        assert_eq!(
            found(&t, &s),
            pairs(&[("STREET_ADDRESS", "42 Baker Street, London 20500")])
        );
    }

    #[test]
    fn middle_initials_join_a_person_and_address_runs_cross_periods() {
        let (t, s) = run(&[
            ("Sari", "B-GIVEN_NAME", 0.9),
            (" J", "B-GIVEN_NAME", 0.9),
            (".", "O", 0.9),
            (" Paavolainen", "B-SURNAME", 0.9),
            (".", "I-SURNAME", 0.9),
            (" at", "O", 0.9),
            (" Apt", "B-STREET_NAME", 0.9),
            (".", "O", 0.9),
            (" 864", "B-BUILDING_NUMBER", 0.9),
        ]);
        assert_eq!(
            found(&t, &s),
            pairs(&[
                ("PERSON", "Sari J. Paavolainen"),
                ("STREET_ADDRESS", "Apt. 864")
            ])
        );
    }

    #[test]
    fn an_email_piece_over_a_space_is_one_email_per_chunk() {
        let (t, s) = run(&[
            ("a", "B-EMAIL", 0.9),
            ("@", "I-EMAIL", 0.9),
            ("b.org", "I-EMAIL", 0.9),
            (" c", "I-EMAIL", 0.9),
            ("@", "I-EMAIL", 0.9),
            ("d.org", "I-EMAIL", 0.9),
        ]);
        assert_eq!(
            found(&t, &s),
            pairs(&[("EMAIL", "a@b.org"), ("EMAIL", "c@d.org")])
        );
    }

    #[test]
    fn partial_email_grows_to_the_whole_chunk() {
        let (t, s) = run(&[
            ("mail", "O", 0.9),
            (" (", "O", 0.9),
            ("uta", "B-EMAIL", 0.9),
            ("@", "O", 0.9),
            ("x", "O", 0.9),
            (".", "O", 0.9),
            ("com", "B-EMAIL", 0.9),
            (")", "O", 0.9),
            (".", "O", 0.9),
        ]);
        assert_eq!(found(&t, &s), pairs(&[("EMAIL", "uta@x.com")]));
        // The model's own span may take the sentence's full stop: dropped.
        let (t, s) = run(&[
            ("to ", "O", 0.9),
            ("uta", "B-EMAIL", 0.9),
            ("@", "I-EMAIL", 0.9),
            ("x", "I-EMAIL", 0.9),
            (".", "I-EMAIL", 0.9),
            ("com", "I-EMAIL", 0.9),
            (".", "I-EMAIL", 0.9),
        ]);
        assert_eq!(found(&t, &s), pairs(&[("EMAIL", "uta@x.com")]));
    }

    #[test]
    fn lone_city_and_lone_zip_are_locations() {
        let (t, s) = run(&[
            ("in", "O", 0.9),
            (" Paris", "B-CITY", 0.9),
            (" and", "O", 0.9),
            (" 75001", "B-ZIP_CODE", 0.9),
        ]);
        assert_eq!(
            found(&t, &s),
            pairs(&[("LOCATION", "Paris"), ("LOCATION", "75001")])
        );
    }

    #[test]
    fn id_labels_keep_their_names_and_low_scores_are_dropped() {
        let (t, s) = run(&[
            ("no", "O", 0.9),
            (" X12", "B-PASSPORT", 0.9),
            ("##345", "B-PASSPORT", 0.9),
            (" Bob", "B-GIVEN_NAME", 0.2),
        ]);
        assert_eq!(found(&t, &s), pairs(&[("PASSPORT", "X12345")]));
    }
}
