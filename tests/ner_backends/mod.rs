//! The shipped model on both backends, shared by the NER test files
//! (`tests/ner.rs`, `tests/ner_model.rs`, `tests/ner_int8.rs`). Each test binary
//! uses part of it.
#![allow(dead_code)]

use anonymist::ner::{BackendChoice, NerDetector, NerOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// The library `scripts/fetch-onnxruntime` installs, when `ORT_DYLIB_PATH`
/// does not name one and it is there.
pub fn ort_lib() -> Option<PathBuf> {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ort/libonnxruntime.so.1.31.1");
    (std::env::var_os("ORT_DYLIB_PATH").is_none() && lib.is_file()).then_some(lib)
}

pub fn ort_available() -> bool {
    std::env::var_os("ORT_DYLIB_PATH").is_some() || ort_lib().is_some()
}

pub fn opts(backend: BackendChoice) -> NerOptions {
    NerOptions {
        model_dir: model_dir(),
        backend,
        ort_lib: if backend == BackendChoice::PureRust {
            None
        } else {
            ort_lib()
        },
        ..NerOptions::default()
    }
}

pub fn pure() -> &'static NerDetector {
    static D: OnceLock<NerDetector> = OnceLock::new();
    D.get_or_init(|| {
        NerDetector::load(&opts(BackendChoice::PureRust)).expect("pure-Rust backend loads")
    })
}

pub fn ort() -> Option<&'static NerDetector> {
    static D: OnceLock<Option<NerDetector>> = OnceLock::new();
    D.get_or_init(|| {
        if !ort_available() {
            eprintln!("skipping ONNX Runtime checks: run scripts/fetch-onnxruntime to enable them");
            return None;
        }
        Some(
            NerDetector::load(&opts(BackendChoice::OnnxRuntime))
                .expect("ONNX Runtime backend loads"),
        )
    })
    .as_ref()
}

pub fn backends() -> Vec<&'static NerDetector> {
    let mut v = vec![pure()];
    v.extend(ort());
    v
}

/// The index and value of the largest entry (the first of equals).
pub fn argmax(values: impl IntoIterator<Item = f32>) -> (usize, f32) {
    values
        .into_iter()
        .enumerate()
        .fold((0, f32::MIN), |b, (i, x)| if x > b.1 { (i, x) } else { b })
}
