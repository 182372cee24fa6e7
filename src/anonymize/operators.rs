//! The operators, as a table: each turns one value into its replacement.

use super::vault::Vault;
use crate::span::Entity;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What to do with a detected value. The field names follow Presidio's
/// anonymizer JSON (`new_value`, `masking_char`, `chars_to_mask`, `from_end`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operator {
    /// Remove the value.
    Redact,
    /// Replace with `new_value`, or with `<ENTITY>` when it is not given.
    Replace {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_value: Option<String>,
    },
    /// Replace with `<ENTITY_n>`, the same value getting the same `n`.
    Pseudonym,
    /// Replace `chars_to_mask` characters (all by default) with
    /// `masking_char`, counted from the start or, with `from_end`, the end.
    Mask {
        #[serde(default = "default_mask_char")]
        masking_char: char,
        #[serde(default)]
        chars_to_mask: Option<usize>,
        #[serde(default)]
        from_end: bool,
    },
    /// HMAC-SHA256 of the value under a secret key, as hex; `length` keeps
    /// only the first hex digits.
    Hash {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<usize>,
    },
    /// Leave the value as it is (it is still reported).
    Keep,
}

fn default_mask_char() -> char {
    '*'
}

/// The key for [`Operator::Hash`].
#[derive(Clone)]
pub enum HashKey {
    /// HMAC-SHA256 with this key.
    Keyed(Vec<u8>),
    /// Plain SHA-256, chosen explicitly. Reversible by dictionary.
    InsecureUnkeyed,
    /// No key: the hash operator is refused.
    Missing,
}

impl std::fmt::Debug for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.write_str(match self {
            HashKey::Keyed(_) => "Keyed(..)",
            HashKey::InsecureUnkeyed => "InsecureUnkeyed",
            HashKey::Missing => "Missing",
        })
    }
}

impl Operator {
    /// The operator's name as used in policy files and results.
    pub fn name(&self) -> &'static str {
        match self {
            Operator::Redact => "redact",
            Operator::Replace { .. } => "replace",
            Operator::Pseudonym => "pseudonym",
            Operator::Mask { .. } => "mask",
            Operator::Hash { .. } => "hash",
            Operator::Keep => "keep",
        }
    }

    /// Parses a bare operator name with default settings (for `--operator`).
    pub fn from_name(name: &str) -> Option<Operator> {
        Some(match name {
            "redact" => Operator::Redact,
            "replace" => Operator::Replace { new_value: None },
            "pseudonym" => Operator::Pseudonym,
            "mask" => Operator::Mask {
                masking_char: '*',
                chars_to_mask: None,
                from_end: false,
            },
            "hash" => Operator::Hash { length: None },
            "keep" => Operator::Keep,
            _ => return None,
        })
    }

    /// The replacement for `value`.
    pub fn apply(&self, entity: &Entity, value: &str, key: &HashKey, vault: &mut Vault) -> String {
        match self {
            Operator::Redact => String::new(),
            Operator::Replace { new_value } => {
                new_value.clone().unwrap_or_else(|| format!("<{entity}>"))
            }
            Operator::Pseudonym => vault.pseudonym(entity, value),
            Operator::Mask {
                masking_char,
                chars_to_mask,
                from_end,
            } => mask(
                value,
                *masking_char,
                chars_to_mask.unwrap_or(usize::MAX),
                *from_end,
            ),
            Operator::Hash { length } => {
                let digest = match key {
                    HashKey::Keyed(k) => {
                        // HMAC accepts keys of any length.
                        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(k)
                            .expect("HMAC takes any key length");
                        mac.update(value.as_bytes());
                        hex::encode(mac.finalize().into_bytes())
                    }
                    HashKey::InsecureUnkeyed => hex::encode(Sha256::digest(value.as_bytes())),
                    // `Anonymizer::new` refuses a hash operator without a key.
                    HashKey::Missing => {
                        unreachable!("hash operator without a key is refused at construction")
                    }
                };
                match length {
                    Some(n) if *n < digest.len() => digest[..*n].to_string(),
                    _ => digest,
                }
            }
            Operator::Keep => value.to_string(),
        }
    }
}

/// Masks `count` chars of `value` (code points, as Presidio counts them).
fn mask(value: &str, ch: char, count: usize, from_end: bool) -> String {
    let n = value.chars().count();
    let count = count.min(n);
    value
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let masked = if from_end { i >= n - count } else { i < count };
            if masked { ch } else { c }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(op: &Operator, value: &str, key: &HashKey) -> String {
        op.apply(&Entity::EMAIL, value, key, &mut Vault::new())
    }

    #[test]
    fn mask_counts_code_points_from_either_end() {
        let m = |n, end| Operator::Mask {
            masking_char: '*',
            chars_to_mask: Some(n),
            from_end: end,
        };
        assert_eq!(
            apply(&m(4, false), "josé@x.fr", &HashKey::Missing),
            "****@x.fr"
        );
        assert_eq!(
            apply(&m(4, true), "4111 1111", &HashKey::Missing),
            "4111 ****"
        );
        assert_eq!(apply(&m(99, false), "abc", &HashKey::Missing), "***");
    }

    #[test]
    fn replace_redact_keep() {
        assert_eq!(
            apply(
                &Operator::Replace { new_value: None },
                "a@b.co",
                &HashKey::Missing
            ),
            "<EMAIL>"
        );
        assert_eq!(
            apply(
                &Operator::Replace {
                    new_value: Some("[x]".into())
                },
                "a@b.co",
                &HashKey::Missing
            ),
            "[x]"
        );
        assert_eq!(apply(&Operator::Redact, "a@b.co", &HashKey::Missing), "");
        assert_eq!(
            apply(&Operator::Keep, "a@b.co", &HashKey::Missing),
            "a@b.co"
        );
    }

    #[test]
    fn hash_is_keyed_hmac_and_differs_from_plain_sha256() {
        let h = Operator::Hash { length: None };
        let k1 = apply(&h, "a@b.co", &HashKey::Keyed(b"key-one".to_vec()));
        let k2 = apply(&h, "a@b.co", &HashKey::Keyed(b"key-two".to_vec()));
        let plain = apply(&h, "a@b.co", &HashKey::InsecureUnkeyed);
        assert_eq!(k1.len(), 64);
        assert_ne!(k1, k2);
        assert_ne!(k1, plain);
        // RFC 4231 test case 2.
        let rfc = Operator::Hash { length: None }.apply(
            &Entity::EMAIL,
            "what do ya want for nothing?",
            &HashKey::Keyed(b"Jefe".to_vec()),
            &mut Vault::new(),
        );
        assert_eq!(
            rfc,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            apply(
                &Operator::Hash { length: Some(12) },
                "a@b.co",
                &HashKey::InsecureUnkeyed
            )
            .len(),
            12
        );
    }

    #[test]
    fn key_is_never_printed() {
        assert_eq!(
            format!("{:?}", HashKey::Keyed(b"secret".to_vec())),
            "Keyed(..)"
        );
    }
}
