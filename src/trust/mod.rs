//! Trust rules and their evaluation: "would this system exchange this token, and if not, why?"
//! Pure: callers pass rule text and claims in, and "now".
//!
//! Public face: the [`Rule`] trait (one implementation per trust system), [`Verdict`] and its
//! parts, and [`hints`] shared by the evaluators.

pub mod cel;
pub mod gcp;
pub mod hints;
pub mod kubernetes;
pub mod verdict;
pub mod yaml;

pub use verdict::{Check, Hint, Outcome, RuleId, RuleKind, RuleLint, Verdict};

use crate::token::Claims;

/// A parsed trust rule, compiled once and evaluated against many claim sets.
pub trait Rule: Send + Sync {
    fn id(&self) -> &RuleId;

    /// Evaluates the rule as the real system would at `now` (seconds since the epoch). The
    /// verdict carries the rule's lints too.
    fn evaluate(&self, claims: &Claims, now: i64) -> Verdict;

    /// What is risky about the rule itself, independent of any token.
    fn lints(&self) -> Vec<RuleLint>;
}
