//! The model's label set, read from `config.json` (`id2label`), and the
//! architecture numbers the pure-Rust backend needs.

use serde::Deserialize;
use std::collections::BTreeMap;

/// One BIO label: which entity type it belongs to (0 is `O`), and whether it
/// is a `B-` (begin) label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    /// Index into [`LabelScheme::types`]; 0 means outside any entity.
    pub ty: u8,
    /// True for `B-` labels.
    pub begin: bool,
}

/// The labels of the token-classification head.
#[derive(Clone, Debug)]
pub struct LabelScheme {
    /// Raw entity type names; `types[0]` is `"O"`.
    pub types: Vec<String>,
    /// `tags[label id]`.
    pub tags: Vec<Tag>,
    /// `id2label` as in the config, for reporting.
    pub labels: Vec<String>,
}

/// The subset of a Hugging Face BERT `config.json` we use.
#[derive(Clone, Debug, Deserialize)]
pub struct BertConfig {
    /// Label names by id (keys are decimal strings in JSON).
    pub id2label: BTreeMap<String, String>,
    /// Width of the hidden states.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_hidden_layers: usize,
    /// Number of attention heads.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    /// Longest sequence, special tokens included.
    pub max_position_embeddings: usize,
    /// Vocabulary size.
    pub vocab_size: usize,
    /// LayerNorm epsilon.
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    /// Activation of the feed-forward layer (we support `gelu`).
    #[serde(default = "default_act")]
    pub hidden_act: String,
    /// `model_type`, expected to be `bert`.
    #[serde(default)]
    pub model_type: String,
    /// A side branch for extra labels next to the base model's layers (our
    /// own model, `scripts/train/train.py --branch-from`), if any.
    #[serde(default)]
    pub anonymist_branch: Option<BranchConfig>,
}

/// Where the side branch starts and what its head predicts. The graph joins
/// the base head's logits `old` and the branch head's `new` (labels `O` then
/// the extra ones) in log-probability space, the base model first:
/// `[lo[0] + ln[0], lo[1..], lo[0] + ln[1..]]` with `lo = log_softmax(old)`,
/// `ln = log_softmax(new)`. Every base label keeps the base model's
/// probability; the extra labels share out its `O`. `id2label` lists the
/// base labels, then the branch's labels other than `O`.
#[derive(Clone, Debug, Deserialize)]
pub struct BranchConfig {
    /// The branch reads the hidden states that enter this encoder layer.
    pub from_layer: usize,
    /// Number of encoder layers in the branch.
    pub layers: usize,
    /// The branch head's labels, `O` first.
    pub labels: Vec<String>,
    /// How the two heads are joined; the only one there is, `base_first`, is
    /// named so that a graph exported with another join is refused rather
    /// than run with the wrong one.
    pub join: BranchJoin,
}

/// See [`BranchConfig::join`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchJoin {
    /// `[lo[0] + ln[0], lo[1..], lo[0] + ln[1..]]`.
    BaseFirst,
}

fn default_eps() -> f64 {
    1e-12
}

fn default_act() -> String {
    "gelu".to_string()
}

impl LabelScheme {
    /// Builds the scheme from `id2label`; ids must be `0..n` with no gaps and
    /// every label `O`, `B-X` or `I-X`.
    pub fn from_config(cfg: &BertConfig) -> Result<LabelScheme, String> {
        let n = cfg.id2label.len();
        let mut labels = vec![String::new(); n];
        for (k, v) in &cfg.id2label {
            let id: usize = k
                .parse()
                .map_err(|_| format!("id2label key {k:?} is not a number"))?;
            if id >= n {
                return Err(format!("id2label ids are not 0..{n}"));
            }
            labels[id] = v.clone();
        }
        let mut types = vec!["O".to_string()];
        let mut tags = Vec::with_capacity(n);
        for l in &labels {
            if l == "O" {
                tags.push(Tag {
                    ty: 0,
                    begin: false,
                });
                continue;
            }
            let (begin, name) = if let Some(rest) = l.strip_prefix("B-") {
                (true, rest)
            } else if let Some(rest) = l.strip_prefix("I-") {
                (false, rest)
            } else {
                return Err(format!("label {l:?} is not O, B-X or I-X"));
            };
            let ty = match types.iter().position(|t| t == name) {
                Some(i) => i,
                None => {
                    types.push(name.to_string());
                    types.len() - 1
                }
            };
            let ty = u8::try_from(ty).map_err(|_| "too many entity types".to_string())?;
            tags.push(Tag { ty, begin });
        }
        if types.len() < 2 {
            return Err("id2label has no entity labels".to_string());
        }
        Ok(LabelScheme {
            types,
            tags,
            labels,
        })
    }

    /// Number of labels (logits per token).
    pub fn num_labels(&self) -> usize {
        self.tags.len()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal config with these labels, for tests of label handling.
    pub(crate) fn cfg(labels: &[&str]) -> BertConfig {
        BertConfig {
            id2label: labels
                .iter()
                .enumerate()
                .map(|(i, l)| (i.to_string(), l.to_string()))
                .collect(),
            hidden_size: 8,
            num_hidden_layers: 1,
            num_attention_heads: 2,
            intermediate_size: 16,
            max_position_embeddings: 16,
            vocab_size: 10,
            layer_norm_eps: 1e-12,
            hidden_act: "gelu".into(),
            model_type: "bert".into(),
            anonymist_branch: None,
        }
    }

    #[test]
    fn bio_labels_share_one_type_per_entity() {
        let s = LabelScheme::from_config(&cfg(&["O", "B-EMAIL", "I-EMAIL", "B-CITY", "I-CITY"]))
            .expect("valid labels");
        assert_eq!(s.types, vec!["O", "EMAIL", "CITY"]);
        assert_eq!(
            s.tags[2],
            Tag {
                ty: 1,
                begin: false
            }
        );
        assert_eq!(s.tags[3], Tag { ty: 2, begin: true });
    }

    #[test]
    fn a_branch_must_name_its_join() {
        let branch = |join: &str| {
            let json = format!(
                r#"{{"from_layer": 3, "layers": 3, "labels": ["O", "B-LOCATION", "I-LOCATION"]{join}}}"#
            );
            serde_json::from_str::<BranchConfig>(&json)
        };
        let b = branch(r#", "join": "base_first""#).expect("a base-first branch");
        assert_eq!(b.join, BranchJoin::BaseFirst);
        // a graph exported with the earlier product join had no "join" field
        assert!(branch("").is_err());
        assert!(branch(r#", "join": "product""#).is_err());
    }

    #[test]
    fn malformed_labels_are_rejected() {
        assert!(LabelScheme::from_config(&cfg(&["O", "EMAIL"])).is_err());
        assert!(LabelScheme::from_config(&cfg(&["O"])).is_err());
    }
}
