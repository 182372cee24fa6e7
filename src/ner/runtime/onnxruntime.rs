//! The ONNX Runtime backend, loaded at run time (`ort`'s `load-dynamic`).
//!
//! The library is looked for in this order: the `ort_lib` option, the
//! `ORT_DYLIB_PATH` environment variable, `./.ort/` (where
//! `scripts/fetch-onnxruntime` puts it), then next to the executable (and in
//! `.ort/` and `../lib/anonymist/` from there, where `scripts/install` puts
//! it). An explicit option or variable that names a missing file is
//! an error, not a reason to look elsewhere. Before loading, the file's sha256
//! must match the pinned ONNX Runtime 1.31.1 build unless unpinned runtimes are
//! allowed.
//!
//! `Session::run` takes `&mut self` in `ort` 2.0.0-rc.15 (ONNX Runtime's
//! internals are not all thread-safe), so sessions sit in a small pool of
//! mutexes; each session uses `threads` intra-op threads.

use super::{Backend, BatchInput};
use crate::ner::error::NerError;
use crate::ner::manifest::sha256_hex;
use ndarray::{Array3, Ix3};
use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// The ONNX Runtime version `scripts/fetch-onnxruntime` installs.
pub const PINNED_VERSION: &str = "1.31.1";
/// The file name of the pinned library.
pub const PINNED_LIB: &str = "libonnxruntime.so.1.31.1";
/// sha256 of `libonnxruntime.so.1.31.1` from
/// `onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl`.
pub const PINNED_SHA256: &str = "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3";

/// Where the library was found, and whether the user named it.
#[derive(Clone, Debug)]
pub struct Located {
    /// The library file.
    pub path: PathBuf,
}

fn default_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from(".ort")];
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        dirs.push(dir.to_path_buf());
        dirs.push(dir.join(".ort"));
        // Where scripts/install puts it: PREFIX/bin/anonymist, PREFIX/lib/anonymist/.
        dirs.push(dir.join("../lib/anonymist"));
    }
    dirs
}

/// Finds the library. `Ok(None)` means "not installed" (the caller may fall
/// back to the pure-Rust backend); an explicit path that does not exist is an
/// error.
pub fn locate(explicit: Option<&Path>) -> Result<Option<Located>, NerError> {
    let named = explicit.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("ORT_DYLIB_PATH")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    if let Some(path) = named {
        if path.is_file() {
            return Ok(Some(Located { path }));
        }
        return Err(NerError::RuntimeNotFound {
            searched: path.display().to_string(),
        });
    }
    for dir in default_dirs() {
        for name in [PINNED_LIB, "libonnxruntime.so"] {
            let path = dir.join(name);
            if path.is_file() {
                return Ok(Some(Located { path }));
            }
        }
    }
    Ok(None)
}

/// A human-readable list of the default search places, for error messages.
pub fn searched_places() -> String {
    let mut v = vec!["ORT_DYLIB_PATH".to_string()];
    v.extend(default_dirs().iter().map(|d| d.display().to_string()));
    v.join(", ")
}

/// The process-wide runtime: `ort` loads one library per process.
static RUNTIME: Mutex<Option<(Environment, PathBuf)>> = Mutex::new(None);

fn environment(lib: &Path) -> Result<(Environment, PathBuf), NerError> {
    let mut guard = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((env, path)) = guard.as_ref() {
        // The library is already loaded; a second path cannot replace it.
        return Ok((env.clone(), path.clone()));
    }
    let fail = |reason: String| NerError::Runtime {
        path: lib.to_path_buf(),
        reason,
    };
    let env = ort::init_from(lib)
        .map_err(|e| fail(e.to_string()))?
        .with_name("anonymist")
        .build()
        .map_err(|e| fail(e.to_string()))?;
    *guard = Some((env.clone(), lib.to_path_buf()));
    Ok((env, lib.to_path_buf()))
}

/// ONNX Runtime sessions over the model, shared across threads.
pub struct OrtBackend {
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
    lib: PathBuf,
    version: String,
}

impl OrtBackend {
    /// Verifies and loads the library, then builds `pool` sessions from the
    /// (already verified) model bytes, each with `threads` intra-op threads.
    pub fn load(
        located: &Located,
        allow_unpinned: bool,
        model: &[u8],
        pool: usize,
        threads: usize,
    ) -> Result<OrtBackend, NerError> {
        let lib = &located.path;
        let bytes = std::fs::read(lib).map_err(|source| NerError::FileRead {
            path: lib.clone(),
            source,
        })?;
        let pinned = sha256_hex(&bytes) == PINNED_SHA256;
        drop(bytes);
        if !pinned && !allow_unpinned {
            return Err(NerError::RuntimeUnpinned { path: lib.clone() });
        }
        let (env, loaded) = environment(lib)?;
        let version = if pinned && &loaded == lib {
            PINNED_VERSION.to_string()
        } else {
            version_from_name(&loaded)
        };
        let fail = |reason: String| NerError::Runtime {
            path: loaded.clone(),
            reason,
        };
        let mut sessions = Vec::with_capacity(pool);
        for _ in 0..pool.max(1) {
            let session = Session::builder(&env)
                .map_err(|e| fail(e.to_string()))?
                .with_optimization_level(GraphOptimizationLevel::Level3)
                .map_err(|e| fail(e.to_string()))?
                .with_intra_threads(threads.max(1))
                .map_err(|e| fail(e.to_string()))?
                .with_inter_threads(1)
                .map_err(|e| fail(e.to_string()))?
                .commit_from_memory(model)
                .map_err(|e| fail(e.to_string()))?;
            sessions.push(Mutex::new(session));
        }
        Ok(OrtBackend {
            sessions,
            next: AtomicUsize::new(0),
            lib: loaded,
            version,
        })
    }
}

fn version_from_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("libonnxruntime.so."))
        .map(str::to_string)
        .unwrap_or_else(|| "(unpinned)".to_string())
}

impl Backend for OrtBackend {
    fn describe(&self) -> String {
        format!("onnxruntime {} ({})", self.version, self.lib.display())
    }

    fn run(&self, input: &BatchInput) -> Result<Array3<f32>, String> {
        // Take a free session if there is one, else wait for one in turn.
        let mut guard = None;
        for s in &self.sessions {
            if let Ok(g) = s.try_lock() {
                guard = Some(g);
                break;
            }
        }
        let mut session = match guard {
            Some(g) => g,
            None => {
                let i = self.next.fetch_add(1, Ordering::Relaxed) % self.sessions.len();
                self.sessions[i]
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
            }
        };
        let err = |e: ort::Error| format!("onnxruntime: {e}");
        let outputs = session
            .run(ort::inputs![
                "input_ids" => TensorRef::from_array_view(&input.ids).map_err(err)?,
                "attention_mask" => TensorRef::from_array_view(&input.mask).map_err(err)?,
                "token_type_ids" => TensorRef::from_array_view(&input.type_ids).map_err(err)?,
            ])
            .map_err(err)?;
        let logits = outputs
            .get("logits")
            .ok_or_else(|| "onnxruntime: the model has no `logits` output".to_string())?
            .try_extract_array::<f32>()
            .map_err(err)?;
        logits
            .into_dimensionality::<Ix3>()
            .map(|v| v.to_owned())
            .map_err(|_| "onnxruntime: logits are not [batch, seq, labels]".to_string())
    }
}
