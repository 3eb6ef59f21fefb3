//! Evaluating one `jwt` authenticator against a token, in the API server's order
//! (kubernetes/apiserver `plugin/pkg/authenticator/token/oidc/oidc.go@24a394e`): issuer (another
//! issuer is skipped), audience and expiry (go-oidc's verify), required claims, CEL claim
//! validation rules, claim mappings (username, groups, uid, extra), user validation rules.
//! Error texts are the authenticator's own.

use serde_json::{Map, Value, json};

use super::config::{CelRule, ClaimRule, JwtConfig, PrefixedMapping, UsernameMapping};
use crate::token::Claims;
use crate::token::lint::Severity;
use crate::trust::cel::{Bindings, Dialect, Expression};
use crate::trust::hints::string_mismatch_hints;
use crate::trust::strings::{owned_strings_in, string_list};
use crate::trust::{Check, Hint, Outcome, Rule, RuleId, RuleLint, Verdict};

/// go-oidc's allowance for `nbf` (verify.go: 5 minutes in v3); the version the API server
/// vendors was not checked.
pub const NBF_LEEWAY_SECS: i64 = 300;

const SHARED_ISSUERS: [&str; 5] = [
    "https://token.actions.githubusercontent.com",
    "https://gitlab.com",
    "https://app.terraform.io",
    "https://api.gitpod.io/idp",
    "https://app.gitpod.io",
];

pub struct JwtAuthenticator {
    pub(super) id: RuleId,
    /// The entry, or why the API server would refuse to start with it.
    pub(super) config: Result<JwtConfig, String>,
}

/// The user the authenticator produces.
#[derive(Debug, Default, Clone, PartialEq)]
struct User {
    username: String,
    uid: String,
    groups: Vec<String>,
    extra: Map<String, Value>,
}

impl User {
    fn to_json(&self) -> Value {
        json!({"username": self.username, "uid": self.uid, "groups": self.groups, "extra": self.extra})
    }
}

/// Stops evaluation with the authenticator's error, or with claimcheck's when it could not
/// evaluate an expression (the verdict is then an error, not a refusal).
struct Refusal {
    message: String,
    unevaluable: bool,
}

impl Refusal {
    fn new(message: String) -> Refusal {
        Refusal {
            message,
            unevaluable: false,
        }
    }
}

/// go-oidc accepts Google's scheme-less issuer for https://accounts.google.com.
fn issuer_matches(config: &JwtConfig, iss: &str) -> bool {
    iss == config.issuer_url
        || (config.issuer_url == "https://accounts.google.com" && iss == "accounts.google.com")
}

impl Rule for JwtAuthenticator {
    fn id(&self) -> &RuleId {
        &self.id
    }

    /// A token of another issuer is skipped before anything else is looked at; only the
    /// others need the whole verdict.
    fn outcome(&self, claims: &Claims, now: i64) -> Outcome {
        if let Ok(config) = &self.config {
            let iss = claims
                .get("iss")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !issuer_matches(config, iss) {
                return Outcome::NotApplicable;
            }
        }
        self.evaluate(claims, now).outcome
    }

    fn evaluate(&self, claims: &Claims, now: i64) -> Verdict {
        let config = match &self.config {
            Ok(config) => config,
            Err(error) => {
                return Verdict::of(
                    self,
                    Outcome::Error,
                    format!("invalid AuthenticationConfiguration: {error}"),
                    vec![
                        Check::failed("jwt entry is valid", Vec::new(), None)
                            .with_note(error.clone()),
                    ],
                    Vec::new(),
                );
            }
        };
        let mut checks = Vec::new();
        let mut unverified = Vec::new();

        let iss = claims.get("iss");
        let iss_text = iss.and_then(Value::as_str).unwrap_or_default();
        let issuer_matches = issuer_matches(config, iss_text);
        let mut issuer_check = Check::passed_if(
            issuer_matches,
            "iss = issuer.url",
            vec![json!(config.issuer_url)],
            iss.cloned(),
        );
        if !issuer_matches {
            issuer_check = issuer_check
                .with_hints(string_mismatch_hints(&config.issuer_url, iss_text))
                .with_note("a token from another issuer is skipped, not refused: the next authenticator may accept it");
            return Verdict::of(
                self,
                Outcome::NotApplicable,
                format!(
                    "skipped: this authenticator is for {}, the token is from {}",
                    config.issuer_url,
                    if iss_text.is_empty() {
                        "no issuer"
                    } else {
                        iss_text
                    }
                ),
                vec![issuer_check],
                Vec::new(),
            );
        }
        checks.push(issuer_check);

        let result = self.run(config, claims, now, &mut checks, &mut unverified);
        match result {
            Ok(user) => {
                let summary = format!(
                    "authenticated as \"{}\"{}{}",
                    user.username,
                    if user.groups.is_empty() {
                        String::new()
                    } else {
                        format!(", groups [{}]", user.groups.join(", "))
                    },
                    if user.uid.is_empty() {
                        String::new()
                    } else {
                        format!(", uid \"{}\"", user.uid)
                    },
                );
                checks.push(Check::passed("resulting user", Vec::new(), user.to_json()));
                Verdict::of(self, Outcome::Allowed, summary, checks, unverified)
            }
            Err(Refusal {
                message,
                unevaluable,
            }) => {
                let outcome = if unevaluable {
                    Outcome::Error
                } else {
                    Outcome::Denied
                };
                Verdict::of(self, outcome, message, checks, unverified)
            }
        }
    }

    fn lints(&self) -> Vec<RuleLint> {
        let Ok(config) = &self.config else {
            return Vec::new();
        };
        let mut lints = Vec::new();
        let shared = SHARED_ISSUERS.contains(&config.issuer_url.trim_end_matches('/'));
        if shared && config.claim_rules.is_empty() && config.user_rules.is_empty() {
            lints.push(RuleLint::new(
                "k8s-shared-issuer-unrestricted",
                Severity::Error,
                format!("{} issues tokens to every tenant; with no claimValidationRules or userValidationRules, any of them whose audience matches is authenticated", config.issuer_url),
            ));
        }
        if let UsernameMapping::Claim { claim, prefix } = &config.username
            && prefix.is_empty()
            && claim != "email"
        {
            lints.push(RuleLint::new(
                "k8s-username-no-prefix",
                Severity::Warning,
                format!("usernames come from claim '{claim}' without a prefix, so this issuer can produce names that collide with other users (even system: ones unless a userValidationRule forbids them)"),
            ));
        }
        lints
    }
}

impl JwtAuthenticator {
    /// The entry, or why the API server would refuse to start with it.
    pub fn config(&self) -> Result<&JwtConfig, &str> {
        self.config.as_ref().map_err(String::as_str)
    }

    fn run(
        &self,
        config: &JwtConfig,
        claims: &Claims,
        now: i64,
        checks: &mut Vec<Check>,
        unverified: &mut Vec<String>,
    ) -> Result<User, Refusal> {
        audience(config, claims, checks)?;
        time(claims, now, checks, unverified)?;
        let mut bindings = Bindings::new(Dialect::Kubernetes);
        bindings.bind_object("claims", claims);
        claim_rules(config, claims, &bindings, checks)?;
        let user = map_user(config, claims, &bindings, checks)?;
        user_rules(config, &user, checks)?;
        Ok(user)
    }
}

fn go_list(items: &[String]) -> String {
    items
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

fn audience(config: &JwtConfig, claims: &Claims, checks: &mut Vec<Check>) -> Result<(), Refusal> {
    let aud = claims.get("aud");
    let token_auds = owned_strings_in(aud);
    let passed = token_auds.iter().any(|a| config.audiences.contains(a));
    let mut check = Check::passed_if(
        passed,
        "aud intersects issuer.audiences (MatchAny)",
        config.audiences.iter().map(|a| json!(a)).collect(),
        aud.cloned(),
    );
    if !passed && let ([expected], [actual]) = (config.audiences.as_slice(), token_auds.as_slice())
    {
        check = check.with_hints(string_mismatch_hints(expected, actual));
    }
    checks.push(check);
    if passed {
        return Ok(());
    }
    let got = format!("[{}]", go_list(&token_auds));
    Err(Refusal::new(if config.audiences.len() == 1 {
        format!(
            "oidc: verify token: oidc: expected audience \"{}\" got {got}",
            config.audiences[0]
        )
    } else {
        let mut sorted = config.audiences.clone();
        sorted.sort();
        format!(
            "oidc: verify token: oidc: expected audience in [{}] got {got}",
            go_list(&sorted)
        )
    }))
}

fn time(
    claims: &Claims,
    now: i64,
    checks: &mut Vec<Check>,
    unverified: &mut Vec<String>,
) -> Result<(), Refusal> {
    let exp = claims.get("exp");
    let exp_at = exp.and_then(Value::as_f64).map(|e| e.floor() as i64);
    // go-oidc: expired when exp is before now, no leeway; a missing exp is the zero time.
    let fresh = exp_at.is_some_and(|e| e >= now);
    checks.push(
        Check::passed_if(
            fresh,
            "exp is not before now (no leeway)",
            Vec::new(),
            exp.cloned(),
        )
        .with_note("go-oidc applies no leeway to exp"),
    );
    if !fresh {
        let expiry = exp_at
            .and_then(|e| chrono::DateTime::from_timestamp(e, 0))
            .map_or("0001-01-01 00:00:00 +0000 UTC".to_owned(), |t| {
                t.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string()
            });
        return Err(Refusal::new(format!(
            "oidc: verify token: oidc: token is expired (Token Expiry: {expiry})"
        )));
    }
    if let Some(nbf) = claims
        .get("nbf")
        .and_then(Value::as_f64)
        .map(|n| n.floor() as i64)
    {
        let started = now + NBF_LEEWAY_SECS >= nbf;
        unverified.push(format!(
            "Kubernetes: the nbf leeway of the go-oidc version the API server vendors ({NBF_LEEWAY_SECS} s assumed, go-oidc v3)"
        ));
        checks.push(
            Check::passed_if(
                started,
                format!("nbf is before now + {NBF_LEEWAY_SECS} s"),
                Vec::new(),
                json!(nbf),
            )
            .with_note("the nbf leeway is unverified for the go-oidc version in use"),
        );
        if !started {
            return Err(Refusal::new(
                "oidc: verify token: oidc: current time before the nbf (not before) time"
                    .to_owned(),
            ));
        }
    }
    Ok(())
}

/// Go's name for a JSON value's type in `json: cannot unmarshal X into Go value of type T`.
fn go_json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A claim read into a Go `string`: null leaves it empty, other non-strings fail.
fn claim_as_string(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type string",
            go_json_type(other)
        )),
    }
}

fn claim_rules(
    config: &JwtConfig,
    claims: &Claims,
    bindings: &Bindings,
    checks: &mut Vec<Check>,
) -> Result<(), Refusal> {
    for rule in &config.claim_rules {
        let ClaimRule::Required { claim, value } = rule else {
            continue;
        };
        let actual = claims.get(claim);
        let condition = format!("claimValidationRules: {claim} = \"{value}\"");
        let Some(actual) = actual else {
            checks.push(Check::absent(condition, vec![json!(value)]));
            return Err(Refusal::new(format!(
                "oidc: required claim {claim} not present in ID token"
            )));
        };
        match claim_as_string(actual) {
            Err(error) => {
                checks.push(
                    Check::failed(condition, vec![json!(value)], actual.clone())
                        .with_note("only string claims can satisfy requiredValue")
                        .with_hint(Hint::new("k8s-required-claim-not-string", format!("the token's '{claim}' is a {}, not a string; use an expression rule such as claims.{claim} == … instead", go_json_type(actual)))),
                );
                return Err(Refusal::new(format!("oidc: parse claim {claim}: {error}")));
            }
            Ok(got) if got != *value => {
                checks.push(
                    Check::failed(condition, vec![json!(value)], actual.clone())
                        .with_hints(string_mismatch_hints(value, &got)),
                );
                return Err(Refusal::new(format!(
                    "oidc: required claim {claim} value does not match. Got = {got}, want = {value}"
                )));
            }
            Ok(_) => checks.push(Check::passed(condition, vec![json!(value)], actual.clone())),
        }
    }
    let rules: Vec<&CelRule> = config
        .claim_rules
        .iter()
        .filter_map(|r| match r {
            ClaimRule::Cel(rule) => Some(&**rule),
            ClaimRule::Required { .. } => None,
        })
        .collect();
    cel_rules(
        &rules,
        bindings,
        "claimValidationRules",
        "claim validation expression",
        checks,
    )
}

/// The API server evaluates every rule before looking at the results, so the first CEL error
/// wins over an earlier rule that merely returned false.
fn cel_rules(
    rules: &[&CelRule],
    bindings: &Bindings,
    field: &str,
    what: &str,
    checks: &mut Vec<Check>,
) -> Result<(), Refusal> {
    let results: Vec<_> = rules
        .iter()
        .map(|r| r.expression.evaluate(bindings))
        .collect();
    if let Some(error) = results
        .iter()
        .find_map(|r| r.as_ref().err().filter(|e| e.unevaluable))
    {
        return Err(Refusal {
            message: error.to_string(),
            unevaluable: true,
        });
    }
    let mut refusal = None;
    for (rule, result) in rules.iter().zip(&results) {
        let condition = format!("{field}: {}", rule.expression.source());
        match result {
            Err(error) => {
                let mut hints = rule.expression.deciding_part_hints(bindings);
                if let Some(key) = &error.missing_key {
                    hints.push(Hint::new("absent-claim", format!("'{key}' is absent, which is a CEL error rather than false; use has() or claims.?{key}.orValue(…)")));
                }
                checks.push(
                    Check::failed(condition, vec![json!(true)], None)
                        .with_note(format!("CEL error: {error}"))
                        .with_hints(hints),
                );
                if !matches!(refusal, Some((true, _))) {
                    refusal = Some((
                        true,
                        format!(
                            "oidc: error evaluating {what}: expression '{}' resulted in error: {error}",
                            rule.expression.source()
                        ),
                    ));
                }
            }
            Ok(value) => {
                let passed = value.as_bool() == Some(true);
                let mut check =
                    Check::passed_if(passed, condition, vec![json!(true)], value.value.clone());
                if value.as_bool().is_none() {
                    check =
                        check.with_note(format!("must return a bool, returned {}", value.cel_type));
                } else if !rule.message.is_empty() {
                    check = check.with_note(format!("message: {}", rule.message));
                }
                if !passed {
                    check = check.with_hints(rule.expression.deciding_part_hints(bindings));
                }
                checks.push(check);
                if !passed && refusal.is_none() {
                    refusal = Some((
                        false,
                        format!(
                            "oidc: error evaluating {what}: validation expression '{}' failed: {}",
                            rule.expression.source(),
                            rule.message
                        ),
                    ));
                }
            }
        }
    }
    match refusal {
        Some((_, message)) => Err(Refusal::new(message)),
        None => Ok(()),
    }
}

fn eval_mapping(
    expression: &Expression,
    bindings: &Bindings,
    what: &str,
) -> Result<Value, Refusal> {
    expression.evaluate(bindings).map(|e| e.value).map_err(|e| {
        if e.unevaluable {
            return Refusal {
                message: e.to_string(),
                unevaluable: true,
            };
        }
        Refusal::new(format!(
            "oidc: error evaluating {what} expression: expression '{}' resulted in error: {e}",
            expression.source()
        ))
    })
}

const A_STRING: &str = "a string";
const STRINGS: &str = "a string or a list of strings";

/// Evaluates a claim mapping whose result must have a `shape` (`convert` reads it); a CEL
/// error or another shape is recorded as a failed check under `condition` and refused with the
/// API server's message, which calls the mapping `what` (`uid claim`). The caller records the
/// successful check, with the value it keeps.
fn shaped_mapping<T>(
    (expression, what, condition): (&Expression, &str, &str),
    bindings: &Bindings,
    checks: &mut Vec<Check>,
    shape: &str,
    convert: impl FnOnce(&Value) -> Option<T>,
) -> Result<T, Refusal> {
    let value = eval_mapping(expression, bindings, what).inspect_err(|_| {
        checks.push(Check::failed(condition, Vec::new(), None));
    })?;
    convert(&value).ok_or_else(|| {
        checks.push(
            Check::failed(condition, Vec::new(), value.clone())
                .with_note(format!("must return {shape}")),
        );
        Refusal::new(format!(
            "oidc: error evaluating {what} expression: expression '{}' must return {shape}, got {value}",
            expression.source()
        ))
    })
}

fn string(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn map_user(
    config: &JwtConfig,
    claims: &Claims,
    bindings: &Bindings,
    checks: &mut Vec<Check>,
) -> Result<User, Refusal> {
    let mut user = User::default();

    match &config.username {
        UsernameMapping::Claim { claim, prefix } => {
            let condition = format!("claimMappings.username: claim {claim}, prefix \"{prefix}\"");
            let Some(value) = claims.get(claim) else {
                checks.push(Check::absent(condition, Vec::new()));
                return Err(Refusal::new(format!(
                    "oidc: parse username claims \"{claim}\": claim not present"
                )));
            };
            let name = claim_as_string(value).map_err(|e| {
                checks.push(Check::failed(condition.clone(), Vec::new(), value.clone()));
                Refusal::new(format!("oidc: parse username claims \"{claim}\": {e}"))
            })?;
            if claim == "email" {
                email_verified(claims, checks)?;
            }
            user.username = format!("{prefix}{name}");
            checks.push(Check::passed(condition, Vec::new(), json!(user.username)));
        }
        UsernameMapping::Expression(expression) => {
            let condition = format!("claimMappings.username: {}", expression.source());
            let name = shaped_mapping(
                (expression, "username claim", &condition),
                bindings,
                checks,
                A_STRING,
                string,
            )?;
            if name.is_empty() {
                checks.push(Check::failed(condition, Vec::new(), json!("")));
                return Err(Refusal::new(
                    "oidc: empty username via CEL expression is not allowed".to_owned(),
                ));
            }
            user.username = name;
            checks.push(Check::passed(condition, Vec::new(), json!(user.username)));
        }
    }

    match &config.groups {
        None => {}
        Some(PrefixedMapping::Claim { claim, prefix }) => {
            let condition = format!("claimMappings.groups: claim {claim}, prefix \"{prefix}\"");
            // Absent groups claim: no groups. A string is one group; a list, several.
            if let Some(value) = claims.get(claim) {
                let groups = match string_list(value) {
                    Some(groups) => groups,
                    None => {
                        let other = value;
                        checks.push(
                            Check::failed(condition, Vec::new(), other.clone())
                                .with_note("groups must be a string or a list of strings"),
                        );
                        let found = if other.is_array() {
                            "array"
                        } else {
                            go_json_type(other)
                        };
                        return Err(Refusal::new(format!(
                            "oidc: parse groups claim \"{claim}\": json: cannot unmarshal {found} into Go value of type string"
                        )));
                    }
                };
                user.groups = groups.into_iter().map(|g| format!("{prefix}{g}")).collect();
            }
            checks.push(Check::passed(condition, Vec::new(), json!(user.groups)));
        }
        Some(PrefixedMapping::Expression(expression)) => {
            let condition = format!("claimMappings.groups: {}", expression.source());
            user.groups = shaped_mapping(
                (expression, "group claim", &condition),
                bindings,
                checks,
                STRINGS,
                string_list,
            )?;
            checks.push(Check::passed(condition, Vec::new(), json!(user.groups)));
        }
    }

    match &config.uid {
        None => {}
        Some(PrefixedMapping::Claim { claim, .. }) => {
            let condition = format!("claimMappings.uid: claim {claim}");
            let value = claims.get(claim);
            let uid = match value.map(claim_as_string) {
                None => Err("claim not present".to_owned()),
                Some(result) => result,
            };
            match uid {
                Ok(uid) => {
                    user.uid = uid;
                    checks.push(Check::passed(condition, Vec::new(), json!(user.uid)));
                }
                Err(error) => {
                    checks.push(Check::failed(condition, Vec::new(), value.cloned()));
                    return Err(Refusal::new(format!(
                        "oidc: parse uid claim \"{claim}\": {error}"
                    )));
                }
            }
        }
        Some(PrefixedMapping::Expression(expression)) => {
            let condition = format!("claimMappings.uid: {}", expression.source());
            user.uid = shaped_mapping(
                (expression, "uid claim", &condition),
                bindings,
                checks,
                A_STRING,
                string,
            )?;
            checks.push(Check::passed(condition, Vec::new(), json!(user.uid)));
        }
    }

    // A string jti becomes a credential id (the credential-id feature of the authenticator).
    if let Some(Value::String(jti)) = claims.get("jti") {
        user.extra.insert(
            "authentication.kubernetes.io/credential-id".to_owned(),
            json!([format!("JTI={jti}")]),
        );
    }
    for (key, expression) in &config.extra {
        let condition = format!("claimMappings.extra[{key}]: {}", expression.source());
        let values = shaped_mapping(
            (expression, "extra claim", &condition),
            bindings,
            checks,
            STRINGS,
            string_list,
        )?;
        // Empty strings and empty lists are dropped.
        let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
        checks.push(Check::passed(condition, Vec::new(), json!(values)));
        if !values.is_empty() {
            user.extra.insert(key.clone(), json!(values));
        }
    }
    Ok(user)
}

/// With `claim: email`, a present `email_verified` must be the boolean true.
fn email_verified(claims: &Claims, checks: &mut Vec<Check>) -> Result<(), Refusal> {
    let Some(value) = claims.get("email_verified") else {
        checks.push(
            Check::passed(
                "email_verified is true when present",
                vec![json!(true)],
                None,
            )
            .with_note("absent: not checked"),
        );
        return Ok(());
    };
    let verified = match value {
        Value::Bool(b) => *b,
        Value::Null => false,
        other => {
            checks.push(
                Check::failed(
                    "email_verified is true when present",
                    vec![json!(true)],
                    other.clone(),
                )
                .with_hint(Hint::new(
                    "k8s-email-verified-type",
                    "email_verified must be a JSON boolean; the string \"true\" is refused",
                )),
            );
            return Err(Refusal::new(format!(
                "oidc: parse 'email_verified' claim: json: cannot unmarshal {} into Go value of type bool",
                go_json_type(other)
            )));
        }
    };
    checks.push(Check::passed_if(
        verified,
        "email_verified is true when present",
        vec![json!(true)],
        value.clone(),
    ));
    if verified {
        Ok(())
    } else {
        Err(Refusal::new("oidc: email not verified".to_owned()))
    }
}

fn user_rules(config: &JwtConfig, user: &User, checks: &mut Vec<Check>) -> Result<(), Refusal> {
    if config.user_rules.is_empty() {
        return Ok(());
    }
    let user_json = user.to_json();
    let mut bindings = Bindings::new(Dialect::Kubernetes);
    bindings.bind("user", &user_json);
    let rules: Vec<&CelRule> = config.user_rules.iter().collect();
    cel_rules(
        &rules,
        &bindings,
        "userValidationRules",
        "user info validation rule",
        checks,
    )
}
