//! URLs: with a scheme, starting with `www.`, or a bare domain with a common
//! top-level domain.

use super::{Anchor, Boundary, Check, PatternRecognizer};
use crate::span::Entity;

/// Top-level domains accepted for bare domains (`example.com/path`). File
/// extensions that are also TLDs (`.py`, `.rs`, `.md`, `.sh`) are left out so
/// that file names are not taken for web addresses.
const BARE_TLDS: &[&str] = &[
    "com", "org", "net", "edu", "gov", "io", "co", "info", "biz", "eu", "uk", "de", "fr", "es",
    "it", "nl", "be", "ch", "at", "se", "dk", "no", "fi", "pl", "pt", "ie", "us", "ca", "au", "nz",
    "jp", "cn", "br", "mx", "ru", "in", "ai", "app", "dev", "xyz", "online", "site", "shop",
    "tech",
];

fn bare_domain_check(value: &str) -> Check {
    let host = value.split(['/', '?', '#', ':']).next().unwrap_or(value);
    let tld = host.rsplit('.').next().unwrap_or("");
    if !BARE_TLDS.contains(&tld.to_ascii_lowercase().as_str()) {
        return Check::Reject;
    }
    // A lone "word.com" in prose is a site name; require a letter before the
    // TLD label and at least 2 chars in the name.
    let name = host.rsplit('.').nth(1).unwrap_or("");
    if name.len() < 2 || !name.bytes().any(|b| b.is_ascii_alphabetic()) {
        return Check::Reject;
    }
    Check::Plausible
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    // The path part excludes trailing punctuation by construction: the last
    // char must be one that can end a URL.
    const PATH: &str = r#"(?:[/?#][^\s<>"'`]*[^\s<>"'`.,;:!?)\]}*])?"#;
    vec![
        PatternRecognizer::builtin(
            "url",
            Entity::URL,
            &format!(
                r#"(?i:(?:https?|ftp|sftp|wss?)://)[^\s<>"'`/?#]*[^\s<>"'`/?#.,;:!?)}}*]{PATH}|(?i:www\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::[0-9]{{1,5}})?{PATH}"#
            ),
            0.6,
            0.6,
            None,
            &["url", "website", "site", "link", "web"],
            Boundary::None,
            Anchor::Full,
        ),
        PatternRecognizer::builtin(
            "domain",
            Entity::URL,
            &format!(
                r"[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?)*\.[A-Za-z]{{2,6}}{PATH}"
            ),
            0.5,
            0.5,
            Some(bare_domain_check),
            &["url", "website", "site", "link", "domain", "visit"],
            Boundary::Host,
            Anchor::Full,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use crate::recognizers::testutil::find;
    use crate::span::Entity;

    #[test]
    fn finds_urls_without_trailing_punctuation() {
        assert_eq!(
            find(&Entity::URL, "See https://example.com/a?b=1#c."),
            vec!["https://example.com/a?b=1#c"]
        );
        assert_eq!(
            find(&Entity::URL, "(see www.example.org/path)"),
            vec!["www.example.org/path"]
        );
        assert_eq!(
            find(&Entity::URL, "visit shop.example.de now"),
            vec!["shop.example.de"]
        );
        assert_eq!(
            find(&Entity::URL, "http://[2001:db8::1]:8080/x"),
            vec!["http://[2001:db8::1]:8080/x"]
        );
    }

    #[test]
    fn file_names_and_versions_are_not_urls() {
        for text in [
            "run main.py and lib.rs",
            "README.md",
            "version 1.2.3",
            "e.g. this",
            "config.yaml",
        ] {
            assert!(find(&Entity::URL, text).is_empty(), "{text}");
        }
    }
}
