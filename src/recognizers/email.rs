//! E-mail addresses.

use super::{Anchor, Boundary, Check, PatternRecognizer};
use crate::span::Entity;

/// Structure check beyond the regex: no leading, trailing or doubled dots in
/// the local part or the domain, labels not starting or ending with `-`, and
/// an alphabetic top-level domain.
fn email_check(value: &str) -> Check {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Check::Reject;
    };
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || assigned(local)
    {
        return Check::Reject;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
    {
        return Check::Reject;
    }
    // Bounded repetitions are checked here, not in the regex: `{0,61}`
    // multiplies the states of the regex's DFA until it gives up and falls
    // back to a far slower engine.
    if labels.iter().any(|l| l.len() > 63) || domain.len() > 255 {
        return Check::Reject;
    }
    let tld = labels[labels.len() - 1];
    // An internationalized TLD is written in punycode: "xn--p1ai".
    let punycode = tld.len() > 4
        && tld.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
        && tld.bytes().skip(4).all(|b| b.is_ascii_alphanumeric());
    if !punycode && (tld.chars().count() < 2 || !tld.chars().all(char::is_alphabetic)) {
        return Check::Reject;
    }
    Check::Valid
}

/// Whether a local part holds a `key=` assignment before the address
/// (`user=jdoe`, `email=a.b`, `=jdoe`, `/reset?user=jdoe`): `=` is a legal
/// local-part character (RFC 5322 atext), and so are `/`, `?` and `&`, but
/// in logs, query strings and config lines `key=value` assigns the address
/// to a key, and the address is the value. The key is an identifier
/// (letters, digits, `_`, `-`, `.`, possibly empty) that opens the
/// candidate or follows a query or path delimiter (`?`, `&`, `;`, `/`). The
/// scan, after rejecting `user=jdoe@x.org`, tries `ser=jdoe@...`, ...,
/// `=jdoe@...` and then finds `jdoe@x.org`. A `=` after other characters
/// stays inside the address (VERP `list-bounces+jdoe=example.com@lists.example.org`).
/// The model's e-mail spans get the same rule in `src/ner/filter.rs`.
fn assigned(local: &str) -> bool {
    local.match_indices('=').any(|(eq, _)| {
        let key_start = local[..eq]
            .rfind(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map_or(0, |i| {
                i + local[i..].chars().next().map_or(1, char::len_utf8)
            });
        key_start == 0 || matches!(local.as_bytes()[key_start - 1], b'?' | b'&' | b';' | b'/')
    })
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    vec![PatternRecognizer::builtin(
        "email",
        Entity::EMAIL,
        r"[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+(?:[Xx][Nn]--[A-Za-z0-9]+|\p{L}{2,})",
        0.5,
        1.0,
        Some(email_check),
        &["email", "e-mail", "mail", "courriel", "correo"],
        Boundary::None,
        // The local part is at most 64 chars (256 bytes of UTF-8), the domain 255.
        Anchor::Byte(b'@', 320),
    )]
}

#[cfg(test)]
mod tests {
    use crate::recognizers::testutil::find;
    use crate::span::Entity;

    #[test]
    fn finds_internationalized_addresses() {
        assert_eq!(
            find(&Entity::EMAIL, "écrivez à josé@exemple.fr"),
            vec!["josé@exemple.fr"]
        );
        assert_eq!(
            find(&Entity::EMAIL, "mail 用户@例子.广告 ok"),
            vec!["用户@例子.广告"]
        );
    }

    #[test]
    fn finds_plain_and_tagged_addresses() {
        assert_eq!(
            find(
                &Entity::EMAIL,
                "Write to john.smith+news@mail.example.co.uk today."
            ),
            vec!["john.smith+news@mail.example.co.uk"]
        );
        assert_eq!(
            find(&Entity::EMAIL, "<a.b@c.io>, x_y@z.org"),
            vec!["a.b@c.io", "x_y@z.org"]
        );
    }

    #[test]
    fn finds_addresses_with_punycode_domains_and_tlds() {
        assert_eq!(
            find(&Entity::EMAIL, "to a@xn--d1acufc.xn--p1ai now"),
            vec!["a@xn--d1acufc.xn--p1ai"]
        );
        assert_eq!(
            find(&Entity::EMAIL, "user@xn--80ak6aa92e.com"),
            vec!["user@xn--80ak6aa92e.com"]
        );
    }

    #[test]
    fn a_key_before_the_address_is_not_part_of_it() {
        for (text, want) in [
            (
                "INFO auth.service: user=jdoe@example.com logged in",
                "jdoe@example.com",
            ),
            (
                "GET /reset?email=ann.lee@mail.example.org",
                "ann.lee@mail.example.org",
            ),
            (
                "login_id=k-9.smith@corp.example.de ok",
                "k-9.smith@corp.example.de",
            ),
            ("owner = =x@example.com", "x@example.com"),
            (
                "GET /api/v1/reset?lang=en&user=z.nic@example.org 200",
                "z.nic@example.org",
            ),
            (
                "from list-bounces+jdoe=example.com@lists.example.org",
                "list-bounces+jdoe=example.com@lists.example.org",
            ),
        ] {
            assert_eq!(find(&Entity::EMAIL, text), vec![want], "{text}");
        }
    }

    #[test]
    fn rejects_near_misses() {
        for text in [
            "user@localhost",
            "git@github",
            "@handle",
            "name@@example.com",
            "a@b.c",
            "version 1.2@3.4",
            "see @user.name on chat",
            "pkg@1.2.3",
            "a@xn--.com",
        ] {
            assert!(find(&Entity::EMAIL, text).is_empty(), "{text}");
        }
    }
}
