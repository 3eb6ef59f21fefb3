//! The TUI's boundary to rule loading and signature verification. The app is handed an
//! [`Engine`]; the TUI never names a concrete loader or verifier, so plugging in
//! `trust::load` and the `keys` verifier is one implementation of this trait (`app::Live`).

use std::path::Path;
use std::sync::Arc;

use crate::report::SignatureReport;
use crate::token::{Form, Token};
use crate::trust::Rule;

/// Why a rule file yielded no rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadFailure {
    /// The file is not a rule the loader understands (parse error, unknown shape).
    Invalid(String),
}

impl LoadFailure {
    pub fn message(&self) -> &str {
        match self {
            LoadFailure::Invalid(m) => m,
        }
    }
}

pub type Rules = Vec<Arc<dyn Rule>>;

pub trait Engine: Send + Sync {
    /// Parses the text of one rule file (which may hold several rules). Pure; called on the
    /// worker thread after the file is read.
    fn load_rules(&self, path: &Path, text: &str) -> Result<Rules, LoadFailure>;

    /// Checks the token's signature. May use the network; called on the worker thread.
    fn verify(&self, token: &Token) -> SignatureReport;

    /// Whether the file at `path`, as last loaded, serves the other rule files rather than
    /// holding rules (an AWS provider document, whose client IDs join the trust policies): they
    /// are loaded again after it.
    fn joins_others(&self, path: &Path) -> bool {
        let _ = path;
        false
    }

    /// The rule file at `path` as a `--rules` argument, with the `KIND:` prefix it was given
    /// with (`vault:role.json`, `tfplan:plan.json`), so that work that reads the file afresh
    /// (the Regions list's analysis) reads it as the view does.
    fn rule_argument(&self, path: &Path) -> String {
        path.to_string_lossy().into_owned()
    }

    /// Takes a key given in the view (a secret, `@FILE`, a key set URL) for `issuer`'s tokens
    /// for the rest of the session; `Ok` says what was pinned, `Err` why nothing was.
    fn give_key(&self, issuer: Option<&str>, given: &str) -> Result<String, String> {
        let _ = (issuer, given);
        Err("this view was started without keys".to_owned())
    }
}

/// An engine that only decodes: it loads no rule file and verifies no signature, and says so.
/// For views that need neither (tests of the screens and the worker); the program runs on
/// `app::Live`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standalone;

impl Engine for Standalone {
    fn load_rules(&self, _path: &Path, _text: &str) -> Result<Rules, LoadFailure> {
        Err(LoadFailure::Invalid(
            "not loaded: this view was started without a rule loader".to_owned(),
        ))
    }

    fn verify(&self, token: &Token) -> SignatureReport {
        let reason = match token.form() {
            Form::Unsecured => "the token is unsigned (alg none): there is nothing to verify",
            Form::Encrypted => "the token is encrypted (JWE); its signature, if any, is inside",
            Form::Signed => "not verified: this view was started without keys",
        };
        SignatureReport::not_checked(reason)
    }
}
