//! Tells the tests which optional pieces are here, as cfg flags, so that a
//! test needing a missing piece is reported as ignored (with the reason)
//! instead of passing without checking anything:
//! - `anonymist_ort`: ONNX Runtime, in `.ort/` (`scripts/fetch-onnxruntime`)
//!   or the file `ORT_DYLIB_PATH` names;
//! - `anonymist_eval`: the evaluation kit in `../shared/eval`;
//! - `anonymist_test_venv`: the venv with the `mistralai` client in
//!   `target/test-venv` (`scripts/setup-test-venv target/test-venv`) or
//!   `ANONYMIST_TEST_VENV`.
//!
//! `ANONYMIST_REQUIRE_ALL=1` (set by `.ci/run`) sets all three whatever is
//! here, so in CI a missing piece fails its tests. Cargo treats a missing
//! `rerun-if-changed` path as changed on every build (a rebuild each time), so
//! only the pieces found are watched; the two setup scripts touch this file so
//! that a piece installed later is noticed.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for var in [
        "ANONYMIST_REQUIRE_ALL",
        "ORT_DYLIB_PATH",
        "ANONYMIST_TEST_VENV",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let env = |var| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let venv = env("ANONYMIST_TEST_VENV").unwrap_or_else(|| "target/test-venv".into());
    // Relative paths are from the crate root, where build scripts run.
    let pieces: [(&str, Vec<PathBuf>); 3] = [
        (
            "anonymist_ort",
            [".ort/libonnxruntime.so.1.31.1".into()]
                .into_iter()
                .chain(env("ORT_DYLIB_PATH"))
                .collect(),
        ),
        (
            "anonymist_eval",
            vec!["../shared/eval/presidio_synth_v2.jsonl".into()],
        ),
        ("anonymist_test_venv", vec![venv.join("bin/python")]),
    ];
    let require_all = std::env::var_os("ANONYMIST_REQUIRE_ALL").is_some_and(|v| v == "1");
    for (flag, paths) in pieces {
        println!("cargo::rustc-check-cfg=cfg({flag})");
        let mut here = false;
        for path in paths.iter().filter(|p| p.is_file()) {
            println!("cargo::rerun-if-changed={}", path.display());
            here = true;
        }
        if here || require_all {
            println!("cargo::rustc-cfg={flag}");
        }
    }
}
