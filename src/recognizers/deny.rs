//! Deny lists: terms from the policy that are always reported, found with
//! Aho-Corasick (one pass for all terms), case-insensitively (ASCII), and
//! only on word boundaries ("Ann" does not match inside "Annual").

use crate::detector::{DetectError, Detector};
use crate::span::{Entity, Source, Span};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::borrow::Cow;

/// All deny lists of a policy as one detector.
pub struct DenyListDetector {
    automaton: AhoCorasick,
    /// Entity and score of each pattern, by pattern index.
    targets: Vec<(Entity, f32)>,
}

impl DenyListDetector {
    /// Builds the detector from `(entity, terms, score)` lists. Returns
    /// `None` when there are no terms.
    pub fn new(lists: &[(Entity, Vec<String>, f32)]) -> Option<Self> {
        let mut patterns = Vec::new();
        let mut targets = Vec::new();
        for (entity, terms, score) in lists {
            for t in terms {
                let t = t.trim();
                if !t.is_empty() {
                    patterns.push(t.to_string());
                    targets.push((entity.clone(), *score));
                }
            }
        }
        if patterns.is_empty() {
            return None;
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok()?;
        Some(DenyListDetector { automaton, targets })
    }
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

impl Detector for DenyListDetector {
    fn name(&self) -> &'static str {
        "deny_list"
    }

    fn entities(&self) -> Vec<Entity> {
        let mut e: Vec<Entity> = self.targets.iter().map(|(e, _)| e.clone()).collect();
        e.sort();
        e.dedup();
        e
    }

    fn detect(&self, text: &str, out: &mut Vec<Span>) -> Result<(), DetectError> {
        // Leftmost-longest automata have no overlapping search: after each
        // match, search again from its start + 1, so that a term glued to a
        // word ("Ann" in "Annual") does not hide a bounded match inside it.
        // Accepted overlapping matches are merged by the resolver.
        let mut pos = 0;
        while pos < text.len() {
            let Some(m) = self
                .automaton
                .find(aho_corasick::Input::new(text).span(pos..text.len()))
            else {
                break;
            };
            pos = m.start() + 1;
            let (start, end) = (m.start(), m.end());
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                continue;
            }
            let before = text[..start].chars().next_back();
            let after = text[end..].chars().next();
            let first = text[start..end].chars().next();
            let last = text[start..end].chars().next_back();
            // Boundaries only matter where the term itself starts/ends with a word char.
            if (is_word_char(first) && is_word_char(before))
                || (is_word_char(last) && is_word_char(after))
            {
                continue;
            }
            let (entity, score) = &self.targets[m.pattern().as_usize()];
            out.push(Span {
                start,
                end,
                entity: entity.clone(),
                score: *score,
                source: Source::DenyList,
                validated: true,
                recognizer: Cow::Borrowed("deny_list"),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(terms: &[&str], text: &str) -> Vec<String> {
        let det = DenyListDetector::new(&[(
            Entity::new("PROJECT"),
            terms.iter().map(|s| s.to_string()).collect(),
            1.0,
        )])
        .expect("terms");
        let mut out = Vec::new();
        det.detect(text, &mut out).expect("never fails");
        crate::span::resolve(out)
            .iter()
            .map(|s| text[s.start..s.end].to_string())
            .collect()
    }

    #[test]
    fn case_insensitive_on_word_boundaries() {
        assert_eq!(
            find(&["blue harbor"], "Status of Blue Harbor: green"),
            vec!["Blue Harbor"]
        );
        assert!(find(&["ann"], "Annual report").is_empty());
        assert_eq!(find(&["ann"], "Annual report by ANN."), vec!["ANN"]);
    }

    #[test]
    fn longest_term_wins() {
        assert_eq!(
            find(&["blue", "blue harbor"], "blue harbor"),
            vec!["blue harbor"]
        );
    }
}
