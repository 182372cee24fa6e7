//! Inference backends: ONNX Runtime (fast path) and a pure-Rust BERT forward
//! pass (fallback that needs nothing but the model folder).

pub mod onnxruntime;
pub mod pure_rust;
mod qgemm;

use ndarray::{Array2, Array3};

/// A batch of windows, padded to one length: `[CLS] tokens [SEP] [PAD]...`.
///
/// This is what the model sees; building it is part of our own work around the
/// model, running it is the backend's.
#[derive(Clone, Debug)]
pub struct BatchInput {
    /// Token ids, `[batch, seq]`, padded with id 0.
    pub ids: Array2<i64>,
    /// 1 for real tokens, 0 for padding.
    pub mask: Array2<i64>,
    /// All zeros (single-segment input).
    pub type_ids: Array2<i64>,
    /// Real length of each row.
    pub lens: Vec<usize>,
}

impl BatchInput {
    /// Pads `seqs` (each already wrapped in `[CLS]`/`[SEP]`) into one batch.
    pub fn new(seqs: &[&[i64]]) -> BatchInput {
        let b = seqs.len();
        let s = seqs.iter().map(|x| x.len()).max().unwrap_or(0);
        let mut ids = Array2::<i64>::zeros((b, s));
        let mut mask = Array2::<i64>::zeros((b, s));
        for (r, seq) in seqs.iter().enumerate() {
            for (c, &id) in seq.iter().enumerate() {
                ids[[r, c]] = id;
                mask[[r, c]] = 1;
            }
        }
        BatchInput {
            ids,
            mask,
            type_ids: Array2::zeros((b, s)),
            lens: seqs.iter().map(|x| x.len()).collect(),
        }
    }

    /// Number of rows.
    pub fn batch(&self) -> usize {
        self.lens.len()
    }

    /// Padded length.
    pub fn seq_len(&self) -> usize {
        self.ids.ncols()
    }
}

/// A way to run the model. Implementations are shared across threads.
pub trait Backend: Send + Sync {
    /// A human-readable description, e.g. `onnxruntime 1.31.1 (.ort/libonnxruntime.so.1.31.1)`.
    fn describe(&self) -> String;

    /// Logits `[batch, seq, labels]` for a batch. Rows past a sequence's real
    /// length are unspecified. The error must not quote input.
    fn run(&self, input: &BatchInput) -> Result<Array3<f32>, String>;
}
