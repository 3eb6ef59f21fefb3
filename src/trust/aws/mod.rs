//! AWS IAM role trust policies for `sts:AssumeRoleWithWebIdentity`.
//!
//! Public face:
//! - [`detect`] / [`parse`]: the loader's entry for a trust policy document or `aws iam
//!   get-role` output (policy possibly URL-encoded) → one [`TrustPolicy`] rule;
//! - [`parse_policy`] → [`TrustPolicy`], whose [`TrustPolicy::with_providers`] takes the
//!   [`OidcProvider`]s read by [`detect_provider`] / [`parse_provider`] (`aws iam
//!   get-open-id-connect-provider` output: client IDs for the audience check);
//! - [`evaluate_condition`] for one condition over any [`RequestContext`] (used by tests and
//!   conformance runs with plain request contexts).

mod condition;
mod context;
mod document;
mod evaluate;
pub(crate) mod hints;
mod keys;
mod lints;
mod pattern;
mod provider;
pub mod symbolic_view;

use serde_json::Value;

#[cfg(test)]
mod tests;

pub use condition::{Tri, parse_operator};
pub use context::{Absence, Lookup, RequestContext, Values};
pub use evaluate::TrustPolicy;
#[cfg(test)]
pub(crate) use pattern::eq_ignore_case;
pub(crate) use pattern::simple_fold;
pub use provider::OidcProvider;

use crate::trust::Rule;

/// Is `value` a trust policy or `get-role` output?
pub fn detect(value: &Value) -> bool {
    document::looks_like_policy(value)
}

/// A trust policy (or `get-role` output) as a rule, without provider information.
pub fn parse(value: &Value, file: Option<&str>) -> Result<Vec<Box<dyn Rule>>, String> {
    Ok(vec![Box::new(parse_policy(value, file)?)])
}

pub fn parse_policy(value: &Value, file: Option<&str>) -> Result<TrustPolicy, String> {
    Ok(TrustPolicy::new(document::parse_policy(value)?, file))
}

/// Is `value` `aws iam get-open-id-connect-provider` output?
pub fn detect_provider(value: &Value) -> bool {
    provider::looks_like_provider(value)
}

pub fn parse_provider(value: &Value, file: Option<&str>) -> Result<OidcProvider, String> {
    provider::parse_provider(value, file)
}

/// Evaluates one `"Operator": {"key": values}` condition against `context` with IAM semantics;
/// `variables` says whether the policy version has policy variables (2012-10-17).
pub fn evaluate_condition(
    operator: &str,
    key: &str,
    values: &[String],
    variables: bool,
    context: &dyn RequestContext,
) -> Result<Tri, String> {
    let operator = parse_operator(operator)?;
    let values: Vec<condition::PolicyValue> = values
        .iter()
        .map(|written| condition::PolicyValue {
            template: pattern::Template::parse(written, variables),
            written: written.clone(),
        })
        .collect();
    Ok(condition::evaluate_key(operator, &context::ParsedKey::new(key), &values, context).result)
}
