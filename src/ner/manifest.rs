//! `models/MANIFEST`: the sha256 of every model file, checked before use.
//!
//! The format is the one `sha256sum` writes and `sha256sum -c` reads: one
//! `HEX  relative/path` per line; blank lines and `#` comments are ignored.

use super::error::NerError;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The manifest's file name inside the model folder.
pub const MANIFEST: &str = "MANIFEST";

/// The files the detector reads besides the network; each must be listed in
/// the manifest. The network is the one listed file that ends in `.onnx`
/// (`onnx/model_q4.onnx` in Rampart's folder, `onnx/model_int8.onnx` in ours).
pub const REQUIRED: [&str; 2] = ["tokenizer.json", "config.json"];

/// The verified model folder: every listed file was hashed, and the bytes of
/// the required files are kept so that what was checked is what gets used.
pub struct VerifiedModel {
    /// The model folder.
    pub dir: PathBuf,
    /// The network's path inside the folder (the one listed `.onnx` file).
    pub onnx: String,
    /// `relative path -> (sha256 hex, bytes)` for the files in [`REQUIRED`]
    /// and the network.
    pub files: BTreeMap<String, (String, Vec<u8>)>,
}

impl VerifiedModel {
    /// The bytes of a required file.
    pub fn bytes(&self, name: &str) -> &[u8] {
        self.files
            .get(name)
            .map(|(_, b)| b.as_slice())
            .unwrap_or(&[])
    }

    /// The sha256 (hex) of a required file.
    pub fn sha256(&self, name: &str) -> &str {
        self.files.get(name).map(|(h, _)| h.as_str()).unwrap_or("")
    }

    /// The absolute-or-relative path of a file in the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// The lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn read(path: &Path) -> Result<Vec<u8>, NerError> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            NerError::FileMissing {
                path: path.to_path_buf(),
            }
        } else {
            NerError::FileRead {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Parses `MANIFEST` text into `relative path -> sha256`.
pub fn parse(text: &str, path: &Path) -> Result<BTreeMap<String, String>, NerError> {
    let invalid = |reason: String| NerError::ManifestInvalid {
        path: path.to_path_buf(),
        reason,
    };
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (digest, name) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| invalid(format!("line {} has no file name", n + 1)))?;
        let name = name.trim().trim_start_matches('*');
        let ok_digest = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
        let ok_name =
            !name.is_empty() && !name.starts_with('/') && !name.split('/').any(|part| part == "..");
        if !ok_digest || !ok_name {
            return Err(invalid(format!(
                "line {} is not `SHA256  relative/path`",
                n + 1
            )));
        }
        out.insert(name.to_string(), digest.to_ascii_lowercase());
    }
    Ok(out)
}

/// Checks every file listed in `dir/MANIFEST` and returns the required files'
/// bytes. Cost: one read and one sha256 pass over each listed file (about
/// 15 MB, tens of milliseconds).
pub fn verify(dir: &Path) -> Result<VerifiedModel, NerError> {
    if !dir.is_dir() {
        return Err(NerError::ModelDirMissing {
            dir: dir.to_path_buf(),
        });
    }
    let manifest_path = dir.join(MANIFEST);
    let text = match std::fs::read_to_string(&manifest_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(NerError::ManifestMissing {
                path: manifest_path,
            });
        }
        Err(source) => {
            return Err(NerError::FileRead {
                path: manifest_path,
                source,
            });
        }
    };
    let listed = parse(&text, &manifest_path)?;
    for name in REQUIRED {
        if !listed.contains_key(name) {
            return Err(NerError::ManifestInvalid {
                path: manifest_path,
                reason: format!("{name} is not listed"),
            });
        }
    }
    let mut onnx = listed.keys().filter(|n| n.ends_with(".onnx"));
    let onnx = match (onnx.next(), onnx.next()) {
        (Some(one), None) => one.clone(),
        (None, _) => {
            return Err(NerError::ManifestInvalid {
                path: manifest_path,
                reason: "no .onnx file is listed".into(),
            });
        }
        (Some(a), Some(b)) => {
            return Err(NerError::ManifestInvalid {
                path: manifest_path,
                reason: format!("more than one .onnx file is listed ({a}, {b})"),
            });
        }
    };
    let mut files = BTreeMap::new();
    for (name, want) in &listed {
        let path = dir.join(name);
        let bytes = read(&path)?;
        let got = sha256_hex(&bytes);
        if &got != want {
            return Err(NerError::FileCorrupt { path });
        }
        if REQUIRED.contains(&name.as_str()) || *name == onnx {
            files.insert(name.clone(), (got, bytes));
        }
    }
    Ok(VerifiedModel {
        dir: dir.to_path_buf(),
        onnx,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_sha256sum_format_and_comments() {
        let h = "a".repeat(64);
        let text = format!("# comment\n\n{h}  onnx/model_q4.onnx\n{h} *config.json\n");
        let m = parse(&text, Path::new("MANIFEST")).expect("valid manifest");
        assert_eq!(m.len(), 2);
        assert_eq!(m["config.json"], h);
    }

    #[test]
    fn parse_rejects_bad_digests_and_escaping_paths() {
        let h = "a".repeat(64);
        assert!(parse("abc  config.json", Path::new("M")).is_err());
        assert!(parse(&format!("{h}  ../etc/passwd"), Path::new("M")).is_err());
        assert!(parse(&format!("{h}  /etc/passwd"), Path::new("M")).is_err());
        assert!(parse(&h, Path::new("M")).is_err());
    }
}
