//! Conversation vaults: one pseudonym mapping kept across the turns of a
//! conversation (named by a header), bounded in time and size, optionally
//! persisted to a file encrypted with ChaCha20-Poly1305.
//!
//! Scope: a conversation is keyed by the caller's credential (a SHA-256 of
//! the `Authorization` header) *and* the conversation id, so two tenants
//! using the same id never share a mapping.

use crate::anonymize::Vault;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where and how conversation vaults are kept.
#[derive(Clone)]
pub struct StoreConfig {
    pub ttl: Duration,
    pub max_conversations: usize,
    /// File to persist to, and the 32-byte key to encrypt it with.
    pub persist: Option<(PathBuf, [u8; 32])>,
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("ttl", &self.ttl)
            .field("max_conversations", &self.max_conversations)
            .field("persist", &self.persist.as_ref().map(|(p, _)| p))
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    vault: Vault,
    /// Seconds since the Unix epoch of the last use.
    last_used: u64,
}

/// The conversation vaults of a server.
pub struct ConversationStore {
    config: StoreConfig,
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read the vault file {0}: {1}")]
    Read(String, std::io::Error),
    #[error("cannot write the vault file {0}: {1}")]
    Write(String, std::io::Error),
    #[error("the vault file {0} cannot be decrypted: wrong ANONYMIST_VAULT_KEY or a corrupt file")]
    Decrypt(String),
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The store key of a conversation: credential hash + id.
pub fn scope_key(authorization: Option<&str>, conversation: &str) -> String {
    let mut h = Sha256::new();
    h.update(authorization.unwrap_or("").as_bytes());
    h.update([0u8]);
    h.update(conversation.as_bytes());
    hex::encode(h.finalize())
}

impl ConversationStore {
    /// A store; loads the persisted file if there is one.
    pub fn open(config: StoreConfig) -> Result<Self, StoreError> {
        let mut entries = HashMap::new();
        if let Some((path, key)) = &config.persist
            && path.exists()
        {
            let data =
                std::fs::read(path).map_err(|e| StoreError::Read(path.display().to_string(), e))?;
            let plain = decrypt(key, &data)
                .ok_or_else(|| StoreError::Decrypt(path.display().to_string()))?;
            entries = serde_json::from_slice(&plain)
                .map_err(|_| StoreError::Decrypt(path.display().to_string()))?;
        }
        let store = ConversationStore {
            config,
            entries: Mutex::new(entries),
        };
        store.evict();
        Ok(store)
    }

    /// Runs `f` on the conversation's vault (a new one if unknown or
    /// expired), then keeps the vault.
    pub fn with_vault<R>(&self, key: &str, f: impl FnOnce(&mut Vault) -> R) -> R {
        let mut entries = match self.entries.lock() {
            Ok(e) => e,
            Err(poisoned) => poisoned.into_inner(),
        };
        let t = now();
        let ttl = self.config.ttl.as_secs();
        let entry = entries.entry(key.to_string()).or_insert_with(|| Entry {
            vault: Vault::new(),
            last_used: t,
        });
        if t.saturating_sub(entry.last_used) > ttl {
            entry.vault = Vault::new();
        }
        entry.last_used = t;
        let r = f(&mut entry.vault);
        if entries.len() > self.config.max_conversations {
            Self::evict_locked(&mut entries, ttl, self.config.max_conversations);
        }
        r
    }

    /// Number of conversations held.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn evict(&self) {
        if let Ok(mut e) = self.entries.lock() {
            Self::evict_locked(
                &mut e,
                self.config.ttl.as_secs(),
                self.config.max_conversations,
            );
        }
    }

    /// Drops expired conversations, then the least recently used ones until
    /// the size bound holds.
    fn evict_locked(entries: &mut HashMap<String, Entry>, ttl: u64, max: usize) {
        let t = now();
        entries.retain(|_, e| t.saturating_sub(e.last_used) <= ttl);
        if entries.len() > max {
            let mut by_age: Vec<(u64, String)> = entries
                .iter()
                .map(|(k, e)| (e.last_used, k.clone()))
                .collect();
            by_age.sort();
            for (_, k) in by_age.into_iter().take(entries.len() - max) {
                entries.remove(&k);
            }
        }
    }

    /// Writes the encrypted file, if persistence is on.
    pub fn persist(&self) -> Result<(), StoreError> {
        let Some((path, key)) = &self.config.persist else {
            return Ok(());
        };
        self.evict();
        let plain = {
            let e = self
                .entries
                .lock()
                .map_err(|_| StoreError::Decrypt(path.display().to_string()))?;
            serde_json::to_vec(&*e).map_err(|e| {
                StoreError::Write(path.display().to_string(), std::io::Error::other(e))
            })?
        };
        let data = encrypt(key, &plain);
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, data).map_err(|e| StoreError::Write(tmp.display().to_string(), e))?;
        std::fs::rename(&tmp, path).map_err(|e| StoreError::Write(path.display().to_string(), e))
    }
}

/// `nonce (12 bytes) || ciphertext+tag`.
fn encrypt(key: &[u8; 32], plain: &[u8]) -> Vec<u8> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    let mut nonce = [0u8; 12];
    getrandom::getrandom(&mut nonce).expect("the OS random source works");
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), plain)
        .expect("encryption of a buffer cannot fail");
    let mut out = nonce.to_vec();
    out.extend(ct);
    out
}

fn decrypt(key: &[u8; 32], data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 12 {
        return None;
    }
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    cipher
        .decrypt(Nonce::from_slice(&data[..12]), &data[12..])
        .ok()
}

/// Parses a 32-byte key given as 64 hex digits or standard base64.
pub fn parse_key(s: &str) -> Option<[u8; 32]> {
    use base64::Engine as _;
    let s = s.trim();
    let bytes = hex::decode(s)
        .ok()
        .or_else(|| base64::engine::general_purpose::STANDARD.decode(s).ok())?;
    bytes.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::Entity;

    fn config(persist: Option<(PathBuf, [u8; 32])>) -> StoreConfig {
        StoreConfig {
            ttl: Duration::from_secs(3600),
            max_conversations: 2,
            persist,
        }
    }

    #[test]
    fn one_mapping_per_conversation_and_scopes_do_not_mix() {
        let store = ConversationStore::open(config(None)).expect("store");
        let a = scope_key(Some("Bearer a"), "c1");
        let b = scope_key(Some("Bearer b"), "c1");
        let t1 = store.with_vault(&a, |v| v.pseudonym(&Entity::PERSON, "Ann"));
        let t2 = store.with_vault(&a, |v| v.pseudonym(&Entity::PERSON, "Ann"));
        assert_eq!(t1, t2);
        assert_eq!(
            store.with_vault(&b, |v| v.original("<PERSON_1>").map(str::to_string)),
            None
        );
    }

    #[test]
    fn size_bound_evicts_least_recently_used() {
        let store = ConversationStore::open(config(None)).expect("store");
        for k in ["a", "b", "c"] {
            store.with_vault(k, |v| v.pseudonym(&Entity::PERSON, k));
        }
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn persisted_file_is_encrypted_and_reloads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vault.bin");
        let key = [7u8; 32];
        let store = ConversationStore::open(config(Some((path.clone(), key)))).expect("store");
        store.with_vault("k", |v| v.pseudonym(&Entity::PERSON, "Ann Secretname"));
        store.persist().expect("persist");
        let raw = std::fs::read(&path).expect("file");
        assert!(
            !raw.windows(10).any(|w| w == b"Secretname"),
            "plaintext on disk"
        );
        let again = ConversationStore::open(config(Some((path.clone(), key)))).expect("reload");
        assert_eq!(
            again
                .with_vault("k", |v| v.original("<PERSON_1>").map(str::to_string))
                .as_deref(),
            Some("Ann Secretname")
        );
        let wrong = ConversationStore::open(config(Some((path, [8u8; 32]))));
        assert!(matches!(wrong, Err(StoreError::Decrypt(_))));
    }

    #[test]
    fn keys_parse_from_hex_or_base64() {
        assert_eq!(parse_key(&"ab".repeat(32)), Some([0xab; 32]));
        assert!(parse_key("short").is_none());
    }
}
