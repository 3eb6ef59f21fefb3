//! Trust rules and their evaluation: "would this system exchange this token, and if not, why?"
//! Pure: callers pass rule text and claims in, and "now".
//!
//! Public face: the [`Rule`] trait (one implementation per trust system), [`Verdict`] and its
//! parts, [`load`] (rule files → rules, format detection), the evaluators ([`aws`], [`vault`],
//! [`entra`], [`expect`] for `--expect`), the hints shared by them ([`hints`], [`github_hints`]),
//! [`wildcard`] (glob matchers), [`refusal`] (what each system answers a token whose
//! signature failed) and [`scaffold`] (least-privilege rules for a token). GCP
//! ([`gcp`]) and Kubernetes ([`kubernetes`]) rules use CEL through [`cel`]; [`yaml`] reads YAML
//! rule files.

pub mod aws;
pub mod cel;
pub mod cfn;
pub mod entra;
pub(crate) mod expect;
pub mod gcp;
pub(crate) mod github_hints;
pub mod hints;
pub(crate) mod kubernetes;
pub mod load;
pub(crate) mod refusal;
pub mod resource;
pub mod scaffold;
pub(crate) mod strings;
pub mod symbolic;
pub mod terraform;
pub mod vault;
pub(crate) mod verdict;
pub(crate) mod wildcard;
pub(crate) mod yaml;

pub use verdict::{Check, Hint, Outcome, RuleId, RuleKind, RuleLint, Verdict};

use crate::token::Claims;

/// What decides a rule's outcome; see [`Rule::reads`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    /// Top-level claim names, exactly as the rule looks them up; their values (or absence)
    /// count whole.
    pub claims: Vec<String>,
    /// Whether the instant counts (beyond [`Reads::expiry`]).
    pub now: bool,
    /// A claim (not among [`Reads::claims`]) that counts only through whether the instant is
    /// before it, read as an integer NumericDate (`Value::as_i64`; anything else counts as
    /// absent): an expiry check. Corpus entries each with their own `exp` and instant then
    /// still share an outcome.
    pub expiry: Option<String>,
}

impl Reads {
    pub fn new(claims: impl IntoIterator<Item = impl Into<String>>, now: bool) -> Reads {
        let mut claims: Vec<String> = claims.into_iter().map(Into::into).collect();
        claims.sort();
        claims.dedup();
        Reads {
            claims,
            now,
            expiry: None,
        }
    }

    /// These reads with `claim` an expiry ([`Reads::expiry`]), unless the rule reads it whole.
    pub fn with_expiry(mut self, claim: &str) -> Reads {
        if !self.claims.iter().any(|c| c == claim) {
            self.expiry = Some(claim.to_owned());
        }
        self
    }
}

/// A parsed trust rule, compiled once and evaluated against many claim sets.
pub trait Rule: std::any::Any + Send + Sync {
    fn id(&self) -> &RuleId;

    /// Evaluates the rule as the real system would at `now` (seconds since the epoch). The
    /// verdict carries the rule's lints too.
    fn evaluate(&self, claims: &Claims, now: i64) -> Verdict;

    /// [`Rule::evaluate`] for a caller that has the token's JOSE header, so evaluators that
    /// also check it (Vault's `alg` against `jwt_supported_algs`) can. Claim sets without a
    /// header (JSON-lines what-ifs) go through [`Rule::evaluate`], which says what it skipped.
    fn evaluate_with_header(&self, header: &Claims, claims: &Claims, now: i64) -> Verdict {
        let _ = header;
        self.evaluate(claims, now)
    }

    /// The outcome alone, for callers that evaluate many claim sets and show only the matrix
    /// (e.g. `preview`). Must equal `evaluate(claims, now).outcome`; an evaluator may override
    /// it with a path that skips building explanations.
    fn outcome(&self, claims: &Claims, now: i64) -> Outcome {
        self.evaluate(claims, now).outcome
    }

    /// What [`Rule::outcome`] depends on, for callers that evaluate many claim sets and reuse
    /// an outcome for claim sets that agree on it (`preview` over a corpus of many runs of few
    /// workflows). `None` (the default) when the rule cannot state it exactly: it then has to
    /// be evaluated for every claim set. A rule that answers must be exact: any two claim sets
    /// that hold the same values (or the same absences) under these names get the same outcome
    /// at the same `now` (at any `now` when [`Reads::now`] is false, as long as `now` is on
    /// the same side of the [`Reads::expiry`] claim, if any). Naming more claims than
    /// the rule reads is sound; naming fewer is a false answer waiting to happen.
    fn reads(&self) -> Option<Reads> {
        None
    }

    /// What is risky about the rule itself, independent of any token.
    fn lints(&self) -> Vec<RuleLint>;

    /// Rules that report the same key are alternatives: the real system accepts the token when
    /// ANY of them allows (the federated credentials of one Entra application). Callers
    /// combining outcomes (exit codes, summaries) should treat such a group as one decision.
    fn any_of(&self) -> Option<&str> {
        None
    }
}
