//! What each system answers when it refuses a token before reading any rule: its signature did
//! not verify. Every system checks the signature first (STS, Vault's cap validator, GCP STS,
//! Entra, the API server's OIDC authenticator), so a rule that would otherwise allow is never
//! reached. The words are each system's own where its documentation or code gives them.

use serde_json::json;

use super::verdict::{Check, Outcome, RuleKind, Verdict};

/// The condition name of the check every refused verdict starts with.
pub const SIGNATURE_CONDITION: &str = "signature";

struct Refusal {
    /// The system's error, as its callers see it.
    error: &'static str,
    /// Set when the system's wording for this case is not documented.
    unverified: Option<&'static str>,
}

fn refusal(kind: RuleKind) -> Refusal {
    match kind {
        // https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html (Errors)
        RuleKind::Aws => Refusal {
            error: "InvalidIdentityToken: The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.",
            unverified: None,
        },
        // hashicorp/cap jwt/jwt.go: the signature is the validator's first step.
        RuleKind::Vault => Refusal {
            error: "error validating token: error verifying token signature",
            unverified: None,
        },
        // GCP STS answers token-exchange refusals as OAuth errors (RFC 6749 §5.2, RFC 8693).
        RuleKind::Gcp => Refusal {
            error: "invalid_grant: the subject token's signature does not verify against the provider's keys",
            unverified: Some(
                "GCP STS answers invalid_grant; the exact error_description for a bad signature is not documented",
            ),
        },
        RuleKind::Entra => Refusal {
            error: "Entra refuses the client assertion: its signature does not verify against the issuer's published keys",
            unverified: Some(
                "the AADSTS code Entra gives for an assertion with a bad signature is not documented",
            ),
        },
        // kubernetes/apiserver plugin/pkg/authenticator/token/oidc/oidc.go wraps go-oidc's error;
        // the client sees 401 Unauthorized, the message is in the API server's log.
        RuleKind::Kubernetes => Refusal {
            error: "401 Unauthorized (API server log: oidc: verify token: failed to verify signature)",
            unverified: None,
        },
        RuleKind::Expect => Refusal {
            error: "no system accepts a token whose signature does not verify",
            unverified: None,
        },
    }
}

impl Verdict {
    /// This verdict as the system gives it when the token's signature failed: refused, with the
    /// signature as the first and deciding check. A rule that does not apply to the token
    /// (another issuer) stays not applicable, and a rule that cannot be evaluated stays an
    /// error: neither depends on the signature. The rule's own checks stay below, because they
    /// say what comes once the signature is right.
    pub fn refuse_for_signature(&mut self, reason: &str) {
        if !matches!(self.outcome, Outcome::Allowed | Outcome::Denied) {
            return;
        }
        let refusal = refusal(self.rule.kind);
        let check = Check::failed(
            SIGNATURE_CONDITION,
            vec![json!("a valid signature by the issuer's key")],
            json!(reason),
        )
        .with_note("every system verifies the signature before it reads any rule")
        .in_scope("token");
        self.checks.insert(0, check);
        self.outcome = Outcome::Denied;
        self.summary = refusal.error.to_owned();
        if let Some(note) = refusal.unverified {
            self.unverified.push(note.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::RuleId;

    fn verdict(kind: RuleKind, outcome: Outcome) -> Verdict {
        Verdict {
            rule: RuleId {
                kind,
                file: None,
                name: "r".into(),
            },
            outcome,
            summary: "allowed by statement".into(),
            checks: vec![Check::passed("c", vec![], None)],
            lints: Vec::new(),
            unverified: Vec::new(),
        }
    }

    #[test]
    fn an_allowing_verdict_is_refused_with_the_signature_first() {
        for kind in [
            RuleKind::Aws,
            RuleKind::Vault,
            RuleKind::Gcp,
            RuleKind::Entra,
            RuleKind::Kubernetes,
            RuleKind::Expect,
        ] {
            let mut refused = verdict(kind, Outcome::Allowed);
            refused.refuse_for_signature("bad signature");
            assert_eq!(refused.outcome, Outcome::Denied, "{kind:?}");
            let first = &refused.checks[0];
            assert_eq!(first.condition, SIGNATURE_CONDITION);
            assert!(!first.passed);
            assert_eq!(first.actual, Some(json!("bad signature")));
            assert_eq!(refused.deciding_check(), Some(first));
            assert_eq!(refused.checks.len(), 2, "the rule's own checks stay");
            assert_ne!(refused.summary, "allowed by statement");
        }
        let mut aws = verdict(RuleKind::Aws, Outcome::Allowed);
        aws.refuse_for_signature("x");
        assert!(aws.summary.starts_with("InvalidIdentityToken"));
        let mut vault = verdict(RuleKind::Vault, Outcome::Denied);
        vault.refuse_for_signature("x");
        assert!(vault.summary.starts_with("error validating token"));
    }

    #[test]
    fn not_applicable_and_error_verdicts_do_not_depend_on_the_signature() {
        for outcome in [Outcome::NotApplicable, Outcome::Error] {
            let mut same = verdict(RuleKind::Aws, outcome);
            same.refuse_for_signature("x");
            assert_eq!(same, verdict(RuleKind::Aws, outcome));
        }
    }
}
