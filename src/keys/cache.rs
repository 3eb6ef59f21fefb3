//! The on-disk cache of key sets, one file per key source (an issuer, or a `--jwks` URL).
//! It holds public keys only (private members and symmetric keys are stripped before writing)
//! and never a token.

use std::path::{Path, PathBuf};

use aws_lc_rs::digest;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::jwks::public_only;

/// How long a key set is fresh when the server says nothing (10 minutes).
pub const DEFAULT_MAX_AGE_SECS: i64 = 600;
/// However long a server asks for, keys are revalidated at least daily, so a rotation that
/// removed a compromised key is seen.
pub const MAX_MAX_AGE_SECS: i64 = 86_400;
/// An unknown `kid` refetches a source at most this often (key rotation without hammering).
pub const ROTATION_REFETCH_INTERVAL_SECS: i64 = 60;

/// An entry holds a key set fetched within the 1 MiB cap, pretty-printed: twice that is ample.
const MAX_ENTRY_BYTES: u64 = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedKeys {
    /// The issuer (keys found by discovery) or the URL given with `--jwks`.
    pub source: String,
    pub jwks_uri: String,
    pub fetched_at: i64,
    pub max_age_secs: i64,
    #[serde(default)]
    pub etag: Option<String>,
    /// When an unknown `kid` last made us refetch this source.
    #[serde(default)]
    pub rotation_refetch_at: Option<i64>,
    pub jwks: Value,
}

impl CachedKeys {
    pub fn is_fresh(&self, now: i64) -> bool {
        now >= self.fetched_at && now - self.fetched_at < self.max_age_secs
    }
}

/// What `Cache-Control` allows: `None` for `no-store`, else the freshness lifetime in seconds.
pub fn freshness(cache_control: Option<&str>) -> Option<i64> {
    let Some(header) = cache_control else {
        return Some(DEFAULT_MAX_AGE_SECS);
    };
    let mut max_age = None;
    for directive in header.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        if directive == "no-store" {
            return None;
        }
        if directive == "no-cache" {
            max_age = Some(0);
        } else if let Some(value) = directive.strip_prefix("max-age=")
            && max_age != Some(0)
        {
            max_age = value.trim_matches('"').parse::<i64>().ok();
        }
    }
    Some(
        max_age
            .unwrap_or(DEFAULT_MAX_AGE_SECS)
            .clamp(0, MAX_MAX_AGE_SECS),
    )
}

#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
}

impl DiskCache {
    pub fn new(dir: PathBuf) -> DiskCache {
        DiskCache { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_for(&self, source: &str) -> PathBuf {
        let hash = digest::digest(&digest::SHA256, source.as_bytes());
        let name: String = hash.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(format!("{name}.json"))
    }

    /// A missing, unreadable or oversized entry is a cache miss.
    pub fn load(&self, source: &str) -> Option<CachedKeys> {
        let text = super::file::read_bounded(&self.path_for(source), MAX_ENTRY_BYTES).ok()?;
        let entry: CachedKeys = serde_json::from_slice(&text).ok()?;
        (entry.source == source).then_some(entry)
    }

    /// Best effort: a cache that cannot be written only costs a fetch next time.
    pub fn store(&self, entry: &CachedKeys) -> std::io::Result<()> {
        let mut entry = entry.clone();
        entry.jwks = public_only(&entry.jwks);
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path_for(&entry.source);
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        let text = serde_json::to_vec_pretty(&entry).expect("cache entries serialize");
        std::fs::write(&temporary, text)?;
        std::fs::rename(&temporary, &path)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cache_control_table() {
        // RFC 9111 §5.2.2: no-store forbids storing; no-cache requires revalidation; max-age.
        let cases = [
            (None, Some(600)),
            (Some("public, max-age=300"), Some(300)),
            (Some("max-age=\"120\""), Some(120)),
            (Some("max-age=31536000"), Some(86_400)),
            (Some("max-age=-5"), Some(0)),
            (Some("no-cache, max-age=300"), Some(0)),
            (Some("max-age=300, no-cache"), Some(0)),
            (Some("private, no-store"), None),
            (Some("max-age=abc"), Some(600)),
        ];
        for (header, expected) in cases {
            assert_eq!(freshness(header), expected, "{header:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_that_is_a_fifo_is_a_miss_not_a_hang() {
        let dir =
            std::env::temp_dir().join(format!("claimcheck-cache-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cache = DiskCache::new(dir.clone());
        let path = cache.path_for("https://issuer.example");
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        assert!(cache.load("https://issuer.example").is_none());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn entries_round_trip_without_private_members() {
        let dir =
            std::env::temp_dir().join(format!("claimcheck-cache-unit-{}", std::process::id()));
        let cache = DiskCache::new(dir.clone());
        let entry = CachedKeys {
            source: "https://issuer.example".into(),
            jwks_uri: "https://issuer.example/jwks".into(),
            fetched_at: 1_000,
            max_age_secs: 600,
            etag: Some("\"v1\"".into()),
            rotation_refetch_at: None,
            jwks: json!({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","d":"private"}]}),
        };
        cache.store(&entry).unwrap();
        let loaded = cache.load("https://issuer.example").unwrap();
        assert_eq!(
            loaded.jwks,
            json!({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})
        );
        assert!(loaded.is_fresh(1_599));
        assert!(!loaded.is_fresh(1_600));
        assert!(cache.load("https://other.example").is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
