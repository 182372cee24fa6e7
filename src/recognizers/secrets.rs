//! Secrets: cloud and SaaS tokens with fixed prefixes, JWTs, PEM private key
//! blocks and `Authorization` header values. Each has a literal the regex
//! engine skips to, so they cost little on text without them.

use super::{Anchor, Boundary, Check, PatternRecognizer};
use crate::span::Entity;

/// A JWT's header and payload are base64url JSON objects: `eyJ` is `{"`.
/// Decoding the header and finding `"alg"` or `"typ"` confirms it.
fn jwt_check(value: &str) -> Check {
    let header = value.split('.').next().unwrap_or("");
    match base64url_decode(header) {
        Some(bytes)
            if bytes.starts_with(b"{")
                && (contains(&bytes, b"\"alg\"") || contains(&bytes, b"\"typ\"")) =>
        {
            Check::Valid
        }
        _ => Check::Plausible,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// A token value must not be a placeholder (`xxxx`, `<token>`, `...`): at
/// least 6 distinct characters.
fn token_check(value: &str) -> Check {
    let mut seen = [false; 128];
    let mut distinct = 0;
    for b in value.bytes() {
        if b < 128 && !seen[b as usize] {
            seen[b as usize] = true;
            distinct += 1;
        }
    }
    if distinct >= 6 {
        Check::Valid
    } else {
        Check::Reject
    }
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    // Each token starts with one of its literals (or holds it within the
    // first few bytes); its value is at most a few hundred bytes long.
    let token = |name: &'static str, pattern: &str, literals: &'static [&'static str]| {
        PatternRecognizer::builtin(
            name,
            Entity::SECRET,
            pattern,
            0.9,
            1.0,
            Some(token_check),
            &[],
            Boundary::Word,
            Anchor::Literals(literals, 16, 300),
        )
    };
    vec![
        token("aws_access_key_id", r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}",
            &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        ),
        token("github_token", r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})",
            &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        ),
        token("gitlab_token", r"gl(?:pat|dt|ptt|rt|cbt|oas|ft|imt|agent)-[A-Za-z0-9_\-]{20,64}",
            &["glpat-", "gldt-", "glptt-", "glrt-", "glcbt-", "gloas-", "glft-", "glimt-", "glagent-"],
        ),
        token("slack_token", r"xox[baprse]-[A-Za-z0-9-]{10,250}",
            &["xox"],
        ),
        PatternRecognizer::builtin(
            "slack_webhook",
            Entity::SECRET,
            r"https://hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}",
            0.9,
            1.0,
            Some(token_check),
            &[],
            Boundary::Word,
            Anchor::Literals(&["hooks.slack.com/"], 8, 2048),
        ),
        token("stripe_key", r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}",
            &["k_live_", "k_test_"],
        ),
        token("google_api_key", r"AIza[0-9A-Za-z_\-]{35}",
            &["AIza"],
        ),
        PatternRecognizer::builtin(
            "jwt",
            Entity::SECRET,
            r"eyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{10,}",
            0.85,
            1.0,
            Some(jwt_check),
            &[],
            Boundary::Word,
            Anchor::Literals(&["eyJ"], 0, 8192),
        ),
        // A PEM private key block, with optional RFC 1421 headers; when the
        // END line is missing (a truncated paste), the base64 body is still
        // covered up to where it stops.
        PatternRecognizer::builtin(
            "private_key",
            Entity::SECRET,
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:\r?\n[A-Za-z-]+: [^\r\n]*)*[A-Za-z0-9+/=\s]*(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?",
            1.0,
            1.0,
            None,
            &[],
            Boundary::None,
            Anchor::Literals(&["-----BEGIN"], 0, 16384),
        ),
        // The value of an Authorization header (or a bare "Bearer x"): the
        // credential is the secret, the scheme word stays readable.
        PatternRecognizer::builtin(
            "authorization",
            Entity::SECRET,
            r"(?i:authorization)[\x22']?\s*[:=]\s*[\x22']?(?i:bearer|basic|token|digest|apikey)\s+([A-Za-z0-9._~+/\-]{8,}=*)|(?i:bearer)\s+([A-Za-z0-9._~+/\-]{16,}=*)",
            0.9,
            1.0,
            Some(token_check),
            &[],
            Boundary::None,
            // Lower-case and capitalised words (an all-capitals header name
            // is not anchored: each case variant costs the literal search).
            Anchor::Literals(&["authorization", "Authorization", "bearer", "Bearer"], 0, 4096),
        )
        .group(1),
    ]
}

#[cfg(test)]
mod tests {
    use crate::recognizers::testutil::find;
    use crate::span::Entity;

    #[test]
    fn finds_cloud_tokens() {
        let aws = "AKIA".to_string() + "IOSFODNN7EXAMPLE";
        assert_eq!(
            find(&Entity::SECRET, &format!("key={aws} ok")),
            vec![aws.clone()]
        );
        let gh = "ghp_".to_string() + &"aB3dE5fG7h".repeat(4)[..36];
        assert_eq!(find(&Entity::SECRET, &format!("token {gh}")), vec![gh]);
        let stripe = "sk_live_".to_string() + "4eC39HqLyjWDarjtT1zdp7dc";
        assert_eq!(find(&Entity::SECRET, &stripe), vec![stripe.clone()]);
        let slack = "xoxb-".to_string() + "123456789012-abcdefghijkl";
        assert_eq!(find(&Entity::SECRET, &slack), vec![slack.clone()]);
    }

    #[test]
    fn finds_jwt_and_bearer_values() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_eq!(
            find(&Entity::SECRET, &format!("Authorization: Bearer {jwt}")),
            vec![jwt.to_string()]
        );
        assert_eq!(
            find(&Entity::SECRET, "authorization: Basic dXNlcjpwYXNzd29yZA=="),
            vec!["dXNlcjpwYXNzd29yZA=="]
        );
    }

    #[test]
    fn finds_pem_blocks_even_truncated() {
        let block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7b9\nabc+/=\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            find(&Entity::SECRET, &format!("key:\n{block}\nthanks")),
            vec![block.to_string()]
        );
        let cut = "-----BEGIN PRIVATE KEY-----\nMIIEowIBAAKCAQEA7b9";
        assert_eq!(find(&Entity::SECRET, cut), vec![cut.to_string()]);
    }

    #[test]
    fn placeholders_and_prose_are_not_secrets() {
        for text in [
            "Authorization: Bearer xxxxxxxxxxxxxxxx",
            "AKIA is a prefix",
            "the bearer of bad news",
            "sk_live_ is the prefix",
        ] {
            assert!(find(&Entity::SECRET, text).is_empty(), "{text}");
        }
    }
}
