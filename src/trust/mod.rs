//! Trust rules and their evaluation: "would this system exchange this token, and if not, why?"
//! Pure: callers pass rule text and claims in, and "now".
//!
//! Public face: the [`Rule`] trait (one implementation per trust system), [`Verdict`] and its
//! parts, and [`hints`] shared by the evaluators. Evaluators: [`vault`] (Vault JWT roles),
//! [`entra`] (Entra federated identity credentials), [`expect`] (`--expect` on the command line);
//! [`wildcard`] holds their glob matchers.

pub mod entra;
pub mod expect;
pub mod hints;
pub mod scaffold;
pub mod vault;
pub mod verdict;
pub mod wildcard;

pub use verdict::{Check, Hint, Outcome, RuleId, RuleKind, RuleLint, Verdict};

use crate::token::Claims;

/// A parsed trust rule, compiled once and evaluated against many claim sets.
pub trait Rule: Send + Sync {
    fn id(&self) -> &RuleId;

    /// Evaluates the rule as the real system would at `now` (seconds since the epoch). The
    /// verdict carries the rule's lints too.
    fn evaluate(&self, claims: &Claims, now: i64) -> Verdict;

    /// The outcome alone, exactly as [`Rule::evaluate`] would decide it. Evaluators override it
    /// with a path that builds no checks, for matrices over large token corpora.
    fn outcome(&self, claims: &Claims, now: i64) -> Outcome {
        self.evaluate(claims, now).outcome
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
