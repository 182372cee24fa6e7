//! Checksums and structural rules for identifiers. Pure functions over the
//! matched text; each ignores the separators its format allows.

/// The ASCII digits of `s`, ignoring every other byte.
fn digits(s: &str) -> impl Iterator<Item = u32> + '_ {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| (b - b'0') as u32)
}

/// The ASCII digits of a candidate, on the stack: validators run on every
/// candidate of the pattern pass, so they do not allocate.
pub(crate) struct DigitBuf {
    buf: [u8; 40],
    len: usize,
}

impl DigitBuf {
    /// The digits of `s` (other bytes ignored), or `None` past 40 digits,
    /// more than any identifier we validate has.
    pub(crate) fn of(s: &str) -> Option<Self> {
        let mut d = DigitBuf {
            buf: [0; 40],
            len: 0,
        };
        for b in s.bytes().filter(u8::is_ascii_digit) {
            *d.buf.get_mut(d.len)? = b;
            d.len += 1;
        }
        Some(d)
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits are stored.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }
}

/// Luhn (mod 10) check used by payment cards. Non-digits are ignored.
///
/// ```
/// assert!(anonymist::validate::luhn_valid("4111 1111 1111 1111"));
/// assert!(!anonymist::validate::luhn_valid("4111 1111 1111 1112"));
/// ```
pub fn luhn_valid(s: &str) -> bool {
    if digits(s).nth(1).is_none() {
        return false;
    }
    let sum: u32 = s
        .bytes()
        .rev()
        .filter(u8::is_ascii_digit)
        .map(|b| u32::from(b - b'0'))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Whether a card number of these digits has a known issuer prefix and a
/// length that issuer uses (Visa, Mastercard, Amex, Discover, Diners, JCB,
/// UnionPay, Maestro).
pub fn card_issuer_plausible(digits: &str) -> bool {
    let n = digits.len();
    let p = |k: usize| {
        digits
            .get(..k)
            .and_then(|s| s.parse::<u32>().ok())
            .unwrap_or(0)
    };
    match digits.as_bytes().first() {
        Some(b'4') => matches!(n, 13 | 16 | 19), // Visa
        Some(b'5') => {
            (51..=55).contains(&p(2)) && n == 16
                || (p(2) == 50 || (56..=59).contains(&p(2))) && (12..=19).contains(&n)
        } // MC, Maestro
        Some(b'2') => (2221..=2720).contains(&p(4)) && n == 16, // MC 2-series
        Some(b'3') => {
            matches!(p(2), 34 | 37) && n == 15                                     // Amex
                || (3528..=3589).contains(&p(4)) && (16..=19).contains(&n)        // JCB
                || (matches!(p(2), 36 | 38 | 39) || (300..=305).contains(&p(3))) && (14..=19).contains(&n) // Diners
        }
        Some(b'6') => {
            (p(4) == 6011 || p(2) == 65 || (644..=649).contains(&p(3))) && (16..=19).contains(&n) // Discover
                || p(2) == 62 && (16..=19).contains(&n)                              // UnionPay
                || matches!(p(2), 63 | 67) && (12..=19).contains(&n) // Maestro
        }
        Some(b'1') => n == 15 && digits.starts_with('1'), // UATP
        _ => false,
    }
}

/// IBAN length per country (ISO 13616 registry, release 2024).
fn iban_length(country: &str) -> Option<usize> {
    Some(match country {
        "AD" => 24,
        "AE" => 23,
        "AL" => 28,
        "AT" => 20,
        "AZ" => 28,
        "BA" => 20,
        "BE" => 16,
        "BG" => 22,
        "BH" => 22,
        "BI" => 27,
        "BR" => 29,
        "BY" => 28,
        "CH" => 21,
        "CR" => 22,
        "CY" => 28,
        "CZ" => 24,
        "DE" => 22,
        "DJ" => 27,
        "DK" => 18,
        "DO" => 28,
        "EE" => 20,
        "EG" => 29,
        "ES" => 24,
        "FI" => 18,
        "FK" => 18,
        "FO" => 18,
        "FR" => 27,
        "GB" => 22,
        "GE" => 22,
        "GI" => 23,
        "GL" => 18,
        "GR" => 27,
        "GT" => 28,
        "HN" => 28,
        "HR" => 21,
        "HU" => 28,
        "IE" => 22,
        "IL" => 23,
        "IQ" => 23,
        // Iran uses IBANs nationally; it is not in the SWIFT registry.
        "IR" => 26,
        "IS" => 26,
        "IT" => 27,
        "JO" => 30,
        "KW" => 30,
        "KZ" => 20,
        "LB" => 28,
        "LC" => 32,
        "LI" => 21,
        "LT" => 20,
        "LU" => 20,
        "LV" => 21,
        "LY" => 25,
        "MC" => 27,
        "MD" => 24,
        "ME" => 22,
        "MK" => 19,
        "MN" => 20,
        "MR" => 27,
        "MT" => 31,
        "MU" => 30,
        "NI" => 28,
        "NL" => 18,
        "NO" => 15,
        "OM" => 23,
        "PK" => 24,
        "PL" => 28,
        "PS" => 29,
        "PT" => 25,
        "QA" => 29,
        "RO" => 24,
        "RS" => 22,
        "RU" => 33,
        "SA" => 24,
        "SC" => 31,
        "SD" => 18,
        "SE" => 24,
        "SI" => 19,
        "SK" => 24,
        "SM" => 27,
        "SO" => 23,
        "ST" => 25,
        "SV" => 28,
        "TL" => 23,
        "TN" => 24,
        "TR" => 26,
        "UA" => 29,
        "VA" => 22,
        "VG" => 24,
        "XK" => 20,
        "YE" => 30,
        _ => return None,
    })
}

/// IBAN check: a known country, that country's length, and mod-97 == 1.
/// Spaces (and dashes) are ignored; letters may be lower case.
///
/// ```
/// assert!(anonymist::validate::iban_valid("GB82 WEST 1234 5698 7654 32"));
/// assert!(!anonymist::validate::iban_valid("GB83 WEST 1234 5698 7654 32"));
/// ```
pub fn iban_valid(s: &str) -> bool {
    // IBANs have at most 34 characters.
    let mut buf = [0u8; 34];
    let mut n = 0;
    for b in s.bytes().filter(|b| !matches!(b, b' ' | b'-')) {
        let Some(slot) = buf.get_mut(n) else {
            return false;
        };
        *slot = b.to_ascii_uppercase();
        n += 1;
    }
    let compact = &buf[..n];
    if compact.len() < 15 || !compact.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let Ok(country) = std::str::from_utf8(&compact[..2]) else {
        return false;
    };
    if iban_length(country) != Some(compact.len())
        || !compact[2].is_ascii_digit()
        || !compact[3].is_ascii_digit()
    {
        return false;
    }
    let mut rem: u32 = 0;
    for &b in compact[4..].iter().chain(&compact[..4]) {
        let v = if b.is_ascii_digit() {
            (b - b'0') as u32
        } else {
            (b - b'A') as u32 + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// US Social Security Number structural rules (SSA): area not 000, 666 or
/// 900-999; group not 00; serial not 0000; not one of the publicly advertised
/// numbers; not all one repeated digit.
pub fn ssn_valid(s: &str) -> bool {
    let Some(compact) = DigitBuf::of(s).filter(|d| d.len() == 9) else {
        return false;
    };
    let ds: [u32; 9] = std::array::from_fn(|i| u32::from(compact.buf[i] - b'0'));
    let area = ds[0] * 100 + ds[1] * 10 + ds[2];
    let group = ds[3] * 10 + ds[4];
    let serial = ds[5] * 1000 + ds[6] * 100 + ds[7] * 10 + ds[8];
    area != 0
        && area != 666
        && area < 900
        && group != 0
        && serial != 0
        && !ds.iter().all(|&d| d == ds[0])
        && !matches!(
            compact.as_str(),
            "078051120" | "219099999" | "123456789" | "457555462"
        )
}

/// UK National Insurance number: two prefix letters (not D, F, I, Q, U, V; the
/// second not O; not the prefixes BG, GB, KN, NK, NT, TN, ZZ), six digits, and
/// a suffix A-D.
pub fn nino_valid(s: &str) -> bool {
    let c: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'-')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if c.len() != 9 {
        return false;
    }
    let (a, b) = (c[0], c[1]);
    let bad1 = b"DFIQUV";
    let bad2 = b"DFIQUVO";
    a.is_ascii_uppercase()
        && b.is_ascii_uppercase()
        && !bad1.contains(&a)
        && !bad2.contains(&b)
        && !matches!(
            &c[..2],
            b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ"
        )
        && c[2..8].iter().all(u8::is_ascii_digit)
        && matches!(c[8], b'A'..=b'D')
}

/// French NIR (numéro de sécurité sociale): sex 1/2 (3, 4, 7, 8 for temporary
/// numbers), year, month 01-12 or 20-42/50-99 (unknown), department (digits,
/// or 2A/2B for Corsica), commune, order, and a key = 97 - (number mod 97).
pub fn fr_nir_valid(s: &str) -> bool {
    let c: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'.' && *b != b'-')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if c.len() != 15 {
        return false;
    }
    if !matches!(c[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
        return false;
    }
    let month = ((c[3] as char).to_digit(10), (c[4] as char).to_digit(10));
    let (Some(m1), Some(m2)) = month else {
        return false;
    };
    let month = m1 * 10 + m2;
    if !((1..=12).contains(&month) || (20..=42).contains(&month) || (50..=99).contains(&month)) {
        return false;
    }
    // Corsica: 2A -> 19, 2B -> 18 are subtracted from the number for the key.
    let mut body = String::with_capacity(13);
    let mut corsica: u64 = 0;
    for (i, &b) in c[..13].iter().enumerate() {
        if b.is_ascii_digit() {
            body.push(b as char);
        } else if i == 6 && c[5] == b'2' && (b == b'A' || b == b'B') {
            body.push('0');
            corsica = if b == b'A' { 1_000_000 } else { 2_000_000 };
        } else {
            return false;
        }
    }
    if !c[13..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let Ok(mut n) = body.parse::<u64>() else {
        return false;
    };
    if corsica > 0 {
        // 2A0 -> 19..., 2B0 -> 18... : replace the department "20" by 19/18.
        n -= corsica;
    }
    let key: u64 = (c[13] - b'0') as u64 * 10 + (c[14] - b'0') as u64;
    97 - n % 97 == key
}

/// German tax identification number (Steuer-ID): 11 digits, first not 0; in
/// the first ten digits exactly one digit repeats (twice, or three times not
/// all adjacent); check digit by ISO 7064 MOD 11,10.
pub fn de_tax_id_valid(s: &str) -> bool {
    let ds: Vec<u32> = digits(s).collect();
    if ds.len() != 11 || ds[0] == 0 {
        return false;
    }
    let mut counts = [0u8; 10];
    for &d in &ds[..10] {
        counts[d as usize] += 1;
    }
    let repeated: Vec<usize> = (0..10).filter(|&d| counts[d] > 1).collect();
    if repeated.len() != 1 || counts[repeated[0]] > 3 {
        return false;
    }
    if counts[repeated[0]] == 3 {
        // The three may not all stand next to each other.
        let r = repeated[0] as u32;
        if ds[..10].windows(3).any(|w| w.iter().all(|&d| d == r)) {
            return false;
        }
    }
    let mut product = 10;
    for &d in &ds[..10] {
        let mut sum = (d + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    check == ds[10]
}

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spanish DNI (8 digits + letter; 7 digits when the leading zero is left
/// out) and NIE (X/Y/Z + 7 digits + letter): the letter is
/// `TRWAGMYFPDXBNJZSQVHLCKE[n mod 23]`.
pub fn es_dni_nie_valid(s: &str) -> bool {
    let mut c: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'-' | b'.'))
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if c.len() == 8 && c[0].is_ascii_digit() {
        c.insert(0, b'0');
    }
    if c.len() != 9 {
        return false;
    }
    let mut n: u32 = 0;
    for (i, &b) in c[..8].iter().enumerate() {
        let d = match b {
            b'0'..=b'9' => (b - b'0') as u32,
            b'X' if i == 0 => 0,
            b'Y' if i == 0 => 1,
            b'Z' if i == 0 => 2,
            _ => return false,
        };
        n = n * 10 + d;
    }
    DNI_LETTERS[(n % 23) as usize] == c[8]
}

/// Italian codice fiscale: 16 characters (6 letters, 2 digits, month letter,
/// 2 digits, letter, 3 digits, check letter; digits may be replaced by letters
/// in the omocodia scheme) with the odd/even-position check letter.
pub fn it_fiscal_code_valid(s: &str) -> bool {
    let c: Vec<u8> = s.bytes().map(|b| b.to_ascii_uppercase()).collect();
    if c.len() != 16 || !c.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    const OMOCODIA: &[u8] = b"LMNPQRSTUV";
    let digit_like = |b: u8| b.is_ascii_digit() || OMOCODIA.contains(&b);
    let shape = c[..6].iter().all(u8::is_ascii_uppercase)
        && digit_like(c[6])
        && digit_like(c[7])
        && b"ABCDEHLMPRST".contains(&c[8])
        && digit_like(c[9])
        && digit_like(c[10])
        && c[11].is_ascii_uppercase()
        && c[12..15].iter().all(|&b| digit_like(b))
        && c[15].is_ascii_uppercase();
    if !shape {
        return false;
    }
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let mut sum = 0;
    for (i, &b) in c[..15].iter().enumerate() {
        let idx = if b.is_ascii_digit() {
            (b - b'0') as usize
        } else {
            (b - b'A') as usize
        };
        // Positions are 1-based in the specification: 1st, 3rd, ... are odd.
        sum += if i % 2 == 0 { ODD[idx] } else { idx as u32 };
    }
    (b'A' + (sum % 26) as u8) == c[15]
}

/// Dutch BSN: 9 digits (8 with a leading zero dropped) passing the "elfproef":
/// 9·d1 + 8·d2 + ... + 2·d8 − 1·d9 ≡ 0 (mod 11), and not all zeros.
pub fn nl_bsn_valid(s: &str) -> bool {
    let mut ds: Vec<u32> = digits(s).collect();
    if ds.len() == 8 {
        ds.insert(0, 0);
    }
    if ds.len() != 9 || ds.iter().all(|&d| d == 0) {
        return false;
    }
    let mut sum: i64 = 0;
    for (i, &d) in ds[..8].iter().enumerate() {
        sum += (9 - i as i64) * d as i64;
    }
    sum -= ds[8] as i64;
    sum % 11 == 0
}

/// UK NHS number (England, Wales, Isle of Man): 10 digits whose last is a
/// mod-11 check digit: 11 − (10·d1 + 9·d2 + … + 2·d9) mod 11, where 11 means
/// 0 and 10 means the number is never issued. One digit repeated ten times
/// (`000 000 0000`, `999 999 9999`) passes the check but is a placeholder,
/// not a number: rejected. Spaces and dashes are ignored.
///
/// ```
/// assert!(anonymist::validate::uk_nhs_valid("943 476 5919"));
/// assert!(!anonymist::validate::uk_nhs_valid("943 476 5918"));
/// ```
pub fn uk_nhs_valid(s: &str) -> bool {
    if s.bytes()
        .any(|b| !b.is_ascii_digit() && b != b' ' && b != b'-')
    {
        return false;
    }
    let Some(d) = DigitBuf::of(s).filter(|d| d.len() == 10) else {
        return false;
    };
    let ds: [u32; 10] = std::array::from_fn(|i| u32::from(d.buf[i] - b'0'));
    if ds.iter().all(|&x| x == ds[0]) {
        return false;
    }
    let sum: u32 = ds[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(&x, w)| x * w)
        .sum();
    match 11 - sum % 11 {
        10 => false,
        11 => ds[9] == 0,
        check => ds[9] == check,
    }
}

/// A MAC address: six groups of two hex digits with one consistent separator
/// (`:` or `-`), or three dot-separated groups of four (Cisco). Rejects
/// all-zero and broadcast-only patterns? No: those are still MAC addresses,
/// but not personal; they are rejected so logs keep them readable.
pub fn mac_valid(s: &str) -> bool {
    let b = s.as_bytes();
    let hex = |x: &[u8]| x.iter().all(u8::is_ascii_hexdigit);
    let ok = if b.len() == 17 {
        let sep = b[2];
        (sep == b':' || sep == b'-')
            && (0..6).all(|i| hex(&b[i * 3..i * 3 + 2]) && (i == 5 || b[i * 3 + 2] == sep))
    } else if b.len() == 14 {
        (0..3).all(|i| hex(&b[i * 5..i * 5 + 4]) && (i == 2 || b[i * 5 + 4] == b'.'))
    } else {
        false
    };
    if !ok {
        return false;
    }
    let h: Vec<u8> = b
        .iter()
        .copied()
        .filter(u8::is_ascii_hexdigit)
        .map(|x| x.to_ascii_lowercase())
        .collect();
    !(h.iter().all(|&x| x == b'0') || h.iter().all(|&x| x == b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_rejects_mutations() {
        for ok in [
            "4111111111111111",
            "5500 0000 0000 0004",
            "3782-822463-10005",
            "6011000990139424",
        ] {
            assert!(luhn_valid(ok), "{ok}");
        }
        for bad in ["4111111111111112", "5500000000000040", "1234567812345678"] {
            assert!(!luhn_valid(bad), "{bad}");
        }
    }

    #[test]
    fn card_prefixes_match_issuers() {
        assert!(card_issuer_plausible("4111111111111111"));
        assert!(card_issuer_plausible("378282246310005"));
        assert!(card_issuer_plausible("2223003122003222"));
        assert!(!card_issuer_plausible("9111111111111111"));
        assert!(!card_issuer_plausible("37828224631000")); // Amex is 15 long
    }

    #[test]
    fn iban_checks_country_length_and_mod97() {
        assert!(iban_valid("GB82WEST12345698765432"));
        assert!(iban_valid("de89 3704 0044 0532 0130 00"));
        assert!(iban_valid("FR1420041010050500013M02606"));
        assert!(!iban_valid("GB82WEST1234569876543")); // short
        assert!(!iban_valid("XX82WEST12345698765432")); // no such country
        assert!(!iban_valid("DE89370400440532013001")); // one digit off
    }

    #[test]
    fn ssn_rejects_impossible_areas_groups_and_serials() {
        assert!(ssn_valid("536-90-4399"));
        for bad in [
            "000-12-3456",
            "666-12-3456",
            "912-12-3456",
            "123-00-4567",
            "123-45-0000",
            "078-05-1120",
            "111-11-1111",
        ] {
            assert!(!ssn_valid(bad), "{bad}");
        }
    }

    #[test]
    fn nino_rules() {
        assert!(nino_valid("AB 12 34 56 C"));
        assert!(nino_valid("ab123456c"));
        assert!(!nino_valid("QQ123456C"));
        assert!(!nino_valid("GB123456A"));
        assert!(!nino_valid("AB123456E"));
    }

    #[test]
    fn french_nir_key() {
        assert!(fr_nir_valid("2 55 08 14 168 025 38"));
        assert!(fr_nir_valid("1 84 12 76 451 089 46"));
        assert!(!fr_nir_valid("2 55 08 14 168 025 39"));
        assert!(!fr_nir_valid("5 55 08 14 168 025 38"));
    }

    #[test]
    fn corsican_nir_key() {
        // 2A: the department counts as 19 for the key.
        let base: u64 = 1_850_519_004_012; // 1 85 05 2A 004 012 with 2A counted as 19
        let key = 97 - base % 97;
        let nir = format!("185052A004012{key:02}");
        assert!(fr_nir_valid(&nir), "{nir}");
    }

    #[test]
    fn german_tax_id_check_digit_and_repetition() {
        assert!(de_tax_id_valid("86095742719"));
        assert!(de_tax_id_valid("47036892816"));
        assert!(!de_tax_id_valid("86095742718"));
        assert!(!de_tax_id_valid("12345678901")); // no repeated digit
        assert!(!de_tax_id_valid("06095742719"));
    }

    #[test]
    fn spanish_dni_nie_letters() {
        assert!(es_dni_nie_valid("12345678Z"));
        assert!(es_dni_nie_valid("X1234567L"));
        assert!(es_dni_nie_valid("Y-1234567-X"));
        assert!(!es_dni_nie_valid("12345678A"));
        assert!(es_dni_nie_valid("1111111-G"));
        assert!(!es_dni_nie_valid("1111111-H"));
    }

    #[test]
    fn italian_fiscal_code_check_letter() {
        assert!(it_fiscal_code_valid("RSSMRA85T10A562S"));
        assert!(it_fiscal_code_valid("MRTMTT91D08F205J"));
        assert!(!it_fiscal_code_valid("RSSMRA85T10A562T"));
        assert!(!it_fiscal_code_valid("RSSMRA85Z10A562S"));
    }

    #[test]
    fn dutch_bsn_elfproef() {
        assert!(nl_bsn_valid("111222333"));
        assert!(nl_bsn_valid("123456782"));
        assert!(!nl_bsn_valid("123456789"));
        assert!(!nl_bsn_valid("000000000"));
    }

    #[test]
    fn uk_nhs_check_digit() {
        // The NHS's own example, and numbers whose check digit was computed
        // by hand (10·d1 + … + 2·d9, 11 − sum mod 11).
        for ok in [
            "943 476 5919",
            "9434765919",
            "943-476-5919",
            "401 023 2137",
            "450 557 7104",
            "640 157 3821",
        ] {
            assert!(uk_nhs_valid(ok), "{ok}");
        }
        for bad in [
            "943 476 5918",  // wrong check digit
            "1234567890",    // check value 10: never issued
            "1234567891",    // check value 10, whatever the last digit
            "000 000 0000",  // passes mod 11, a placeholder
            "999 999 9999",  // passes mod 11, a placeholder
            "943 476 591",   // nine digits
            "943 476 59190", // eleven
            "943.476.5919",  // not a separator of NHS numbers
        ] {
            assert!(!uk_nhs_valid(bad), "{bad}");
        }
    }

    #[test]
    fn mac_addresses() {
        assert!(mac_valid("00:1A:2b:3C:4d:5E"));
        assert!(mac_valid("00-1A-2B-3C-4D-5E"));
        assert!(mac_valid("001a.2b3c.4d5e"));
        assert!(!mac_valid("00:1A-2B:3C:4D:5E"));
        assert!(!mac_valid("00:00:00:00:00:00"));
    }
}
