//! claimcheck: explains why an OIDC token was refused.
//!
//! Data flows one way (docs/ARCHITECTURE.md §3): `source` → `token` → `keys`/`trust` → `report` → `cli`/`tui`.
//! `token` and `trust` are pure; everything with I/O sits at the edges.

pub mod app;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod demo;
pub mod explain;
pub mod keys;
pub mod preview;
pub mod report;
pub mod source;
pub mod token;
pub mod trust;
pub mod tui;

/// Selects aws-lc-rs as jsonwebtoken's crypto backend. Idempotent; call before signing or
/// verifying. Without it jsonwebtoken panics whenever Cargo feature unification leaves it with
/// both backends or neither (docs/STACK.md §2.1).
pub fn install_crypto_provider() {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
}
