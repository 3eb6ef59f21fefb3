//! GCP workload identity federation: would this pool provider exchange the token, and would
//! the resulting identity be a given IAM member?
//!
//! Public face:
//! * [`detect`] / [`parse`]: the loader's contract (gcloud describe output as YAML or JSON,
//!   Terraform-style JSON). [`parse_with_member`] does the same and adds the IAM-member check
//!   to every verdict (the CLI's `--gcp-member`).
//! * [`GcpProvider`]: the [`Rule`](crate::trust::Rule); [`member_check`] answers "would this
//!   token's mapped identity be `principal://…/subject/X` or `principalSet://…/attribute.N/V`?"
//!   on its own.
//!
//! Checks run in the service's order: provider state, issuer, audience, expiry,
//! attribute mapping (`google.subject` required, ≤ 127 bytes), attribute condition, member.

mod audience;
mod member;
mod provider;
mod rule;

pub use audience::{ResourceName, default_audiences};
pub use member::member_check;
pub use rule::{GcpProvider, Mapped, SUBJECT_MAX_BYTES};

use serde_json::Value;

use crate::trust::Rule;

/// Whether `doc` looks like a workload identity pool provider.
pub fn detect(doc: &Value) -> bool {
    provider::looks_like_provider(doc)
}

pub fn parse(doc: &Value, file: Option<&str>) -> Result<Vec<Box<dyn Rule>>, String> {
    parse_with_member(doc, file, None)
}

/// Like [`parse`]; with `member` set (an IAM principal or principalSet), every verdict ends
/// with the check that the mapped identity is that member.
pub fn parse_with_member(
    doc: &Value,
    file: Option<&str>,
    member: Option<&str>,
) -> Result<Vec<Box<dyn Rule>>, String> {
    Ok(parse_providers(doc, file)?
        .into_iter()
        .map(|p| Box::new(p.with_member(member.map(str::to_owned))) as Box<dyn Rule>)
        .collect())
}

/// The providers in `doc` as their concrete type, for callers that need [`member_check`].
pub fn parse_providers(doc: &Value, file: Option<&str>) -> Result<Vec<GcpProvider>, String> {
    Ok(provider::read(doc)?
        .into_iter()
        .map(|config| GcpProvider::new(config, file))
        .collect())
}

#[cfg(test)]
mod tests;
