//! Plausibility checks on the model's spans of unvalidated, number-like
//! entities, which it also gives to ids, versions, amounts and hashes.
//!
//! The model's names and street addresses are its strength; its ID labels
//! (`TAX_ID`, `BANK_ACCOUNT`, `ROUTING_NUMBER`, `GOVERNMENT_ID`, `PASSPORT`,
//! `DRIVERS_LICENSE`) and its `PHONE` tag, on the other hand, fire on order
//! numbers, build ids, versions, UUID pieces and amounts. The pattern pass
//! validates those entities where a rule exists; what the model adds on its
//! own is kept only when the text around it says what it is. Rules, by
//! class of error (none names a value):
//!
//! 1. **Fragments.** A span of any entity but `PERSON` that starts or ends
//!    inside a longer token (a letter or digit glued to it, or a `.`, `-`,
//!    `_`, `/`, `:`, `'` or `,` joining it to one) is a piece of something
//!    else: `.12.5` of `~7.12.5`, the first group of a UUID, `621 217` of an
//!    amount `77 621 217,50`.
//! 2. **Id keywords.** A span right after an id word of the pattern pass's
//!    veto list (`order`, `invoice`, `build`, `version`, `ticket`, `PO`, `#`,
//!    ...), or holding one before a number (`build 75478`), is a business id.
//! 3. **Context.** An ID label or a `PHONE` the model found alone must have a
//!    word of its kind within [`CONTEXT_BEFORE`] bytes before it or
//!    [`CONTEXT_AFTER`] after it, in any of the six languages (`passport`,
//!    `Reisepass`, `licence`, `permis`, `account`, `Konto`, `phone`, `tel`,
//!    ...).
//! 4. **Places need letters.** A `LOCATION` or `STREET_ADDRESS` with no letter
//!    (`90236`, `387`) is a number; a one-word `LOCATION` with a digit is a
//!    code (`CPK-3941`); a `STREET_ADDRESS` needs two words, one of them a
//!    word of three letters or more (`25h 50m`, `201 1907.4ms` are not);
//!    a word of up to three letters right after a number is a unit (`Ko`).
//! 5. **Field names are not names**: an `ORGANIZATION` or `LOCATION` that
//!    is just the name of a kind of data (`IBAN`, `SSN`, `VAT`, `passport`).
//!    **Names need a Latin letter**: the model reads Latin script only, and
//!    calls unknown tokens (`漢字`) a name from context.
//! 6. **URLs need a dot or a slash**, and no rule-1 fragment of a token
//!    (the decoder widens real URLs and e-mail addresses to their token).
//!
//! 7. **Names of organisations and places are capitalised** in a text that
//!    uses capitals for names (one capitalised word that does not open a
//!    sentence or a line is enough; an all-lower-case chat is left alone).
//!    There, [`case_split`] cuts an `ORGANIZATION` or `LOCATION` at a
//!    lower-case word that is not a connector (`of`, `de`, `del`, `and`, ...),
//!    trims lower-case words from both ends, and drops a piece with no
//!    capitalised word or digit: the model's `bank`, `the beach`,
//!    `University of`, `Altoona by helicopter` become nothing, nothing,
//!    `University`, `Altoona`. A `PERSON` is only trimmed of lower-case
//!    words at its ends that are not particles (`mich Saskia Noack`); one
//!    with no capital at all is kept. The uncased model cannot see case; the
//!    text can.
//!
//! Then [`merge_address_pieces`] joins address pieces a few words apart.
//!
//! `NerOptions::plausibility = false` turns the checks off (for measuring
//! what they cost in recall).

use crate::recognizers::{contains_word, id_veto_before, widened};
use crate::span::{Entity, Span};

/// Bytes looked at before a span for its context words.
const CONTEXT_BEFORE: usize = 48;
/// Bytes looked at after a span for its context words.
const CONTEXT_AFTER: usize = 24;

/// Words that make an unvalidated number next to them sensitive whatever ID
/// label the model chose (it often picks the wrong one among its six): any
/// ID kind's word below, and payment cards (a number the card recognizer
/// could not validate is still a card number when the text says so).
const ANY_ID: &[&str] = &[
    "card",
    "credit",
    "debit",
    "cc",
    "visa",
    "mastercard",
    "amex",
    "number",
    "no.",
    "nr",
    "num",
    "nº",
    "n°",
];

/// Words that make a number-only place a postal code.
const POSTAL: &[&str] = &[
    "zip",
    "postal",
    "postcode",
    "post code",
    "plz",
    "postleitzahl",
    "code postal",
    "cp",
    "cap",
    "código postal",
    "codigo postal",
    "codice postale",
];

/// Context words per entity, lower case; a word matches at a word start.
fn context_words(entity: &Entity) -> Option<&'static [&'static str]> {
    let words: &'static [&'static str] = match entity.as_str() {
        "PASSPORT" => &[
            "passport",
            "pasaporte",
            "passeport",
            "reisepass",
            "pass-nr",
            "passnummer",
            "passaporto",
            "paspoort",
        ],
        "DRIVERS_LICENSE" => &[
            "driver",
            "licence",
            "license",
            "dl#",
            "dl ",
            "permis",
            "führerschein",
            "fuhrerschein",
            "licencia",
            "carnet",
            "permiso de conducir",
            "patente",
            "rijbewijs",
        ],
        "TAX_ID" => &[
            "tax",
            "tin",
            "itin",
            "ein",
            "vat",
            "fiscal",
            "steuer",
            "impôt",
            "impot",
            "nif",
            "cif",
            "codice fiscale",
            "partita iva",
            "btw",
            "rsin",
            "ssn",
            "social security",
        ],
        "BANK_ACCOUNT" => &[
            "account", "acct", "a/c", "bank", "iban", "konto", "compte", "rib", "cuenta", "conto",
            "rekening", "bic",
        ],
        "ROUTING_NUMBER" => &[
            "routing",
            "aba",
            "rtn",
            "sort code",
            "transit",
            "bank",
            "bankleitzahl",
            "blz",
        ],
        "GOVERNMENT_ID" => &[
            "national",
            "identity",
            "identification",
            "id card",
            "id number",
            "id no",
            "id#",
            "id:",
            "ssn",
            "social security",
            "nino",
            "insurance number",
            "dni",
            "nie",
            "ausweis",
            "personalausweis",
            "carte d'identité",
            "carte d'identite",
            "cni",
            "documento",
            "carta d'identità",
            "carta d'identita",
            "identiteitskaart",
            "bsn",
            "burgerservicenummer",
            "nir",
            "sécurité sociale",
            "securite sociale",
            "government",
        ],
        "PHONE" => &[
            "phone",
            "tel",
            "call",
            "mobile",
            "cell",
            "fax",
            "whatsapp",
            "sms",
            "text me",
            "ring",
            "contact",
            "reach",
            "dial",
            "téléphone",
            "telephone",
            "portable",
            "appeler",
            "appelez",
            "telefon",
            "handy",
            "anrufen",
            "rufnummer",
            "teléfono",
            "telefono",
            "móvil",
            "movil",
            "llama",
            "cellulare",
            "chiama",
            "numero",
            "número",
            "nummer",
            "bel ",
            "mobiel",
        ],
        _ => return None,
    };
    Some(words)
}

/// Whether `c` joins the bytes on either side into one token when it sits
/// between two letters or digits.
fn joiner(c: u8) -> bool {
    matches!(c, b'.' | b'-' | b'_' | b'/' | b':' | b'\'' | b',')
}

/// Whether `text[start..end]` is cut out of a longer token: a letter or
/// digit touches it, or a joiner with a digit beyond it (`7.12.5`,
/// `217,50`, the groups of a UUID; not `063-Office`).
fn is_fragment(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let alnum_at = |i: usize| text[i..].chars().next().is_some_and(char::is_alphanumeric);
    let alnum_before = |i: usize| {
        text[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    };
    let left = start > 0
        && (alnum_before(start)
            || joiner(b[start - 1]) && start >= 2 && b[start - 2].is_ascii_digit());
    let right = end < b.len()
        && (alnum_at(end) || joiner(b[end]) && b.get(end + 1).is_some_and(u8::is_ascii_digit));
    left || right
}

/// Whether `value` holds a word of three letters or more not glued to a
/// digit: an address names a street or a place ("25h 50m", "201 1907.4ms",
/// "188,5 Ko" do not).
fn has_name_word(value: &str) -> bool {
    value
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w.chars().count() >= 3 && w.chars().all(char::is_alphabetic))
}

/// Whether an id word stands right before the span or before a number in
/// it ("build 75478", "release-39.1").
fn id_word_inside(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    id_veto_before(text, start)
        || (start + 1..end)
            .filter(|&i| b[i].is_ascii_digit() && !b[i - 1].is_ascii_digit())
            .any(|i| id_veto_before(text, i))
}

/// Whether the span is a short word right after a number: a unit ("321,5 Ko",
/// "3h 7m"), not a place or an id.
fn unit_after_number(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let mut i = start;
    if i > 0 && b[i - 1] == b' ' {
        i -= 1;
    }
    end - start <= 3 && i > 0 && b[i - 1].is_ascii_digit()
}

/// Whether a context word for `words` stands near `text[start..end]`.
fn has_context(text: &str, start: usize, end: usize, words: &[&str]) -> bool {
    let before = widened(text, start.saturating_sub(CONTEXT_BEFORE), start);
    let after = widened(text, end, (end + CONTEXT_AFTER).min(text.len()));
    let around = format!("{before} {after}").to_lowercase();
    words.iter().any(|w| contains_word(&around, w))
}

/// The ID labels of the model (reported under the same names).
pub(crate) const ID_LABELS: &[&str] = &[
    "TAX_ID",
    "BANK_ACCOUNT",
    "ROUTING_NUMBER",
    "GOVERNMENT_ID",
    "PASSPORT",
    "DRIVERS_LICENSE",
];

pub(crate) fn is_id_label(e: &Entity) -> bool {
    ID_LABELS.contains(&e.as_str())
}

/// Bytes between a number and a model address span that make the number a
/// part of that address (a ZIP, a suite, a PO box on the next line).
const ADDRESS_GAP: usize = 40;

/// Whether another of the model's spans, an address or a place with
/// letters, lies within [`ADDRESS_GAP`] bytes of `s`.
fn next_to_address(text: &str, s: &Span, all: &[Span]) -> bool {
    all.iter().any(|o| {
        !std::ptr::eq(o, s)
            && matches!(o.entity.as_str(), "STREET_ADDRESS" | "LOCATION")
            && (o.end <= s.start && s.start - o.end <= ADDRESS_GAP
                || s.end <= o.start && o.start - s.end <= ADDRESS_GAP)
            && has_name_word(&text[o.start..o.end])
    })
}

/// A letter of the Latin script (Basic Latin to Latin Extended-B, and
/// Latin Extended Additional).
fn is_latin_letter(c: char) -> bool {
    c.is_alphabetic() && (c <= '\u{024F}' || ('\u{1E00}'..='\u{1EFF}').contains(&c))
}

/// Keeps the model's spans of `text` that pass the checks above. `spans`
/// are the model's spans of this text (neighbours matter: a number next to
/// an address is part of it).
pub(crate) fn retain_plausible(text: &str, spans: &mut Vec<Span>) {
    let keep: Vec<bool> = spans.iter().map(|s| plausible(text, s, spans)).collect();
    let mut k = keep.into_iter();
    spans.retain(|_| k.next().unwrap_or(true));
}

/// Lower-case words that may sit inside the name of an organisation or a
/// place, in the model's seven languages.
const NAME_CONNECTORS: &[&str] = &[
    "of", "the", "and", "for", "on", "upon", "at", "de", "del", "della", "di", "da", "do", "dos",
    "das", "du", "des", "la", "le", "les", "el", "los", "las", "y", "e", "et", "und", "der", "den",
    "dem", "am", "an", "im", "van", "von", "zu", "zum", "zur", "en", "het", "'s", "&",
];

/// Whether `text` capitalises names: a word that starts with an upper-case
/// letter, is not all capitals, and does not open a sentence or a line.
pub(crate) fn uses_case(text: &str) -> bool {
    for line in text.lines() {
        let mut opens = true;
        for word in line.split_whitespace() {
            let mut letters = word.chars().filter(|c| c.is_alphabetic());
            if let Some(first) = letters.next()
                && !opens
                && first.is_uppercase()
                && letters.any(char::is_lowercase)
            {
                return true;
            }
            opens = word.ends_with(['.', '!', '?', ':', '"', '\u{201c}']);
        }
    }
    false
}

/// Rule 7 (see the module docs): splits and trims the `ORGANIZATION` and
/// `LOCATION` spans of a text that [`uses_case`].
pub(crate) fn case_split(text: &str, spans: &mut Vec<Span>) {
    let targeted = |s: &Span| {
        s.entity == Entity::ORGANIZATION
            || s.entity == Entity::LOCATION
            || s.entity == Entity::PERSON
    };
    if !spans.iter().any(targeted) || !uses_case(text) {
        return;
    }
    let mut out = Vec::with_capacity(spans.len());
    for s in spans.drain(..) {
        if !targeted(&s) {
            out.push(s);
            continue;
        }
        // Words of the span as byte ranges, with their kind.
        #[derive(PartialEq)]
        enum Kind {
            Name,
            Connector,
            Lower,
        }
        let mut words: Vec<(usize, usize, Kind)> = Vec::new();
        let mut at = s.start;
        for w in text[s.start..s.end].split_inclusive(char::is_whitespace) {
            let (ws, we) = (at, at + w.trim_end().len());
            at += w.len();
            if ws == we {
                continue;
            }
            let word = &text[ws..we];
            let first = word.chars().find(|c| c.is_alphanumeric());
            let kind = match first {
                Some(c) if c.is_uppercase() || c.is_numeric() => Kind::Name,
                Some(_) if word.chars().any(char::is_uppercase) => Kind::Name, // eBay
                Some(_) => {
                    let bare = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
                    if NAME_CONNECTORS.contains(&bare.to_lowercase().as_str()) {
                        Kind::Connector
                    } else {
                        Kind::Lower
                    }
                }
                None if word == "&" => Kind::Connector,
                None => Kind::Name, // punctuation inside a name ("-", "/")
            };
            words.push((ws, we, kind));
        }
        if s.entity == Entity::PERSON {
            // A name is only trimmed: lower-case words at its ends that are
            // not particles ("mich Saskia Noack"). A name with no capital at
            // all is kept whole: leaking it would cost more than a word.
            // Before a number, lower-case words are a street's
            // ("Árpád fejedelem útja 3."): the end stays.
            let before_number = text[s.end..]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit());
            let first = words.iter().position(|w| w.2 != Kind::Lower);
            let last = if before_number {
                words.len().checked_sub(1)
            } else {
                words.iter().rposition(|w| w.2 != Kind::Lower)
            };
            let mut p = s.clone();
            if let (Some(f), Some(l)) = (first, last)
                && words.iter().any(|w| w.2 == Kind::Name)
            {
                p.start = words[f].0;
                p.end = words[l].1;
            }
            out.push(p);
            continue;
        }
        for piece in words.split(|w| w.2 == Kind::Lower) {
            let Some(first) = piece.iter().position(|w| w.2 == Kind::Name) else {
                continue;
            };
            let last = piece
                .iter()
                .rposition(|w| w.2 == Kind::Name)
                .unwrap_or(first);
            let (start, end) = (piece[first].0, piece[last].1);
            let value = &text[start..end];
            if !value.chars().any(|c| c.is_uppercase() || c.is_numeric()) {
                continue;
            }
            let mut p = s.clone();
            p.start = start;
            p.end = end;
            out.push(p);
        }
    }
    *spans = out;
}

/// Longest gap between two address pieces of the model that
/// [`merge_address_pieces`] closes.
const PIECE_GAP: usize = 24;

/// Joins the model's address pieces (`STREET_ADDRESS`, `LOCATION`) that a
/// few words separate into one span over the gap: the model often leaves
/// the words between two parts of one address unlabelled ("Suite", "Apt.",
/// "United Kingdom" between the street, the unit number and the postcode),
/// and those words then leak. The gap may hold at most three words and
/// single line breaks; a blank line or a sentence end (`!`, `?`, or `.` not
/// closing an abbreviation such as "Apt.") separates two addresses.
pub(crate) fn merge_address_pieces(text: &str, spans: &mut Vec<Span>) {
    let is_place = |s: &Span| matches!(s.entity.as_str(), "STREET_ADDRESS" | "LOCATION");
    spans.sort_by_key(|s| (s.start, s.end));
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans.drain(..) {
        if let Some(last) = out.last_mut()
            && is_place(last)
            && is_place(&s)
            && s.start >= last.end
            && s.start - last.end <= PIECE_GAP
            && gap_joins(text, last.end, s.start)
            && (last.entity == Entity::STREET_ADDRESS
                || s.entity == Entity::STREET_ADDRESS
                || !has_lowercase_word(&text[last.end..s.start]))
        {
            if s.entity == Entity::STREET_ADDRESS {
                last.entity = Entity::STREET_ADDRESS;
            }
            last.end = last.end.max(s.end);
            last.score = last.score.max(s.score);
            continue;
        }
        out.push(s);
    }
    *spans = out;
}

/// Whether `gap` holds a word that starts with a lower-case letter. Two
/// places with such a word between them are two places ("Berlin, then flew
/// to Brazil"); the parts of one address are separated by punctuation,
/// line breaks, numbers and capitalised words ("Suite", "United Kingdom").
fn has_lowercase_word(gap: &str) -> bool {
    gap.split(|c: char| !c.is_alphanumeric())
        .any(|w| w.chars().next().is_some_and(char::is_lowercase))
}

/// Whether `text[from..to]`, between two address pieces, can sit inside
/// one address.
fn gap_joins(text: &str, from: usize, to: usize) -> bool {
    let gap = &text[from..to];
    if gap.contains("\n\n") || gap.contains("\r\n\r\n") {
        return false;
    }
    let words: Vec<&str> = gap
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() > 3 {
        return false;
    }
    // A sentence end: `!`, `?`, or `.` after a word that is not an
    // abbreviation used in addresses ("Apt.", "St.", "u.").
    let b = gap.as_bytes();
    !b.iter().enumerate().any(|(i, &c)| {
        matches!(c, b'!' | b'?')
            || c == b'.' && {
                // The word before the dot (it may end the previous piece).
                let word = text[..from + i]
                    .rsplit(|ch: char| !ch.is_alphanumeric())
                    .next()
                    .unwrap_or("")
                    .to_lowercase();
                !ADDRESS_ABBREVIATIONS.contains(&word.as_str())
            }
    })
}

/// Abbreviations written with a dot inside an address (the empty word: a
/// dot after punctuation).
const ADDRESS_ABBREVIATIONS: &[&str] = &[
    "", "apt", "ap", "appt", "ste", "st", "str", "no", "nr", "n", "u", "ave", "av", "rd", "dr",
    "blvd", "bldg", "fl", "po", "p", "c", "pl", "sq", "ln", "ct", "hwy", "esc", "dpto", "int",
];

/// Whether the model's span `s` of `text` passes the checks above; `all`
/// holds the model's other spans of the text.
/// Names of kinds of personal data, which the model sometimes calls an
/// organisation ("My IBAN is ..."): a word that names a field is not a name.
const FIELD_WORDS: &[&str] = &[
    "iban", "bic", "swift", "sepa", "ssn", "sin", "nino", "nhs", "vat", "tin", "ein", "pin", "cvv",
    "cvc", "otp", "id", "ip", "url", "email", "e-mail", "phone", "tel", "fax", "dob", "mobile",
    "address", "zip", "postcode", "account", "konto", "card",
];

fn plausible(text: &str, s: &Span, all: &[Span]) -> bool {
    if s.entity == Entity::ORGANIZATION || s.entity == Entity::LOCATION {
        let value = text[s.start..s.end]
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if FIELD_WORDS.contains(&value.as_str())
            || all_id_words().any(|words| words.contains(&value.as_str()))
        {
            return false;
        }
    }
    if s.entity == Entity::PERSON {
        // The model reads Latin script only: a "name" with no Latin letter
        // (漢字, which it sees as unknown tokens) is a guess from context.
        return text[s.start..s.end].chars().any(is_latin_letter);
    }
    let (start, end) = (s.start, s.end);
    if is_fragment(text, start, end) {
        return false;
    }
    if s.entity == Entity::URL {
        // The decoder widens a URL to its whole token; one with no dot or
        // slash ("af30") is a piece of an id.
        return text[start..end].contains(['.', '/']);
    }
    let number_like = matches!(s.entity.as_str(), "PHONE" | "LOCATION" | "STREET_ADDRESS")
        || is_id_label(&s.entity);
    if !number_like {
        // EMAIL spans are widened to their whole token by the decoder.
        return true;
    }
    let value = &text[start..end];
    if id_word_inside(text, start, end) || unit_after_number(text, start, end) {
        return false;
    }
    // A number next to an address the model found is a part of it.
    if next_to_address(text, s, all) {
        return true;
    }
    match s.entity.as_str() {
        // A place has letters (or is a postal code by its context); a
        // one-word place has no digits ("CPK-3941" is a code); a street
        // address has two words, one of them a name.
        "LOCATION" => {
            if !value.chars().any(char::is_alphabetic) {
                return has_context(text, start, end, POSTAL);
            }
            value.contains(char::is_whitespace) || !value.contains(|c: char| c.is_ascii_digit())
        }
        "STREET_ADDRESS" => has_name_word(value) && value.contains(char::is_whitespace),
        "PHONE" => context_words(&s.entity).is_some_and(|w| has_context(text, start, end, w)),
        // ID labels: a word of any ID kind.
        _ => {
            has_context(text, start, end, ANY_ID)
                || all_id_words().any(|w| has_context(text, start, end, w))
        }
    }
}

/// The context words of every ID label.
fn all_id_words() -> impl Iterator<Item = &'static [&'static str]> {
    ID_LABELS
        .iter()
        .filter_map(|e| context_words(&Entity::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Source;

    fn span(text: &str, value: &str, entity: &str) -> (String, Span) {
        let start = text.find(value).expect("value in text");
        (
            text.to_string(),
            Span {
                start,
                end: start + value.len(),
                entity: Entity::new(entity),
                score: 0.9,
                source: Source::Ner,
                validated: false,
                recognizer: "ner".into(),
            },
        )
    }

    fn ok(text: &str, value: &str, entity: &str) -> bool {
        let (t, s) = span(text, value, entity);
        plausible(&t, &s, std::slice::from_ref(&s))
    }

    #[test]
    fn fragments_of_longer_tokens_are_dropped() {
        assert!(!ok("look at ~7.12.5 now", ".12.5", "STREET_ADDRESS"));
        assert!(!ok("id 59c55037-a021-4d46 ok", "59c55037", "PASSPORT"));
        assert!(!ok("paid 77 621 217,50 EUR", "77 621 217", "BANK_ACCOUNT"));
        assert!(!ok("at 00:53:04.768 elapsed", "04.", "PHONE"));
    }

    #[test]
    fn field_names_are_not_organisations() {
        assert!(!ok("My IBAN is DE89 3704", "IBAN", "ORGANIZATION"));
        assert!(!ok("the VAT number", "VAT", "LOCATION"));
        assert!(ok("My bank is Barclays", "Barclays", "ORGANIZATION"));
    }

    #[test]
    fn names_need_a_latin_letter() {
        assert!(!ok("Écrivez à josé 漢字 ou", "漢字", "PERSON"));
        assert!(ok("Écrivez à Ngô Bảo Châu ou", "Ngô Bảo Châu", "PERSON"));
        assert!(ok("ask Zoë", "Zoë", "PERSON"));
    }

    #[test]
    fn id_labels_and_phones_need_context() {
        assert!(!ok(
            "please check r242304 before",
            "r242304",
            "GOVERNMENT_ID"
        ));
        assert!(ok(
            "passport number X1234567 issued",
            "X1234567",
            "PASSPORT"
        ));
        assert!(ok(
            "Mein Führerschein: B072RRE2I55",
            "B072RRE2I55",
            "DRIVERS_LICENSE"
        ));
        assert!(!ok("see 2.6.12.2271 when you can", "2.6.12.2271", "PHONE"));
        assert!(ok("call me on 415 555 0123", "415 555 0123", "PHONE"));
        assert!(!ok("see 07700 063 966 then", "07700 063 966", "PHONE"));
        assert!(ok("07700 063 966-Fax", "07700 063 966", "PHONE"));
        assert!(ok(
            "my card 213176828496175 is lost",
            "213176828496175",
            "GOVERNMENT_ID"
        ));
    }

    #[test]
    fn numbers_after_id_words_and_places_without_letters_are_dropped() {
        assert!(!ok("check build 90236 please", "90236", "LOCATION"));
        assert!(!ok(
            "Order #2257368338 shipped",
            "2257368338",
            "BANK_ACCOUNT"
        ));
        assert!(ok("the zip is 90236", "90236", "LOCATION"));
        assert!(!ok("the total is 90236", "90236", "LOCATION"));
        assert!(ok("she lives in Paris", "Paris", "LOCATION"));
        assert!(ok(
            "at 42 Baker Street, London",
            "42 Baker Street, London",
            "STREET_ADDRESS"
        ));
    }

    #[test]
    fn names_emails_and_urls_pass_untouched() {
        assert!(ok("We need Mark here", "Mark", "PERSON"));
        assert!(ok("mail a.b@example.com now", "a.b@example.com", "EMAIL"));
        assert!(ok(
            "see https://example.org/x now",
            "https://example.org/x",
            "URL"
        ));
        assert!(!ok("id 8ebf00f4-d5db-4672-af30-46ed now", "af30", "URL"));
    }

    #[test]
    fn numbers_next_to_an_address_are_part_of_it() {
        let text = "3911 Fourth Avenue Suite 697 Apt. 397";
        let (_, street) = span(text, "3911 Fourth Avenue Suite", "STREET_ADDRESS");
        let (_, suite) = span(text, "697", "STREET_ADDRESS");
        let mut spans = vec![street, suite];
        retain_plausible(text, &mut spans);
        assert_eq!(spans.len(), 2);
        let mut alone = vec![span(text, "697", "STREET_ADDRESS").1];
        retain_plausible(text, &mut alone);
        assert!(alone.is_empty());
    }

    #[test]
    fn address_pieces_a_few_words_apart_are_joined() {
        let text = "14 Crown Street Kishiev Squares\n Suite 321\n LONDON\n United Kingdom 75419. Then we left.";
        let mut spans = vec![
            span(text, "14 Crown Street Kishiev Squares", "STREET_ADDRESS").1,
            span(text, "321", "STREET_ADDRESS").1,
            span(text, "LONDON", "LOCATION").1,
            span(text, "75419", "LOCATION").1,
        ];
        merge_address_pieces(text, &mut spans);
        assert_eq!(spans.len(), 1);
        assert_eq!(
            &text[spans[0].start..spans[0].end],
            "14 Crown Street Kishiev Squares\n Suite 321\n LONDON\n United Kingdom 75419"
        );
        assert_eq!(spans[0].entity, Entity::STREET_ADDRESS);
        // A sentence end or a blank line separates two places.
        let text = "I was born in Lyon. Nowadays Paris is home.";
        let mut spans = vec![
            span(text, "Lyon", "LOCATION").1,
            span(text, "Paris", "LOCATION").1,
        ];
        merge_address_pieces(text, &mut spans);
        assert_eq!(spans.len(), 2);
        // Two places with a lower-case word between them are two places;
        // capitalised words and punctuation between them join one address.
        let text = "We met in Berlin, then flew to Brazil.";
        let mut spans = vec![
            span(text, "Berlin", "LOCATION").1,
            span(text, "Brazil", "LOCATION").1,
        ];
        merge_address_pieces(text, &mut spans);
        assert_eq!(spans.len(), 2);
        let text = "Office: Springfield, Lane County, OR";
        let mut spans = vec![
            span(text, "Springfield", "LOCATION").1,
            span(text, "OR", "LOCATION").1,
        ];
        merge_address_pieces(text, &mut spans);
        assert_eq!(spans.len(), 1);
    }

    #[test]
    fn organisations_and_places_are_cut_at_lower_case_words_in_cased_text() {
        let run = |text: &str, spans: &[(&str, &str)]| -> Vec<(String, String)> {
            let mut v: Vec<Span> = spans.iter().map(|(w, e)| span(text, w, e).1).collect();
            case_split(text, &mut v);
            v.iter()
                .map(|s| (text[s.start..s.end].to_string(), s.entity.to_string()))
                .collect()
        };
        let own = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        // Cut at a lower-case word, trimmed at the ends, dropped without a capital.
        let text = "On Sunday we returned to Altoona by helicopter with the bank of Lyon.";
        assert_eq!(
            run(
                text,
                &[
                    ("Altoona by helicopter", "LOCATION"),
                    ("the bank of Lyon", "ORGANIZATION")
                ]
            ),
            own(&[("Altoona", "LOCATION"), ("Lyon", "ORGANIZATION")])
        );
        let text = "She met them at the beach near the University of Porto.";
        assert_eq!(
            run(
                text,
                &[
                    ("the beach", "LOCATION"),
                    ("the University of", "ORGANIZATION")
                ]
            ),
            own(&[("University", "ORGANIZATION")])
        );
        // Connectors stay inside; mixed-case words, digits and other entities are kept.
        let text = "Then Banco de la Nación, eBay and 3M met in Villafranca del Cid, 4 rue du lac.";
        let spans = [
            ("Banco de la Nación", "ORGANIZATION"),
            ("eBay", "ORGANIZATION"),
            ("3M", "ORGANIZATION"),
            ("Villafranca del Cid", "LOCATION"),
            ("4 rue du lac", "STREET_ADDRESS"),
        ];
        assert_eq!(run(text, &spans), own(&spans));
        // Names lose lower-case words at their ends, but keep particles and
        // are never dropped.
        let text = "Gestern hat mich Saskia Noack angerufen, dann van Dijk und ben.";
        assert_eq!(
            run(
                text,
                &[
                    ("mich Saskia Noack", "PERSON"),
                    ("van Dijk", "PERSON"),
                    ("ben", "PERSON")
                ]
            ),
            own(&[
                ("Saskia Noack", "PERSON"),
                ("van Dijk", "PERSON"),
                ("ben", "PERSON")
            ])
        );
        let text = "Clubs on Árpád fejedelem útja 3. were full.";
        assert_eq!(
            run(text, &[("Árpád fejedelem útja", "PERSON")]),
            own(&[("Árpád fejedelem útja", "PERSON")])
        );
        // A text without capitalised names (chat in lower case) is left alone.
        let text = "Hi! we flew to lisbon and met the folks from acme";
        let spans = [("lisbon", "LOCATION"), ("acme", "ORGANIZATION")];
        assert_eq!(run(text, &spans), own(&spans));
        assert!(!uses_case("Hello.\nThanks! See you"));
        assert!(uses_case("we met Anna"));
    }

    #[test]
    fn codes_units_and_one_word_addresses_are_dropped() {
        assert!(!ok("value CPK-3941 ok", "CPK-3941", "LOCATION"));
        assert!(!ok("check 321,5 Ko now", "Ko", "LOCATION"));
        assert!(!ok("value PRF-9480 ok", "PRF-9480", "STREET_ADDRESS"));
        assert!(!ok("value build 75478 ok", "build 75478", "STREET_ADDRESS"));
        assert!(ok(
            "moved to London SW1A 1AA",
            "London SW1A 1AA",
            "LOCATION"
        ));
        assert!(ok("flew to NY today", "NY", "LOCATION"));
    }
}
