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

/// Second-level labels under which country-code domains are registered
/// (`google.co.il`, `bbc.co.uk`, `unimelb.edu.au`).
const SECOND_LEVEL: &[&str] = &["co", "com", "org", "net", "ac", "gov", "edu", "or", "ne"];

fn bare_domain_check(value: &str) -> Check {
    let host = value.split(['/', '?', '#', ':']).next().unwrap_or(value);
    let tld = host.rsplit('.').next().unwrap_or("");
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|l| l.len() > 63) {
        return Check::Reject;
    }
    // Any two-letter country code is accepted under a known second level.
    let cc_second_level = labels.len() >= 3
        && tld.len() == 2
        && SECOND_LEVEL.contains(&labels[labels.len() - 2].to_ascii_lowercase().as_str());
    if !cc_second_level && !BARE_TLDS.contains(&tld.to_ascii_lowercase().as_str()) {
        return Check::Reject;
    }
    // A lone "word.com" in prose is a site name; require a letter in the
    // registered name (the label before the public suffix) and at least 2
    // chars in it.
    let name = host
        .rsplit('.')
        .nth(if cc_second_level { 2 } else { 1 })
        .unwrap_or("");
    // "co.uk" alone is a public suffix, not a site.
    let bare_suffix = !cc_second_level
        && tld.len() == 2
        && SECOND_LEVEL.contains(&name.to_ascii_lowercase().as_str());
    if bare_suffix || name.len() < 2 || !name.bytes().any(|b| b.is_ascii_alphabetic()) {
        return Check::Reject;
    }
    Check::Plausible
}

/// A URL with a scheme needs a host with a dot (a domain or an IPv4
/// address) or an IPv6 literal: "http://microsoft" is a fragment.
fn scheme_url_check(value: &str) -> Check {
    let Some((_, rest)) = value.split_once("://") else {
        return Check::Plausible;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.starts_with('[') || host.contains('.') {
        Check::Plausible
    } else {
        Check::Reject
    }
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    // The path part excludes trailing punctuation by construction: the last
    // char must be one that can end a URL.
    // A lone trailing "/" belongs to the URL ("https://example.com/").
    const PATH: &str = r#"(?:[/?#](?:[^\s<>"'`]*[^\s<>"'`.,;:!?)\]}*])?)?"#;
    vec![
        PatternRecognizer::builtin(
            "url",
            Entity::URL,
            &format!(
                r#"(?i:(?:https?|ftp|sftp|wss?)://)[^\s<>"'`/?#]*[^\s<>"'`/?#.,;:!?)}}*]{PATH}|(?i:www\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::[0-9]{{1,5}})?{PATH}"#
            ),
            0.6,
            0.6,
            Some(scheme_url_check),
            &["url", "website", "site", "link", "web"],
            Boundary::None,
            Anchor::Literals(&["://", "www."], 8, 4096),
        ),
        PatternRecognizer::builtin(
            "domain",
            Entity::URL,
            &format!(
                r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{{2,6}}{PATH}"
            ),
            0.5,
            0.5,
            Some(bare_domain_check),
            &["url", "website", "site", "link", "domain", "visit"],
            Boundary::Host,
            // Every bare domain has a `.` followed by its TLD.
            Anchor::Byte(b'.', 512),
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
    fn keeps_a_trailing_slash_and_drops_closing_quotes() {
        assert_eq!(
            find(&Entity::URL, "go to https://www.example.com/."),
            vec!["https://www.example.com/"]
        );
        assert_eq!(
            find(&Entity::URL, "\"https://example.org/\""),
            vec!["https://example.org/"]
        );
    }

    #[test]
    fn finds_country_code_domains_under_a_second_level() {
        assert_eq!(
            find(&Entity::URL, "my domains: example.com example.co.il"),
            vec!["example.com", "example.co.il"]
        );
        assert_eq!(find(&Entity::URL, "bbc.co.uk"), vec!["bbc.co.uk"]);
    }

    #[test]
    fn scheme_without_a_dotted_host_is_not_a_url() {
        assert!(find(&Entity::URL, "http://microsoft").is_empty());
        assert_eq!(
            find(&Entity::URL, "http://10.0.0.1/admin"),
            vec!["http://10.0.0.1/admin"]
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
            "release 10.2.co.uk",
            "x.co.uk",
        ] {
            assert!(find(&Entity::URL, text).is_empty(), "{text}");
        }
    }
}
