//! The policy file (TOML): which entities to report, thresholds, the
//! operator per entity, custom recognizers, deny lists and allow lists.
//!
//! ```toml
//! threshold = 0.5                      # default for every entity
//! phone_regions = ["US", "GB", "FR"]   # national phone formats to accept
//! date_profile = "default"             # or "strict": bare years and weekdays too
//! # entities = ["EMAIL", "PHONE"]      # report only these (default: all)
//!
//! [default_operator]
//! type = "replace"                     # <EMAIL>, <PHONE>, ...
//!
//! [entity.URL]
//! enabled = false
//!
//! [entity.EMAIL]
//! threshold = 0.6
//! operator = { type = "mask", masking_char = "*", chars_to_mask = 5 }
//!
//! [entity.PERSON]
//! operator = { type = "pseudonym" }    # <PERSON_1>, <PERSON_2>, ...
//!
//! [hash]
//! key_env = "ANONYMIST_HASH_KEY"       # or key_file = "/etc/anonymist/key"
//!
//! [[recognizers]]
//! name = "employee_id"
//! entity = "EMPLOYEE_ID"
//! pattern = "EMP-[0-9]{6}"
//! score = 0.8
//! context = ["employee"]
//!
//! [[deny_lists]]
//! entity = "PROJECT"
//! terms = ["Blue Harbor", "Falcon"]
//!
//! [allow_list]
//! values = ["support@example.com"]
//! patterns = ["@example\\.org$"]
//! ```
//!
//! Unknown keys are errors, and every error names the line it is on.

use crate::anonymize::Operator;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The default score threshold: spans scoring below it are not reported.
pub const DEFAULT_THRESHOLD: f32 = 0.5;

/// A parsed policy. `Policy::default()` reports every entity at the default
/// threshold and replaces each with `<ENTITY>`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Score threshold for every entity without its own.
    pub threshold: Option<f32>,
    /// When set, only these entities are reported.
    pub entities: Option<Vec<String>>,
    /// Regions (ISO 3166 alpha-2) whose national phone formats are accepted.
    pub phone_regions: Option<Vec<String>>,
    /// Which date forms are reported: `"default"` follows HIPAA Safe Harbor
    /// (every element of a date except the year alone: `5 March`, `March
    /// 2024`, timestamps); `"strict"` also reports a bare year or a weekday
    /// right after a context word (`born in 1962`, `on Monday`).
    pub date_profile: Option<crate::recognizers::DateProfile>,
    /// Operator for entities without their own.
    pub default_operator: Option<Operator>,
    /// Per-entity settings (`[entity.EMAIL]`), keyed by entity name.
    #[serde(default)]
    pub entity: BTreeMap<String, EntitySettings>,
    #[serde(default)]
    pub hash: HashSettings,
    #[serde(default)]
    pub recognizers: Vec<CustomRecognizer>,
    #[serde(default)]
    pub deny_lists: Vec<DenyList>,
    #[serde(default)]
    pub allow_list: AllowList,
    /// Where the policy came from and its text, for errors found after
    /// parsing (an entity name no detector reports).
    #[serde(skip)]
    source: Option<(String, String)>,
}

/// Settings for one entity type.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitySettings {
    /// `false` turns the entity off.
    pub enabled: Option<bool>,
    pub threshold: Option<f32>,
    pub operator: Option<Operator>,
}

/// Where the key of the `hash` operator comes from.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashSettings {
    /// Environment variable holding the key (default `ANONYMIST_HASH_KEY`).
    pub key_env: Option<String>,
    /// File holding the key (its bytes, trailing newline removed).
    pub key_file: Option<String>,
    /// Allows plain, unkeyed SHA-256 when no key is set. Reversible by
    /// dictionary for guessable values (e-mails, phones): avoid.
    #[serde(default)]
    pub allow_insecure_unkeyed: bool,
}

/// A user-defined regex recognizer.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRecognizer {
    pub name: String,
    pub entity: String,
    /// A pattern in the syntax of the `regex` crate.
    pub pattern: Spanned<String>,
    #[serde(default = "default_custom_score")]
    pub score: f32,
    /// Words that raise the score by 0.35 when found near a match.
    #[serde(default)]
    pub context: Vec<String>,
}

fn default_custom_score() -> f32 {
    0.8
}

/// Terms always reported as `entity`: matched case-insensitively, on word
/// boundaries.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenyList {
    pub entity: String,
    pub terms: Vec<String>,
    #[serde(default = "default_deny_score")]
    pub score: f32,
}

fn default_deny_score() -> f32 {
    1.0
}

/// Values that are never reported, whatever detects them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowList {
    /// Exact values (compared case-insensitively, after trimming).
    #[serde(default)]
    pub values: Vec<String>,
    /// Regexes; a span whose whole text matches one is dropped.
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
}

/// A policy that could not be read or is invalid. Messages name the file
/// and line; they never quote the values in the file (a deny list may hold
/// the very names it protects).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("policy {path}: {message}")]
    Parse { path: String, message: String },
    #[error("policy {path}, line {line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
}

impl Policy {
    /// Reads and checks a policy file.
    pub fn from_file(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Policy::from_toml(&text, &path.display().to_string())
    }

    /// Parses and checks a policy from TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| PolicyError::Parse {
            path: origin.to_string(),
            message: describe_toml_error(text, &e),
        })?;
        policy.check(text, origin)?;
        let mut policy = policy;
        policy.source = Some((origin.to_string(), text.to_string()));
        Ok(policy)
    }

    /// An error about the entity name `name`, at the first line of the
    /// policy that names it (`[entity.NAME]`, or `"NAME"` in a list).
    pub(crate) fn entity_error(&self, name: &str, message: String) -> PolicyError {
        let (path, text) = self
            .source
            .clone()
            .unwrap_or_else(|| ("(policy)".to_string(), String::new()));
        let quoted = format!("\"{name}\"");
        let mut line = 0;
        for (i, l) in text.lines().enumerate() {
            let t = l.trim_start();
            if t.starts_with(&format!("[entity.{name}]"))
                || t.starts_with(&format!("[entity.{quoted}]"))
                || l.contains(&quoted)
            {
                line = i + 1;
                break;
            }
        }
        PolicyError::Invalid {
            path,
            line,
            message,
        }
    }

    fn check(&self, text: &str, origin: &str) -> Result<(), PolicyError> {
        let invalid = |span: std::ops::Range<usize>, message: String| PolicyError::Invalid {
            path: origin.to_string(),
            line: line_of(text, span.start),
            message,
        };
        let score_ok = |s: f32| (0.0..=1.0).contains(&s);
        if let Some(t) = self.threshold
            && !score_ok(t)
        {
            return Err(invalid(
                find_key(text, "threshold"),
                format!("threshold {t} is outside 0.0..=1.0"),
            ));
        }
        for (name, e) in &self.entity {
            if let Some(t) = e.threshold
                && !score_ok(t)
            {
                return Err(invalid(
                    find_key(text, name),
                    format!("entity {name}: threshold {t} is outside 0.0..=1.0"),
                ));
            }
        }
        for r in &self.recognizers {
            if let Err(e) = regex::Regex::new(r.pattern.get_ref()) {
                let first = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid pattern")
                    .trim()
                    .to_string();
                return Err(invalid(
                    r.pattern.span(),
                    format!("recognizer {:?}: invalid pattern: {first}", r.name),
                ));
            }
            if !score_ok(r.score) {
                return Err(invalid(
                    r.pattern.span(),
                    format!("recognizer {:?}: score outside 0.0..=1.0", r.name),
                ));
            }
            if r.entity.trim().is_empty() {
                return Err(invalid(
                    r.pattern.span(),
                    format!("recognizer {:?}: empty entity", r.name),
                ));
            }
        }
        for d in &self.deny_lists {
            if d.terms.iter().any(|t| t.trim().is_empty()) {
                return Err(invalid(
                    find_key(text, "terms"),
                    format!("deny list for {}: empty term", d.entity),
                ));
            }
        }
        for p in &self.allow_list.patterns {
            if regex::Regex::new(p.get_ref()).is_err() {
                return Err(invalid(p.span(), "allow_list: invalid pattern".to_string()));
            }
        }
        if let Some(regions) = &self.phone_regions
            && let Err(e) = crate::recognizers::PhoneRegions::parse_list(regions)
        {
            return Err(invalid(find_key(text, "phone_regions"), e));
        }
        Ok(())
    }
}

/// 1-based line number of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// Byte range of the first line that starts with `key` (for errors about
/// values serde does not keep spans for).
fn find_key(text: &str, key: &str) -> std::ops::Range<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with(key) || t.starts_with(&format!("[entity.{key}]")) {
            return at..at + line.len();
        }
        at += line.len();
    }
    0..0
}

/// A one-line description of a TOML error with its line and column, without
/// the source excerpt the `toml` crate adds (it could quote policy values).
fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let line = line_of(text, span.start);
            let line_start = text[..span.start.min(text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let col = text[line_start..span.start.min(text.len())].chars().count() + 1;
            format!("line {line}, column {col}: {msg}")
        }
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_policy() {
        let p = Policy::from_toml(
            r##"
threshold = 0.6
phone_regions = ["US", "FR"]
[default_operator]
type = "pseudonym"
[entity.URL]
enabled = false
[entity.EMAIL]
operator = { type = "mask", masking_char = "#", chars_to_mask = 3, from_end = true }
[[recognizers]]
name = "emp"
entity = "EMPLOYEE_ID"
pattern = "EMP-[0-9]{6}"
context = ["employee"]
[[deny_lists]]
entity = "PROJECT"
terms = ["Blue Harbor"]
[allow_list]
values = ["help@example.com"]
"##,
            "test.toml",
        )
        .expect("valid policy");
        assert_eq!(p.threshold, Some(0.6));
        assert_eq!(p.entity["URL"].enabled, Some(false));
        assert_eq!(p.recognizers[0].score, 0.8);
        assert_eq!(p.deny_lists[0].terms, vec!["Blue Harbor"]);
    }

    #[test]
    fn date_profile_is_read_and_checked() {
        let p = Policy::from_toml("date_profile = \"strict\"\n", "p.toml").expect("valid");
        assert_eq!(
            p.date_profile,
            Some(crate::recognizers::DateProfile::Strict)
        );
        let err = Policy::from_toml("date_profile = \"lenient\"\n", "p.toml").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = Policy::from_toml("threshold = 0.5\n[entity.EMAIL\nenabled = true\n", "p.toml")
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected_with_their_line() {
        let err = Policy::from_toml("threshold = 0.5\n\nthreshhold = 0.4\n", "p.toml").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("line 3") && msg.contains("threshhold"),
            "{msg}"
        );
    }

    #[test]
    fn bad_custom_pattern_names_recognizer_and_line() {
        let err = Policy::from_toml(
            "[[recognizers]]\nname = \"x\"\nentity = \"X\"\npattern = \"EMP-[0-9\"\n",
            "p.toml",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 4") && msg.contains("\"x\""), "{msg}");
    }

    #[test]
    fn out_of_range_threshold_is_rejected() {
        let err = Policy::from_toml("\nthreshold = 1.5\n", "p.toml").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn unknown_operator_is_rejected() {
        let err =
            Policy::from_toml("[default_operator]\ntype = \"shred\"\n", "p.toml").unwrap_err();
        assert!(
            err.to_string().contains("shred") || err.to_string().contains("line"),
            "{err}"
        );
    }
}
