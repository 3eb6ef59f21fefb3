//! Whether the identity a token maps to is a given IAM member (the principal in a role
//! binding, e.g. for `roles/iam.workloadIdentityUser`). Forms (terraform-provider-google
//! `iam_workload_identity_pool_provider.html.markdown@122d64a`):
//! * `principal://iam.googleapis.com/projects/<n>/locations/global/workloadIdentityPools/<pool>/subject/<google.subject>`
//! * `principalSet://…/workloadIdentityPools/<pool>/group/<one of google.groups>`
//! * `principalSet://…/workloadIdentityPools/<pool>/attribute.<name>/<value>`
//! * `principalSet://…/workloadIdentityPools/<pool>/*` (every identity in the pool)

use serde_json::{Value, json};

use super::audience::ResourceName;
use super::rule::{GcpProvider, Mapped};
use crate::token::Claims;
use crate::trust::hints::string_mismatch_hints;
use crate::trust::strings::strings_in;
use crate::trust::{Check, Hint};

/// Would this token's mapped identity be `member`? Maps the token with the provider's
/// attribute mapping; does not repeat the provider's own checks (see its verdict for those).
pub fn member_check(provider: &GcpProvider, member: &str, claims: &Claims) -> Check {
    check_mapped(provider, member, &provider.map_attributes(claims))
}

enum Selector<'a> {
    Subject(&'a str),
    Group(&'a str),
    Attribute(&'a str, &'a str),
    All,
}

fn split_member(member: &str) -> Option<(&str, Selector<'_>)> {
    let (is_set, rest) = if let Some(rest) = member.strip_prefix("principal://iam.googleapis.com/")
    {
        (false, rest)
    } else {
        (
            true,
            member.strip_prefix("principalSet://iam.googleapis.com/")?,
        )
    };
    let pool_end = rest.find("/workloadIdentityPools/")? + "/workloadIdentityPools/".len();
    let after_pool = &rest[pool_end..];
    let (pool_id, selector) = after_pool.split_once('/').unwrap_or((after_pool, ""));
    let pool = &rest[..pool_end + pool_id.len()];
    let selector = match (is_set, selector) {
        (false, s) => Selector::Subject(s.strip_prefix("subject/")?),
        (true, "*") => Selector::All,
        (true, s) => match s.strip_prefix("group/") {
            Some(group) => Selector::Group(group),
            None => {
                let (name, value) = s.strip_prefix("attribute.")?.split_once('/')?;
                Selector::Attribute(name, value)
            }
        },
    };
    Some((pool, selector))
}

pub(super) fn check_mapped(provider: &GcpProvider, member: &str, mapped: &Mapped) -> Check {
    // The whole member is long (the pool's full name); the condition names the pool and what
    // the member selects, and the expected column holds the selected value.
    let condition = match split_member(member) {
        Some((pool, selector)) => {
            let pool_id = pool.rsplit('/').next().unwrap_or(pool);
            let selects = match selector {
                Selector::Subject(_) => "principal …/subject".to_owned(),
                Selector::Group(_) => "principalSet …/group".to_owned(),
                Selector::Attribute(name, _) => format!("principalSet …/attribute.{name}"),
                Selector::All => "principalSet …/* (the whole pool)".to_owned(),
            };
            format!("IAM member {selects} in pool {pool_id}")
        }
        None => format!("IAM member {member}"),
    };
    let Some((member_pool, selector)) = split_member(member) else {
        return Check::failed(condition, vec![json!(member)], None).with_note(
            "not a workload identity member; expected principal://iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/subject/<subject> or principalSet://…/group/<group>, …/attribute.<name>/<value>, …/*",
        );
    };
    let mut hints = Vec::new();
    let mut pool_ok = true;
    let mut note = None;
    match provider.config().name.as_deref().and_then(ResourceName::parse) {
        Some(rule) => {
            let rule_pool = format!("projects/{}/locations/{}/workloadIdentityPools/{}", rule.project, rule.location, rule.pool);
            if rule_pool != member_pool {
                pool_ok = false;
                hints.push(Hint::new(
                    "gcp-member-other-pool",
                    format!("the member names pool {member_pool}, the provider belongs to {rule_pool}"),
                ));
                if let Some(m) = ResourceName::parse(member_pool)
                    && !m.project_is_number()
                {
                    hints.push(Hint::new(
                        "gcp-project-id-not-number",
                        format!("the member names the project by ID ('{}'); principal identifiers use the project NUMBER", m.project),
                    ));
                }
            }
        }
        None => note = Some("the rule file does not give the provider's resource name, so the member's pool was not compared".to_owned()),
    }
    let (expected, actual, matched) = match selector {
        Selector::All => (json!("any identity of the pool"), None, true),
        Selector::Subject(subject) => {
            let actual = mapped.google.get("subject").cloned();
            if let Some(Value::String(have)) = &actual {
                hints.extend(string_mismatch_hints(subject, have));
            }
            let matched = actual.as_ref().and_then(Value::as_str) == Some(subject);
            (json!(subject), actual, matched)
        }
        Selector::Group(group) => {
            let actual = mapped.google.get("groups").cloned();
            let matched = contains(actual.as_ref(), group);
            (json!(group), actual, matched)
        }
        Selector::Attribute(name, value) => {
            let actual = mapped.attribute.get(name).cloned();
            if actual.is_none() {
                hints.push(Hint::new(
                    "gcp-attribute-not-mapped",
                    format!("the provider maps no attribute.{name} (or its mapping failed) for this token"),
                ));
            } else if let Some(Value::String(have)) = &actual {
                hints.extend(string_mismatch_hints(value, have));
            }
            let matched = contains(actual.as_ref(), value);
            (json!(value), actual, matched)
        }
    };
    Check::passed_if(pool_ok && matched, condition, vec![expected], actual)
        .with_hints(hints)
        .with_note_if(note)
}

/// A string attribute equals the value; a list attribute contains it.
fn contains(actual: Option<&Value>, wanted: &str) -> bool {
    strings_in(actual).contains(&wanted)
}
