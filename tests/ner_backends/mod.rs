//! The shipped model on both backends, shared by the NER test files
//! (`tests/ner.rs`, `tests/ner_model.rs`, `tests/ner_int8.rs`). Each test binary
//! uses part of it. Declare it with `#[macro_use]` to get `per_backend!`.
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

/// The ONNX Runtime backend. Tests that call this are ignored without
/// ONNX Runtime (`cfg(anonymist_ort)`, see build.rs); when they run, the
/// library must load.
pub fn ort() -> &'static NerDetector {
    static D: OnceLock<NerDetector> = OnceLock::new();
    D.get_or_init(|| {
        NerDetector::load(&opts(BackendChoice::OnnxRuntime)).expect(
            "ONNX Runtime is required here: run scripts/fetch-onnxruntime (or set ORT_DYLIB_PATH)",
        )
    })
}

/// `per_backend!(name, check)`: a module `name` with two tests that run
/// `check(&NerDetector)`: `name::pure_rust`, and `name::onnxruntime`, which is
/// ignored without ONNX Runtime.
#[allow(unused_macros)]
macro_rules! per_backend {
    ($name:ident, $check:ident) => {
        mod $name {
            #[test]
            fn pure_rust() {
                super::$check(crate::ner_backends::pure());
            }

            #[test]
            #[cfg_attr(
                not(anonymist_ort),
                ignore = "needs ONNX Runtime: run scripts/fetch-onnxruntime"
            )]
            fn onnxruntime() {
                super::$check(crate::ner_backends::ort());
            }
        }
    };
}

/// The index and value of the largest entry (the first of equals).
pub fn argmax(values: impl IntoIterator<Item = f32>) -> (usize, f32) {
    values
        .into_iter()
        .enumerate()
        .fold((0, f32::MIN), |b, (i, x)| if x > b.1 { (i, x) } else { b })
}
