//! Previewing a rule change against a corpus of tokens: "if I apply this policy, who loses
//! access, who gains it?"
//!
//! Public face: [`corpus::open`] / [`corpus::lines`] stream entries (decoded by
//! [`corpus::Unparsed::parse`], on the evaluating threads), [`matrix::evaluate`] turns
//! them and the current (and proposed) rules into a [`matrix::Preview`] of caller groups,
//! outcome counts and changes; [`group`] decides which tokens are one caller. Inside,
//! `memo` reuses outcomes across entries that agree on what the rules read, and `scan` reads
//! a JSON line for those claims only.

pub mod corpus;
pub mod group;
pub mod matrix;
mod memo;
#[cfg(test)]
mod memo_tests;
mod scan;
