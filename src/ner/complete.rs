//! Completion of the model's names and addresses: the parts it leaves out
//! of a person or an address it did find.
//!
//! Classes of miss, none tied to a value:
//!
//! 1. **Surnames after a given name.** The model often tags the given name
//!    and stops ("Stefanía" of "Stefanía K. Oddgeirsdóttir", "Antti" of
//!    "Antti Poutiainen"). A one-word person (or one ending in an initial)
//!    grows over up to two initials and one capitalised word on the same
//!    line, unless that word is a function word ([`NOT_NAME_WORDS`]) or
//!    another entity.
//!    A one-word person is also the surname of the capitalised word right
//!    before it ("Alex" of "Alex Duffy").
//! 2. **Repeated mentions.** A name found once is often missed the second
//!    time ("directed by Philip Latourelle and starring Latourelle"). Every
//!    other whole-word occurrence of a capitalised word of three letters or
//!    more from a found name is a person too, unless the text also uses
//!    that word in lower case (then it is an ordinary word: "Will", "Rose").
//!    A weaker span over such a mention does not hide it: a weaker person
//!    there takes the found name's score, so that one threshold keeps or
//!    drops every mention of a name alike.
//! 3. **Lists of names.** In "Morrison, Rogers and Torres" the model may find
//!    one name of three. A capitalised word joined to a found name by a
//!    comma or a conjunction (and, et, und, y, e, en, or, &) is a person
//!    too, item by item, while the list goes on and no item is a longer
//!    phrase or another entity; only in a real list (a conjunction in it:
//!    "Hier, Anne m'a appelé" is not one), and not before a company word or
//!    legal form ("Smith, Cox and Wright LLP"). A name does not grow into a
//!    company word either ("Forrester Research").
//! 4. **Street lines the model missed.** A house number and capitalised
//!    words ending in a street-type word ("72 Acheron Road", "221B Baker
//!    Street"; English types and USPS suffixes), a street-type word, words
//!    and a house number ("Via delle Coste 41", "Calle Mayor 5"), a street
//!    name with a glued or hyphenated type and a number ("Hauptstraße 5",
//!    "Nybyvägen 65", "Konrad-Adenauer-Straße 9"), a unit before a street
//!    ("Flat 15, Timothy Alley"), or a house number and a capitalised word
//!    followed by a unit ("2505 Heatherleigh Suite 620") is a street address
//!    when no other span covers it; rule 5 then completes it like the
//!    model's own.
//! 5. **Address heads and tails.** Before a street, up to three house
//!    numbers, postcodes or unit words on its line ("3536 1659 Hoog St"), or
//!    a postcode and a town opening the line ("28030 Edeby 55"). After it,
//!    the lines or comma-separated parts the model leaves out: the unit, the
//!    town, the state, the country, the postcode ("…\n Apt. 724\n
//!    Hibberdene\n South Africa 68793"). Up to four parts, each on the next
//!    line (after a `>` or bullet prefix, as a span of its own) or after a
//!    comma, short (at most six words), made of capitalised or upper-case
//!    words, connectors (`de`, `na`, `u`, …), unit words and numbers or
//!    postcodes; no sentence punctuation, no `:` (a label such as `Phone:`
//!    starts something else), no closing formula (`Regards`) or contact
//!    label (`Tel.`) first. After a comma, the place words before the
//!    sentence goes on in lower case ("…, Estonia for this card"). After a
//!    plain space only upper-case words or a postcode ("Apt. 892 GUÉRET
//!    LI"), or the rest of the line when all of it reads as a place. An
//!    address typed all in lower case takes lower-case place words. The
//!    model's ID labels on a postcode do not stop an address.
//! 6. **Country codes.** The model often starts a phone number after its
//!    country code ("(0)96 471 07 95" of "+41 (0)96 471 07 95"): a phone
//!    grows over a `+` code of one to three digits right before it.
//!
//! 7. **Names after honorifics.** A capitalised word after an honorific
//!    (`M.`, `Mme`, `Herr`, `Frau`, `Mr`, `Dr.`, `Sra.`, `Sig.`, `Dhr.`...,
//!    see `filter.rs` rule 9) is a person's name, with a second capitalised
//!    word and the particles before it (`M. Dupont`, `Dhr. de Vries`, `Mr
//!    John Smith`), when nothing covers it: the model misses some ("M.
//!    Dupont a appelé" at the start of a text). The honorific is
//!    capitalised or follows a salutation (`Geachte mevr. Visser`), and it
//!    must open the name: not after a capitalised word or a number (`Ocean Dr.
//!    Miami` is a street), nor after an article (`die Frau`); titles after
//!    it are skipped (`Herr Doktor Weber`) and a title alone is no name
//!    (`Mr. President`). The honorific stays outside the name, and never
//!    joins a name by rule 1 (`Frau` of `Frau Müller`).
//!
//! `NerOptions::completion = false` (hidden CLI flag `--ner-uncompleted`)
//! turns all of this off, for measuring it.

use crate::span::{Entity, Span};

/// Capitalised words that follow a name without being a part of it.
const NOT_NAME_WORDS: &[&str] = &[
    "The",
    "A",
    "An",
    "And",
    "Or",
    "But",
    "Of",
    "In",
    "On",
    "At",
    "To",
    "For",
    "From",
    "With",
    "By",
    "Is",
    "Was",
    "Are",
    "Were",
    "Be",
    "Has",
    "Have",
    "Had",
    "Will",
    "Would",
    "Can",
    "Could",
    "Should",
    "May",
    "Might",
    "Must",
    "Do",
    "Does",
    "Did",
    "If",
    "When",
    "Then",
    "So",
    "As",
    "Not",
    "No",
    "Yes",
    "It",
    "He",
    "She",
    "They",
    "We",
    "I",
    "You",
    "This",
    "That",
    "These",
    "Those",
    "Hi",
    "Hello",
    "Dear",
    "Thanks",
    "Thank",
    "Regards",
    "Best",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Prof",
    "Inc",
    "Ltd",
    "LLC",
    "Co",
    "Corp",
    "Street",
    "Road",
    "Avenue",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Le",
    "La",
    "Les",
    "Der",
    "Die",
    "Das",
    "El",
    "Los",
    "Il",
    "De",
    "Het",
    "Et",
    "Und",
    "Y",
    "E",
    "En",
];

/// Words that make a name before them an organisation's ("Russell
/// Investments", "Forrester Research", "Thomas and Sons").
const ORG_WORDS: &[&str] = &[
    "Research",
    "Investments",
    "Investment",
    "Corporation",
    "Incorporated",
    "Consulting",
    "Sons",
    "Group",
    "Partners",
    "Bank",
    "Foundation",
    "University",
    "Institute",
    "Company",
    "Associates",
    "Holdings",
    "Technologies",
    "Technology",
    "Systems",
    "Solutions",
    "Services",
    "Labs",
    "Media",
    "Capital",
    "Analytics",
    "Software",
    "Records",
    "Motors",
    "Airlines",
    "Insurance",
    "Pharmaceuticals",
    "Industries",
    "International",
    "Agency",
    "Orchestra",
    "Band",
    "Club",
    "Hotel",
    "Hospital",
    "School",
    "College",
    "Church",
    "Museum",
    "Gmbh",
    "GmbH",
    "AG",
    "SA",
    "SpA",
    "BV",
    "NV",
];

/// Whether `w` may be (part of) a person's name next to a found name.
fn name_word(w: &str) -> bool {
    capitalised(w) && !NOT_NAME_WORDS.contains(&w) && !ORG_WORDS.contains(&w)
}

/// A salutation or an honorific ("Liebe", "Frau", "Mme", "Dr"): it opens
/// a name and is no part of it (`filter.rs` rule 9).
fn address_word(w: &str) -> bool {
    super::filter::is_honorific(w) || super::filter::is_salutation(w)
}

/// Rule 7: titles that follow an honorific and are no name ("Mr.
/// President", "Herr Doktor Weber", "Monsieur le Maire").
const TITLES: &[&str] = &[
    "President",
    "Chairman",
    "Chair",
    "Speaker",
    "Mayor",
    "Minister",
    "Secretary",
    "Director",
    "Ambassador",
    "Judge",
    "Justice",
    "Governor",
    "Senator",
    "Commissioner",
    "Officer",
    "Doktor",
    "Professor",
    "Präsident",
    "Präsidentin",
    "Direktor",
    "Direktorin",
    "Bürgermeister",
    "Bürgermeisterin",
    "Président",
    "Présidente",
    "Directeur",
    "Directrice",
    "Maire",
    "Ministre",
    "Presidente",
    "Directora",
    "Ministro",
    "Sindaco",
    "Direttore",
    "Direttrice",
    "Burgemeester",
];

/// Rule 7: lower-case particles of surnames ("de Vries", "van Dijk").
const PARTICLES: &[&str] = &[
    "de", "van", "von", "der", "den", "ten", "ter", "di", "da", "del", "della", "dos", "das", "du",
    "des", "zu",
];

/// Rule 7: articles and determiners before a noun: "die Frau", "une dame".
const ARTICLES: &[&str] = &[
    "der", "die", "das", "dem", "den", "des", "ein", "eine", "einer", "einem", "einen", "jede",
    "jeder", "diese", "dieser", "keine", "meine", "seine", "ihre", "unsere", "the", "a", "an",
    "this", "that", "le", "la", "les", "un", "une", "el", "los", "las", "una", "il", "lo", "het",
    "een",
];

/// Labels that start the next field of a contact block.
const LABEL_WORDS: &[&str] = &[
    "tel",
    "phone",
    "fax",
    "mobile",
    "mob",
    "cell",
    "email",
    "e-mail",
    "mail",
    "web",
    "www",
    "telefon",
    "téléphone",
    "teléfono",
    "telefono",
    "telefoon",
    "handy",
    "portable",
    "móvil",
];

/// Words that end a letter rather than an address.
const CLOSING_WORDS: &[&str] = &[
    "regards",
    "thanks",
    "thank",
    "best",
    "sincerely",
    "cheers",
    "kind",
    "yours",
    "hi",
    "hello",
    "dear",
    "cordialement",
    "grüße",
    "gruesse",
    "saludos",
    "saluti",
    "groeten",
];

/// Lower-case words that join the words of a place name.
const CONNECTORS: &[&str] = &[
    "de", "do", "da", "dos", "das", "du", "des", "del", "della", "di", "la", "le", "na", "nad",
    "pod", "u", "von", "van", "der", "den", "am", "im", "an", "sur", "en", "y", "e", "i", "of",
    "on", "upon", "the",
];

/// Unit words of an address line, lower case, without their dot.
const UNIT_WORDS: &[&str] = &[
    "flat",
    "apt",
    "apartment",
    "suite",
    "ste",
    "unit",
    "floor",
    "fl",
    "room",
    "rm",
    "bldg",
    "building",
    "box",
    "po",
    "p.o",
    "appt",
    "app",
    "étage",
    "etage",
    "piso",
    "stock",
    "whg",
    "dpto",
    "piano",
    "int",
    "interno",
    "bus",
    "boîte",
];

/// Completes the model's person and address spans of `text` (rules 1 to 4
/// above). `spans` are all of the model's spans of the text.
pub(crate) fn complete(text: &str, spans: &mut Vec<Span>) {
    spans.sort_by_key(|s| (s.start, s.end));
    complete_surnames(text, spans);
    complete_name_lists(text, spans);
    spans.sort_by_key(|s| (s.start, s.end));
    propagate_names(text, spans);
    find_street_lines(text, spans);
    extend_address_tails(text, spans);
    complete_phone_prefixes(text, spans);
    names_after_honorifics(text, spans);
    spans.sort_by_key(|s| (s.start, s.end));
}

/// The whitespace-separated tokens of `text`, with their offsets.
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Rule 7: the name after an honorific, when no span covers it.
fn names_after_honorifics(text: &str, spans: &mut Vec<Span>) {
    use super::filter::is_honorific;
    let toks = tokens(text);
    // Whether tokens `a` and `a + 1` are on one line.
    let same_line = |a: usize| !text[toks[a].0 + toks[a].1.len()..toks[a + 1].0].contains('\n');
    let mut found: Vec<Span> = Vec::new();
    for k in 0..toks.len() {
        let (_, tok) = toks[k];
        // "Madame, Monsieur," opens a letter to no one in particular. A
        // lower-case honorific counts after a salutation ("Geachte mevr.").
        let after_salutation = k > 0 && super::filter::is_salutation(toks[k - 1].1);
        if !is_honorific(tok)
            || !(tok.starts_with(char::is_uppercase) || after_salutation)
            || tok.ends_with(',')
        {
            continue;
        }
        if k > 0 && same_line(k - 1) {
            let prev = toks[k - 1].1;
            if prev.ends_with(char::is_alphanumeric) {
                let w = &prev[prev.rfind(|c: char| !c.is_alphanumeric()).map_or(0, |i| {
                    i + prev[i..].chars().next().map_or(1, char::len_utf8)
                })..];
                let article = ARTICLES.contains(&w.to_lowercase().as_str());
                let number = w.chars().all(|c| c.is_ascii_digit());
                if article || number || capitalised(w) && !address_word(w) {
                    continue;
                }
            }
        }
        // Further honorifics and titles ("Herr Dr. Schmidt", "Herr Doktor
        // Weber"), then particles ("Dhr. de Vries").
        let mut j = k + 1;
        while j < toks.len()
            && same_line(j - 1)
            && (is_honorific(toks[j].1) && toks[j].1.starts_with(char::is_uppercase)
                || TITLES.contains(&toks[j].1))
        {
            j += 1;
        }
        let start_tok = j;
        // A name opens with a particle of its own, not an article: "Herr der
        // Ringe" is a title.
        while j < toks.len()
            && j - start_tok < 2
            && same_line(j - 1)
            && PARTICLES.contains(&toks[j].1)
            && !(j == start_tok && matches!(toks[j].1, "der" | "den" | "des"))
        {
            j += 1;
        }
        if j >= toks.len() || !same_line(j - 1) {
            continue;
        }
        let ws = toks[j].0;
        let mut end = word_end(text, ws);
        let word = &text[ws..end];
        let short = word.chars().count() < if tok.eq_ignore_ascii_case("m.") { 3 } else { 2 };
        if short || !name_word(word) || address_word(word) || TITLES.contains(&word) {
            continue;
        }
        // A given name and a surname ("Mr John Smith").
        if let Some(next) = text[end..].strip_prefix(' ') {
            let e2 = word_end(next, 0);
            let w2 = &next[..e2];
            if name_word(w2) && !address_word(w2) && !TITLES.contains(&w2) {
                end += 1 + e2;
            }
        }
        let start = toks[start_tok].0;
        // The model found the surname but not its particles ("Vries" of
        // "mevr. de Vries"): the name grows over them.
        if start < ws
            && let Some(p) = spans
                .iter_mut()
                .find(|p| p.entity == Entity::PERSON && p.start == ws)
        {
            p.start = start;
            continue;
        }
        if taken(spans, usize::MAX, start, end)
            || taken(&found, usize::MAX, start, end)
            || followed_by_org_word(text, end)
        {
            continue;
        }
        found.push(Span {
            start,
            end,
            entity: Entity::PERSON,
            score: HONORIFIC_NAME_SCORE,
            source: crate::span::Source::Ner,
            validated: false,
            recognizer: "ner".into(),
        });
    }
    spans.extend(found);
}

/// Rule 7: the score of a name found after an honorific (above the
/// default threshold, 0.5: an honorific before a capitalised word is as
/// sure a sign of a name as the model's own mid-range scores).
const HONORIFIC_NAME_SCORE: f32 = 0.8;

/// The end of the word of letters (and inner hyphens or apostrophes)
/// starting at `i`, or `i` when none starts there.
fn word_end(text: &str, i: usize) -> usize {
    let mut end = i;
    let mut chars = text[i..].char_indices().peekable();
    while let Some((k, c)) = chars.next() {
        let inner = matches!(c, '-' | '\'' | '’')
            && k > 0
            && chars.peek().is_some_and(|&(_, n)| n.is_alphabetic());
        if c.is_alphabetic() || inner {
            end = i + k + c.len_utf8();
        } else {
            break;
        }
    }
    end
}

/// Whether `w` is a capitalised word: an upper-case letter, another letter,
/// then lower-case letters somewhere after them ("McDowell", "Évora"; not
/// "API", "x" or "I'm").
fn capitalised(w: &str) -> bool {
    let mut cs = w.chars();
    cs.next().is_some_and(char::is_uppercase)
        && cs.next().is_some_and(char::is_alphabetic)
        && w.chars().skip(1).any(char::is_lowercase)
}

/// Whether `text[i..]` starts with an initial ("K.", "K") followed by one
/// space; returns the position after the space.
fn initial_at(text: &str, i: usize) -> Option<usize> {
    let mut cs = text[i..].char_indices();
    let (_, c) = cs.next()?;
    if !c.is_uppercase() {
        return None;
    }
    let mut j = i + c.len_utf8();
    if text[j..].starts_with('.') {
        j += 1;
    }
    text[j..].starts_with(' ').then_some(j + 1)
}

/// Whether `[start, end)` overlaps a span of `spans` other than `skip`.
fn taken(spans: &[Span], skip: usize, start: usize, end: usize) -> bool {
    spans
        .iter()
        .enumerate()
        .any(|(k, s)| k != skip && s.start < end && start < s.end)
}

/// Rule 1: a given name grows over its initials and surname.
fn complete_surnames(text: &str, spans: &mut [Span]) {
    for k in 0..spans.len() {
        let s = &spans[k];
        if s.entity != Entity::PERSON {
            continue;
        }
        let value = &text[s.start..s.end];
        let words: Vec<&str> = value.split_whitespace().collect();
        let ends_in_initial = words.len() >= 2
            && words
                .last()
                .is_some_and(|w| w.trim_end_matches('.').chars().count() == 1);
        if !(words.len() == 1 && capitalised(value) || ends_in_initial) {
            continue;
        }
        let mut i = s.end;
        if ends_in_initial && text[i..].starts_with('.') {
            i += 1;
        }
        if !text[i..].starts_with(' ') {
            continue;
        }
        i += 1;
        for _ in 0..2 {
            match initial_at(text, i) {
                Some(j) => i = j,
                None => break,
            }
        }
        let end = word_end(text, i);
        let word = &text[i..end];
        if !name_word(word) || taken(spans, k, i, end) || followed_by_org_word(text, end) {
            continue;
        }
        spans[k].end = end;
    }
    // A surname found alone: the capitalised word right before it on the
    // line is its given name ("Alex" of "Alex Duffy").
    for k in 0..spans.len() {
        let s = &spans[k];
        let value = &text[s.start..s.end];
        if s.entity != Entity::PERSON || !capitalised(value) || value.contains(char::is_whitespace)
        {
            continue;
        }
        let Some(before) = text[..s.start].strip_suffix(' ') else {
            continue;
        };
        let start = before
            .rfind(|c: char| !c.is_alphabetic() && !matches!(c, '-' | '\''))
            .map_or(0, |i| {
                i + before[i..].chars().next().map_or(1, char::len_utf8)
            });
        let word = &before[start..];
        // A salutation or honorific before a name is no given name ("Liebe
        // Anna", "Frau Müller").
        if name_word(word)
            && !address_word(word)
            && !taken(spans, k, start, s.start)
            && !followed_by_org_word(text, s.end)
        {
            spans[k].start = start;
        }
    }
}

/// Whether an organisation word follows `end` ("Jones, Mitchell and
/// Williams LLP", "Thomas and Sons").
fn followed_by_org_word(text: &str, end: usize) -> bool {
    let rest = text[end..].trim_start_matches([' ', ',']);
    let token = rest.split_whitespace().next().unwrap_or("");
    let w = token.trim_end_matches([',', ';', ':', ')']);
    ORG_WORDS.contains(&w.trim_end_matches('.')) || LEGAL_FORMS.contains(&w)
}

/// Legal forms of companies, as written after their names.
const LEGAL_FORMS: &[&str] = &[
    "Inc", "Inc.", "Ltd", "Ltd.", "LLC", "LLP", "PLC", "plc", "Co", "Co.", "Corp", "Corp.", "GmbH",
    "AG", "KG", "KGaA", "OHG", "e.V.", "e.G.", "eG", "SA", "S.A.", "SAS", "S.A.S.", "SARL",
    "S.A.R.L.", "S.L.", "S.L.U.", "SL", "S.C.", "S.Com.", "S.C.P", "S.p.A.", "SpA", "S.r.l.",
    "Srl", "B.V.", "BV", "N.V.", "NV", "V.O.F.", "AB", "A/S", "ApS", "AS", "Oy", "Oyj",
];

/// Words that join the names of a list ("Morrison, Rogers and Torres").
const LIST_JOINERS: &[&str] = &[
    ", ", " and ", ", and ", " & ", " et ", " und ", " y ", " e ", " en ", " or ",
];

/// Rule 3: the other names of a list that holds a found name. The list
/// must be one ("A, B and C", "A and B"): a comma alone joins a name to an
/// adverb or a greeting as often ("Hier, Anne m'a appelé"); and a list
/// followed by a company word or legal form is a firm's name ("Smith, Cox
/// and Wright LLP").
fn complete_name_lists(text: &str, spans: &mut Vec<Span>) {
    let mut found: Vec<Span> = Vec::new();
    for s in spans
        .iter()
        .filter(|s| s.entity == Entity::PERSON && capitalised(&text[s.start..s.end]))
    {
        let mut items: Vec<(usize, usize)> = Vec::new();
        let mut conjunction = false;
        let mut end = s.end;
        while let Some((j, joiner)) = LIST_JOINERS
            .iter()
            .find_map(|j| text[end..].starts_with(j).then_some((end + j.len(), *j)))
        {
            let e = word_end(text, j);
            if !list_name(text, j, e) || taken(spans, usize::MAX, j, e) {
                break;
            }
            conjunction |= joiner != ", ";
            items.push((j, e));
            end = e;
        }
        if followed_by_org_word(text, end) {
            continue;
        }
        let mut start = s.start;
        while let Some((j, joiner)) = LIST_JOINERS
            .iter()
            .find_map(|j| text[..start].ends_with(j).then_some((start - j.len(), *j)))
        {
            let b = text[..j]
                .rfind(|c: char| !c.is_alphabetic() && !matches!(c, '-' | '\''))
                .map_or(0, |i| {
                    i + text[i..].chars().next().map_or(1, char::len_utf8)
                });
            if !list_name(text, b, j) || taken(spans, usize::MAX, b, j) {
                break;
            }
            conjunction |= joiner != ", ";
            items.push((b, j));
            start = b;
        }
        if !conjunction {
            continue;
        }
        for (b, e) in items {
            if !taken(&found, usize::MAX, b, e) {
                found.push(Span {
                    start: b,
                    end: e,
                    ..s.clone()
                });
            }
        }
    }
    spans.extend(found);
}

/// Whether `text[start..end]` is one capitalised word that can be a name
/// in a list, not joined to more words (a list of names ends there).
fn list_name(text: &str, start: usize, end: usize) -> bool {
    let w = &text[start..end];
    name_word(w)
        && w.chars().count() >= 2
        && !text[end..].starts_with(|c: char| c.is_alphanumeric())
        && !(text[end..].starts_with(' ')
            && text[end + 1..].starts_with(|c: char| c.is_uppercase()))
}

/// Rule 2: other mentions of a found name's words.
fn propagate_names(text: &str, spans: &mut Vec<Span>) {
    use aho_corasick::{AhoCorasick, MatchKind};
    let mut words: Vec<&str> = Vec::new();
    let mut source: Vec<usize> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (k, s) in spans.iter().enumerate() {
        if s.entity != Entity::PERSON {
            continue;
        }
        for w in text[s.start..s.end].split(|c: char| !c.is_alphabetic()) {
            if w.chars().count() >= 3
                && capitalised(w)
                && !NOT_NAME_WORDS.contains(&w)
                && !address_word(w)
                && seen.insert(w)
            {
                words.push(w);
                source.push(k);
            }
        }
    }
    if words.is_empty() {
        return;
    }
    // One pass over the text finds every mention of every word, and its
    // lower-case uses (ASCII case folding).
    let Ok(ac) = AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(&words)
    else {
        return;
    };
    let mut common = vec![false; words.len()];
    let mut mentions: Vec<(usize, usize, usize)> = Vec::new();
    for m in ac.find_iter(text) {
        let (i, end, w) = (m.start(), m.end(), m.pattern().as_usize());
        if !whole_word(text, i, end) {
            continue;
        }
        let found = &text[i..end];
        if found == words[w] {
            mentions.push((i, end, w));
        } else if found.starts_with(|c: char| c.is_lowercase()) {
            // Used as an ordinary word somewhere in the text: not a name.
            common[w] = true;
        }
    }
    // A mention is taken when a span at least as sure as the name's own
    // covers part of it. A weaker span does not take it: a weak person
    // there (the model's second "Jane Doe" often scores lower than its
    // first) is raised to the name's score, so that the threshold treats
    // every mention of one name alike; with no person there, the mention
    // is added.
    let mut found: Vec<Span> = Vec::new();
    for (i, end, w) in mentions {
        if common[w] {
            continue;
        }
        let score = spans[source[w]].score;
        let j = spans.partition_point(|s| s.start < end);
        let overlapping = || spans[..j].iter().filter(|s| s.end > i);
        if overlapping().any(|s| s.score >= score) {
            continue;
        }
        let mut raised = false;
        for s in spans[..j].iter_mut().filter(|s| s.end > i) {
            if s.entity == Entity::PERSON {
                s.score = score;
                raised = true;
            }
        }
        if !raised {
            found.push(Span {
                start: i,
                end,
                ..spans[source[w]].clone()
            });
        }
    }
    spans.extend(found);
}

/// Whether `text[start..end]` is a whole word: no letter, digit, hyphen or
/// apostrophe joins it to a neighbour.
fn whole_word(text: &str, start: usize, end: usize) -> bool {
    let joins = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_');
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(|c| joins(c) || c == '\'') && !after.is_some_and(joins)
}

/// Street-type words written after the street's name, capitalised: the
/// common English ones and USPS Publication 28's standard suffixes.
const STREET_TYPES_AFTER: &str = "Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Way|Highway|Hwy|Parkway|Pkwy|Crescent|Close|Grove|Gardens|Garden|Row|Walk|Alley|Trail|Circle|Path|Hill|Hills|Mews|Wharf|Quay|Bypass|Causeway|Cove|Creek|Crossing|Estates|Expressway|Falls|Ford|Forge|Fork|Forks|Freeway|Gateway|Glen|Green|Greens|Harbor|Harbour|Haven|Heights|Hollow|Junction|Knoll|Landing|Loop|Manor|Meadow|Meadows|Mill|Mills|Mount|Orchard|Oval|Pass|Pike|Plaza|Point|Ranch|Rapids|Ridge|Route|Skyway|Spring|Springs|Spur|Stravenue|Summit|Trace|Turnpike|Underpass|Valley|Viaduct|View|Village|Vista";

/// Street-type words written before the street's name.
const STREET_TYPES_BEFORE: &str = "Rue|Avenue|Boulevard|Bd|Chemin|Allée|Impasse|Place|Quai|Route|Calle|C/|Avenida|Avda\\.|Av\\.|Paseo|Plaza|Camino|Carrer|Rua|Via|Viale|Piazza|Piazzale|Corso|Vicolo|Largo|ul\\.|al\\.|Ulica|Aleja|Strada|Straße|Strasse|Laan|Weg";

/// Street-type suffixes glued to the street's name ("Hauptstraße").
const STREET_SUFFIXES: &str = "straße|strasse|str\\.|gasse|weg|allee|platz|damm|straat|laan|gracht|plein|vej|gatan|vägen|gränd|veien|gata|katu|tie|utca|tér|körút";

/// The street-line patterns of rule 4.
fn street_line_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        let name = r"\p{Lu}[\p{L}'’-]*\.?";
        let number = r"[0-9]{1,5}[A-Za-z]?";
        let pattern = format!(
            r"(?x)
            (?: {number} \x20+ (?: {name} \x20+ ){{1,3}} (?: {after} )\b\.?
              | (?: {before} ) \x20+ (?: (?: {name} | {joiner} ) \x20+ ){{0,3}} {name} \x20+ {number}\b
              | \p{{Lu}}\p{{L}}*(?: {suffix} ) \x20+ {number}\b
              | \p{{Lu}}\p{{L}}*(?: -\p{{Lu}}\p{{L}}* )*-(?: Straße | Strasse | Weg | Platz | Allee | Gasse | Ring | Damm ) \x20+ {number}\b
              | {number} \x20+ {name} \x20+ (?: Suite | Apt\.? | Unit ) \x20+ [0-9]{{1,5}}\b
              | (?: Flat | Apartment | Apt\.? | Suite | Unit ) \x20+ [0-9]{{1,5}}[A-Za-z]?,? \x20+ (?: {name} \x20+ ){{1,3}} (?: {after} )\b\.?
            )",
            after = STREET_TYPES_AFTER,
            joiner = "de|del|della|delle|dei|degli|di|da|do|dos|das|du|des|la|le|les|el|los|las|van|von|der|den|e|y",
            before = STREET_TYPES_BEFORE,
            suffix = STREET_SUFFIXES,
        );
        regex::Regex::new(&pattern).unwrap_or_else(|e| panic!("street-line pattern: {e}"))
    })
}

/// Rule 4: street lines the model missed.
fn find_street_lines(text: &str, spans: &mut Vec<Span>) {
    let mut found: Vec<Span> = Vec::new();
    let template = Span {
        start: 0,
        end: 0,
        entity: Entity::STREET_ADDRESS,
        score: 0.6,
        source: crate::span::Source::Ner,
        validated: false,
        recognizer: "ner".into(),
    };
    let mut at = 0;
    while let Some(m) = street_line_regex().find_at(text, at) {
        at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
        let (start, end) = (m.start(), m.end());
        // Whole words only (the regex crate has no look-around).
        let touches = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
        if touches(text[..start].chars().next_back()) || touches(text[end..].chars().next()) {
            continue;
        }
        if taken(spans, usize::MAX, start, end) || taken(&found, usize::MAX, start, end) {
            continue;
        }
        found.push(Span {
            start,
            end,
            ..template.clone()
        });
        at = end;
    }
    spans.extend(found);
}

/// Rule 6: a phone grows over the country code right before it.
fn complete_phone_prefixes(text: &str, spans: &mut [Span]) {
    for s in spans.iter_mut().filter(|s| s.entity == Entity::PHONE) {
        let b = text.as_bytes();
        let mut i = s.start;
        // "+41 (0)96 …", "+41 (0)96" cut after "(", "+41 96 …".
        if i > 0 && b[i - 1] == b'(' {
            i -= 1;
        }
        if i > 0 && b[i - 1] == b' ' {
            i -= 1;
        }
        let digits_end = i;
        while i > 0 && b[i - 1].is_ascii_digit() && digits_end - i < 3 {
            i -= 1;
        }
        if i < digits_end
            && i > 0
            && b[i - 1] == b'+'
            && (i < 2 || !b[i - 2].is_ascii_alphanumeric())
        {
            s.start = i - 1;
        }
    }
}

/// Rule 5: street addresses grow over the parts before and after them.
fn extend_address_tails(text: &str, spans: &mut Vec<Span>) {
    for k in 0..spans.len() {
        if spans[k].entity != Entity::STREET_ADDRESS {
            continue;
        }
        let head = address_head(text, spans[k].start);
        if head < spans[k].start && !taken_by_other_kind(spans, k, head, spans[k].start) {
            spans[k].start = head;
        }
        // Parts after a bullet or quote prefix become spans of their own,
        // so that the prefix stays visible.
        let mut pieces = vec![(spans[k].start, spans[k].end)];
        // An address typed all in lower case has lower-case place words.
        let street = &text[spans[k].start..spans[k].end];
        let lower_text =
            street.contains(char::is_alphabetic) && !street.contains(char::is_uppercase);
        for _ in 0..4 {
            let Some(&(_, end)) = pieces.last() else {
                break;
            };
            match tail_part(text, end, lower_text) {
                Some(t) if !taken_by_other_kind(spans, k, end, t.end) => {
                    match pieces.last_mut() {
                        Some(p) if !t.prefixed => p.1 = t.end,
                        _ => pieces.push((t.start, t.end)),
                    }
                    if t.last {
                        break;
                    }
                }
                _ => break,
            }
        }
        spans[k].end = pieces[0].1;
        for &(start, end) in &pieces[1..] {
            let mut piece = spans[k].clone();
            piece.start = start;
            piece.end = end;
            spans.push(piece);
        }
    }
    // Drop the model's place pieces now inside a grown address.
    let grown: Vec<(usize, usize)> = spans
        .iter()
        .filter(|s| s.entity == Entity::STREET_ADDRESS)
        .map(|s| (s.start, s.end))
        .collect();
    spans.retain(|s| {
        let inside = |&(a, b): &(usize, usize)| a <= s.start && s.end <= b;
        if s.entity == Entity::STREET_ADDRESS {
            !grown.iter().any(|g| inside(g) && *g != (s.start, s.end))
        } else {
            !(place_or_id(&s.entity) && grown.iter().any(inside))
        }
    });
    spans.sort_by_key(|s| (s.start, s.end));
    spans.dedup_by(|a, b| a.start == b.start && a.end == b.end && a.entity == b.entity);
}

/// The start of the address that ends up at `start` once the tokens the
/// model left out before it are added: up to three house numbers,
/// postcodes or unit words ("3536 1659 Hoog St", "Apt. 675 62314
/// Mellemvej 32"), or a capitalised word after a number that opens the
/// line ("28030 Edeby 55"); all on the address's line, one space apart.
fn address_head(text: &str, start: usize) -> usize {
    let mut head = start;
    for _ in 0..3 {
        let Some((token_start, opens_line)) = token_before(text, head) else {
            break;
        };
        let token = &text[token_start..head - 1];
        let bare = token.trim_end_matches('.').to_lowercase();
        if number(token) || UNIT_WORDS.contains(&bare.as_str()) {
            head = token_start;
            if opens_line {
                break;
            }
            continue;
        }
        if capitalised(token)
            && !CLOSING_WORDS.contains(&bare.as_str())
            && let Some((number_start, true)) = token_before(text, token_start)
            && number(&text[number_start..token_start - 1])
        {
            head = number_start;
        }
        break;
    }
    head
}

/// A house number or postcode: one to six digits.
fn number(token: &str) -> bool {
    (1..=6).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_digit())
}

/// The start of the token one space before `at`, and whether it opens its
/// line (only a bullet or quote prefix before it).
fn token_before(text: &str, at: usize) -> Option<(usize, bool)> {
    let before = text[..at].strip_suffix(' ')?;
    let token_start = before.rfind(char::is_whitespace).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    if token_start == before.len() {
        return None;
    }
    let line_start = text[..token_start].rfind('\n').map_or(0, |i| i + 1);
    let opens_line = line_prefix(&text[line_start..token_start]) == token_start - line_start;
    Some((token_start, opens_line))
}

/// Whether a span that is not a place overlaps `[start, end)`. The model's
/// ID labels do not count: on a number in an address they are its misreading
/// of a postcode or house number ("28030 Edeby 55" as `GOVERNMENT_ID`).
fn taken_by_other_kind(spans: &[Span], skip: usize, start: usize, end: usize) -> bool {
    spans
        .iter()
        .enumerate()
        .any(|(k, s)| k != skip && s.start < end && start < s.end && !place_or_id(&s.entity))
}

/// A place, or one of the model's ID labels.
fn place_or_id(e: &Entity) -> bool {
    matches!(e.as_str(), "LOCATION" | "STREET_ADDRESS") || super::filter::is_id_label(e)
}

/// An address part found after an address.
struct Tail {
    start: usize,
    end: usize,
    /// A sentence ends with it.
    last: bool,
    /// It opens a line after a bullet or quote prefix.
    prefixed: bool,
}

/// The address part that follows an address ending at `from`, if one does.
fn tail_part(text: &str, from: usize, lower_text: bool) -> Option<Tail> {
    let rest = &text[from..];
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    let sep = *b.get(i)?;
    let own_line = sep == b'\n' || sep == b'\r';
    let plain_space = !own_line && sep != b',' && i > 0;
    let mut prefixed = false;
    if own_line {
        i += if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        let n = line_prefix(&rest[i..]);
        prefixed = rest[i..i + n].trim().chars().next().is_some();
        i += n;
    } else if sep == b',' {
        i += 1;
        while i < b.len() && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
    } else if !plain_space {
        return None;
    }
    let start = i;
    let stop = |c: char| matches!(c, '\n' | '\r' | ',' | ';' | ':' | '!' | '?' | '"' | '|');
    let len = rest[start..].find(stop).unwrap_or(rest.len() - start);
    if rest[start + len..].starts_with(':') {
        return None;
    }
    let mut part = rest[start..start + len].trim_end();
    // A dot after a word that is not a unit word or an abbreviation ends
    // the sentence, and the address with it.
    let mut last = false;
    if let Some(dot) = sentence_dot(part) {
        part = &part[..dot];
        last = true;
    }
    if part.is_empty() || part.len() > 48 {
        return None;
    }
    let (part, part_len) = if plain_space {
        // After a plain space: upper-case words or a postcode, up to the
        // first word that is neither; or the rest of the line (up to a
        // comma or a sentence end) when all of it reads as a place.
        match upper_prefix(part) {
            0 if last || start + len == rest.len() || !rest[start + len..].starts_with(' ') => {
                (part, part.len())
            }
            n => (&part[..n], n),
        }
    } else {
        (part, part.len())
    };
    if part_len > 0 && address_part(part, plain_space, lower_text) {
        return Some(Tail {
            start: from + start,
            end: from + start + part_len,
            last,
            prefixed,
        });
    }
    // After a comma, the place words before the sentence goes on in lower
    // case ("…, Tallinn, Estonia for this card").
    if sep != b',' {
        return None;
    }
    let n = place_run(part);
    (n > 0 && address_part(&part[..n], plain_space, lower_text)).then_some(Tail {
        start: from + start,
        end: from + start + n,
        last: true,
        prefixed,
    })
}

/// The length of the leading words of `part` up to the first word that
/// starts with a lower-case letter and is not a connector, when there is
/// such a word (0 otherwise).
fn place_run(part: &str) -> usize {
    let mut end = 0;
    for (i, w) in part.split(' ').scan(0, |at, w| {
        let i = *at;
        *at += w.len() + 1;
        Some((i, w))
    }) {
        if w.starts_with(char::is_lowercase) && !CONNECTORS.contains(&w) {
            return end;
        }
        if !CONNECTORS.contains(&w) {
            end = i + w.len();
        }
    }
    0
}

/// The position of the first dot of `part` that ends a sentence: after a
/// word longer than three letters that is not a unit word, followed by a
/// space or the end.
fn sentence_dot(part: &str) -> Option<usize> {
    part.match_indices('.').map(|(i, _)| i).find(|&i| {
        let followed = part[i + 1..].is_empty() || part[i + 1..].starts_with(char::is_whitespace);
        let word = part[..i]
            .rsplit(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        followed && word.chars().count() > 3 && !UNIT_WORDS.contains(&word.to_lowercase().as_str())
    })
}

/// The length of a line's bullet or quote prefix: a few symbols (`>`,
/// `*`, `-`, `•`, `?` for a bullet lost to a wrong encoding) and spaces.
fn line_prefix(line: &str) -> usize {
    let mut n = 0;
    for (k, c) in line.char_indices() {
        if c == ' ' || c == '\t' || (k < 8 && matches!(c, '>' | '*' | '-' | '•' | '·' | '?' | '|'))
        {
            n = k + c.len_utf8();
        } else {
            break;
        }
    }
    n
}

/// The length of the leading run of upper-case words and postcodes of
/// `part` (whole words).
fn upper_prefix(part: &str) -> usize {
    let mut n = 0;
    let mut at = 0;
    for w in part.split(' ') {
        let ok = !w.is_empty()
            && (w.chars().any(char::is_alphabetic)
                && w.chars().all(|c| !c.is_alphabetic() || c.is_uppercase())
                && w.chars().filter(|c| c.is_alphabetic()).count() >= 2
                || postcode(w));
        if !ok {
            break;
        }
        n = at + w.len();
        at = n + 1;
    }
    n
}

/// Whether `w` is written like a postcode: four to six digits, or letters
/// and digits mixed in one short token ("W1A", "1AA", "3011AB").
fn postcode(w: &str) -> bool {
    let digits = w.chars().filter(char::is_ascii_digit).count();
    let alnum = w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    alnum
        && digits >= 1
        && w.len() <= 8
        && (digits >= 4 || w.chars().any(|c| c.is_ascii_uppercase()))
}

/// Whether `part` reads as one part of an address: a unit, a town, a state,
/// a country, a postcode, or a mix of them.
/// Lower-case words that go on a sentence, not an address, in text typed
/// all in lower case.
const LOWER_STOP: &[&str] = &[
    "please",
    "thanks",
    "today",
    "tomorrow",
    "yesterday",
    "now",
    "here",
    "there",
    "my",
    "your",
    "our",
    "me",
    "us",
    "him",
    "her",
    "them",
    "just",
    "also",
    "asap",
    "ok",
    "okay",
    "pls",
];

/// Whether `w`, in an address typed all in lower case, can be a place word.
fn lower_place_word(w: &str) -> bool {
    w.chars().all(char::is_alphabetic)
        && !LOWER_STOP.contains(&w)
        && !NOT_NAME_WORDS.iter().any(|n| n.eq_ignore_ascii_case(w))
}

fn address_part(part: &str, plain_space: bool, lower_text: bool) -> bool {
    let words: Vec<&str> = part.split_whitespace().collect();
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    let mut named = false;
    for (n, raw) in words.iter().enumerate() {
        let w = raw.trim_matches(|c: char| matches!(c, '(' | ')'));
        let bare = w.trim_end_matches('.');
        let lower = bare.to_lowercase();
        if w.is_empty() {
            return false;
        }
        if n == 0
            && (CLOSING_WORDS.contains(&lower.as_str()) || LABEL_WORDS.contains(&lower.as_str()))
        {
            return false;
        }
        // A dot ends a sentence unless it closes a unit word or an initial.
        if w.ends_with('.') && !(UNIT_WORDS.contains(&lower.as_str()) || bare.chars().count() <= 3)
        {
            return false;
        }
        let word_ok = UNIT_WORDS.contains(&lower.as_str())
            || w.starts_with('#') && w[1..].chars().all(|c| c.is_ascii_alphanumeric())
            || bare.chars().all(|c| c.is_ascii_digit() || c == '-')
            || postcode(bare)
            || CONNECTORS.contains(&bare) && n > 0
            || bare.chars().next().is_some_and(char::is_uppercase)
                && bare
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
            || lower_text && lower_place_word(bare);
        if !word_ok {
            return false;
        }
        named |= !CONNECTORS.contains(&bare);
    }
    named && (!plain_space || words.len() <= 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Source;

    fn span(text: &str, value: &str, entity: Entity) -> Span {
        let start = text.find(value).expect("value in text");
        Span {
            start,
            end: start + value.len(),
            entity,
            score: 0.9,
            source: Source::Ner,
            validated: false,
            recognizer: "ner".into(),
        }
    }

    /// The texts of the spans after completion.
    fn completed(text: &str, found: &[(&str, Entity)]) -> Vec<String> {
        let mut spans: Vec<Span> = found
            .iter()
            .map(|(v, e)| span(text, v, e.clone()))
            .collect();
        complete(text, &mut spans);
        spans
            .iter()
            .map(|s| text[s.start..s.end].to_string())
            .collect()
    }

    #[test]
    fn the_name_after_an_honorific_is_a_person() {
        let p = Entity::PERSON;
        for (text, want) in [
            ("M. Dupont a appelé ce matin.", "Dupont"),
            ("Bonjour Mme Lefèvre, merci.", "Lefèvre"),
            ("Herr Dr. Schmidt kommt morgen.", "Schmidt"),
            ("Herr Doktor Weber kommt.", "Weber"),
            ("Geachte Dhr. de Vries, bedankt.", "de Vries"),
            ("Geachte mevr. Visser,\nhierbij de factuur.", "Visser"),
            ("We saw Mr John Smith there.", "John Smith"),
            ("Estimada Sra. López: le confirmamos.", "López"),
        ] {
            assert_eq!(completed(text, &[]), [want], "{text}");
        }
        // The model's surname grows over its particles.
        assert_eq!(
            completed("Geachte mevr. de Vries,\nhierbij", &[("Vries", p.clone())]),
            ["de Vries"]
        );
        // No name: a street, an article, a title, a letter to no one, an
        // initial's short word, a found name.
        for text in [
            "123 Ocean Dr. Miami, FL",
            "Die Frau Mitte vierzig kam.",
            "Thank you, Mr. President.",
            "Madame, Monsieur, veuillez trouver",
            "Dear Sir or Madam,",
            "a M. Sc. degree",
            "geachte mevr. nobody",
            "Open it in MS Word first.",
            "Herr der Ringe ist ein Buch.",
        ] {
            let mut spans = Vec::new();
            complete(text, &mut spans);
            let persons: Vec<&str> = spans
                .iter()
                .filter(|s| s.entity == Entity::PERSON)
                .map(|s| &text[s.start..s.end])
                .collect();
            assert!(persons.is_empty(), "{text}: {persons:?}");
        }
        // The honorific never joins a found name.
        assert_eq!(
            completed("Sehr geehrte Frau Müller, danke", &[("Müller", p.clone())]),
            ["Müller"]
        );
    }

    #[test]
    fn a_given_name_grows_over_initials_and_the_surname() {
        let p = Entity::PERSON;
        assert_eq!(
            completed("Ask Marta K. Oddsdóttir today.", &[("Marta", p.clone())]),
            ["Marta K. Oddsdóttir"]
        );
        assert_eq!(
            completed("Name: Abby M. Laidlaw\n", &[("Abby M", p.clone())]),
            ["Abby M. Laidlaw"]
        );
        assert_eq!(
            completed("I met Jouni Hahli there", &[("Jouni", p.clone())]),
            ["Jouni Hahli"]
        );
    }

    #[test]
    fn a_name_does_not_grow_over_function_words_other_entities_or_lines() {
        let p = Entity::PERSON;
        assert_eq!(
            completed("Then Anna The end", &[("Anna", p.clone())]),
            ["Anna"]
        );
        assert_eq!(
            completed("Anna was there", &[("Anna", p.clone())]),
            ["Anna"]
        );
        assert_eq!(completed("Anna\nSmith", &[("Anna", p.clone())]), ["Anna"]);
        assert_eq!(
            completed(
                "Anna Paris",
                &[("Anna", p.clone()), ("Paris", Entity::LOCATION)]
            ),
            ["Anna", "Paris"]
        );
        // Two-word names are the model's own boundary.
        assert_eq!(
            completed("Anna Berg Larsen", &[("Anna Berg", p.clone())]),
            ["Anna Berg"]
        );
    }

    #[test]
    fn a_surname_grows_over_the_given_name_before_it() {
        let p = Entity::PERSON;
        assert_eq!(
            completed("Alex Duffy listed his songs", &[("Duffy", p.clone())]),
            ["Alex Duffy"]
        );
        assert_eq!(
            completed("Dear Duffy, hi", &[("Duffy", p.clone())]),
            ["Duffy"]
        );
    }

    #[test]
    fn the_other_names_of_a_list_are_persons() {
        let p = Entity::PERSON;
        assert_eq!(
            completed(
                "our 3 founders: Morrison, Rogers and Torres. The idea",
                &[("Rogers", p.clone())]
            ),
            ["Morrison", "Rogers", "Torres"]
        );
        // A longer phrase or another entity ends the list.
        assert_eq!(
            completed(
                "Anna, Paris and New York Times",
                &[("Anna", p.clone()), ("Paris", Entity::LOCATION)]
            ),
            ["Anna", "Paris"]
        );
        assert_eq!(
            completed("Anna and Acme Corp", &[("Anna", p.clone())]),
            ["Anna"]
        );
    }

    #[test]
    fn other_mentions_of_a_found_name_are_persons() {
        let p = Entity::PERSON;
        assert_eq!(
            completed(
                "directed by Philip Kestrel and starring Kestrel, with Philip's band",
                &[("Philip Kestrel", p.clone())]
            ),
            ["Philip Kestrel", "Kestrel", "Philip"]
        );
        // Also an ordinary word in this text: left alone.
        assert_eq!(
            completed(
                "Rose Tanner planted a rose. Rose said so; Tanner too.",
                &[("Rose Tanner", p.clone())]
            ),
            ["Rose Tanner", "Tanner"]
        );
        // Part of a longer word or a hyphenated name: left alone.
        assert_eq!(
            completed(
                "Ivo Kral met Kralovec and Smith-Kral.",
                &[("Ivo Kral", p.clone())]
            ),
            ["Ivo Kral"]
        );
    }

    #[test]
    fn an_address_grows_over_its_unit_town_country_and_postcode_lines() {
        let a = Entity::STREET_ADDRESS;
        let text = "1737 Cheriton Dr\n Apt. 724\n Hibberdene\n South Africa 68793\n\nPhone: 1";
        assert_eq!(
            completed(text, &[("1737 Cheriton Dr", a.clone())]),
            ["1737 Cheriton Dr\n Apt. 724\n Hibberdene\n South Africa 68793"]
        );
        let text = "lives at 12 Oak Road, Velká Bukovina u Decína, Czech Republic. Call";
        assert_eq!(
            completed(text, &[("12 Oak Road", a.clone())]),
            ["12 Oak Road, Velká Bukovina u Decína, Czech Republic"]
        );
        let text = "479 95 Avenue des Tuileries Apt. 892 GUÉRET LI and then";
        assert_eq!(
            completed(text, &[("479 95 Avenue des Tuileries Apt. 892", a.clone())]),
            ["479 95 Avenue des Tuileries Apt. 892 GUÉRET LI"]
        );
        let text = "with 0912 P.O. Box 287, Tallinn, Estonia for this card";
        assert_eq!(
            completed(text, &[("0912 P.O. Box 287", a.clone())]),
            ["0912 P.O. Box 287, Tallinn, Estonia"]
        );
        let text = "at 9 Elm St\n>Suite 399\n>Tunis\n>Tunisia 56004";
        assert_eq!(
            completed(
                text,
                &[("9 Elm St", a.clone()), ("Tunisia 56004", Entity::LOCATION)]
            ),
            ["9 Elm St", "Suite 399", "Tunis", "Tunisia 56004"]
        );
    }

    #[test]
    fn an_address_grows_over_numbers_and_units_before_it_and_a_town_after_it() {
        let a = Entity::STREET_ADDRESS;
        let text = "Debra\n\n3536 1659 Hoog St\n Apt. 839";
        assert_eq!(
            completed(text, &[("1659 Hoog St", a.clone())]),
            ["3536 1659 Hoog St\n Apt. 839"]
        );
        let text = "28030 Edeby 55\n Apt. 297";
        assert_eq!(completed(text, &[("55", a.clone())]), [text]);
        let text = "Address: 594 Gyula utca 76. Apt. 289 Mogyorósbánya Hungary";
        assert_eq!(
            completed(text, &[("594 Gyula utca 76. Apt. 289", a.clone())]),
            ["594 Gyula utca 76. Apt. 289 Mogyorósbánya Hungary"]
        );
        for (text, street) in [
            ("Visit 12 Main St today", "12 Main St"),
            ("Order 4471 shipped to 12 Main St", "12 Main St"),
            ("We met at 12 Main St Yesterday and then left", "12 Main St"),
        ] {
            assert_eq!(completed(text, &[(street, a.clone())]), [street], "{text}");
        }
    }

    #[test]
    fn street_lines_the_model_missed_are_addresses() {
        for (text, want) in [
            (
                "Jaroslav-Paffrath-Straße 9949\n55032 Ebersberg",
                "Jaroslav-Paffrath-Straße 9949\n55032 Ebersberg",
            ),
            (
                "Flat 15, Timothy Alley, New Oliver, PO0 3ZR",
                "Flat 15, Timothy Alley, New Oliver, PO0 3ZR",
            ),
            (
                "at 31144 Rebecca Falls, Katelynchester, PR 89102.",
                "31144 Rebecca Falls, Katelynchester, PR 89102",
            ),
            ("Via delle Coste 41\nTel. 06 1234", "Via delle Coste 41"),
        ] {
            assert_eq!(completed(text, &[]), [want], "{text}");
        }
        for text in [
            "Place 3 orders by Friday",
            "During 5 days we met",
            "Apollo 13 Mission Control",
            "we need 2 Big Wins",
        ] {
            assert!(completed(text, &[]).is_empty(), "{text}");
        }
    }

    /// Random text of address, name and punctuation pieces (multi-byte ones
    /// too) with random spans on char boundaries: completion must not panic
    /// and must return spans inside the text, on char boundaries.
    #[test]
    fn completion_keeps_spans_on_char_boundaries_for_any_input() {
        const PIECES: &[&str] = &[
            "Anna",
            " ",
            "\n",
            "> ",
            "??? ",
            ",",
            ", ",
            ".",
            "12",
            "Élise",
            "Straße",
            "-",
            "Road",
            "Apt.",
            "x",
            "+41",
            "(0)",
            "ΠΑΦΟΣ",
            "🙂",
            "and",
            "Tel.",
            "Suite",
            "St.",
            "\r\n",
            "  ",
            "é",
            "Via",
            "de",
            "Oak",
            "90210",
            "O'Neil",
            "Flat",
            "漢字",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let kinds = [
            Entity::PERSON,
            Entity::STREET_ADDRESS,
            Entity::LOCATION,
            Entity::PHONE,
        ];
        for _ in 0..3000 {
            let text: String = (0..next(30) + 1)
                .map(|_| PIECES[next(PIECES.len())])
                .collect();
            let bounds: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let mut spans: Vec<Span> = (0..next(4))
                .filter_map(|_| {
                    let a = bounds[next(bounds.len())];
                    let b = bounds[next(bounds.len())];
                    (a < b).then(|| Span {
                        start: a,
                        end: b,
                        entity: kinds[next(kinds.len())].clone(),
                        score: 0.9,
                        source: Source::Ner,
                        validated: false,
                        recognizer: "ner".into(),
                    })
                })
                .collect();
            complete(&text, &mut spans);
            for s in &spans {
                assert!(
                    s.start < s.end
                        && s.end <= text.len()
                        && text.is_char_boundary(s.start)
                        && text.is_char_boundary(s.end),
                    "{text:?} {s:?}"
                );
            }
        }
    }

    #[test]
    fn a_phone_grows_over_its_country_code() {
        let p = Entity::PHONE;
        assert_eq!(
            completed(
                "Desk: +41 (0)96 471 07 95",
                &[("(0)96 471 07 95", p.clone())]
            ),
            ["+41 (0)96 471 07 95"]
        );
        assert_eq!(
            completed(
                "Desk: +41 (0)38 549 02 90",
                &[("0)38 549 02 90", p.clone())]
            ),
            ["+41 (0)38 549 02 90"]
        );
        assert_eq!(
            completed("total 3+41 96 471 07", &[("96 471 07", p.clone())]),
            ["96 471 07"]
        );
    }

    #[test]
    fn an_address_typed_in_lower_case_grows_over_lower_case_places() {
        let a = Entity::STREET_ADDRESS;
        let text = "send it to 2407 tawastintie 6, sé, portugal";
        assert_eq!(
            completed(text, &[("2407 tawastintie 6", a.clone())]),
            ["2407 tawastintie 6, sé, portugal"]
        );
        let text = "at 947 trg revolucije 17 apt. 858 begunje na gorenjskem slovenia";
        assert_eq!(
            completed(text, &[("947 trg revolucije 17 apt. 858", a.clone())]),
            ["947 trg revolucije 17 apt. 858 begunje na gorenjskem slovenia"]
        );
        for (text, street) in [
            ("at 12 main st so come by", "12 main st"),
            ("at 12 main st, see you there", "12 main st"),
            ("at 12 Main St, see you there", "12 Main St"),
        ] {
            assert_eq!(completed(text, &[(street, a.clone())]), [street], "{text}");
        }
    }

    #[test]
    fn an_address_does_not_grow_over_sentences_labels_or_closings() {
        let a = Entity::STREET_ADDRESS;
        for (text, street) in [
            ("Send it to 5 Oak Road, and call me.", "5 Oak Road"),
            ("5 Oak Road\nPhone: 555 0100", "5 Oak Road"),
            ("5 Oak Road\nRegards,\nAnna", "5 Oak Road"),
            ("5 Oak Road\n\nBoston", "5 Oak Road"),
            ("5 Oak Road. The Office is closed", "5 Oak Road"),
            ("at 5 Oak Road Tomorrow we meet", "5 Oak Road"),
            ("5 Oak Road\nI will be there at noon", "5 Oak Road"),
        ] {
            assert_eq!(completed(text, &[(street, a.clone())]), [street], "{text}");
        }
    }
}
