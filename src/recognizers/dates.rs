//! Dates, times and timestamps (`DATE_TIME`) in English, French, German,
//! Spanish, Italian and Dutch.
//!
//! What is reported, by recognizer:
//! - `date_ymd`: `2024-03-05`, `2024/3/5`, `2024.03.05`, with an optional
//!   time: ISO 8601 `2024-03-05T14:02:11.123Z`, `2024-03-05 14:02:11,123
//!   +01:00`, `... 14:02 UTC`;
//! - `date_dmy`: `05/03/2024`, `5.3.2024`, `05-03-24`, `3/5/24, 2:30 PM`:
//!   accepted when the value is a real date read day-first *or* month-first,
//!   so no locale switch is needed to mask it;
//! - `date_day_month`: `3 March 2024`, `Tue, 3 Jun 2008 11:05:30 +0200`
//!   (RFC 2822), `3. März 2024 um 14:00`, `1er mars 2024`, `3 de marzo de
//!   2024`, `3–5 maart`, with an optional weekday before;
//! - `date_month_day`: `March 3rd, 2024`, ctime `Tue Jun  3 11:05:30 2008`,
//!   syslog `Jun  3 11:05:30`;
//! - `date_month_year`: `March 2024`, `marzo de 2024`;
//! - `date_dashed`: `03-Mar-24`, Common Log Format `10/Oct/2000:13:55:36 -0700`;
//! - `time`: `14:05`, `2:05 pm`, `14h30`, `14.30 Uhr`, `14:00–15:30`, with a
//!   zone, only right after a context word (`at`, `um`, `à`, `a las`...);
//! - strict profile only ([`DateProfile::Strict`]): a bare year (`in 1984`)
//!   and a weekday (`on Monday`), only right after a context word.
//!
//! Validation is done in code on the captured parts: month 1-12, day valid
//! for its month (leap years included), hours 0-23 (1-12 with am/pm),
//! minutes and seconds 0-59, years 1850-2099 (1900-2099 for a bare year).
//! The regexes use `[0-9]` and no `\b` (a Unicode `\b` makes the lazy DFA
//! give up on non-ASCII text); boundaries and neighbours are checked in code:
//! a number after a version word (`v`, `version`, `build`, `release`) or
//! before a unit (`12:30 min`) is not a date, nor is a piece of a longer
//! dotted, slashed or dashed run (`1.2.2024.5`, an IPv6 or MAC address).
//!
//! Dates are *plausible*, not validated spans: where a date candidate
//! overlaps a validated IP address, phone, IBAN or card, the validated span
//! wins in [`crate::span::resolve`].

use super::{Anchor, Boundary, Check, PatternRecognizer, Validator};
use crate::span::Entity;
use regex::{Captures, Regex};
use serde::Deserialize;

/// Which date forms the pattern pass reports.
///
/// `Default` follows HIPAA Safe Harbor: every element of a date except the
/// year alone is an identifier, so `March 2024` and `5 March` are masked and
/// `in 2024` is not. `Strict` also masks bare years and weekdays when a
/// context word stands right before them (`in 1984`, `born 1962`, `on
/// Monday`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateProfile {
    #[default]
    Default,
    Strict,
}

impl std::str::FromStr for DateProfile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "default" => Ok(DateProfile::Default),
            "strict" => Ok(DateProfile::Strict),
            other => Err(format!(
                "unknown date profile {other:?}: use default or strict"
            )),
        }
    }
}

/// Score of a date or time that passed validation (below 1.0: a validated
/// identifier such as an IP address wins a conflict anyway).
const DATE_SCORE: f32 = 0.85;

/// Spaces inside a date: ASCII space, no-break space and the narrow no-break
/// space CLDR puts before `PM`. Not `\s`: a date does not run across lines.
const SP: &str = r"[ \x{A0}\x{202F}]";

/// Month names and abbreviations of the six languages, with their number.
/// Abbreviations are marked: without a year, a lower-case abbreviation with
/// no dot (`5 mar`, `3 set`) is too often a word to be taken as a month.
const MONTHS: &[(&str, u32, bool)] = &[
    // English
    ("january", 1, false),
    ("february", 2, false),
    ("march", 3, false),
    ("april", 4, false),
    ("may", 5, false),
    ("june", 6, false),
    ("july", 7, false),
    ("august", 8, false),
    ("september", 9, false),
    ("october", 10, false),
    ("november", 11, false),
    ("december", 12, false),
    ("jan", 1, true),
    ("feb", 2, true),
    ("mar", 3, true),
    ("apr", 4, true),
    ("jun", 6, true),
    ("jul", 7, true),
    ("aug", 8, true),
    ("sep", 9, true),
    ("sept", 9, true),
    ("oct", 10, true),
    ("nov", 11, true),
    ("dec", 12, true),
    // French
    ("janvier", 1, false),
    ("février", 2, false),
    ("fevrier", 2, false),
    ("mars", 3, false),
    ("avril", 4, false),
    ("mai", 5, false),
    ("juin", 6, false),
    ("juillet", 7, false),
    ("août", 8, false),
    ("aout", 8, false),
    ("septembre", 9, false),
    ("octobre", 10, false),
    ("novembre", 11, false),
    ("décembre", 12, false),
    ("decembre", 12, false),
    ("janv", 1, true),
    ("févr", 2, true),
    ("fév", 2, true),
    ("fevr", 2, true),
    ("avr", 4, true),
    ("juil", 7, true),
    ("déc", 12, true),
    // German
    ("januar", 1, false),
    ("jänner", 1, false),
    ("februar", 2, false),
    ("märz", 3, false),
    ("maerz", 3, false),
    ("juni", 6, false),
    ("juli", 7, false),
    ("oktober", 10, false),
    ("dezember", 12, false),
    ("jän", 1, true),
    ("mär", 3, true),
    ("mrz", 3, true),
    ("okt", 10, true),
    ("dez", 12, true),
    // Spanish
    ("enero", 1, false),
    ("febrero", 2, false),
    ("marzo", 3, false),
    ("abril", 4, false),
    ("mayo", 5, false),
    ("junio", 6, false),
    ("julio", 7, false),
    ("agosto", 8, false),
    ("septiembre", 9, false),
    ("setiembre", 9, false),
    ("octubre", 10, false),
    ("noviembre", 11, false),
    ("diciembre", 12, false),
    ("ene", 1, true),
    ("abr", 4, true),
    ("ago", 8, true),
    ("dic", 12, true),
    // Italian
    ("gennaio", 1, false),
    ("febbraio", 2, false),
    ("aprile", 4, false),
    ("maggio", 5, false),
    ("giugno", 6, false),
    ("luglio", 7, false),
    ("settembre", 9, false),
    ("ottobre", 10, false),
    ("dicembre", 12, false),
    ("gen", 1, true),
    ("mag", 5, true),
    ("giu", 6, true),
    ("lug", 7, true),
    ("set", 9, true),
    ("ott", 10, true),
    // Dutch
    ("januari", 1, false),
    ("februari", 2, false),
    ("maart", 3, false),
    ("mei", 5, false),
    ("augustus", 8, false),
    ("mrt", 3, true),
];

/// The words that can stand within two words of a lone number in a date or
/// a time (see `gate.rs`, which also reads `2 pm` / `2 a.m.` itself): month
/// names, and the time suffixes of [`time_pattern`] (`14 h`, `14 Uhr`,
/// `14 uur`, `14 u`). A weekday only comes with a month.
pub(super) fn gate_words() -> impl Iterator<Item = &'static str> {
    MONTHS.iter().map(|m| m.0).chain(["h", "u", "uhr", "uur"])
}

/// Weekday names (full, then the abbreviations dates are written with).
const WEEKDAYS: &[(&str, bool)] = &[
    ("monday", false),
    ("tuesday", false),
    ("wednesday", false),
    ("thursday", false),
    ("friday", false),
    ("saturday", false),
    ("sunday", false),
    ("lundi", false),
    ("mardi", false),
    ("mercredi", false),
    ("jeudi", false),
    ("vendredi", false),
    ("samedi", false),
    ("dimanche", false),
    ("montag", false),
    ("dienstag", false),
    ("mittwoch", false),
    ("donnerstag", false),
    ("freitag", false),
    ("samstag", false),
    ("sonnabend", false),
    ("sonntag", false),
    ("lunes", false),
    ("martes", false),
    ("miércoles", false),
    ("miercoles", false),
    ("jueves", false),
    ("viernes", false),
    ("sábado", false),
    ("sabado", false),
    ("domingo", false),
    ("lunedì", false),
    ("lunedi", false),
    ("martedì", false),
    ("martedi", false),
    ("mercoledì", false),
    ("mercoledi", false),
    ("giovedì", false),
    ("giovedi", false),
    ("venerdì", false),
    ("venerdi", false),
    ("sabato", false),
    ("domenica", false),
    ("maandag", false),
    ("dinsdag", false),
    ("woensdag", false),
    ("donderdag", false),
    ("vrijdag", false),
    ("zaterdag", false),
    ("zondag", false),
    ("mon", true),
    ("tue", true),
    ("tues", true),
    ("wed", true),
    ("thu", true),
    ("thur", true),
    ("thurs", true),
    ("fri", true),
    ("sat", true),
    ("sun", true),
    ("lun", true),
    ("mer", true),
    ("jeu", true),
    ("ven", true),
    ("sam", true),
    ("dim", true),
    ("mié", true),
    ("mie", true),
    ("jue", true),
    ("vie", true),
    ("sáb", true),
    ("sab", true),
    ("dom", true),
    ("gio", true),
];

/// Long zone names CLDR writes after a full date-time (UTC and central
/// European time, standard and summer, in the six languages).
const ZONE_NAMES: &[&str] = &[
    "coordinated universal time",
    "temps universel coordonné",
    "koordinierte weltzeit",
    "tiempo universal coordinado",
    "tempo coordinato universale",
    "gecoördineerde wereldtijd",
    "central european standard time",
    "central european summer time",
    "central european time",
    "heure normale d’europe centrale",
    "heure d’été d’europe centrale",
    "heure d’europe centrale",
    "mitteleuropäische normalzeit",
    "mitteleuropäische sommerzeit",
    "mitteleuropäische zeit",
    "hora estándar de europa central",
    "hora de verano de europa central",
    "hora de europa central",
    "ora standard dell’europa centrale",
    "ora legale dell’europa centrale",
    "ora dell’europa centrale",
    "midden-europese standaardtijd",
    "midden-europese zomertijd",
    "midden-europese tijd",
];

/// Words right before a number that make it a version or build, not a date.
const VERSION_VETO: &[&str] = &[
    "v", "ver", "version", "versie", "versione", "build", "release", "rel", "rev", "revision",
    "firmware", "fw", "patch", "sdk", "api",
];

/// Words that, right after a number, make it a quantity (`12:30 min`, `2024
/// km`): durations, sizes, money, physical units.
const UNITS: &[&str] = &[
    "ms", "µs", "us", "ns", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute",
    "minutes", "hrs", "hours", "days", "kg", "mg", "lb", "lbs", "km", "cm", "mm", "ft", "kb", "mb",
    "gb", "tb", "kib", "mib", "gib", "bytes", "%", "€", "$", "£", "eur", "usd", "gbp", "chf", "px",
    "pt", "rpm", "hz", "khz", "mhz", "ghz", "kw", "kwh", "mah", "ml", "tokens", "items", "pcs",
    "units", "fps", "points", "pts", "degrees", "°", "euros", "dollars", "jahre", "ans", "años",
    "anni", "jaar", "years",
];

/// Words that, right before a lone time, make it a time of day.
const TIME_CONTEXT: &[&str] = &[
    // English
    "at",
    "from",
    "until",
    "till",
    "til",
    "by",
    "before",
    "after",
    "since",
    "around",
    "between",
    "time",
    "starts",
    "start",
    "ends",
    "end",
    "scheduled",
    "due",
    "@",
    "approx",
    "about",
    // French
    "à",
    "a",
    "vers",
    "dès",
    "des",
    "depuis",
    "jusqu'à",
    "jusqu’à",
    "avant",
    "après",
    "entre",
    "heure",
    "heures",
    "rdv",
    "de",
    "horaire",
    // German
    "um",
    "ab",
    "bis",
    "gegen",
    "von",
    "seit",
    "vor",
    "nach",
    "zwischen",
    "uhrzeit",
    "zeit",
    "termin",
    // Spanish
    "las",
    "la",
    "desde",
    "hasta",
    "hacia",
    "hora",
    "sobre",
    // Italian
    "alle",
    "ore",
    "dalle",
    "fino",
    "verso",
    "dopo",
    "prima",
    "orario",
    "ora",
    "entro",
    // Dutch
    "om",
    "vanaf",
    "tot",
    "rond",
    "tussen",
    "tijd",
    "voor",
    "na",
    "sinds",
    "tijdstip",
];

/// Words that, right before a bare year or a weekday, make it part of a
/// personal date (strict profile only).
const DATE_CONTEXT: &[&str] = &[
    // English
    "in",
    "since",
    "year",
    "born",
    "from",
    "until",
    "till",
    "by",
    "on",
    "next",
    "last",
    "this",
    "every",
    "before",
    "after",
    "during",
    "of",
    "class",
    "dob",
    "died",
    "married",
    "graduated",
    // French
    "en",
    "depuis",
    "année",
    "an",
    "né",
    "née",
    "dès",
    "le",
    "ce",
    "jusqu'au",
    "avant",
    "après",
    "depuis",
    "prochain",
    "dernier",
    // German
    "im",
    "seit",
    "jahr",
    "geboren",
    "bis",
    "ab",
    "am",
    "nächsten",
    "letzten",
    "diesen",
    "jeden",
    "vor",
    "nach",
    // Spanish
    "año",
    "desde",
    "nacido",
    "nacida",
    "hasta",
    "el",
    "este",
    "próximo",
    "pasado",
    "cada",
    // Italian
    "nel",
    "anno",
    "dal",
    "nato",
    "nata",
    "fino",
    "il",
    "questo",
    "prossimo",
    "scorso",
    "ogni",
    "di",
    // Dutch
    "sinds",
    "jaar",
    "geboren",
    "tot",
    "vanaf",
    "op",
    "volgende",
    "vorige",
    "afgelopen",
    "deze",
    "elke",
];

/// Articles: right before a bare year they make it an attribute of a thing
/// that happened then (`a 2017 film`, `the 1998 season`; strict profile).
const YEAR_ARTICLES: &[&str] = &[
    "a", "an", "the", "un", "une", "le", "la", "les", "ein", "eine", "einer", "der", "die", "das",
    "el", "los", "las", "una", "il", "lo", "gli", "uno", "het", "een", "de",
];

/// Verbs after which a weekday is when something happens (`meet Monday`,
/// `due Friday`; strict profile).
const WEEKDAY_VERBS: &[&str] = &[
    "meet", "see", "call", "visit", "arrive", "arrives", "leave", "leaves", "start", "starts",
    "begin", "begins", "due", "open", "opens", "closed", "closes", "back", "returns", "return",
    "ship", "ships", "until", "till",
];

/// A regex alternation of `names` (longest first, so that the leftmost-first
/// regex prefers `March` over `Mar`), case-insensitive.
fn alternation<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = names.collect();
    v.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    v.dedup();
    let parts: Vec<String> = v.iter().map(|n| regex::escape(n)).collect();
    format!("(?i:{})", parts.join("|"))
}

fn months_alt() -> String {
    alternation(MONTHS.iter().map(|m| m.0))
}

fn weekdays_alt() -> String {
    alternation(WEEKDAYS.iter().map(|w| w.0))
}

/// A time of day: `14:05`, `14:05:33.123`, `2:05 pm`, `2 PM`, `14h30`,
/// `14 h`, `14.30 Uhr`, `14 Uhr`; `{n}` makes its groups unique.
fn time_pattern(n: &str) -> String {
    let ampm = format!(r"[AaPp]\.?{SP}?[Mm]\.?");
    let suffix = r"(?:Uhr|uur|u)";
    format!(
        r"(?P<time{n}>[0-9]{{1,2}}:[0-9]{{2}}(?::[0-9]{{2}}(?:[.,][0-9]{{1,9}})?)?(?:{SP}?{ampm})?(?:{SP}?{suffix}|h)?|[0-9]{{1,2}}\.[0-9]{{2}}{SP}?{suffix}|[0-9]{{1,2}}{SP}?h(?:{SP}?[0-9]{{2}})?|[0-9]{{1,2}}{SP}?{ampm}|[0-9]{{1,2}}{SP}?{suffix})"
    )
}

/// An optional time zone after a time: `Z` (glued), `+01:00`, `-0700`,
/// `UTC`, `GMT+2`, `(UTC)`, `CET`, `PST`, a long CLDR name, an IANA name.
fn zone_pattern() -> String {
    let names = alternation(ZONE_NAMES.iter().copied());
    format!(
        r"(?:Z|{SP}?[+-][0-9]{{2}}:?[0-9]{{2}}|{SP}?\(?(?:UTC|GMT|UT)(?:{SP}?[+-][0-9]{{1,2}}(?::?[0-9]{{2}})?)?\)?|{SP}\(?(?:CES?T|MES?Z|EES?T|WES?T|BST|IST|[ECMP][SD]T|AK[SD]T|HST|JST|KST|AE[SD]T|NZ[SD]T|SGT|HKT|MSK|TU|{names})\)?|{SP}(?:Europe|America|Asia|Africa|Australia|Pacific)/[A-Z][A-Za-z_]+)?"
    )
}

/// What may stand between a date and its time: `, `, ` at `, ` um `, ` à `...
fn connector() -> String {
    format!(
        r"(?:,?{SP}(?:at|à|a{SP}las|a{SP}la|alle{SP}ore|alle|ore|um|om|kl\.?|-|–|@){SP}|,?{SP}{{1,2}})"
    )
}

/// Day of month with an ordinal mark: `3`, `3rd`, `1er`, `3.`, `1º`.
fn day(n: &str) -> String {
    format!(r"(?P<d{n}>[0-9]{{1,2}})(?:st|nd|rd|th|er|re|e|º|°|ª|\.)?")
}

/// An optional weekday before a date: `Tue, `, `Dienstag, `, `martedì `.
fn weekday_prefix() -> String {
    format!(r"(?:{}\.?,?{SP}{{1,2}})?", weekdays_alt())
}

// ---------------------------------------------------------------------------
// Calendar rules

/// Whether `y` is a leap year in the Gregorian calendar.
pub fn is_leap_year(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

/// Days in month `m` (1-12) of year `y`; `None` for the year means "any
/// year" (29 February allowed).
pub fn days_in_month(y: Option<u32>, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => match y {
            Some(y) if !is_leap_year(y) => 28,
            _ => 29,
        },
        _ => 0,
    }
}

/// Whether day `d` of month `m` exists (in year `y`, when known).
pub fn valid_day(y: Option<u32>, m: u32, d: u32) -> bool {
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

/// A year written in a date: four digits in 1850-2099, or two digits
/// (any; `'24` or `-24`). Returns the full year when known.
fn parse_year(s: &str) -> Result<Option<u32>, ()> {
    let digits = s.trim_start_matches('\'');
    let y: u32 = digits.parse().map_err(|_| ())?;
    match digits.len() {
        4 if (1850..=2099).contains(&y) => Ok(Some(y)),
        4 => Err(()),
        // Two-digit years: the century is unknown; 29 Feb is checked against
        // the most recent century (2000-2099 for 00-99).
        2 => Ok(Some(2000 + y)),
        _ => Err(()),
    }
}

/// Whether a written time is a real time of day: `h:mm[:ss[.f]]` with 0-23
/// hours (1-12 with am/pm), `14h30`, `14.30 Uhr`, `3 pm`.
pub fn valid_time(t: &str) -> bool {
    let lower = t.to_lowercase();
    let ampm = lower.contains('m')
        && lower.bytes().any(|b| b == b'a' || b == b'p')
        && !lower.contains("uhr")
        && !lower.contains("uur");
    let nums: Vec<u32> = lower
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .map(|s| s.parse().unwrap_or(u32::MAX))
        .collect();
    let Some(&h) = nums.first() else {
        return false;
    };
    let hour_ok = if ampm { (1..=12).contains(&h) } else { h <= 23 };
    let min_ok = nums.get(1).is_none_or(|&m| m <= 59);
    let sec_ok = nums.get(2).is_none_or(|&s| s <= 60);
    hour_ok && min_ok && sec_ok
}

fn month_number(name: &str) -> Option<(u32, bool)> {
    let n = name.trim_end_matches('.').to_lowercase();
    MONTHS
        .iter()
        .find(|(m, _, _)| *m == n)
        .map(|&(_, num, abbr)| (num, abbr))
}

fn num(c: &Captures, name: &str) -> Option<u32> {
    c.name(name).and_then(|m| m.as_str().parse().ok())
}

fn times_ok(c: &Captures) -> bool {
    ["time", "time2"]
        .iter()
        .all(|g| c.name(g).is_none_or(|m| valid_time(m.as_str())))
}

fn verdict(ok: bool) -> Check {
    if ok { Check::Plausible } else { Check::Reject }
}

/// A validator that re-matches the value against `pattern` anchored at both
/// ends and judges its captures with `judge`.
fn captures_validator(pattern: &str, judge: fn(&Captures) -> bool) -> Validator {
    let anchored = Regex::new(&format!("^(?:{pattern})$"))
        .unwrap_or_else(|e| panic!("built-in date pattern: {e}"));
    Box::new(move |value: &str| {
        if ends_with_full_stop(value) {
            return Check::Reject;
        }
        match anchored.captures(value) {
            Some(c) => verdict(judge(&c)),
            None => Check::Reject,
        }
    })
}

/// Whether `value` ends with a full stop that closes the sentence, not the
/// date. The patterns take an optional dot after a month name, a day or
/// `am`/`pm` (`5 Dec.`, German `5.`, `2 p.m.`), so at a sentence end they
/// also take the sentence's full stop (`on 12 March.`, `on March 12.`,
/// `at 2 pm.`). A dot is a part of the value only when it closes an
/// abbreviation: a month or weekday abbreviation (`Dec.`, `Tue.`; one dot
/// then serves both, as typography has it) or a dotted one (`p.m.`). After
/// a digit, a full name or anything else it is the sentence's: the match
/// is rejected, and the scan tries it without the dot (`.` is a shrink
/// byte of [`date_recognizer`]).
fn ends_with_full_stop(value: &str) -> bool {
    let Some(head) = value.strip_suffix('.') else {
        return false;
    };
    let word_start = head.rfind(|c: char| !c.is_alphanumeric()).map_or(0, |i| {
        i + head[i..].chars().next().map_or(1, char::len_utf8)
    });
    let word = &head[word_start..];
    // `p.m.`, `a.m.`: a letter or two after another dot.
    let dotted = head[..word_start].ends_with('.')
        && (1..=2).contains(&word.chars().count())
        && word.chars().all(char::is_alphabetic);
    let lower = word.to_lowercase();
    let abbreviation = MONTHS.iter().any(|&(m, _, abbr)| abbr && m == lower)
        || WEEKDAYS.iter().any(|&(w, abbr)| abbr && w == lower);
    !dotted && !abbreviation
}

/// Y-M-D: one separator kind, a real date, a plausible year.
fn judge_ymd(c: &Captures) -> bool {
    let (Some(s1), Some(s2)) = (c.name("s1"), c.name("s2")) else {
        return false;
    };
    let (Some(y), Some(m), Some(d)) = (num(c, "y"), num(c, "m"), num(c, "d")) else {
        return false;
    };
    s1.as_str() == s2.as_str()
        && (1850..=2099).contains(&y)
        && valid_day(Some(y), m, d)
        && times_ok(c)
}

/// D-M-Y or M-D-Y: one separator kind; a real date read either way; with a
/// two-digit year after `.` or `-`, day and month written with two digits
/// (`05.03.24`) or a first part over 12 (`21.5.21`): `1.2.24` is a version.
fn judge_dmy(c: &Captures) -> bool {
    let (Some(s1), Some(s2), Some(ys)) = (c.name("s1"), c.name("s2"), c.name("y")) else {
        return false;
    };
    let (Some(a), Some(b)) = (c.name("a"), c.name("b")) else {
        return false;
    };
    if s1.as_str() != s2.as_str() {
        return false;
    }
    let Ok(y) = parse_year(ys.as_str()) else {
        return false;
    };
    let (a_len, b_len) = (a.len(), b.len());
    let (Ok(a), Ok(b)) = (a.as_str().parse::<u32>(), b.as_str().parse::<u32>()) else {
        return false;
    };
    // `1.2.24`, `3.11.12` are versions; `21.5.21` (day over 12 first) is not.
    if ys.as_str().len() == 2 && s1.as_str() != "/" && (a_len != 2 || b_len != 2) && a <= 12 {
        return false;
    }
    (valid_day(y, b, a) || valid_day(y, a, b)) && times_ok(c)
}

/// A month-name date: a real day for the month (and year, when given); a
/// plausible year; without a year, an abbreviation must be capitalized or
/// dotted (`5 Mar`, `5 mar.`; not `5 mar`, `3 set`).
fn judge_named(c: &Captures) -> bool {
    let Some(mon) = c.name("mon") else {
        return false;
    };
    let Some((m, abbr)) = month_number(mon.as_str()) else {
        return false;
    };
    let year_text = c.name("y").or_else(|| c.name("y2"));
    let y = match year_text {
        Some(ys) => match parse_year(ys.as_str()) {
            Ok(y) => y,
            Err(()) => return false,
        },
        None => None,
    };
    if year_text.is_none() && abbr {
        let dotted = c
            .get(0)
            .is_some_and(|w| w.as_str()[mon.end() - w.start()..].starts_with('.'));
        let capital = mon.as_str().chars().next().is_some_and(char::is_uppercase);
        if !dotted && !capital {
            return false;
        }
    }
    for g in ["d", "d2"] {
        if let Some(d) = num(c, g)
            && !valid_day(y, m, d)
        {
            return false;
        }
    }
    // Without a day, the match must be `month year`.
    (c.name("d").is_some() || y.is_some()) && times_ok(c)
}

/// M/YYYY: month 1-12, a plausible year.
fn judge_month_year_numeric(c: &Captures) -> bool {
    let (Some(m), Some(y)) = (
        num(c, "m").or_else(|| num(c, "m2")),
        num(c, "y").or_else(|| num(c, "y2")),
    ) else {
        return false;
    };
    (1..=12).contains(&m) && (1850..=2099).contains(&y)
}

/// `May-21`, `21-May`, `May-2021`: as [`judge_named`], and the month not in
/// capitals (`DEC-12`, `MAY-21` are ticket keys).
fn judge_short_dashed(c: &Captures) -> bool {
    let caps = c.name("mon").is_some_and(|m| {
        m.as_str().chars().count() > 1 && m.as_str().chars().all(|ch| !ch.is_lowercase())
    });
    !caps && judge_named(c)
}

/// A lone time: a time of day, without fractional seconds (`01:22:42.528`
/// alone is a duration or a stopwatch reading).
fn judge_time(c: &Captures) -> bool {
    let fraction = ["time", "time2"].iter().any(|g| {
        c.name(g).is_some_and(|m| {
            m.as_str().matches(':').count() == 2 && m.as_str().contains(['.', ','])
        })
    });
    !fraction && times_ok(c)
}

fn judge_year(c: &Captures) -> bool {
    num(c, "y").is_some_and(|y| (1900..=2099).contains(&y))
}

// ---------------------------------------------------------------------------
// Neighbours

/// The word just before `start` (skipping spaces and `:`, `(`, `,`, `[`):
/// its start and its lower-cased text, an elision kept (`jusqu'à`).
fn word_before(text: &str, start: usize) -> (usize, String) {
    let head = text[..start].trim_end_matches([' ', '\u{a0}', '\t', ':', '(', ',', '[']);
    let word_start = head
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphabetic() || c == '\'' || c == '’' || c == '@')
        .last()
        .map_or(head.len(), |(i, _)| i);
    (word_start, head[word_start..].to_lowercase())
}

/// Up to `n` words before `start`, nearest first.
fn words_before(text: &str, start: usize, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = start;
    for _ in 0..n {
        let (word_start, w) = word_before(text, at);
        if w.is_empty() {
            break;
        }
        out.push(w);
        at = word_start;
    }
    out
}

/// The word right after `end` (after spaces), lower-cased; a unit symbol
/// (`%`, `€`) counts as a word.
fn word_after(text: &str, end: usize) -> String {
    let tail = text[end..].trim_start_matches([' ', '\u{a0}', '\u{202f}']);
    let first = tail.chars().next();
    if first.is_some_and(|c| matches!(c, '%' | '€' | '$' | '£' | '°')) {
        return first.map(|c| c.to_string()).unwrap_or_default();
    }
    tail.chars()
        .take_while(|c| c.is_alphabetic() || *c == 'µ')
        .collect::<String>()
        .to_lowercase()
}

/// Whether a unit follows the match (`12:30 min`, `2024 km`).
fn unit_after(text: &str, end: usize) -> bool {
    let w = word_after(text, end);
    !w.is_empty() && UNITS.contains(&w.as_str())
}

/// Whether the match continues a longer run glued by `sep` on either side
/// (`1.2.2024.5`, `06-12-34-56`): a digit and `sep` just before, or `sep` and
/// a digit just after.
fn glued(text: &str, start: usize, end: usize, seps: &[u8]) -> bool {
    let b = text.as_bytes();
    let before = start >= 2 && seps.contains(&b[start - 1]) && b[start - 2].is_ascii_digit();
    let after = end + 1 < b.len() && seps.contains(&b[end]) && b[end + 1].is_ascii_digit();
    before || after
}

/// The separator a numeric date is written with (`-`, `/` or `.`).
fn numeric_sep(value: &str) -> Option<u8> {
    value.bytes().find(|b| matches!(b, b'-' | b'/' | b'.'))
}

/// A time glued to more colon-separated hex or digits is part of an IPv6
/// or MAC address, or a longer duration (`fe80::1:20:33`, `12:30:45:10`).
fn colon_glued(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let before = start >= 1 && b[start - 1] == b':';
    let after = end + 1 < b.len() && b[end] == b':' && b[end + 1].is_ascii_hexdigit();
    before || after
}

fn around_numeric(text: &str, start: usize, end: usize) -> bool {
    let value = &text[start..end];
    let sep = numeric_sep(value).unwrap_or(b'-');
    !glued(text, start, end, &[sep]) && !colon_glued(text, start, end) && !unit_after(text, end)
}

/// Whether a year follows (`, 2023`, ` de 2023`): the match is the head of
/// a longer date the regex rejected (`29 February` of `29 February 2023`).
fn year_after(text: &str, end: usize) -> bool {
    let tail = text[end..].trim_start_matches([',', ' ', '\u{a0}']);
    let tail = ["de ", "del ", "of "]
        .iter()
        .find_map(|p| tail.strip_prefix(p))
        .unwrap_or(tail);
    let b = tail.as_bytes();
    b.len() >= 4
        && b[..4].iter().all(u8::is_ascii_digit)
        && !b.get(4).is_some_and(u8::is_ascii_digit)
}

/// Whether a day number stands before (`31 April 2024` holds no valid
/// `April 2024`): the match is the tail of a longer date the regex rejected.
fn day_before(text: &str, start: usize) -> bool {
    let head = text[..start].trim_end_matches([' ', '\u{a0}', '.']);
    let head = ["de", "of", "the"]
        .iter()
        .find_map(|p| {
            head.strip_suffix(p)
                .map(|h| h.trim_end_matches([' ', '\u{a0}']))
        })
        .unwrap_or(head);
    let head = ["st", "nd", "rd", "th", "er", "e", "º", "°"]
        .iter()
        .find_map(|p| head.strip_suffix(p))
        .unwrap_or(head);
    head.as_bytes().last().is_some_and(u8::is_ascii_digit)
}

fn around_named(text: &str, start: usize, end: usize) -> bool {
    !colon_glued(text, start, end)
        && !unit_after(text, end)
        && !year_after(text, end)
        && !day_before(text, start)
}

fn around_time(text: &str, start: usize, end: usize) -> bool {
    if colon_glued(text, start, end) || glued(text, start, end, b".,") || unit_after(text, end) {
        return false;
    }
    // "3h 20m": hours and minutes of a duration.
    let tail = text[end..].trim_start_matches(' ');
    let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
    if text[..end].ends_with('h') && digits > 0 && tail[digits..].starts_with('m') {
        return false;
    }
    words_before(text, start, 2)
        .iter()
        .any(|w| TIME_CONTEXT.contains(&w.as_str()))
}

fn around_year(text: &str, start: usize, end: usize) -> bool {
    if glued(text, start, end, b".,-/:") || unit_after(text, end) {
        return false;
    }
    let words = words_before(text, start, 2);
    words.iter().any(|w| DATE_CONTEXT.contains(&w.as_str()))
        || words
            .first()
            .is_some_and(|w| YEAR_ARTICLES.contains(&w.as_str()))
}

fn around_weekday(text: &str, start: usize, _end: usize) -> bool {
    let words = words_before(text, start, 2);
    words.iter().any(|w| DATE_CONTEXT.contains(&w.as_str()))
        || words
            .first()
            .is_some_and(|w| WEEKDAY_VERBS.contains(&w.as_str()))
}

fn around_month(text: &str, start: usize, _end: usize) -> bool {
    words_before(text, start, 2)
        .iter()
        .any(|w| DATE_CONTEXT.contains(&w.as_str()))
}

// ---------------------------------------------------------------------------
// Recognizers

/// One date recognizer: `pattern` is matched unanchored by the scan and
/// anchored by the validator.
fn date_recognizer(
    name: &'static str,
    pattern: &str,
    judge: fn(&Captures) -> bool,
    around: super::Around,
    anchor: Anchor,
) -> PatternRecognizer {
    PatternRecognizer::builtin(
        name,
        Entity::DATE_TIME,
        pattern,
        DATE_SCORE,
        DATE_SCORE,
        None,
        &[],
        Boundary::Number,
        anchor,
    )
    .validator(captures_validator(pattern, judge))
    .veto(VERSION_VETO)
    .around(around)
    // A date followed by an impossible time ("05/03/2024 25:00") is still
    // the date; one followed by a sentence's full stop ("12 March.") is the
    // date without it (see [`ends_with_full_stop`]).
    .shrink(b" ,T.")
}

pub(super) fn recognizers(profile: DateProfile) -> Vec<PatternRecognizer> {
    let months = months_alt();
    let zone = zone_pattern();
    let conn = connector();
    let time = time_pattern("");
    let time2 = time_pattern("2");
    let wd = weekday_prefix();
    let (d1, d2) = (day(""), day("2"));
    let range = format!(r"(?:{SP}?[-–—]{SP}?{d2})?");
    let year = r"(?P<y>[0-9]{4}|'[0-9]{2})";

    let ymd = format!(
        r"(?P<y>[0-9]{{4}})(?P<s1>[-/.])(?P<m>[0-9]{{1,2}})(?P<s2>[-/.])(?P<d>[0-9]{{1,2}})(?:(?:T|{conn}){time}{zone})?"
    );
    let dmy = format!(
        r"(?P<a>[0-9]{{1,2}})(?P<s1>[-/.])(?P<b>[0-9]{{1,2}})(?P<s2>[-/.])(?P<y>[0-9]{{4}}|[0-9]{{2}})(?:{conn}{time}{zone})?"
    );
    let day_month = format!(
        r"{wd}{d1}{range}{SP}{{1,2}}(?:(?i:de|of|the){SP})?(?P<mon>{months})\.?(?:,?{SP}{{1,2}}(?:(?i:de|del){SP})?{year})?(?:{conn}{time}{zone})?"
    );
    let month_day = format!(
        r"{wd}(?P<mon>{months})\.?{SP}{{1,2}}(?:(?i:the){SP})?{d1}{range}(?:,?{SP}{{1,2}}{year})?(?:{conn}{time}{zone})?(?:{SP}(?P<y2>[0-9]{{4}}))?"
    );
    let month_year = format!(r"(?P<mon>{months})\.?,?{SP}{{1,2}}(?:(?i:de|del){SP})?{year}");
    let dashed = format!(
        r"(?P<d>[0-9]{{1,2}})[-/.](?P<mon>{months})[-/.](?P<y>[0-9]{{4}}|[0-9]{{2}})(?:(?::|T|{SP}){time}{zone})?"
    );
    let month_dash = format!(r"(?P<mon>{months})-(?:(?P<y>[0-9]{{4}})|(?P<d>[0-9]{{1,2}}))");
    let dash_month = format!(r"(?P<d>[0-9]{{1,2}})-(?P<mon>{months})");
    let lone_time = format!(
        r"{time}{zone}(?:(?:{SP}?[-–—]{SP}?|{SP}(?i:to|until|till|bis|à|a|al|alle|tot|and|und|et|y|e|en){SP}){time2}{zone})?"
    );

    let mut v = vec![
        date_recognizer(
            "date_ymd",
            &ymd,
            judge_ymd,
            around_numeric,
            Anchor::AnyDigits,
        ),
        date_recognizer(
            "date_dmy",
            &dmy,
            judge_dmy,
            around_numeric,
            Anchor::AnyDigits,
        ),
        // Month-name dates always hold a digit (day or year) and no run of
        // more than ~40 bytes without one, so the digit windows cover them.
        date_recognizer(
            "date_day_month",
            &day_month,
            judge_named,
            around_named,
            Anchor::AnyDigits,
        ),
        date_recognizer(
            "date_month_day",
            &month_day,
            judge_named,
            around_named,
            Anchor::AnyDigits,
        ),
        date_recognizer(
            "date_month_year",
            &month_year,
            judge_named,
            around_named,
            Anchor::AnyDigits,
        ),
        date_recognizer(
            "date_dashed",
            &dashed,
            judge_named,
            around_named,
            Anchor::AnyDigits,
        ),
        date_recognizer(
            "date_month_year_numeric",
            r"(?P<m>[0-9]{1,2})/(?P<y>[0-9]{4})|(?P<m2>0[1-9])\.(?P<y2>[0-9]{4})",
            judge_month_year_numeric,
            around_numeric,
            Anchor::AnyDigits,
        ),
        date_recognizer(
            "date_month_dash",
            &month_dash,
            judge_short_dashed,
            around_named,
            Anchor::AnyDigits,
        ),
        date_recognizer(
            "date_dash_month",
            &dash_month,
            judge_short_dashed,
            around_named,
            Anchor::AnyDigits,
        ),
        date_recognizer(
            "time",
            &lone_time,
            judge_time,
            around_time,
            Anchor::AnyDigits,
        ),
    ];
    if profile == DateProfile::Strict {
        v.push(date_recognizer(
            "year",
            r"(?P<y>[12][0-9]{3})",
            judge_year,
            around_year,
            Anchor::AnyDigits,
        ));
        let full_days = alternation(WEEKDAYS.iter().filter(|w| !w.1).map(|w| w.0));
        v.push(
            PatternRecognizer::builtin(
                "weekday",
                Entity::DATE_TIME,
                &full_days,
                DATE_SCORE,
                DATE_SCORE,
                None,
                &[],
                Boundary::Word,
                // No digit in "Monday": the whole text is scanned.
                Anchor::Full,
            )
            .around(around_weekday),
        );
        let full_months = alternation(MONTHS.iter().filter(|m| !m.2).map(|m| m.0));
        v.push(
            PatternRecognizer::builtin(
                "month",
                Entity::DATE_TIME,
                &full_months,
                DATE_SCORE,
                DATE_SCORE,
                None,
                &[],
                Boundary::Word,
                Anchor::Full,
            )
            .around(around_month),
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recognizers::testutil::find;

    fn dates(text: &str) -> Vec<String> {
        find(&Entity::DATE_TIME, text)
    }

    fn strict_dates(text: &str) -> Vec<String> {
        crate::recognizers::testutil::find_with(&Entity::DATE_TIME, text, DateProfile::Strict)
    }

    #[track_caller]
    fn assert_dates(cases: &[(&str, &[&str])]) {
        for (text, want) in cases {
            assert_eq!(dates(text), *want, "{text:?}");
        }
    }

    #[track_caller]
    fn assert_no_dates(cases: &[&str]) {
        for text in cases {
            assert!(dates(text).is_empty(), "{text:?}: {:?}", dates(text));
        }
    }

    #[test]
    fn leap_years_and_month_lengths() {
        assert!(is_leap_year(2024) && is_leap_year(2000) && !is_leap_year(1900));
        assert!(valid_day(Some(2024), 2, 29) && !valid_day(Some(2023), 2, 29));
        assert!(!valid_day(Some(2024), 4, 31) && valid_day(None, 2, 29));
        assert!(!valid_day(Some(2024), 13, 1) && !valid_day(Some(2024), 1, 0));
    }

    #[test]
    fn time_of_day_rules() {
        for ok in [
            "00:00",
            "23:59:60",
            "2:05 pm",
            "12 AM",
            "14h30",
            "14.30 Uhr",
            "9 uur",
        ] {
            assert!(valid_time(ok), "{ok}");
        }
        for bad in ["24:00", "24:61", "12:60", "13 pm", "0 am", "25h"] {
            assert!(!valid_time(bad), "{bad}");
        }
    }

    #[test]
    fn iso_timestamps_are_found_to_the_last_character() {
        assert_dates(&[
            (
                "at 2024-03-05T14:02:11.123Z took",
                &["2024-03-05T14:02:11.123Z"],
            ),
            (
                "2024-03-05T14:02:11+01:00 x",
                &["2024-03-05T14:02:11+01:00"],
            ),
            ("2024-03-05 14:02:11,123 INFO", &["2024-03-05 14:02:11,123"]),
            (
                "ts=2024-03-05T14:02:11.123456789-05:00;",
                &["2024-03-05T14:02:11.123456789-05:00"],
            ),
            ("2024-03-05 14:02 UTC done", &["2024-03-05 14:02 UTC"]),
            ("on 2024/3/5.", &["2024/3/5"]),
            ("2024.03.05 ok", &["2024.03.05"]),
        ]);
    }

    #[test]
    fn log_timestamp_formats() {
        assert_dates(&[
            (
                "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /\"",
                &["10/Oct/2000:13:55:36 -0700"],
            ),
            (
                "Date: Tue, 3 Jun 2008 11:05:30 +0200\n",
                &["Tue, 3 Jun 2008 11:05:30 +0200"],
            ),
            (
                "Tue Jun  3 11:05:30 2008 core",
                &["Tue Jun  3 11:05:30 2008"],
            ),
            ("Jun  3 11:05:30 host sshd[1]: x", &["Jun  3 11:05:30"]),
            ("booked 03-Mar-24 ok", &["03-Mar-24"]),
        ]);
    }

    #[test]
    fn numeric_dates_day_first_or_month_first() {
        assert_dates(&[
            ("le 05/03/2024 14:30", &["05/03/2024 14:30"]),
            ("on 12/25/2024.", &["12/25/2024"]),
            ("am 5.3.2024", &["5.3.2024"]),
            ("am 05.03.24, 14:30", &["05.03.24, 14:30"]),
            ("op 05-03-2024", &["05-03-2024"]),
            ("3/5/24, 2:30\u{202f}PM", &["3/5/24, 2:30\u{202f}PM"]),
            ("29/02/2024", &["29/02/2024"]),
        ]);
    }

    #[test]
    fn impossible_calendar_values_are_rejected() {
        assert_no_dates(&[
            "2023-02-29",
            "2024-13-45",
            "31/04/2024",
            "32.01.2024",
            "13/13/2024",
            "1799-01-01",
            "31 April 2024",
            "February 30, 2024",
            "29. Februar 2023",
        ]);
        // An impossible time after a valid date leaves the date.
        assert_dates(&[("05/03/2024 24:61", &["05/03/2024"])]);
        // A `T` glued to the date makes it one token: an impossible ISO
        // timestamp is not reported in part.
        assert_no_dates(&["2024-03-05T25:00:00Z"]);
        assert!(strict_dates("at 24:61").is_empty());
    }

    #[test]
    fn month_name_dates_in_six_languages() {
        assert_dates(&[
            ("on 3 March 2024", &["3 March 2024"]),
            (
                "on March 3rd, 2024 at 2:05 pm",
                &["March 3rd, 2024 at 2:05 pm"],
            ),
            ("Tuesday, March 5, 2024", &["Tuesday, March 5, 2024"]),
            ("the 3rd of March 2024", &["3rd of March 2024"]),
            ("Mar. 5, 2024", &["Mar. 5, 2024"]),
            ("le 1er mars 2024 à 14h30", &["1er mars 2024 à 14h30"]),
            (
                "mardi 5 mars 2024, 14:30:07 TU",
                &["mardi 5 mars 2024, 14:30:07 TU"],
            ),
            ("le 5 févr. 2024", &["5 févr. 2024"]),
            (
                "am 3. März 2024 um 14:00 Uhr",
                &["3. März 2024 um 14:00 Uhr"],
            ),
            ("Dienstag, 5. März 2024", &["Dienstag, 5. März 2024"]),
            ("el 3 de marzo de 2024", &["3 de marzo de 2024"]),
            (
                "martes, 5 de marzo de 2024, 14:30:07 (tiempo universal coordinado)",
                &["martes, 5 de marzo de 2024, 14:30:07 (tiempo universal coordinado)"],
            ),
            (
                "il 5 marzo 2024 14:30:07 UTC",
                &["5 marzo 2024 14:30:07 UTC"],
            ),
            ("martedì 5 marzo 2024", &["martedì 5 marzo 2024"]),
            ("op 3 maart 2024", &["3 maart 2024"]),
            ("op 5 mrt 2024, 14:30", &["5 mrt 2024, 14:30"]),
            (
                "dinsdag 5 maart 2024 om 14:30",
                &["dinsdag 5 maart 2024 om 14:30"],
            ),
        ]);
    }

    #[test]
    fn month_year_yearless_and_ranges() {
        assert_dates(&[
            ("since March 2024.", &["March 2024"]),
            ("en marzo de 2024", &["marzo de 2024"]),
            ("seit März 2024", &["März 2024"]),
            ("on March 5 we", &["March 5"]),
            ("le 3 mars", &["3 mars"]),
            ("3–5 March 2024", &["3–5 March 2024"]),
            ("March 3-5, 2024", &["March 3-5, 2024"]),
            ("am 3. Mai", &["3. Mai"]),
            ("on 5 Mar", &["5 Mar"]),
            ("due 21-May", &["21-May"]),
            ("due May-21", &["May-21"]),
            ("since Mar-2021", &["Mar-2021"]),
            ("exp 05/2027", &["05/2027"]),
            ("seit 03.2024", &["03.2024"]),
            ("am 21.5.21", &["21.5.21"]),
        ]);
        assert_no_dates(&[
            "ticket DEC-12",
            "see MAY-21",
            "pi 3.2024",
            "5/21 tests",
            "1.5.21",
        ]);
        // A lower-case, undotted abbreviation without a year is a word.
        assert_no_dates(&["a 5 set match", "lost 3 mar", "5 sets", "Marchand 2024"]);
    }

    #[test]
    fn a_sentence_full_stop_is_not_part_of_a_date() {
        assert_dates(&[
            ("We met on 12 March. Then", &["12 March"]),
            ("See you on March 12. Then", &["March 12"]),
            ("It was Jan. 5. Then", &["Jan. 5"]),
            ("am 5. Mai. Danach", &["5. Mai"]),
            ("le 3 mars. Ensuite", &["3 mars"]),
            ("el 3 de marzo. Luego", &["3 de marzo"]),
            ("op 3 maart. Daarna", &["3 maart"]),
            ("Call at 2 pm. Then", &["2 pm"]),
            ("um 14 Uhr. Danach", &["14 Uhr"]),
            ("due 2024.03.05. Then", &["2024.03.05"]),
        ]);
        // The dot of an abbreviation, or inside the value, stays.
        assert_dates(&[
            ("Her birthday is 12 Dec. She", &["12 Dec."]),
            ("born on 3 Sept. The", &["3 Sept."]),
            ("Call at 2 p.m. Then", &["2 p.m."]),
            ("am 31.12.2025 um", &["31.12.2025"]),
            ("am 3. März", &["3. März"]),
        ]);
    }

    #[test]
    fn times_alone_need_a_context_word() {
        assert_dates(&[
            ("meet at 14:05", &["14:05"]),
            ("at 2:05 pm EST", &["2:05 pm EST"]),
            ("from 14:00–15:30", &["14:00–15:30"]),
            ("um 14 Uhr", &["14 Uhr"]),
            ("à 14h30", &["14h30"]),
            ("a las 9:30", &["9:30"]),
            ("alle 14:30", &["14:30"]),
            ("om 14.30 uur", &["14.30 uur"]),
        ]);
        assert_no_dates(&[
            "elapsed 12:30",
            "score 14:05",
            "at 12:30 min",
            "ratio 16:9",
            "at 24:61",
        ]);
    }

    #[test]
    fn version_words_and_units_veto() {
        assert_no_dates(&[
            "version 1.2.2024",
            "v2024.03.05",
            "build 2024-03-05",
            "release 05.03.24",
            "at 12:30 ms",
            "1.2.24",
            "3.11.12",
            "build 2024.03.05.1",
            "06-12-34-56-78",
        ]);
    }

    #[test]
    fn strict_profile_adds_years_and_weekdays_with_context() {
        assert_eq!(strict_dates("born in 1984 in Paris"), vec!["1984"]);
        assert_eq!(strict_dates("next Monday we"), vec!["Monday"]);
        assert_eq!(strict_dates("am Montag"), vec!["Montag"]);
        assert!(strict_dates("1984 copies").is_empty());
        assert!(strict_dates("in 1984 km").is_empty());
        assert!(strict_dates("Monday is a word").is_empty());
        assert!(strict_dates("in 2150").is_empty());
        assert_eq!(strict_dates("a 2017 Polish film"), vec!["2017"]);
        assert_eq!(strict_dates("We'll meet Friday at noon"), vec!["Friday"]);
        assert_eq!(strict_dates("bought in May."), vec!["May"]);
        assert!(strict_dates("you may go").is_empty());
        // The default profile follows Safe Harbor: no year alone, no weekday.
        assert!(dates("born in 1984").is_empty());
        assert!(dates("next Monday").is_empty());
    }
}
