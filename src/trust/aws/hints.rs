//! AWS-specific hints. Each is a small function returning `Option<Hint>`; the
//! evaluator adds them to failed checks beside the generic [`crate::trust::hints`].

use serde_json::Value;

use super::pattern::{Template, VariableValue, glob_matches};
use crate::trust::hints::common_prefix_chars;
use crate::trust::strings::strings_in;
use crate::trust::verdict::Hint;

/// The audience the token must be requested with: the first value the rule (or client-ID
/// list) accepts. aws-actions/configure-aws-credentials requests `sts.amazonaws.com` (its
/// README, "audience" input), so a token fetched by other means must ask for it explicitly.
pub fn audience_to_request(accepted: &[String]) -> Option<Hint> {
    let first = accepted.iter().find(|a| !a.contains('*'))?;
    let how = if first == "sts.amazonaws.com" {
        " (aws-actions/configure-aws-credentials does so by default; in GitHub Actions core.getIDToken('sts.amazonaws.com'), with claimcheck fetch --audience sts.amazonaws.com)"
    } else {
        " (configure-aws-credentials: its audience input; claimcheck fetch --audience)"
    };
    Some(Hint::new(
        "aws-request-audience",
        format!("request the token with audience `{first}`{how}"),
    ))
}

/// The token has `azp`, so AWS's `:aud` is `azp`; the rule (or client-ID list) expected `aud`.
pub fn azp_used_as_audience(
    azp: Option<&str>,
    aud: Option<&Value>,
    expected: &[String],
) -> Option<Hint> {
    let azp = azp?;
    let aud = aud.filter(|aud| aud.is_string() || aud.is_array())?;
    let aud_values = strings_in(Some(aud));
    if aud_values == [azp] || expected.iter().any(|e| e == azp) {
        return None;
    }
    let expects_aud = expected.iter().any(|e| aud_values.contains(&e.as_str()));
    let tail = if expects_aud {
        " — the value you expect is the token's aud, which AWS offers as `:oaud`; expect the azp value for `:aud`, or condition on `:oaud`"
    } else {
        ""
    };
    Some(Hint::new(
        "azp-used-as-audience",
        format!(
            "the token has azp \"{azp}\", so AWS uses azp as the audience (`:aud` and the client-ID check), not aud {}{tail}",
            serde_json::to_string(&aud_values).unwrap_or_default()
        ),
    ))
}

/// `StringEquals` (and its variants) compare literally: a `*` or `?` there is a plain character.
pub fn wildcard_in_exact_operator(
    operator: &str,
    values: &[String],
    variables: bool,
) -> Option<Hint> {
    let value = values
        .iter()
        .find(|v| super::pattern::has_wildcard(v, variables))?;
    let like = operator.replace("Equals", "Like").replace("IgnoreCase", "");
    Some(Hint::new(
        "wildcard-in-string-equals",
        format!(
            "{operator} treats '*' and '?' as plain characters, so \"{value}\" only matches that exact text; use {like} for a pattern"
        ),
    ))
}

/// A `StringLike` pattern that would match if letter case were ignored.
pub fn like_matches_ignoring_case(pattern: &str, actual: &str, variables: bool) -> Option<Hint> {
    let lowered = Template::parse(&pattern.to_lowercase(), variables);
    let pieces = lowered.resolve(&|_| VariableValue::Missing).ok()?;
    glob_matches(&pieces, &actual.to_lowercase()).then(|| {
        Hint::new(
            "case-only-difference",
            format!(
                "\"{pattern}\" would match \"{actual}\" if letter case were ignored; StringLike is case-sensitive (GitHub names are not, AWS comparisons are)"
            ),
        )
    })
}

/// AWS does not put this claim into the request context, so a condition on it never matches
/// (condition-keys-wif; github/docs oidc-in-aws.md "custom claims … unavailable in AWS").
pub fn claim_not_exposed(key: &str, claim: &str, token_value: Option<&Value>) -> Hint {
    let had = match token_value {
        Some(value) => format!(" (the token does have {claim} = {value})"),
        None => String::new(),
    };
    let instead = match claim {
        "repository_owner" | "repository_owner_id" => {
            "; to pin the organisation, use StringLike on `…:sub` with `repo:ORG/*` or the `repository` key"
        }
        "workflow_ref" => "; use `job_workflow_ref` or a custom `sub` template",
        "azp" => {
            "; azp only feeds `…:aud` (with azp present, `:aud` is azp and `:oaud` is the token's aud), so condition on `…:aud` instead"
        }
        _ => "; use `…:sub` (or a key AWS exposes) instead",
    };
    Hint::new(
        "key-not-exposed",
        format!(
            "AWS does not expose `{claim}` as a condition key, so `{key}` is always absent{had}{instead}"
        ),
    )
}

/// The key's provider prefix is not the token's issuer host: a typo, or a key for another provider.
pub fn provider_prefix_mismatch(key_prefix: &str, token_prefix: &str) -> Hint {
    let close = key_prefix.eq_ignore_ascii_case(token_prefix)
        || edit_distance(key_prefix, token_prefix) <= 3;
    let message = if close {
        format!(
            "the key's prefix `{key_prefix}` is almost the token's issuer `{token_prefix}`: a typo makes the key absent, so the condition fails (first {} characters agree)",
            common_prefix_chars(key_prefix, token_prefix)
        )
    } else {
        format!(
            "the key belongs to provider `{key_prefix}`, but the token comes from `{token_prefix}`; the key is absent for this token"
        )
    };
    Hint::new("provider-prefix-mismatch", message)
}

/// The policy trusts other providers than the token's issuer.
pub fn token_from_other_issuer(issuer: &str, trusted: &[String]) -> Option<Hint> {
    if trusted.is_empty() {
        return None;
    }
    let slash = trusted
        .iter()
        .any(|t| t.trim_end_matches('/') == issuer.trim_end_matches('/') && t.as_str() != issuer);
    let extra = if slash {
        "; they differ only in a trailing slash, which counts (mozilla-iam/mozilla-aws-cli#127)"
    } else {
        ""
    };
    Some(Hint::new(
        "other-issuer",
        format!(
            "the token was issued by {issuer}; this policy trusts {}{extra}",
            trusted.join(", ")
        ),
    ))
}

/// STS refuses an expired token before it reads the policy.
pub fn token_expired(exp: i64, now: i64) -> Option<Hint> {
    (exp <= now).then(|| {
        Hint::new(
            "token-expired",
            format!(
                "the token expired {} seconds ago; STS answers ExpiredTokenException before it looks at the policy — fetch a fresh token",
                now - exp
            ),
        )
    })
}

/// Levenshtein distance, bounded inputs (provider prefixes are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // reference_policies_iam-condition-keys.md#ck_aud; aws/aws-sdk-net#3071.
    #[test]
    fn the_audience_to_request_is_named() {
        let hint = audience_to_request(&["sts.amazonaws.com".into()]).unwrap();
        assert!(
            hint.message
                .starts_with("request the token with audience `sts.amazonaws.com`"),
            "{}",
            hint.message
        );
        assert!(hint.message.contains("configure-aws-credentials"));
        let hint = audience_to_request(&["*".into(), "api://deploy".into()]).unwrap();
        assert!(hint.message.contains("`api://deploy`"));
        assert!(audience_to_request(&[]).is_none());
    }

    #[test]
    fn azp_as_audience() {
        let aud = json!("api://app-2");
        let hint =
            azp_used_as_audience(Some("app-1"), Some(&aud), &["api://app-2".into()]).unwrap();
        assert!(hint.message.contains("`:oaud`"));
        assert!(azp_used_as_audience(Some("app-1"), Some(&aud), &["app-1".into()]).is_none());
        assert!(azp_used_as_audience(None, Some(&aud), &[]).is_none());
        let same = json!(["x"]);
        assert!(azp_used_as_audience(Some("x"), Some(&same), &["y".into()]).is_none());
    }

    // condition_operators.md#Conditions_String: StringEquals treats * literally.
    #[test]
    fn wildcard_in_string_equals() {
        let hint =
            wildcard_in_exact_operator("StringEquals", &["repo:acme/*".into()], true).unwrap();
        assert!(hint.message.contains("use StringLike"));
        assert!(
            wildcard_in_exact_operator("StringEquals", &["repo:acme/${*}".into()], true).is_none()
        );
        let ic =
            wildcard_in_exact_operator("StringEqualsIgnoreCase", &["a?".into()], true).unwrap();
        assert!(ic.message.contains("use StringLike"));
    }

    // configure-aws-credentials#318: org names are case-sensitive in AWS.
    #[test]
    fn like_ignoring_case() {
        assert!(
            like_matches_ignoring_case("repo:Acme/*", "repo:acme/app:pull_request", true).is_some()
        );
        assert!(like_matches_ignoring_case("repo:other/*", "repo:acme/app", true).is_none());
    }

    #[test]
    fn not_exposed_and_prefix_typos() {
        let owner = json!("acme");
        let hint = claim_not_exposed(
            "token.actions.githubusercontent.com:repository_owner",
            "repository_owner",
            Some(&owner),
        );
        assert!(
            hint.message
                .contains("the token does have repository_owner = \"acme\"")
        );
        assert!(hint.message.contains("repo:ORG/*"));
        // erioluwa66/BusyToddlerMumInfraMgt data.tf: a dotted typo in the key.
        let typo = provider_prefix_mismatch(
            "token.actions.githubuser.content.com",
            "token.actions.githubusercontent.com",
        );
        assert!(typo.message.contains("typo"));
        let other = provider_prefix_mismatch("gitlab.com", "token.actions.githubusercontent.com");
        assert!(other.message.contains("belongs to provider `gitlab.com`"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn issuer_and_expiry() {
        let hint = token_from_other_issuer(
            "https://auth.example.com/",
            &["https://auth.example.com".into()],
        )
        .unwrap();
        assert!(hint.message.contains("trailing slash"));
        assert!(token_from_other_issuer("https://a", &[]).is_none());
        assert!(
            token_expired(100, 160)
                .unwrap()
                .message
                .contains("60 seconds ago")
        );
        assert!(token_expired(200, 160).is_none());
    }
}
