//! Where the model folder is, when nobody names it.
//!
//! In order, the first folder holding a `MANIFEST`:
//! 1. `ANONYMIST_MODEL_DIR` (a variable that names a folder is used even
//!    when the folder is broken: loading then says what is wrong with it);
//! 2. `models/` in the current directory (a checkout);
//! 3. next to the executable: `models/`, then `../share/anonymist/models/`
//!    (what `scripts/install` lays out: `PREFIX/bin/anonymist` and
//!    `PREFIX/share/anonymist/models`), then `../../models/`
//!    (`target/release/anonymist` in a checkout);
//! 4. the user's data directory: `$XDG_DATA_HOME/anonymist/models`, else
//!    `~/.local/share/anonymist/models` (on macOS also
//!    `~/Library/Application Support/anonymist/models`).
//!
//! The source checkout a binary was built from is not searched: a binary
//! that works only while that folder exists breaks when it moves.

use std::path::PathBuf;

/// The environment variable that names the model folder.
pub const MODEL_DIR_ENV: &str = "ANONYMIST_MODEL_DIR";

/// The folders searched, in order (see the module doc).
pub fn candidates() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os(MODEL_DIR_ENV).filter(|v| !v.is_empty()) {
        dirs.push(PathBuf::from(d));
    }
    dirs.push(PathBuf::from("models"));
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        dirs.push(dir.join("models"));
        dirs.push(dir.join("../share/anonymist/models"));
        dirs.push(dir.join("../../models"));
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(d) => dirs.push(PathBuf::from(d).join("anonymist/models")),
        None => {
            if let Some(h) = &home {
                dirs.push(h.join(".local/share/anonymist/models"));
            }
        }
    }
    if cfg!(target_os = "macos")
        && let Some(h) = &home
    {
        dirs.push(h.join("Library/Application Support/anonymist/models"));
    }
    dirs
}

/// The model folder: the first of [`candidates`] that holds a `MANIFEST`
/// (or the one `ANONYMIST_MODEL_DIR` names, whatever it holds). `Err` lists
/// every folder searched.
pub fn find() -> Result<PathBuf, Vec<PathBuf>> {
    let dirs = candidates();
    if std::env::var_os(MODEL_DIR_ENV).is_some_and(|v| !v.is_empty()) {
        return Ok(dirs[0].clone());
    }
    match dirs.iter().find(|d| d.join("MANIFEST").is_file()) {
        Some(d) => Ok(d.clone()),
        None => Err(dirs),
    }
}
