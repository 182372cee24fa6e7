//! The vault: pseudonyms and the way back to the originals.

use crate::span::Entity;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Maps values to pseudonym tags (`<PERSON_1>`) and back. One vault is one
/// scope: the same value gets the same tag within it, two values never share
/// a tag, and nothing is shared between vaults.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(from = "VaultRepr", into = "VaultRepr")]
pub struct Vault {
    by_value: HashMap<(Entity, String), String>,
    by_tag: HashMap<String, String>,
    counters: HashMap<Entity, usize>,
}

/// Debug output names the tags but never the values.
impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("values", &self.by_tag.len())
            .finish()
    }
}

/// The serialized form: `(entity, value, tag)` triples and the counters.
#[derive(Serialize, Deserialize)]
struct VaultRepr {
    entries: Vec<(Entity, String, String)>,
    counters: Vec<(Entity, usize)>,
}

impl From<Vault> for VaultRepr {
    fn from(v: Vault) -> Self {
        VaultRepr {
            entries: v
                .by_value
                .into_iter()
                .map(|((e, val), tag)| (e, val, tag))
                .collect(),
            counters: v.counters.into_iter().collect(),
        }
    }
}

impl From<VaultRepr> for Vault {
    fn from(r: VaultRepr) -> Self {
        let mut v = Vault::new();
        for (e, val, tag) in r.entries {
            v.by_tag.insert(tag.clone(), val.clone());
            v.by_value.insert((e, val), tag);
        }
        v.counters = r.counters.into_iter().collect();
        v
    }
}

impl Vault {
    pub fn new() -> Self {
        Vault::default()
    }

    /// The tag for `value` of `entity`, creating `<ENTITY_n>` on first sight.
    pub fn pseudonym(&mut self, entity: &Entity, value: &str) -> String {
        if let Some(tag) = self.by_value.get(&(entity.clone(), value.to_string())) {
            return tag.clone();
        }
        let n = self.counters.entry(entity.clone()).or_insert(0);
        *n += 1;
        let tag = format!("<{}_{}>", entity.as_str(), n);
        self.by_value
            .insert((entity.clone(), value.to_string()), tag.clone());
        self.by_tag.insert(tag.clone(), value.to_string());
        tag
    }

    /// The entity names this vault has issued tags for.
    pub fn entity_names(&self) -> impl Iterator<Item = &str> {
        self.counters.keys().map(Entity::as_str)
    }

    /// Every `(tag, original)` pair this vault issued.
    pub fn tags(&self) -> impl Iterator<Item = (&str, &str)> {
        self.by_tag.iter().map(|(t, o)| (t.as_str(), o.as_str()))
    }

    /// Number of distinct values held.
    pub fn len(&self) -> usize {
        self.by_tag.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_tag.is_empty()
    }

    /// The original value behind `tag`, if this vault issued it.
    pub fn original(&self, tag: &str) -> Option<&str> {
        self.by_tag.get(tag).map(String::as_str)
    }

    /// Replaces every tag this vault issued by its original. Tags are matched
    /// whole (`<PERSON_1>` never matches inside `<PERSON_10>`), and text that
    /// only looks like a tag is left alone.
    pub fn restore(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('<') {
            out.push_str(&rest[..open]);
            let after = &rest[open..];
            match after.find('>').map(|close| &after[..=close]) {
                Some(tag) if self.by_tag.contains_key(tag) => {
                    out.push_str(&self.by_tag[tag]);
                    rest = &after[tag.len()..];
                }
                _ => {
                    out.push('<');
                    rest = &after[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_tag_and_no_prefix_collisions() {
        let mut v = Vault::new();
        let tags: Vec<String> = (0..12)
            .map(|i| v.pseudonym(&Entity::PERSON, &format!("name{i}")))
            .collect();
        assert_eq!(v.pseudonym(&Entity::PERSON, "name0"), tags[0]);
        assert_eq!(tags[9], "<PERSON_10>");
        assert_eq!(
            v.restore("<PERSON_1> and <PERSON_10> <PERSON_99> <x"),
            "name0 and name9 <PERSON_99> <x"
        );
    }

    #[test]
    fn same_value_of_different_entities_gets_different_tags() {
        let mut v = Vault::new();
        assert_ne!(
            v.pseudonym(&Entity::PERSON, "Paris"),
            v.pseudonym(&Entity::LOCATION, "Paris")
        );
    }
}
