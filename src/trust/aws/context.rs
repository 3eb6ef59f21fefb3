//! The request context STS builds from a token: which `<provider>:<claim>` keys exist and what
//! they hold. Only exposed claims become keys; when `azp` is present `:aud` is `azp` and `:oaud`
//! is the token's `aud` (reference_policies_iam-condition-keys.html#condition-keys-wif, `ck_aud`:
//! documented for Google; observed for others in aws/aws-sdk-net#3071).

use std::borrow::Cow;

use serde_json::Value;

use super::keys::{Exposure, exposure};
use crate::token::Claims;

/// A key's value(s) in the request, borrowed from the token where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values<'a> {
    One(Cow<'a, str>),
    Many(Vec<Cow<'a, str>>),
}

impl<'a> Values<'a> {
    pub fn as_slice(&self) -> &[Cow<'a, str>] {
        match self {
            Values::One(value) => std::slice::from_ref(value),
            Values::Many(values) => values,
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Values::One(value) => Value::String(value.clone().into_owned()),
            Values::Many(values) => Value::from(
                values
                    .iter()
                    .map(|v| v.clone().into_owned())
                    .collect::<Vec<_>>(),
            ),
        }
    }
}

/// Why a key is not in the request.
#[derive(Debug, Clone, PartialEq)]
pub enum Absence {
    /// The claim is exposed but the token does not have it.
    NotInToken,
    /// AWS does not expose this claim; the token may still have it (`token_value`).
    NotExposed {
        claim: String,
        token_value: Option<Value>,
    },
    /// The key belongs to another provider (or is misspelt): `key_prefix` vs the token's.
    OtherProvider { key_prefix: String },
    /// A generic request context without the key (tests, what-ifs).
    NotInContext,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<'a> {
    Present {
        values: Values<'a>,
        /// Why this presence rests on a secondary source or an inference.
        caveat: Option<Caveat>,
    },
    Absent(Absence),
    /// A request key the token does not decide (`aws:SourceIp`, `sts:RoleSessionName`…).
    Unknown,
}

/// Why a key's presence or value rests on a secondary source or an inference. Kept as data so
/// that deciding allocates nothing; [`Caveat::describe`] writes the text when explaining.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caveat {
    /// A provider-specific key known from secondary sources (GitHub's 2026 keys).
    SecondHand,
    /// claimcheck does not know this provider's full key list; assumed exposed.
    ExposureUnknown,
    /// A one-element `aud` array taken as its element.
    AudOneElement,
    /// A multi-element `aud` without `azp`: AWS does not document how STS maps it.
    AudManyElements,
    /// `azp` ≠ `aud` for Google: documented.
    AzpDiffersGoogle,
    /// `azp` ≠ `aud` elsewhere: observed, not documented.
    AzpDiffers,
}

impl Caveat {
    /// Behaviour the reference marks unverified; it belongs in `Verdict.unverified`.
    pub fn is_unverified(self) -> bool {
        matches!(
            self,
            Caveat::ExposureUnknown | Caveat::AudManyElements | Caveat::AzpDiffers
        )
    }

    pub fn describe(self, claims: &Claims) -> String {
        let azp = claims.get("azp").map_or_else(String::new, Value::to_string);
        let aud = claims
            .get("aud")
            .map_or_else(|| "absent".to_owned(), Value::to_string);
        match self {
            Caveat::SecondHand => "AWS exposes this claim as a key since 2026-01 according to secondary sources".to_owned(),
            Caveat::ExposureUnknown => "unverified: claimcheck does not know whether AWS exposes this claim for this provider; assumed exposed".to_owned(),
            Caveat::AudOneElement => "the token's aud is a one-element array, taken as its element (inferred from EKS IRSA tokens working with StringEquals: AWS does not document this)".to_owned(),
            Caveat::AudManyElements => "unverified: how STS maps a multi-element aud without azp is not known; modelled as a multivalued key".to_owned(),
            Caveat::AzpDiffersGoogle => format!("the token's azp {azp} differs from its aud {aud}: `:aud` is azp, `:oaud` is aud (documented for Google)"),
            Caveat::AzpDiffers => format!("unverified: the token's azp {azp} differs from its aud {aud}; `:aud` is taken to be azp as for Google (documented) and as observed for Entra tokens in aws/aws-sdk-net#3071 (inferred: AWS does not document this)"),
        }
    }
}

/// Anything that answers "what does key K hold?".
pub trait RequestContext {
    fn lookup(&self, key: &str) -> Lookup<'_>;

    /// [`RequestContext::lookup`] of a key parsed when its policy was loaded.
    fn lookup_parsed(&self, key: &ParsedKey) -> Lookup<'_> {
        self.lookup(key.written())
    }
}

/// A policy's condition key, split at its colon, its claim lower-cased and its exposure known,
/// once when the policy is loaded: a preview evaluates each key for every token of a corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedKey {
    written: String,
    /// `None` for a key without a colon, which no token decides.
    parts: Option<KeyParts>,
}

#[derive(Debug, Clone, PartialEq)]
struct KeyParts {
    prefix: String,
    /// Lower case: condition key names are case-insensitive.
    claim: String,
    /// For this prefix, and so for any token prefix equal to it ignoring ASCII case
    /// ([`exposure`] ignores the prefix's case).
    exposure: Exposure,
}

impl ParsedKey {
    pub fn new(key: &str) -> ParsedKey {
        let parts = split_key(key).map(|(prefix, claim)| {
            let claim = claim.to_ascii_lowercase();
            KeyParts {
                exposure: exposure(prefix, &claim),
                prefix: prefix.to_owned(),
                claim,
            }
        });
        ParsedKey {
            written: key.to_owned(),
            parts,
        }
    }

    pub fn written(&self) -> &str {
        &self.written
    }

    /// The claims a lookup of this key may read (for [`crate::trust::Rule::reads`]), mirroring
    /// [`TokenContext`]'s lookup: `:aud` is `azp` or `aud`, `:oaud` is `aud`, any other key its
    /// claim (also when AWS does not expose it: the value is still shown). A key without a
    /// colon reads nothing.
    pub(crate) fn claims_read(&self) -> Vec<&str> {
        match self.parts.as_ref().map(|parts| parts.claim.as_str()) {
            None => Vec::new(),
            Some("aud") => vec!["azp", "aud"],
            Some("oaud") => vec!["aud"],
            Some(claim) => vec![claim],
        }
    }
}

/// The context of an `AssumeRoleWithWebIdentity` call made with `claims`.
pub struct TokenContext<'a> {
    /// The issuer without `https://`: the condition-key prefix.
    pub prefix: &'a str,
    pub claims: &'a Claims,
}

impl<'a> TokenContext<'a> {
    pub fn new(issuer: &'a str, claims: &'a Claims) -> TokenContext<'a> {
        TokenContext {
            prefix: key_prefix_of_issuer(issuer),
            claims,
        }
    }
}

/// `https://token.actions.githubusercontent.com` → `token.actions.githubusercontent.com`.
pub fn key_prefix_of_issuer(issuer: &str) -> &str {
    issuer.strip_prefix("https://").unwrap_or(issuer)
}

/// Splits `prefix:claim` at the first colon (provider URLs have no port, so no colon).
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    key.split_once(':')
}

/// Prefixes of global request keys, which a token never decides.
fn is_service_namespace(prefix: &str) -> bool {
    !prefix.contains('.') && !prefix.contains('/')
}

impl RequestContext for TokenContext<'_> {
    fn lookup(&self, key: &str) -> Lookup<'_> {
        let Some((prefix, claim)) = split_key(key) else {
            return Lookup::Unknown;
        };
        // Condition key names are case-insensitive (reference_policies_elements_condition.md).
        let claim: Cow<'_, str> = if claim.bytes().any(|b| b.is_ascii_uppercase()) {
            claim.to_ascii_lowercase().into()
        } else {
            claim.into()
        };
        self.lookup_split(prefix, &claim, || exposure(self.prefix, &claim))
    }

    fn lookup_parsed(&self, key: &ParsedKey) -> Lookup<'_> {
        match &key.parts {
            None => Lookup::Unknown,
            Some(parts) => self.lookup_split(&parts.prefix, &parts.claim, || parts.exposure),
        }
    }
}

impl<'a> TokenContext<'a> {
    /// The key `prefix:claim` (`claim` in lower case); `exposure` is asked for only once the
    /// prefix is this token's.
    fn lookup_split(
        &self,
        prefix: &str,
        claim: &str,
        exposure: impl FnOnce() -> Exposure,
    ) -> Lookup<'a> {
        if !prefix.eq_ignore_ascii_case(self.prefix) {
            return if is_service_namespace(prefix) {
                Lookup::Unknown
            } else {
                Lookup::Absent(Absence::OtherProvider {
                    key_prefix: prefix.to_owned(),
                })
            };
        }
        let exposure = exposure();
        if exposure == Exposure::NotExposed {
            return Lookup::Absent(Absence::NotExposed {
                token_value: self.claims.get(claim).cloned(),
                claim: claim.to_owned(),
            });
        }
        let found = match claim {
            "aud" => self.audience_key(),
            "oaud" => self.claims.get("aud").and_then(audience_values),
            other => self.claims.get(other).and_then(values_of),
        };
        let Some((values, mut caveat)) = found else {
            return Lookup::Absent(Absence::NotInToken);
        };
        match exposure {
            Exposure::ExposedSecondHand => {
                caveat.get_or_insert(Caveat::SecondHand);
            }
            Exposure::Unknown => {
                caveat.get_or_insert(Caveat::ExposureUnknown);
            }
            _ => {}
        }
        Lookup::Present { values, caveat }
    }
}

impl<'a> TokenContext<'a> {
    /// `:aud` is `azp` when the token has one, else `aud` (condition-keys-wif, `ck_aud`).
    fn audience_key(&self) -> Option<(Values<'a>, Option<Caveat>)> {
        match self.claims.get("azp").and_then(Value::as_str) {
            Some(azp) => Some((
                Values::One(Cow::Borrowed(azp)),
                azp_caveat(self.prefix, azp, self.claims.get("aud")),
            )),
            None => self.claims.get("aud").and_then(audience_values),
        }
    }
}

/// Flags a token whose `azp` differs from its `aud`: `:aud` is then not what the token calls its
/// audience. Documented for Google; for other providers it rests on an observation.
fn azp_caveat(prefix: &str, azp: &str, aud: Option<&Value>) -> Option<Caveat> {
    let same = match aud {
        Some(Value::String(one)) => one == azp,
        Some(Value::Array(items)) => items.len() == 1 && items[0].as_str() == Some(azp),
        _ => false,
    };
    if same {
        None
    } else if prefix.eq_ignore_ascii_case("accounts.google.com") {
        Some(Caveat::AzpDiffersGoogle)
    } else {
        Some(Caveat::AzpDiffers)
    }
}

/// A token's `aud` as STS would see it. A one-element array is taken as that element: EKS IRSA
/// tokens carry `["sts.amazonaws.com"]` and the documented `…:aud` StringEquals works (inferred).
/// Several elements stay multivalued, which AWS does not document either way.
fn audience_values(aud: &Value) -> Option<(Values<'_>, Option<Caveat>)> {
    match aud {
        Value::Array(items) if items.len() == 1 => {
            let one = scalar_text(&items[0])?;
            Some((Values::One(one), Some(Caveat::AudOneElement)))
        }
        Value::Array(_) => {
            let (values, _) = values_of(aud)?;
            Some((values, Some(Caveat::AudManyElements)))
        }
        other => values_of(other),
    }
}

fn values_of(value: &Value) -> Option<(Values<'_>, Option<Caveat>)> {
    match value {
        Value::Null => None,
        Value::Array(items) => Some((
            Values::Many(items.iter().filter_map(scalar_text).collect()),
            None,
        )),
        other => Some((Values::One(scalar_text(other)?), None)),
    }
}

fn scalar_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(text) => Some(Cow::Borrowed(text)),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Null => None,
        other => Some(Cow::Owned(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Claims {
        value.as_object().unwrap().clone()
    }

    fn one(text: &str) -> Lookup<'_> {
        Lookup::Present {
            values: Values::One(text.into()),
            caveat: None,
        }
    }

    // reference_policies_iam-condition-keys.md#ck_aud: azp present → :aud = azp, :oaud = aud.
    #[test]
    fn azp_becomes_aud_and_aud_becomes_oaud() {
        let c = claims(
            json!({"iss": "https://accounts.google.com", "aud": "aud-value", "azp": "azp-value", "sub": "s"}),
        );
        let ctx = TokenContext::new("https://accounts.google.com", &c);
        assert!(matches!(
            ctx.lookup("accounts.google.com:aud"),
            Lookup::Present { values: Values::One(v), caveat: Some(Caveat::AzpDiffersGoogle) } if v == "azp-value"
        ));
        assert_eq!(ctx.lookup("accounts.google.com:oaud"), one("aud-value"));
        let entra = claims(json!({"aud": "app-2", "azp": "app-1"}));
        let ctx2 = TokenContext::new("https://login.example.com/v2.0", &entra);
        assert!(matches!(
            ctx2.lookup("login.example.com/v2.0:aud"),
            Lookup::Present { caveat: Some(c @ Caveat::AzpDiffers), .. } if c.is_unverified() && c.describe(&entra).contains("aws-sdk-net#3071")
        ));
        let without = claims(json!({"aud": "aud-value"}));
        let ctx = TokenContext::new("https://accounts.google.com", &without);
        assert_eq!(ctx.lookup("accounts.google.com:aud"), one("aud-value"));
        assert_eq!(ctx.lookup("accounts.google.com:oaud"), one("aud-value"));
    }

    // condition-keys-wif: unsupported claims are absent; keys of other providers are absent;
    // global keys are not decided by the token.
    #[test]
    fn absent_and_unknown_keys() {
        let c =
            claims(json!({"sub": "repo:acme/app:ref:refs/heads/main", "repository_owner": "acme"}));
        let ctx = TokenContext::new("https://token.actions.githubusercontent.com", &c);
        assert_eq!(
            ctx.lookup("token.actions.githubusercontent.com:repository_owner"),
            Lookup::Absent(Absence::NotExposed {
                claim: "repository_owner".into(),
                token_value: Some(json!("acme"))
            })
        );
        assert_eq!(
            ctx.lookup("token.actions.githubusercontent.com:environment"),
            Lookup::Absent(Absence::NotInToken)
        );
        assert_eq!(
            ctx.lookup("token.actions.githubuser.content.com:aud"),
            Lookup::Absent(Absence::OtherProvider {
                key_prefix: "token.actions.githubuser.content.com".into()
            })
        );
        assert_eq!(ctx.lookup("aws:SourceIp"), Lookup::Unknown);
        // Key names are case-insensitive.
        assert_eq!(
            ctx.lookup("Token.Actions.GithubUserContent.com:SUB"),
            one("repo:acme/app:ref:refs/heads/main")
        );
    }

    #[test]
    fn audience_arrays() {
        let c = claims(json!({"aud": ["sts.amazonaws.com"]}));
        let ctx = TokenContext::new("https://oidc.eks.x/id/1", &c);
        assert!(matches!(
            ctx.lookup("oidc.eks.x/id/1:aud"),
            Lookup::Present { values: Values::One(v), caveat: Some(_) } if v == "sts.amazonaws.com"
        ));
        let c = claims(json!({"aud": ["a", "b"]}));
        let ctx = TokenContext::new("https://oidc.eks.x/id/1", &c);
        assert!(matches!(
            ctx.lookup("oidc.eks.x/id/1:aud"),
            Lookup::Present { values: Values::Many(v), caveat: Some(Caveat::AudManyElements) } if v.len() == 2
        ));
    }

    /// A key parsed at load time finds what the written key finds, whatever the case of its
    /// prefix or claim and whichever provider issued the token.
    #[test]
    fn parsed_keys_look_up_as_written_keys_do() {
        let tokens = [
            (
                "https://token.actions.githubusercontent.com",
                json!({"sub": "repo:a/b:ref:refs/heads/main", "aud": ["sts.amazonaws.com"], "repository": "a/b", "workflow": "ci", "actor_id": 7, "email": null}),
            ),
            (
                "https://gitlab.com",
                json!({"sub": "project_path:g/p:ref_type:branch:ref:main", "project_id": "42", "aud": ["x", "y"], "namespace_path": "g"}),
            ),
            (
                "https://accounts.google.com",
                json!({"sub": "1", "aud": "a", "azp": "b", "google": {"organization_number": "9"}}),
            ),
        ];
        let keys = [
            "token.actions.githubusercontent.com:sub",
            "Token.Actions.GitHubUserContent.com:Sub",
            "token.actions.githubusercontent.com:REPOSITORY",
            "token.actions.githubusercontent.com:actor_id",
            "token.actions.githubusercontent.com:email",
            "token.actions.githubusercontent.com:aud",
            "token.actions.githubusercontent.com:iss",
            "gitlab.com:project_id",
            "GITLAB.COM:Namespace_Path",
            "gitlab.com:aud",
            "gitlab.com:oaud",
            "accounts.google.com:aud",
            "accounts.google.com:oaud",
            "accounts.google.com:google/organization_number",
            "aws:SourceIp",
            "sts:RoleSessionName",
            "no-colon",
            "other.example.com:sub",
        ];
        for (issuer, claims_json) in tokens {
            let c = claims(claims_json);
            let ctx = TokenContext::new(issuer, &c);
            for key in keys {
                assert_eq!(
                    ctx.lookup_parsed(&ParsedKey::new(key)),
                    ctx.lookup(key),
                    "{issuer} {key}"
                );
            }
        }
    }
}
