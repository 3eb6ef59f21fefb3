//! Shared test helpers: generated keys, a loopback HTTP server, scratch directories.

#![allow(dead_code)]

pub mod keys;
pub mod server;
pub mod tls;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use claimcheck::keys::{HttpSettings, Settings};
use claimcheck::token::{Limits, Token, decode};

/// A fresh empty directory under the system temp dir, unique per test.
pub fn scratch_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("claimcheck-test-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Settings for tests: no disk cache unless asked, short timeouts so hostile servers end fast.
pub fn settings() -> Settings {
    Settings {
        http: HttpSettings {
            connect_timeout: Duration::from_secs(2),
            total_timeout: Duration::from_secs(2),
            ..HttpSettings::default()
        },
        ..Settings::default()
    }
}

pub fn token(compact: &str) -> Token {
    decode(compact, &Limits::default()).unwrap()
}

pub const NOW: i64 = 1_800_000_000;
