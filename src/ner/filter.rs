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
//! Words of logs and mail that are not names (each rule names a class,
//! none a value; [`retain_plausible`] applies them before rules 1 to 6):
//!
//! 8. **Sentence punctuation.** A span does not end with the sentence's
//!    full stop: a final `.` after a word of two letters or more that is
//!    not an abbreviation (`Sweden.`, `PR18 5WW.`) is cut off; one after an
//!    initial, a dotted abbreviation or a known abbreviation (`Inc.`, `St.`,
//!    `U.S.`) stays.
//! 9. **Salutations and honorifics are not names.** A span made only of a
//!    letter's formula words — salutations (`Sehr geehrte`, `Liebe`, `Dear`,
//!    `Bonjour`, `Estimada`, `Gentile`, `Geachte`...), honorifics (`Mr`,
//!    `M.`, `Mme`, `Herr`, `Frau`, `Sra.`, `Sig.`, `Dhr.`...), addressee
//!    nouns (`Damen und Herren`, `Kundin`) and closings (`Danke`,
//!    `Cordialement`) — is dropped. Salutations are cut from the start of
//!    any name, honorifics from the start of a person: "Sehr geehrte Frau
//!    Müller" masks `Müller`. The honorific stays readable because it says
//!    how to address the person (an LLM's reply needs "Frau" or "M."), it
//!    is no part of the name (the synthetic evaluation set's gold leaves it
//!    out), and the model itself leaves it out of most names ("Dear Mr
//!    <Smith>"). An organisation that starts with an honorific is a person
//!    (`M. Dupont`). The name after an honorific the model misses is added
//!    by `complete.rs` (rule 7 there).
//! 10. **Log levels and common-noun acronyms are not organisations.** A
//!     log level (`INFO`, `WARN`, `ERROR`, any case) is never a name. A
//!     short all-caps acronym (two to four letters) standing alone (no
//!     capitalised word next to it on its line, which would make it a piece
//!     of a longer name: `TV Guide`, `AC Milan`) is dropped as an
//!     organisation, person or place (of three letters or more: a
//!     two-letter place is a country or state code) when it is a common noun
//!     ([`COMMON_ACRONYMS`]: kinds of software, documents, roles, legal
//!     forms, chat abbreviations: `CRM`, `SLA`, `CEO`, `LLC`, `RT`), an id
//!     word (`SKU`, `PO`, see rule 2) or a field name (rule 5); and, as an
//!     organisation or a person, in a log record (a line with a log level
//!     or a `level=` key) unless the model is very sure (score at least
//!     [`VERY_SURE`]). Other acronyms are left to the model: real
//!     organisations are very often written so (`IBM`, `NPR`, `RBS`; the
//!     prose test split holds dozens, many scored far below what the model
//!     gives `SKU` or `CRM`), so score alone cannot separate them.
//! 11. **Dotted identifiers are not names.** A name, organisation or place
//!     inside a lower-case dotted identifier — a service, module, package or
//!     file name (`auth.service`, `com.example.billing`, `payments.api.v2`,
//!     `main.go`) — is dropped, unless every word of the identifier is a
//!     part of one person's name (a login such as `anna.schmidt`).
//! 12. **E-mail addresses.** A model e-mail span does not begin with a
//!     `key=` assignment (`user=jdoe@example.com` masks `jdoe@example.com`;
//!     the pattern pass has the same rule) and needs an `@` (or an `at`
//!     spelled out) in or next to it: the model also tags `INFO`.
//!
//! Rule 2 also covers a number word between the id word and the number
//! (`order no. 100234567`, `invoice nr 5531`, `ticket nº 88812`, `order
//! number is ...`) and order and invoice words in the six languages
//! (`Bestellung Nr.`, `commande n°`).
//!
//! Then [`merge_address_pieces`] joins address pieces a few words apart.
//!
//! `NerOptions::plausibility = false` turns the checks off (for measuring
//! what they cost in recall).

use crate::recognizers::{
    ID_VETO, ID_WORDS_INTL, NUMBER_WORDS, contains_word, id_veto_before, widened,
};
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
/// it ("build 75478", "release-39.1"), possibly with a number word between
/// ("order no. 100234567").
fn id_word_inside(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    id_word_before(text, start)
        || (start + 1..end)
            .filter(|&i| b[i].is_ascii_digit() && !b[i - 1].is_ascii_digit())
            .any(|i| id_word_before(text, i))
}

/// Copulas that may stand between a number word and the number ("order
/// number is 100234567").
const COPULAS: &[&str] = &["is", "ist", "est", "es", "è", "was"];

/// The word of letters (and `°`) that ends right before `at`, after the
/// separators an id is written with: its start and its lower-cased text.
fn word_ending_before(text: &str, at: usize) -> (usize, String) {
    let head = text[..at].trim_end_matches([' ', ':', '#', '.', '-', '=', '\t', '_']);
    let start = head
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphabetic() || c == '°')
        .last()
        .map_or(head.len(), |(i, _)| i);
    (start, head[start..].to_lowercase())
}

/// Whether a number follows `end`, after the separators an id is written
/// with and an optional number word ("SKU 4411", "Commande n° 1002").
fn number_follows(text: &str, end: usize) -> bool {
    let skip = |t: &str| -> usize {
        t.len()
            - t.trim_start_matches([' ', ':', '#', '.', '-', '=', '\t', '_'])
                .len()
    };
    let mut at = end + skip(&text[end..]);
    let word_len: usize = text[at..]
        .chars()
        .take_while(|&c| c.is_alphabetic() || c == '°')
        .map(char::len_utf8)
        .sum();
    if NUMBER_WORDS.contains(&text[at..at + word_len].to_lowercase().as_str()) {
        at += word_len;
        at += skip(&text[at..]);
    }
    text[at..].starts_with(|c: char| c.is_ascii_digit())
}

/// The start of the grouped number whose group starts at `start` (the
/// model tags the groups of "06 87 98 21 39" apart, and the id word stands
/// before the first).
fn number_run_start(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    if !b.get(start).is_some_and(u8::is_ascii_digit) {
        return start;
    }
    while i >= 2 && matches!(b[i - 1], b' ' | b'.' | b'-' | b'/') && b[i - 2].is_ascii_digit() {
        i -= 1;
        while i > 0 && b[i - 1].is_ascii_digit() {
            i -= 1;
        }
    }
    i
}

/// Whether an id word stands before `start`: right before it (the pattern
/// pass's veto list, or an order or invoice word of another language), or
/// before a number word ("order no.", "invoice nr", "ticket nº",
/// "Bestellung Nr.", "order number is"). The veto of the pattern pass only
/// looks at the word right before a number, and "no." names no kind of
/// number: that is how "order no. 100234567" became a government ID while
/// "Order 100234567" was left alone.
fn id_word_before(text: &str, start: usize) -> bool {
    let start = number_run_start(text, start);
    let intl = |at: usize| {
        let (_, w) = word_ending_before(text, at);
        ID_WORDS_INTL.contains(&w.as_str())
    };
    if id_veto_before(text, start) || intl(start) {
        return true;
    }
    let (mut at, mut word) = word_ending_before(text, start);
    if COPULAS.contains(&word.as_str()) {
        (at, word) = word_ending_before(text, at);
    }
    !word.is_empty()
        && NUMBER_WORDS.contains(&word.as_str())
        && (id_veto_before(text, at) || intl(at))
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

/// Keeps the model's spans of `text` that pass the checks above, after
/// trimming them (rules 8, 9 and 12). `spans` are the model's spans of this
/// text (neighbours matter: a number next to an address is part of it).
pub(crate) fn retain_plausible(text: &str, spans: &mut Vec<Span>) {
    let mut split = Vec::with_capacity(spans.len());
    for s in spans.drain(..) {
        split_at_sentence_ends(text, s, &mut split);
    }
    *spans = split;
    spans.retain_mut(|s| trim(text, s));
    let keep: Vec<bool> = spans.iter().map(|s| plausible(text, s, spans)).collect();
    let mut k = keep.into_iter();
    spans.retain(|_| k.next().unwrap_or(true));
}

// ---------------------------------------------------------------------------
// Rules 8 to 12: words of logs and mail.

/// Rule 8: abbreviations written with a dot at the end of a name or an
/// address (lower case, without the dot), besides initials and dotted
/// abbreviations (`U.S.`).
const NAME_ABBREVIATIONS: &[&str] = &[
    "inc", "ltd", "co", "corp", "bros", "cie", "ass", "assn", "intl", "mfg", "dept", "univ", "jr",
    "sr", "snr", "esq", "st", "ste", "ave", "av", "rd", "blvd", "dr", "mt", "ft", "pl", "sq", "ln",
    "ct", "hwy", "pkwy", "apt", "appt", "bldg", "fl", "no", "nr", "str", "mr", "mrs", "ms", "prof",
    "gen", "gov", "sen", "rep", "rev", "hon", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "etc", "al", "ltda", "cia", "sig", "sra", "srta", "dott",
    "dhr", "mevr", "mme", "mlle", "ul", "os", "u", "phd", "mba", "msc", "bsc", "md", "dds", "dvm",
    "jd", "cpa", "rn", "dipl", "ing", "mag",
];

/// Rule 8: whether the full stop that ends `value` closes the sentence, not
/// an abbreviation: the word before it holds a digit or two letters or
/// more, is not a known abbreviation, and no dot joins it to a letter
/// before (`U.S.`). In a place or an address a number keeps its dot: house
/// numbers are written so (Hungarian `Wesselényi u. 94.`), and the next
/// line may go on with the address.
fn ends_with_full_stop_of(value: &str, entity: &Entity) -> bool {
    let place = matches!(entity.as_str(), "LOCATION" | "STREET_ADDRESS");
    let number = value
        .strip_suffix('.')
        .and_then(|h| h.rsplit(|c: char| !c.is_alphanumeric()).next())
        .is_some_and(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()));
    !(place && number) && ends_with_full_stop(value)
}

/// Rule 8 for any span (see [`ends_with_full_stop_of`]).
fn ends_with_full_stop(value: &str) -> bool {
    let Some(head) = value.strip_suffix('.') else {
        return false;
    };
    let word_start = head.rfind(|c: char| !c.is_alphanumeric()).map_or(0, |i| {
        i + head[i..].chars().next().map_or(1, char::len_utf8)
    });
    let word = &head[word_start..];
    if word.is_empty() || head[..word_start].ends_with('.') {
        return false;
    }
    let digit = word.chars().any(|c| c.is_numeric());
    digit
        || word.chars().count() >= 2 && !NAME_ABBREVIATIONS.contains(&word.to_lowercase().as_str())
}

/// Rule 9: opening words of a letter or a mail, lower case.
const SALUTATIONS: &[&str] = &[
    "dear",
    "hi",
    "hello",
    "hey",
    "greetings",
    "sehr",
    "geehrte",
    "geehrter",
    "geehrtes",
    "liebe",
    "lieber",
    "liebes",
    "hallo",
    "guten",
    "bonjour",
    "bonsoir",
    "salut",
    "cher",
    "chère",
    "chers",
    "chères",
    "estimado",
    "estimada",
    "estimados",
    "estimadas",
    "querido",
    "querida",
    "hola",
    "gentile",
    "gentili",
    "egregio",
    "egregia",
    "spettabile",
    "geachte",
    "beste",
    "lieve",
    "hoi",
];

/// Rule 9: honorifics and forms of address, lower case, without their dot
/// (`m` only with it: `M.` is "Monsieur", `M` alone an initial).
pub(crate) const HONORIFICS: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "mx",
    "miss",
    "dr",
    "prof",
    "sir",
    "madam",
    "m",
    "mme",
    "mlle",
    "mmes",
    "monsieur",
    "madame",
    "mademoiselle",
    "herr",
    "herrn",
    "frau",
    "sr",
    "sra",
    "srta",
    "señor",
    "señora",
    "señorita",
    "sig",
    "sig.ra",
    "sig.na",
    "sigra",
    "signor",
    "signora",
    "signorina",
    "dott",
    "dott.ssa",
    "dhr",
    "mevr",
    "mw",
    "heer",
    "mevrouw",
    "meneer",
];

/// Rule 9: other words of a letter's formula: generic addressees and
/// closings, lower case. None names anyone.
const FORMULA_WORDS: &[&str] = &[
    "damen",
    "herren",
    "dames",
    "heren",
    "messieurs",
    "mesdames",
    "señores",
    "señoras",
    "signori",
    "signore",
    "kunde",
    "kundin",
    "kunden",
    "client",
    "cliente",
    "clienta",
    "clients",
    "clientes",
    "klant",
    "customer",
    "customers",
    "team",
    "kollegen",
    "kolleginnen",
    "collègues",
    "colleghi",
    "colleagues",
    "regards",
    "thanks",
    "danke",
    "grüße",
    "grüßen",
    "gruß",
    "grüsse",
    "mfg",
    "cordialement",
    "salutations",
    "saludos",
    "saluti",
    "groeten",
    "cheers",
    "sincerely",
    "merci",
    "gracias",
    "grazie",
    "bedankt",
];

/// Rule 9: words that join the words of a formula ("Damen und Herren",
/// "Sir or Madam").
const FORMULA_JOINERS: &[&str] = &[
    "und", "and", "or", "oder", "et", "ou", "y", "o", "e", "en", "of",
];

/// The lower-cased form of `token` without its trailing punctuation, and
/// whether a dot ended it.
fn bare_token(token: &str) -> (String, bool) {
    let t = token.trim_end_matches([',', ';', ':', '!', '?']);
    let dotted = t.ends_with('.');
    (t.trim_end_matches('.').to_lowercase(), dotted)
}

/// Whether `token` is written in capitals and has two letters or more:
/// then it is an acronym (`MS Word`, `DR` for Dominican Republic, `HI` for
/// Hawaii), not an honorific or a salutation.
fn all_caps_word(token: &str) -> bool {
    let letters = token.chars().filter(|c| c.is_alphabetic());
    letters.clone().count() >= 2 && letters.clone().all(char::is_uppercase)
}

/// Rule 9: whether `token` is an honorific (`Mr`, `M.`, `Frau`, `Sra.`).
pub(crate) fn is_honorific(token: &str) -> bool {
    let (bare, dotted) = bare_token(token);
    HONORIFICS.contains(&bare.as_str()) && (bare != "m" || dotted) && !all_caps_word(token)
}

/// Rule 9: whether `token` is a salutation (`Dear`, `Sehr`, `geehrte`).
pub(crate) fn is_salutation(token: &str) -> bool {
    SALUTATIONS.contains(&bare_token(token).0.as_str()) && !all_caps_word(token)
}

/// Rule 9: whether every word of `value` is a word of a letter's formula
/// (one at least, besides joiners).
fn only_formula_words(value: &str) -> bool {
    let formula = |t: &str| {
        is_salutation(t) || is_honorific(t) || FORMULA_WORDS.contains(&bare_token(t).0.as_str())
    };
    let tokens: Vec<&str> = value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    tokens.iter().any(|t| formula(t))
        && tokens
            .iter()
            .all(|t| formula(t) || FORMULA_JOINERS.contains(&bare_token(t).0.as_str()))
}

/// Rule 10: log levels, lower case.
const LOG_LEVELS: &[&str] = &[
    "trace", "debug", "info", "notice", "warn", "warning", "error", "fatal", "critical", "alert",
    "emerg", "severe",
];

/// Rule 10: the model's score above which an acronym in a log record is
/// kept as a name.
const VERY_SURE: f32 = 0.95;

/// Rule 10: acronyms that are common nouns — kinds of software, systems,
/// formats, documents, roles and departments, legal forms written alone,
/// chat abbreviations. Each names a kind of thing, as the field names of
/// rule 5 do, never one organisation; none is a place code (`CA`, `SA`,
/// `PA`, `MD` are left to the model).
const COMMON_ACRONYMS: &[&[&str]] = &[
    SYSTEM_ACRONYMS,
    PROCESS_ACRONYMS,
    ROLE_ACRONYMS,
    LEGAL_FORM_ACRONYMS,
    CHAT_ACRONYMS,
];

/// Kinds of software, systems, devices and formats.
const SYSTEM_ACRONYMS: &[&str] = &[
    "crm", "erp", "cms", "lms", "hris", "pos", "etl", "bi", "api", "apis", "sdk", "cli", "gui",
    "ui", "ux", "ide", "sql", "csv", "pdf", "xml", "json", "html", "css", "yaml", "dns", "vpn",
    "lan", "wan", "ssh", "ssl", "tls", "ftp", "sftp", "smtp", "imap", "http", "uri", "sso", "mfa",
    "ldap", "cdn", "vm", "cpu", "gpu", "ram", "ssd", "hdd", "usb", "os", "iot", "ai", "ml", "llm",
    "nlp", "ocr", "qr", "nfc", "gps", "rfid", "sms", "mms", "voip", "pbx", "ivr", "sim", "ttl",
    "oom", "jvm", "ci", "cd", "uat", "wms", "tms", "edi", "mrp", "ean", "upc", "gtin", "lcd",
    "led", "tv", "pc", "dvd", "atm",
];

/// Processes, documents and times of a business day.
const PROCESS_ACRONYMS: &[&str] = &[
    "sla", "kpi", "okr", "roi", "qa", "faq", "rfp", "rfq", "sow", "nda", "mou", "bom", "eta",
    "eod", "eow", "tbd", "tba", "asap", "fyi", "rsvp", "ps", "nb", "am", "pm", "poc", "mvp",
];

/// Roles and departments.
const ROLE_ACRONYMS: &[&str] = &[
    "ceo", "cfo", "cto", "coo", "cio", "ciso", "cmo", "vp", "svp", "evp", "hr", "it", "hq", "ops",
];

/// Legal forms, written alone (after a name they are a part of it).
const LEGAL_FORM_ACRONYMS: &[&str] = &["llc", "llp", "ltd", "inc", "plc", "gmbh"];

/// Chat abbreviations.
const CHAT_ACRONYMS: &[&str] = &["rt", "dm", "lol", "omg", "btw", "imo", "imho", "tldr"];

/// Rule 10: whether the lower-cased `word` is a common-noun acronym.
fn common_acronym(word: &str) -> bool {
    COMMON_ACRONYMS.iter().any(|list| list.contains(&word))
}

/// Rule 10: whether `value` is one all-caps word of two to four letters.
fn short_acronym(value: &str) -> bool {
    (2..=4).contains(&value.chars().count()) && value.chars().all(char::is_uppercase)
}

/// Rule 10: whether `w` could continue a name next to an acronym: a word
/// starting with a capital that is not a log level or a common acronym.
fn name_neighbour(w: &str) -> bool {
    let lower = w.to_lowercase();
    w.starts_with(char::is_uppercase)
        && !LOG_LEVELS.contains(&lower.as_str())
        && !common_acronym(&lower)
}

/// Rule 10: whether no capitalised word stands right next to
/// `text[start..end]` (only spaces between, on the same line): the span is
/// not a piece of a longer name (`TV Guide`, `Silicium de Provence SAS`).
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end_matches([' ', '\t']);
    let prev_ok = before.len() == start || !before.ends_with(char::is_alphanumeric) || {
        let ws = before.rfind(|c: char| !c.is_alphanumeric()).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        !name_neighbour(&before[ws..])
    };
    let after = text[end..].trim_start_matches([' ', '\t']);
    let next_ok = after.len() == text.len() - end || {
        let we = after
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(after.len());
        !name_neighbour(&after[..we])
    };
    prev_ok && next_ok
}

/// Rule 10: whether the line around `pos` is a log record: a log level in
/// capitals (or in brackets) among its first six words, or a `level=`,
/// `lvl=` or `severity=` key.
fn in_log_record(text: &str, pos: usize) -> bool {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let line = &text[line_start..line_end];
    let lower = line.to_lowercase();
    if ["level=", "lvl=", "severity="]
        .iter()
        .any(|k| contains_word(&lower, k))
    {
        return true;
    }
    line.split_whitespace().take(6).any(|token| {
        let bracketed = token.starts_with(['[', '<']);
        let w = token.trim_matches(|c: char| !c.is_alphanumeric());
        LOG_LEVELS.contains(&w.to_lowercase().as_str())
            && (bracketed || w.chars().all(|c| c.is_ascii_uppercase()))
    })
}

/// Rule 10: whether a short acronym or a log level is not a name here.
fn not_a_name_acronym(text: &str, s: &Span) -> bool {
    let value = &text[s.start..s.end];
    let lower = value.to_lowercase();
    if LOG_LEVELS.contains(&lower.as_str()) {
        return true;
    }
    if !short_acronym(value) || !stands_alone(text, s.start, s.end) {
        return false;
    }
    // A two-letter place is a country or state code (`IT`, `ID`, `AI`),
    // whatever else the letters stand for.
    if s.entity == Entity::LOCATION && value.chars().count() == 2 {
        return false;
    }
    common_acronym(&lower)
        || FIELD_WORDS.contains(&lower.as_str())
        || ID_VETO.contains(&lower.as_str())
        || s.entity != Entity::LOCATION && s.score < VERY_SURE && in_log_record(text, s.start)
}

/// Rule 11: the lower-case dotted identifier (`auth.service`,
/// `com.example.billing`, `main.go`) that `text[start..end]` lies in, if
/// it lies in one: a token of letters, digits, `_` and `-` joined by inner
/// dots, starting with a lower-case letter, not part of an e-mail address
/// (`@` next to it). A sentence's full stop at its end is no part of it.
fn dotted_identifier(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let part = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
    let a = text[..start]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| part(c))
        .last()
        .map_or(start, |(i, _)| i);
    let b = text[end..]
        .char_indices()
        .take_while(|&(_, c)| part(c))
        .last()
        .map_or(end, |(i, c)| end + i + c.len_utf8());
    let token = text[a..b].trim_matches('.');
    let a = a + text[a..b].find(token).unwrap_or(0);
    let b = a + token.len();
    let glued_to_at = text[..a].ends_with('@') || text[b..].starts_with('@');
    let dotted = token
        .split('.')
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| !w[0].is_empty() && !w[1].is_empty());
    let lower_start = token.starts_with(|c: char| c.is_lowercase());
    (dotted && lower_start && !glued_to_at && a <= start && end <= b).then_some((a, b))
}

/// Rule 11: whether `s` (a name, organisation or place) is a piece of a
/// dotted identifier, not a login made of one person's names.
fn in_dotted_identifier(text: &str, s: &Span, all: &[Span]) -> bool {
    if text[s.start..s.end].contains(char::is_uppercase) {
        return false;
    }
    let Some((a, b)) = dotted_identifier(text, s.start, s.end) else {
        return false;
    };
    // "anna.schmidt", "john.doe": every word of the login is a person's.
    let mut at = a;
    let login = text[a..b].split(['.', '_', '-']).all(|w| {
        let (ws, we) = (at, at + w.len());
        at = we + 1;
        !w.chars().all(char::is_alphabetic)
            || all
                .iter()
                .any(|o| o.entity == Entity::PERSON && o.start <= ws && we <= o.end)
    });
    !login
}

/// Rule 12: the length of the `key=` assignments that open an e-mail or
/// URL span's text (`user=` of `user=jdoe@example.com`, `/reset?user=` of
/// `/reset?user=jdoe@example.com`): the span starts after the last `=` whose
/// key (letters, digits, `_`, `-`, `.`, possibly empty) opens the span or
/// follows `?`, `&`, `;` or `/`, within the part before the `@` (as in
/// `src/recognizers/email.rs`).
fn assignment_prefix(value: &str) -> usize {
    let local = value.split('@').next().unwrap_or(value);
    local
        .rmatch_indices('=')
        .find(|&(eq, _)| {
            let key_start = local[..eq]
                .rfind(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
                .map_or(0, |i| {
                    i + local[i..].chars().next().map_or(1, char::len_utf8)
                });
            key_start == 0 || matches!(local.as_bytes()[key_start - 1], b'?' | b'&' | b';' | b'/')
        })
        .map_or(0, |(eq, _)| eq + 1)
}

/// Rule 12: whether an `@`, or an `at` spelled out, lies in or next to
/// `text[start..end]` (an address the model tagged in pieces:
/// "letwino @parliament . uk").
fn at_sign_near(text: &str, start: usize, end: usize) -> bool {
    let around = widened(
        text,
        start.saturating_sub(CONTEXT_AFTER),
        (end + CONTEXT_AFTER).min(text.len()),
    )
    .to_lowercase();
    around.contains('@') || ["(at)", "[at]", " at "].iter().any(|w| around.contains(w))
}

/// Rule 10: a log level in capitals at either end of a name, place or
/// address is a field of the log line, not a part of it ("TRACE gateway").
fn trim_log_levels(text: &str, s: &mut Span) {
    let level = |w: &str| {
        w.chars().all(|c| c.is_ascii_uppercase()) && LOG_LEVELS.contains(&w.to_lowercase().as_str())
    };
    loop {
        let value = text[s.start..s.end].trim();
        if value.len() != s.end - s.start {
            // Spans of the model hold no outer whitespace; leave any that do.
            return;
        }
        let first = value.split_whitespace().next().unwrap_or("");
        let last = value.split_whitespace().next_back().unwrap_or("");
        if value.len() > first.len() && level(first.trim_end_matches([':', ']'])) {
            let rest = &value[first.len()..];
            s.start += first.len() + (rest.len() - rest.trim_start().len());
        } else if value.len() > last.len() && level(last) {
            s.end -= last.len();
            s.end = s.start + text[s.start..s.end].trim_end().len();
        } else {
            return;
        }
    }
}

/// Rule 8: cuts the name, organisation or place `s` at the full stops that
/// end a sentence inside it ("marzo. Luego nada": a place does not run on
/// into the next sentence).
fn split_at_sentence_ends(text: &str, s: Span, out: &mut Vec<Span>) {
    if !matches!(s.entity.as_str(), "PERSON" | "ORGANIZATION" | "LOCATION") {
        out.push(s);
        return;
    }
    let mut start = s.start;
    let value = &text[s.start..s.end];
    for (i, _) in value.match_indices(". ") {
        let at = s.start + i;
        if at > start && ends_with_full_stop(&text[start..=at]) {
            out.push(Span {
                start,
                end: at + 1,
                ..s.clone()
            });
            start = at + 2;
        }
    }
    let rest = text[start..s.end].trim_start();
    if !rest.is_empty() {
        out.push(Span {
            start: s.end - rest.len(),
            ..s
        });
    }
}

/// Rules 8, 9 and 12: trims `s` in place; false when nothing is left.
fn trim(text: &str, s: &mut Span) -> bool {
    let name = matches!(s.entity.as_str(), "PERSON" | "ORGANIZATION" | "LOCATION");
    if s.entity == Entity::EMAIL || s.entity == Entity::URL && text[s.start..s.end].contains('@') {
        s.start += assignment_prefix(&text[s.start..s.end]);
    }
    if name || s.entity == Entity::STREET_ADDRESS || is_id_label(&s.entity) {
        while s.end > s.start && ends_with_full_stop_of(&text[s.start..s.end], &s.entity) {
            s.end -= 1;
        }
    }
    if name || s.entity == Entity::STREET_ADDRESS {
        trim_log_levels(text, s);
    }
    if name {
        loop {
            let value = &text[s.start..s.end];
            let len = value.find(char::is_whitespace).unwrap_or(value.len());
            let token = &value[..len];
            let honorific = is_honorific(token);
            if !(is_salutation(token) || honorific && s.entity != Entity::LOCATION) {
                break;
            }
            if len == value.len() {
                // Nothing but the salutation or the honorific: rule 9
                // drops it in `plausible`.
                break;
            }
            // "M. Dupont" as an organisation: an honorific names a person.
            if honorific {
                s.entity = Entity::PERSON;
            }
            let rest = &value[len..];
            s.start += len + (rest.len() - rest.trim_start().len());
        }
    }
    s.start < s.end
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
            // An honorific's dot ends no sentence ("Sr. Pérez").
            opens = word.ends_with(['.', '!', '?', ':', '"', '\u{201c}']) && !is_honorific(word);
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
    // A piece may now be a word that rules 9 to 11 drop ("CRM" of "im CRM").
    let keep: Vec<bool> = out.iter().map(|s| !not_a_name(text, s, &out)).collect();
    let mut k = keep.into_iter();
    out.retain(|_| k.next().unwrap_or(true));
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

/// Rules 9 to 11: whether the name, organisation or place `s` is a word
/// of a letter's formula, a log level or common acronym, or a piece of a
/// dotted identifier.
fn not_a_name(text: &str, s: &Span, all: &[Span]) -> bool {
    matches!(s.entity.as_str(), "PERSON" | "ORGANIZATION" | "LOCATION")
        && (only_formula_words(&text[s.start..s.end])
            || not_a_name_acronym(text, s)
            || in_dotted_identifier(text, s, all))
}

fn plausible(text: &str, s: &Span, all: &[Span]) -> bool {
    if s.entity == Entity::ORGANIZATION || s.entity == Entity::LOCATION {
        let value = text[s.start..s.end]
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        // An id word before its number ("SKU 4411", "Commande n° 1002") is
        // no name either; alone it may be one (the French département Lot).
        let id_word = ID_VETO.contains(&value.as_str()) || ID_WORDS_INTL.contains(&value.as_str());
        if FIELD_WORDS.contains(&value.as_str())
            || all_id_words().any(|words| words.contains(&value.as_str()))
            || id_word && number_follows(text, s.end)
        {
            return false;
        }
    }
    if not_a_name(text, s, all) {
        return false;
    }
    if s.entity == Entity::EMAIL {
        // The decoder widened it to its whole token; the model also tags
        // words with no address near them ("INFO"), and lone dots.
        let value = &text[s.start..s.end];
        return value.contains(char::is_alphanumeric) && at_sign_near(text, s.start, s.end);
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

    /// The spans left by [`retain_plausible`] and [`case_split`] from the
    /// given model spans (score 0.9 unless given), as (text, entity).
    fn kept(text: &str, spans: &[(&str, &str)]) -> Vec<(String, String)> {
        kept_scored(
            text,
            &spans.iter().map(|&(v, e)| (v, e, 0.9)).collect::<Vec<_>>(),
        )
    }

    fn kept_scored(text: &str, spans: &[(&str, &str, f32)]) -> Vec<(String, String)> {
        let mut v: Vec<Span> = spans
            .iter()
            .map(|&(value, e, score)| {
                let mut s = span(text, value, e).1;
                s.score = score;
                s
            })
            .collect();
        retain_plausible(text, &mut v);
        case_split(text, &mut v);
        v.iter()
            .map(|s| (text[s.start..s.end].to_string(), s.entity.to_string()))
            .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn numbers_after_an_id_word_and_a_number_word_are_ids() {
        for (text, value) in [
            ("Your order no. 100234567 has shipped.", "100234567"),
            ("invoice nr 5531 is overdue", "5531"),
            ("Ticket no: 88812 closed", "88812"),
            ("ticket nº 06 87 98 21 39 reopened", "06 87 98 21 39"),
            ("Your order number is 100234567.", "100234567"),
            ("Bestellung Nr. 100234567 wurde versandt.", "100234567"),
            ("Commande n° 100234567 expédiée.", "100234567"),
            ("Pedido núm. 100234567 enviado.", "100234567"),
        ] {
            assert!(!ok(text, value, "GOVERNMENT_ID"), "{text}");
            assert!(!ok(text, value, "PHONE"), "{text}");
        }
        // The model tags the groups of a grouped number apart.
        let text = "ticket nº 06 87 98 21 39 reopened";
        assert_eq!(
            kept(text, &[("06 87", "TAX_ID"), ("98 21 39", "TAX_ID")]),
            pairs(&[])
        );
        // A number word alone, or after a word of an ID kind, still counts.
        assert!(ok(
            "My passport no. X1234567 expires",
            "X1234567",
            "PASSPORT"
        ));
        assert!(ok(
            "your account no. 12345678 is",
            "12345678",
            "BANK_ACCOUNT"
        ));
        assert!(ok("phone no. 0612345678 please", "0612345678", "PHONE"));
    }

    #[test]
    fn log_levels_and_common_acronyms_are_not_organisations() {
        let log = "2024-05-01 12:00:05 ERROR billing.worker: CRM sync failed for SKU 4411";
        assert!(!ok(log, "ERROR", "ORGANIZATION"));
        assert!(!ok(log, "CRM", "ORGANIZATION"));
        assert!(!ok(log, "SKU", "ORGANIZATION"));
        assert!(!ok("INFO", "INFO", "PERSON"));
        assert!(!ok(
            "Please update the CRM before Friday.",
            "CRM",
            "ORGANIZATION"
        ));
        assert!(!ok("Export to ERP finished.", "ERP", "LOCATION"));
        // In a log record, any short acronym the model is not very sure of.
        let log = "2024-05-01 WARN gateway: WAF blocked 3 requests";
        assert_eq!(
            kept_scored(log, &[("WAF", "ORGANIZATION", 0.9)]),
            pairs(&[])
        );
        assert_eq!(
            kept_scored(log, &[("WAF", "ORGANIZATION", 0.97)]),
            pairs(&[("WAF", "ORGANIZATION")])
        );
        // Acronyms of organisations in prose, and pieces of longer names, stay.
        assert!(ok("Watch live on CNN tonight", "CNN", "ORGANIZATION"));
        assert!(ok(
            "Apple , IBM announce a partnership",
            "IBM",
            "ORGANIZATION"
        ));
        assert!(ok("in TV Guide Magazine", "TV", "ORGANIZATION"));
        assert!(ok("went to the UK yesterday", "UK", "LOCATION"));
        assert!(ok("Country: IT", "IT", "LOCATION"));
        assert!(!ok("Country: IT", "IT", "ORGANIZATION"));
        // A log level at the end of an address or a name is cut off.
        assert_eq!(
            kept(
                "2024-01-04 17:43:41 TRACE gateway.go: timeout",
                &[("TRACE gateway", "STREET_ADDRESS")]
            ),
            pairs(&[])
        );
    }

    #[test]
    fn dotted_identifiers_are_not_names() {
        assert!(!ok("auth.service restarted", "auth", "PERSON"));
        assert!(!ok(
            "level=info component=auth.service ok",
            "auth",
            "ORGANIZATION"
        ));
        assert!(!ok("caller=main.go:42 msg", "main", "ORGANIZATION"));
        assert!(!ok("The service paris.cache is down.", "paris", "LOCATION"));
        assert!(!ok(
            "import com.example.billing now",
            "example",
            "ORGANIZATION"
        ));
        // A login made of one person's names, and names in an address, stay.
        assert_eq!(
            kept(
                "user=john.doe logged in",
                &[("john", "PERSON"), ("doe", "PERSON")]
            ),
            pairs(&[("john", "PERSON"), ("doe", "PERSON")])
        );
        assert!(ok("mail anna.schmidt@example.com", "anna", "PERSON"));
        assert!(ok("moved to Paris. then", "Paris", "LOCATION"));
    }

    #[test]
    fn salutations_and_honorifics_are_not_names() {
        let text = "Sehr geehrte Damen und Herren, bitte";
        assert_eq!(
            kept(text, &[("Damen", "PERSON"), ("Sehr", "ORGANIZATION")]),
            pairs(&[])
        );
        assert_eq!(kept("M. a appelé", &[("M.", "ORGANIZATION")]), pairs(&[]));
        assert_eq!(
            kept("Liebe Anna, wie geht's?", &[("Liebe Anna", "PERSON")]),
            pairs(&[("Anna", "PERSON")])
        );
        assert_eq!(
            kept(
                "Sehr geehrte Frau Müller, danke",
                &[("Frau Müller", "PERSON")]
            ),
            pairs(&[("Müller", "PERSON")])
        );
        assert_eq!(
            kept(
                "Merci M. Dupont pour tout",
                &[("M. Dupont", "ORGANIZATION")]
            ),
            pairs(&[("Dupont", "PERSON")])
        );
        // An acronym is no honorific or salutation ("MS Word", "HI 96813"),
        // and an id word is a name when no number follows it.
        assert_eq!(
            kept("Open it in MS Word first.", &[("MS Word", "ORGANIZATION")]),
            pairs(&[("MS Word", "ORGANIZATION")])
        );
        assert_eq!(
            kept("Honolulu, HI 96813", &[("HI 96813", "LOCATION")]),
            pairs(&[("HI 96813", "LOCATION")])
        );
        assert!(ok("Il habite dans le Lot depuis", "Lot", "LOCATION"));
        assert!(!ok("Please check SKU 857-03-DR", "SKU", "ORGANIZATION"));
        assert!(!ok("Commande n° 100234567", "Commande", "ORGANIZATION"));
        assert_eq!(
            kept("Dear Sir or Madam,", &[("Sir or Madam", "PERSON")]),
            pairs(&[])
        );
        assert_eq!(
            kept("and E. Smith", &[("E", "PERSON")]),
            pairs(&[("E", "PERSON")])
        );
        // An initial is no honorific; a place keeps a leading "Dr".
        assert_eq!(
            kept("Ask M Dupont now", &[("M Dupont", "PERSON")]),
            pairs(&[("M Dupont", "PERSON")])
        );
        // The dot of an honorific ends no sentence: the text uses case.
        assert!(uses_case("Sr. Pérez llamó ayer."));
    }

    #[test]
    fn a_sentence_full_stop_is_not_part_of_a_span() {
        assert_eq!(
            kept("She moved to Sweden. Then", &[("Sweden.", "LOCATION")]),
            pairs(&[("Sweden", "LOCATION")])
        );
        assert_eq!(
            kept(
                "Llegamos el 6 de marzo. Luego nada.",
                &[("marzo. Luego nada", "LOCATION")]
            ),
            pairs(&[("marzo", "LOCATION"), ("Luego nada", "LOCATION")])
        );
        for (text, value, entity) in [
            ("Ask Acme Inc. today", "Acme Inc.", "ORGANIZATION"),
            ("in the U.S. today", "U.S.", "LOCATION"),
            (
                "at Wesselényi u. 94.\n Suite 741",
                "Wesselényi u. 94.",
                "STREET_ADDRESS",
            ),
            (
                "Gerolf Caspar MBA., Kraushaarplatz",
                "Gerolf Caspar MBA.",
                "PERSON",
            ),
        ] {
            assert_eq!(
                kept(text, &[(value, entity)]),
                pairs(&[(value, entity)]),
                "{text}"
            );
        }
    }

    #[test]
    fn email_spans_start_after_a_key_and_need_an_at_sign() {
        assert_eq!(
            kept(
                "INFO auth: user=jdoe@example.com logged in",
                &[("user=jdoe@example.com", "EMAIL")]
            ),
            pairs(&[("jdoe@example.com", "EMAIL")])
        );
        assert_eq!(
            kept(
                "GET /reset?user=z.nic@example.org 200",
                &[("/reset?user=z.nic@example.org", "EMAIL")]
            ),
            pairs(&[("z.nic@example.org", "EMAIL")])
        );
        assert_eq!(
            kept(
                "from list-bounces+jdoe=example.com@lists.example.org",
                &[("list-bounces+jdoe=example.com@lists.example.org", "EMAIL")]
            ),
            pairs(&[("list-bounces+jdoe=example.com@lists.example.org", "EMAIL")])
        );
        assert_eq!(kept("INFO", &[("INFO", "EMAIL")]), pairs(&[]));
        assert_eq!(
            kept("contact letwino @parliament . uk", &[("letwino", "EMAIL")]),
            pairs(&[("letwino", "EMAIL")])
        );
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
