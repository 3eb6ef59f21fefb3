//! The least-privilege rule that admits exactly this token's workload, per trust system, with
//! notes on what would widen it safely. Pure: claims in, rule text out.
//!
//! Claim values are attacker-controlled and are written into languages that interpret them, so
//! each is escaped for where it goes: IAM policy variables (`$` as `${$}`; only `StringEquals`
//! is used, where `*` and `?` are literal), CEL string literals, YAML double-quoted scalars.
//! Characters that draw nothing or reorder text are written as escapes wherever the format
//! has them, so that the printed rule shows what it binds.

use serde_json::{Map, Value, json};

use super::verdict::RuleKind;
use crate::token::Claims;
use crate::token::sanitize::is_invisible;

/// AWS's documentation account id, used where the user's own must go.
pub const AWS_ACCOUNT_PLACEHOLDER: &str = "111122223333";

#[derive(Debug, Clone, PartialEq)]
pub struct Scaffold {
    pub kind: RuleKind,
    /// The rule, in the format the system's own tools print (JSON or YAML).
    pub text: String,
    /// What to fill in, why the rule looks as it does, and how to widen it safely.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScaffoldError {
    #[error("the token has no string \"{0}\" claim, which a {1} rule must bind")]
    MissingClaim(&'static str, &'static str),
    /// An empty value cannot pin a rule to one workload: Vault reads an empty `bound_subject`
    /// as no binding at all.
    #[error("the token's \"{0}\" claim is empty, so a {1} rule cannot bind it to one workload")]
    EmptyClaim(&'static str, &'static str),
    #[error("claimcheck cannot scaffold {0} rules")]
    Unsupported(&'static str),
}

pub fn scaffold(kind: RuleKind, claims: &Claims) -> Result<Scaffold, ScaffoldError> {
    match kind {
        RuleKind::Aws => aws(claims),
        RuleKind::Gcp => gcp(claims),
        RuleKind::Entra => entra(claims),
        RuleKind::Vault => vault(claims),
        RuleKind::Kubernetes => kubernetes(claims),
        RuleKind::Expect => Err(ScaffoldError::Unsupported("expect")),
    }
}

fn string_claim<'a>(
    claims: &'a Claims,
    name: &'static str,
    system: &'static str,
) -> Result<&'a str, ScaffoldError> {
    let value = claims
        .get(name)
        .and_then(Value::as_str)
        .ok_or(ScaffoldError::MissingClaim(name, system))?;
    if value.is_empty() {
        return Err(ScaffoldError::EmptyClaim(name, system));
    }
    Ok(value)
}

/// The audience a relying party sees: a string `aud`, or the first of an array (with `azp`
/// preferred, as AWS does).
fn audience(claims: &Claims) -> Option<String> {
    match claims.get("aud") {
        Some(Value::String(aud)) => Some(aud.clone()),
        Some(Value::Array(items)) => items.first().and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn audiences(claims: &Claims) -> Vec<String> {
    super::strings::owned_strings_in(claims.get("aud"))
}

/// GitHub subjects name the job's context; say how to widen each form without opening it to
/// every repository or pull request.
fn widening_notes(sub: &str) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some((repo, context)) = sub
        .strip_prefix("repo:")
        .and_then(|rest| rest.split_once(':'))
    {
        if context.starts_with("ref:refs/heads/") {
            notes.push(format!(
                "to admit every branch of {repo}: match \"repo:{repo}:ref:refs/heads/*\" (glob); this still excludes pull requests and environments"
            ));
        } else if context.starts_with("environment:") {
            notes.push(
                "environment-bound subjects are the safest form: protect the environment in GitHub (required reviewers, branch rules) rather than widening the subject".to_owned(),
            );
        } else if context == "pull_request" {
            notes.push(format!(
                "this admits every pull-request run of {repo}, including ones from forks' branches that run in the repository; prefer a branch or environment subject for anything that deploys"
            ));
        }
        notes.push(format!(
            "never widen to \"repo:{}/*\" without a further condition: that admits pull requests of every repository of the organisation",
            repo.split('/').next().unwrap_or(repo)
        ));
    }
    notes
}

fn aws(claims: &Claims) -> Result<Scaffold, ScaffoldError> {
    let iss = string_claim(claims, "iss", "AWS")?;
    let sub = string_claim(claims, "sub", "AWS")?;
    let provider = iss.trim_start_matches("https://");
    // AWS's `:aud` key is `azp` when the token has one (IAM User Guide, "Available keys for
    // OIDC federation": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
    let aud = claims
        .get("azp")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| audience(claims))
        .ok_or(ScaffoldError::MissingClaim("aud", "AWS"))?;
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowThisWorkloadOnly",
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{AWS_ACCOUNT_PLACEHOLDER}:oidc-provider/{provider}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{provider}:aud"): iam_literal(&aud),
                format!("{provider}:sub"): iam_literal(sub),
            }}
        }]
    });
    let mut notes = vec![
        format!(
            "replace {AWS_ACCOUNT_PLACEHOLDER} with your account id; the account needs an IAM OIDC provider for {iss} whose client IDs include \"{aud}\""
        ),
        "StringEquals on both aud and sub pins the role to exactly this workload".to_owned(),
    ];
    if claims.get("azp").is_some() {
        notes.push(
            "the token has azp, and AWS compares the :aud key with azp, so that is the value used"
                .to_owned(),
        );
    }
    notes.extend(widening_notes(sub));
    Ok(Scaffold {
        kind: RuleKind::Aws,
        text: pretty(&policy),
        notes,
    })
}

fn entra(claims: &Claims) -> Result<Scaffold, ScaffoldError> {
    let iss = string_claim(claims, "iss", "Entra")?;
    let sub = string_claim(claims, "sub", "Entra")?;
    let aud = audience(claims).ok_or(ScaffoldError::MissingClaim("aud", "Entra"))?;
    let credential = json!({
        "name": credential_name(sub),
        "issuer": iss,
        "subject": sub,
        "audiences": [aud],
        "description": "Scaffolded by claimcheck for exactly one workload"
    });
    let mut notes = vec![
        "create it with: az ad app federated-credential create --id <APP_ID> --parameters credential.json".to_owned(),
        "Entra compares issuer, subject and audience exactly and case-sensitively; a classic credential has no wildcards".to_owned(),
    ];
    if aud != "api://AzureADTokenExchange" {
        notes.push(format!(
            "the token's audience is \"{aud}\"; Entra's recommended audience is api://AzureADTokenExchange (for GitHub, azure/login requests it)"
        ));
    }
    if sub.starts_with("repo:") {
        notes.push("to admit several branches of one repository, use a flexible credential (claimsMatchingExpression with `matches`) or one credential per subject (at most 20 per app)".to_owned());
    }
    Ok(Scaffold {
        kind: RuleKind::Entra,
        text: pretty(&credential),
        notes,
    })
}

fn vault(claims: &Claims) -> Result<Scaffold, ScaffoldError> {
    let iss = string_claim(claims, "iss", "Vault")?;
    let sub = string_claim(claims, "sub", "Vault")?;
    let mut role = Map::new();
    role.insert("role_type".into(), json!("jwt"));
    role.insert("bound_audiences".into(), json!(audiences(claims)));
    role.insert("bound_subject".into(), json!(sub));
    role.insert("user_claim".into(), json!("sub"));
    role.insert("token_policies".into(), json!(["POLICY_NAME"]));
    role.insert("token_ttl".into(), json!("15m"));
    let notes = vec![
        format!("write it with: vault write auth/jwt/role/ROLE_NAME @role.json (the mount's bound_issuer should be {iss})"),
        "replace POLICY_NAME with the Vault policies this workload needs".to_owned(),
        "bound_subject pins the role to exactly this subject; to bind by other claims use bound_claims (exact, or bound_claims_type=glob with `*` only); bound claim values must have the token's JSON types (\"true\" is not true)".to_owned(),
    ];
    Ok(Scaffold {
        kind: RuleKind::Vault,
        text: pretty(&Value::Object(role)),
        notes,
    })
}

fn gcp(claims: &Claims) -> Result<Scaffold, ScaffoldError> {
    let iss = string_claim(claims, "iss", "GCP")?;
    let sub = string_claim(claims, "sub", "GCP")?;
    let aud = audience(claims).ok_or(ScaffoldError::MissingClaim("aud", "GCP"))?;
    let mut mapping = vec![("google.subject", "assertion.sub".to_owned())];
    for claim in [
        "repository",
        "repository_owner",
        "environment",
        "ref",
        "project_path",
        "namespace_path",
    ] {
        if claims.get(claim).is_some_and(Value::is_string) {
            mapping.push((claim, format!("assertion.{claim}")));
        }
    }
    let condition = format!("assertion.sub == {}", cel_string(sub));
    let mut yaml = String::new();
    yaml.push_str("name: projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL_ID/providers/PROVIDER_ID\n");
    yaml.push_str("displayName: claimcheck scaffold\n");
    yaml.push_str("state: ACTIVE\n");
    yaml.push_str(&format!(
        "oidc:\n  issuerUri: {}\n  allowedAudiences:\n  - {}\n",
        yaml_string(iss),
        yaml_string(&aud)
    ));
    yaml.push_str("attributeMapping:\n");
    for (target, expression) in &mapping {
        let key = if *target == "google.subject" {
            (*target).to_owned()
        } else {
            format!("attribute.{target}")
        };
        yaml.push_str(&format!("  {key}: {}\n", yaml_string(expression)));
    }
    yaml.push_str(&format!(
        "attributeCondition: {}\n",
        yaml_string(&condition)
    ));
    let notes = vec![
        "replace PROJECT_NUMBER (the number, not the project id), POOL_ID and PROVIDER_ID".to_owned(),
        format!("allowedAudiences lists the token's audience \"{aud}\"; without it GCP expects the provider's full resource name as the audience"),
        "grant access to principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL_ID/subject/<sub>".to_owned(),
        "to widen safely, condition on mapped attributes (e.g. assertion.repository == 'org/repo' && assertion.ref.startsWith('refs/heads/')) rather than dropping the condition: on a shared issuer no condition admits every tenant".to_owned(),
    ];
    Ok(Scaffold {
        kind: RuleKind::Gcp,
        text: yaml,
        notes,
    })
}

fn kubernetes(claims: &Claims) -> Result<Scaffold, ScaffoldError> {
    let iss = string_claim(claims, "iss", "Kubernetes")?;
    let sub = string_claim(claims, "sub", "Kubernetes")?;
    let aud = audience(claims).ok_or(ScaffoldError::MissingClaim("aud", "Kubernetes"))?;
    let yaml = format!(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: {}\n    audiences:\n    - {}\n  claimValidationRules:\n  - claim: sub\n    requiredValue: {}\n  claimMappings:\n    username:\n      claim: sub\n      prefix: {}\n",
        yaml_string(iss),
        yaml_string(&aud),
        yaml_string(sub),
        yaml_string("oidc:")
    );
    let notes = vec![
        "pass it to the API server with --authentication-config".to_owned(),
        "the claim rule admits only this subject; to admit a group of workloads, use a CEL expression rule (e.g. claims.sub.startsWith('...')) and bind RBAC to the mapped username or groups".to_owned(),
        "the username is prefixed with \"oidc:\" so it cannot collide with users of other authenticators".to_owned(),
    ];
    Ok(Scaffold {
        kind: RuleKind::Kubernetes,
        text: yaml,
        notes,
    })
}

/// An Entra credential name from the subject: 3–120 letters, digits and `-`, starting with a
/// letter or digit, as Graph requires.
fn credential_name(sub: &str) -> String {
    let name: String = sub
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = name.trim_matches('-');
    let name = if name.len() < 3 {
        format!("workload-{name}")
    } else {
        name.to_owned()
    };
    let name: String = name.chars().take(120).collect();
    name.trim_end_matches('-').to_owned()
}

/// A value IAM reads literally in `StringEquals`: a policy variable (`${…}`) in a claim would
/// otherwise be substituted (`${issuer:sub}` equals every subject), so `$` is written as the
/// escape `${$}` (reference_policies_variables.md, `policy-vars-specialchars`).
fn iam_literal(text: &str) -> String {
    text.replace('$', "${$}")
}

/// Pretty JSON whose strings show invisible and reordering characters, and DEL and the C1
/// controls, as `\u` escapes (serde_json escapes only the C0 controls). Such characters can
/// only stand inside strings, so replacing them throughout the text is exact.
fn pretty(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        // Raw line breaks are the layout's: serde_json escaped those inside strings.
        if c != '\n' && needs_escape(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

/// Characters written as escapes in every format: controls, and what draws nothing or
/// reorders the line.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || is_invisible(c)
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// A YAML double-quoted scalar (YAML 1.2 §5.7, §7.3.1): `"` and `\\` escaped, and every
/// character outside YAML's printable set, or that [`needs_escape`], as `\u`/`\U`.
fn yaml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) || !yaml_printable(c) => push_unicode_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// YAML 1.2's c-printable, minus the line breaks and tab handled by the caller.
fn yaml_printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// A CEL string literal in single quotes (cel-spec `syntax.md`, "String and Bytes Literals"):
/// backslash and quotes escaped, and every control or invisible character as `\u`/`\U`, so a
/// newline or a quote in a claim cannot end the literal.
fn cel_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            c if needs_escape(c) => push_unicode_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `\uXXXX` or `\UXXXXXXXX`, which YAML and CEL spell alike.
fn push_unicode_escape(out: &mut String, c: char) {
    let code = c as u32;
    if code <= 0xffff {
        out.push_str(&format!("\\u{code:04x}"));
    } else {
        out.push_str(&format!("\\U{code:08x}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    fn claims(name: &str) -> Claims {
        demo::template(name).unwrap().claims_at(1_800_000_000)
    }

    #[test]
    fn aws_policy_pins_aud_and_sub_and_uses_azp() {
        let environment = scaffold(RuleKind::Aws, &claims("github-environment")).unwrap();
        let policy: Value = serde_json::from_str(&environment.text).unwrap();
        let condition = &policy["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(
            condition["token.actions.githubusercontent.com:sub"],
            "repo:acme/app:environment:prod"
        );
        assert_eq!(
            condition["token.actions.githubusercontent.com:aud"],
            "sts.amazonaws.com"
        );
        assert_eq!(
            policy["Statement"][0]["Principal"]["Federated"],
            "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
        );
        let gitpod = scaffold(RuleKind::Aws, &claims("gitpod")).unwrap();
        assert!(gitpod.notes.iter().any(|n| n.contains("azp")));
        let branch = scaffold(RuleKind::Aws, &claims("github-branch")).unwrap();
        assert!(branch.notes.iter().any(|n| n.contains("refs/heads/*")));
    }

    #[test]
    fn entra_vault_gcp_and_kubernetes_bind_the_subject() {
        let entra: Value = serde_json::from_str(
            &scaffold(RuleKind::Entra, &claims("github-branch"))
                .unwrap()
                .text,
        )
        .unwrap();
        assert_eq!(entra["subject"], "repo:acme/app:ref:refs/heads/main");
        assert_eq!(entra["audiences"], json!(["sts.amazonaws.com"]));
        let vault: Value =
            serde_json::from_str(&scaffold(RuleKind::Vault, &claims("gitlab")).unwrap().text)
                .unwrap();
        assert_eq!(
            vault["bound_subject"],
            "project_path:acme/infra:ref_type:branch:ref:main"
        );
        assert_eq!(
            vault["bound_audiences"],
            json!(["https://vault.acme.example"])
        );
        let gcp = scaffold(RuleKind::Gcp, &claims("github-environment"))
            .unwrap()
            .text;
        assert!(
            gcp.contains(
                "attributeCondition: \"assertion.sub == 'repo:acme/app:environment:prod'\""
            ),
            "{gcp}"
        );
        let k8s = scaffold(RuleKind::Kubernetes, &claims("kubernetes"))
            .unwrap()
            .text;
        assert!(
            k8s.contains("requiredValue: \"system:serviceaccount:payments:api-server\""),
            "{k8s}"
        );
    }

    #[test]
    fn missing_claims_and_unsupported_kinds_are_errors() {
        let mut no_sub = claims("gitlab");
        no_sub.remove("sub");
        assert_eq!(
            scaffold(RuleKind::Aws, &no_sub),
            Err(ScaffoldError::MissingClaim("sub", "AWS"))
        );
        assert!(scaffold(RuleKind::Expect, &claims("gitlab")).is_err());
    }

    #[test]
    fn quoting_is_safe() {
        assert_eq!(cel_string("it's"), "'it\\'s'");
        assert_eq!(yaml_string("a: \"b\"\n"), "\"a: \\\"b\\\"\\n\"");
    }

    /// A newline ended the CEL literal, and C1 controls or U+2028 are not printable in YAML.
    #[test]
    fn every_character_is_escaped_for_its_language() {
        assert_eq!(cel_string("a\nb\\c\"d"), "'a\\u000ab\\\\c\\\"d'");
        assert_eq!(cel_string("x\u{200b}\u{e0041}"), "'x\\u200b\\U000e0041'");
        assert_eq!(
            yaml_string("\u{85}\u{2028}\u{feff}\u{7f}"),
            "\"\\u0085\\u2028\\ufeff\\u007f\""
        );
        assert_eq!(iam_literal("${www.example:sub}"), "${$}{www.example:sub}");
        let json = pretty(&json!({"sub": "a\u{202e}b\u{e0041}\u{9b}"}));
        assert!(json.contains(r#""a\u202eb\udb40\udc41\u009b""#), "{json}");
        assert_eq!(
            serde_json::from_str::<Value>(&json).unwrap()["sub"],
            "a\u{202e}b\u{e0041}\u{9b}"
        );
    }

    /// A `sub` of `${issuer:sub}` scaffolded a policy whose condition IAM fills in with the
    /// caller's own subject, which admits every subject.
    #[test]
    fn a_policy_variable_in_a_claim_stays_literal() {
        let mut hostile = claims("github-branch");
        hostile.insert(
            "sub".into(),
            json!("${token.actions.githubusercontent.com:sub}"),
        );
        let policy: Value =
            serde_json::from_str(&scaffold(RuleKind::Aws, &hostile).unwrap().text).unwrap();
        assert_eq!(
            policy["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"],
            "${$}{token.actions.githubusercontent.com:sub}"
        );
    }

    #[test]
    fn entra_names_are_valid_whatever_the_subject() {
        for sub in [
            "x",
            "--",
            "é",
            "repo:acme/app:ref:refs/heads/main",
            &"a".repeat(300),
        ] {
            let name = credential_name(sub);
            assert!((3..=120).contains(&name.len()), "{sub:?} → {name:?}");
            assert!(
                name.starts_with(|c: char| c.is_ascii_alphanumeric()),
                "{name:?}"
            );
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "{name:?}"
            );
        }
        let mut empty = claims("gitlab");
        empty.insert("sub".into(), json!(""));
        assert_eq!(
            scaffold(RuleKind::Vault, &empty),
            Err(ScaffoldError::EmptyClaim("sub", "Vault"))
        );
    }
}
