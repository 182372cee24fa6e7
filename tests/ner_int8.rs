//! An int8 model quantized as our training pipeline quantizes (`quantize_dynamic`,
//! per-channel, reduce_range): `tests/data/tiny_int8.onnx`, a tiny random BERT written with
//! ONNX Runtime's logits by `scripts/train/tiny_int8.py`. The pure-Rust backend reads the
//! `MatMulInteger` weights and quantizes activations per sequence as ONNX Runtime does, so
//! both must give those logits. The ONNX Runtime tests are ignored (with the reason)
//! when `scripts/fetch-onnxruntime` has not been run (see build.rs; in CI it is required).

use anonymist::ner::labels::BertConfig;
use anonymist::ner::runtime::onnxruntime::{OrtBackend, locate};
use anonymist::ner::runtime::pure_rust::PureRustBackend;
use anonymist::ner::runtime::{Backend, BatchInput};
use std::path::Path;

mod ner_backends;

type Records = Vec<(Vec<i64>, Vec<Vec<f32>>)>;

fn fixture(name: &str) -> (Vec<u8>, BertConfig, Records) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let model = std::fs::read(dir.join(format!("{name}.onnx"))).expect("fixture model");
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("fixture json"),
    )
    .expect("valid json");
    let cfg: BertConfig = serde_json::from_value(v["config"].clone()).expect("config");
    let records = v["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            let ids = r["ids"].as_array().expect("ids").iter();
            let logits = r["logits"].as_array().expect("logits").iter();
            (
                ids.map(|x| x.as_i64().expect("id")).collect(),
                logits
                    .map(|row| {
                        row.as_array()
                            .expect("row")
                            .iter()
                            .map(|x| x.as_f64().expect("logit") as f32)
                            .collect()
                    })
                    .collect(),
            )
        })
        .collect();
    (model, cfg, records)
}

/// Largest |logit - reference| over the records, each run alone and all in one batch.
fn worst(backend: &dyn Backend, records: &Records) -> f32 {
    let mut worst = 0f32;
    for (ids, want) in records {
        let got = backend.run(&BatchInput::new(&[ids])).expect("runs");
        for (t, row) in want.iter().enumerate() {
            for (l, &x) in row.iter().enumerate() {
                worst = worst.max((got[[0, t, l]] - x).abs());
            }
        }
    }
    worst
}

#[test]
fn pure_rust_backend_runs_an_int8_model_like_onnxruntime() {
    let (model, cfg, records) = fixture("tiny_int8");
    let pure = PureRustBackend::load(&model, &cfg, 2).expect("the int8 graph loads");
    let w = worst(&pure, &records);
    eprintln!("pure-Rust vs onnxruntime reference: max |diff| = {w:.2e}");
    assert!(w < 2e-3, "logits differ by {w}");
    // Per-sequence quantization: a batch gives each sequence its own results.
    let seqs: Vec<&[i64]> = records.iter().map(|(ids, _)| ids.as_slice()).collect();
    let batched = pure.run(&BatchInput::new(&seqs)).expect("batch runs");
    for (b, (ids, _)) in records.iter().enumerate() {
        let alone = pure.run(&BatchInput::new(&[ids])).expect("runs");
        for t in 0..ids.len() {
            for l in 0..alone.shape()[2] {
                assert!((batched[[b, t, l]] - alone[[0, t, l]]).abs() < 1e-4);
            }
        }
    }
}

/// Largest |logit - reference| of the fixture `name` run by ONNX Runtime from Rust.
fn onnxruntime_worst(name: &str) -> f32 {
    let loc = locate(ner_backends::ort_lib().as_deref())
        .expect("locating ONNX Runtime")
        .expect(
            "ONNX Runtime is required here: run scripts/fetch-onnxruntime (or set ORT_DYLIB_PATH)",
        );
    let (model, _, records) = fixture(name);
    let ort = OrtBackend::load(&loc, false, &model, 1, 1).expect("the fixture loads");
    let w = worst(&ort, &records);
    eprintln!("{name}: onnxruntime (Rust) vs onnxruntime (Python): max |diff| = {w:.2e}");
    w
}

#[test]
#[cfg_attr(
    not(anonymist_ort),
    ignore = "needs ONNX Runtime: run scripts/fetch-onnxruntime"
)]
fn onnxruntime_backend_gives_the_recorded_int8_logits() {
    let w = onnxruntime_worst("tiny_int8");
    assert!(w < 1e-4, "logits differ by {w}");
}

/// A model with a side branch for the new labels (`train.py --branch-from`): the
/// pure-Rust backend runs the branch from the right layer and joins the two heads as
/// the graph does.
#[test]
fn pure_rust_backend_runs_a_branched_model_like_onnxruntime() {
    let (model, cfg, records) = fixture("tiny_branch");
    assert!(cfg.anonymist_branch.is_some(), "the fixture has a branch");
    let pure = PureRustBackend::load(&model, &cfg, 2).expect("the branched graph loads");
    let w = worst(&pure, &records);
    eprintln!("pure-Rust vs onnxruntime reference (branched): max |diff| = {w:.2e}");
    assert!(w < 2e-3, "logits differ by {w}");
    // without its branch the config does not describe the graph's labels
    let mut plain = cfg.clone();
    plain.anonymist_branch = None;
    assert!(PureRustBackend::load(&model, &plain, 1).is_err());
}

#[test]
#[cfg_attr(
    not(anonymist_ort),
    ignore = "needs ONNX Runtime: run scripts/fetch-onnxruntime"
)]
fn onnxruntime_backend_gives_the_recorded_branched_logits() {
    let w = onnxruntime_worst("tiny_branch");
    assert!(w < 1e-4, "logits differ by {w}");
}
