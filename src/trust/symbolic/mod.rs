//! Who can get in: the callers a rule admits, and the callers a rule change lets in or shuts
//! out, for every possible token of the caller model rather than a corpus. Pure.
//!
//! Public face: [`compare`] (`preview --rules A --against B` without tokens), [`reach`]
//! (`who`), their documents [`Comparison`] and [`Reach`], and [`Budget`].
//!
//! How (docs/SEMANTICS.md §10): [`read`] lists, per rule, the claims it reads and the regular
//! languages it tests them against, mirroring the evaluators (`cel` follows GCP's and
//! Kubernetes' CEL expressions); `space` cuts each claim's strings
//! into atoms with one DFA per claim; `analyse` evaluates one witness per combination of atoms
//! with the concrete evaluators and merges the combinations whose verdict changes into regions.
//! Anything a rule does outside that fragment is "not proved", never guessed.

mod analyse;
mod cel;
pub mod lang;
pub mod read;
mod space;

#[cfg(test)]
mod cel_tests;
#[cfg(test)]
mod tests;

pub use analyse::{
    Budget, CALLER_MODEL, Comparison, Conclusion, Constraint, Reach, ReachLint, Region, compare,
    reach,
};
