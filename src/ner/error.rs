//! Why the NER detector could not be loaded.

use std::path::PathBuf;

/// A reason the NER model or its runtime is unusable. Every message is one line
/// that ends with the fix. Messages name files and settings, never input text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NerError {
    /// The model folder does not exist.
    #[error(
        "model folder {} not found: point --model-dir or ANONYMIST_MODEL_DIR at the folder that holds MANIFEST (in a checkout, scripts/fetch-model restores models/)",
        .dir.display()
    )]
    ModelDirMissing {
        /// The folder that was looked for.
        dir: PathBuf,
    },
    /// No model folder was named and none was found where one is looked
    /// for (see [`super::model_dir`]).
    #[error(
        "no model folder found (searched {}): set ANONYMIST_MODEL_DIR or --model-dir to the folder that holds MANIFEST, or install the binary with its model (scripts/install in a checkout)",
        .searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    ModelNotFound {
        /// The folders searched, in order.
        searched: Vec<PathBuf>,
    },
    /// `MANIFEST` is missing from the model folder.
    #[error("model manifest {} is missing: run scripts/fetch-model to restore the model folder", .path.display())]
    ManifestMissing {
        /// The manifest path.
        path: PathBuf,
    },
    /// `MANIFEST` cannot be parsed, or does not list a file the detector needs.
    #[error("model manifest {} is invalid ({reason}): run scripts/fetch-model to restore it", .path.display())]
    ManifestInvalid {
        /// The manifest path.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A file listed in `MANIFEST` is missing.
    #[error("model file {} is missing: run scripts/fetch-model to restore it", .path.display())]
    FileMissing {
        /// The missing file.
        path: PathBuf,
    },
    /// A file's sha256 differs from the one in `MANIFEST`.
    #[error("model file {} is corrupt (sha256 mismatch): run scripts/fetch-model to restore it", .path.display())]
    FileCorrupt {
        /// The corrupt file.
        path: PathBuf,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}: check its permissions, or run scripts/fetch-model to restore it", .path.display())]
    FileRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A verified model file still cannot be used (wrong format or layout).
    #[error("model file {} cannot be used ({reason}): run scripts/fetch-model to restore the shipped model", .path.display())]
    ModelInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// [`BackendChoice::OnnxRuntime`](super::BackendChoice) was asked for and
    /// no ONNX Runtime library was found.
    #[error(
        "ONNX Runtime not found (looked in {searched}): run scripts/fetch-onnxruntime, set ORT_DYLIB_PATH, or use the pure-Rust backend"
    )]
    RuntimeNotFound {
        /// The places that were searched, comma-separated.
        searched: String,
    },
    /// The ONNX Runtime library is not the pinned build.
    #[error(
        "ONNX Runtime library {} is not the pinned 1.31.1 build (sha256 mismatch): run scripts/fetch-onnxruntime, or allow unpinned runtimes explicitly",
        .path.display()
    )]
    RuntimeUnpinned {
        /// The library file.
        path: PathBuf,
    },
    /// The ONNX Runtime library could not be loaded or could not create a session.
    #[error("ONNX Runtime at {} failed ({reason}): run scripts/fetch-onnxruntime, or use the pure-Rust backend", .path.display())]
    Runtime {
        /// The library file.
        path: PathBuf,
        /// The runtime's error.
        reason: String,
    },
    /// An option is out of range.
    #[error("invalid NER option: {0}: fix the setting")]
    InvalidOption(String),
}
